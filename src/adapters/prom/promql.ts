import type { ChangeFlow } from '../change-flow.js';

/** Metric-name prefixes of the reference §3 series the signal table queries. */
const metricName = /\b((?:apiserver|etcd|coredns|kube)_[a-zA-Z0-9_]*)(\{[^}]*\})?/g;

/**
 * Adds a cluster's label matchers to every series selector of a PromQL expression (the signal table's
 * queries name each metric with or without `{…}`), and puts the rate window in for `$w`.
 */
export function resolvePromQL(expr: string, selector: string, rateWindowS: number): string {
  const sel = selector.trim().replace(/,\s*$/, '');
  const withSel = sel
    ? expr.replace(metricName, (_m, name: string, braces: string | undefined) => {
        if (!braces) return `${name}{${sel}}`;
        const inner = braces.slice(1, -1).trim();
        return `${name}{${inner ? `${inner},` : ''}${sel}}`;
      })
    : expr;
  return withSel.replaceAll('$w', `${Math.max(1, Math.round(rateWindowS))}s`);
}

/** The queries behind `change_seat_demand` for one change flow (each resolved by resolvePromQL). */
export function changeDemandQueries(flow: ChangeFlow): Record<string, string> {
  const fs = `flow_schema="${flow.flowSchema}"`;
  const l = `priority_level="${flow.priorityLevel}"`;
  return {
    execS: `sum(rate(apiserver_flowcontrol_request_execution_seconds_sum{${fs}}[$w]))`,
    executedPerS: `sum(rate(apiserver_flowcontrol_request_execution_seconds_count{${fs}}[$w]))`,
    waitS: `sum(rate(apiserver_flowcontrol_request_wait_duration_seconds_sum{${fs}}[$w]))`,
    rejectedPerS: `sum(rate(apiserver_flowcontrol_rejected_requests_total{${fs}}[$w]))`,
    seatsPerRequest: `sum(rate(apiserver_flowcontrol_work_estimated_seats_sum{${fs}}[$w])) / sum(rate(apiserver_flowcontrol_work_estimated_seats_count{${fs}}[$w]))`,
    otherExecuting: `sum(avg_over_time(apiserver_flowcontrol_current_executing_seats{${l},flow_schema!="${flow.flowSchema}"}[$w]))`,
    otherQueued: `sum(avg_over_time(apiserver_flowcontrol_current_inqueue_seats{${l},flow_schema!="${flow.flowSchema}"}[$w]))`,
    availableSeats: `sum(apiserver_flowcontrol_upper_limit_seats{${l}})`,
    serverSeats: `sum(apiserver_flowcontrol_nominal_limit_seats)`,
    othersLowerSeats: `sum(apiserver_flowcontrol_lower_limit_seats{priority_level!="${flow.priorityLevel}"})`,
    nominalPerServer: `max(apiserver_flowcontrol_nominal_limit_seats{${l}})`,
  };
}

/** True when the table's query still has a placeholder (`<workload>`, `<change>`) this adapter cannot fill. */
export function hasPlaceholder(expr: string): boolean {
  return /<[a-z-]+>/.test(expr);
}
