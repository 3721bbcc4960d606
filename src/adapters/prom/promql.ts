import { signalDefs, type SignalName } from '../../model/signals.js';
import type { ChangeFlow } from '../change-flow.js';
import { fenceLevelName } from '../../apf/breakglass.js';

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

/** The signal's single PromQL from the signal table; null for the composite `change_seat_demand`. */
export function signalPromQL(signal: SignalName): string | null {
  switch (signal) {
    case 'change_seat_demand':
      return null;
    // An API server exports a rejection or timeout counter only once it has counted one: a healthy server
    // has no series, which must read as 0 — but only where the server is being scraped (a gauge it always
    // exports is present), so that a missing target stays missing rather than a healthy zero.
    case 'apiserver_429_per_s':
      return `sum(rate(apiserver_flowcontrol_rejected_requests_total[$w])) or ${zeroWhereScraped}`;
    case 'apiserver_timeouts_per_s':
      return (
        `(sum(rate(apiserver_request_total{code="504"}[$w])) or ${zeroWhereScraped}) + ` +
        `(sum(rate(apiserver_request_aborts_total[$w])) or ${zeroWhereScraped})`
      );
    // The signal table's "worst non-exempt level": exempt has a nominal limit of 0 and a tiny current one,
    // which the scrape's own request can fill. The rollout fence is the change's own pen: it filling up is the change being contained (its demand is
    // what the extrapolation gate judges, its 429s still count), not the cluster saturating.
    case 'apf_seat_utilization':
      return signalDefs[signal].live.replaceAll(
        /(apiserver_flowcontrol_current_(?:executing|limit)_seats)\[/g,
        `$1{priority_level!~"exempt|${fenceLevelName}"}[`,
      );
    case 'apf_queue_length':
      return signalDefs[signal].live.replace(
        'apiserver_flowcontrol_current_inqueue_requests[',
        `apiserver_flowcontrol_current_inqueue_requests{priority_level!="${fenceLevelName}"}[`,
      );
    case 'apiserver_p99_latency_s':
    case 'change_ready_ratio':
    case 'coredns_servfail_ratio':
    case 'dns_cache_miss_ratio':
    case 'etcd_p99_latency_s':
    case 'workload_error_ratio':
      return signalDefs[signal].live;
    default: {
      const never: never = signal;
      return never;
    }
  }
}

/** 0 at every instant an API server of the cluster was scraped (its APF limits are always exported). */
const zeroWhereScraped = '(0 * max(apiserver_flowcontrol_nominal_limit_seats))';

/** True when the table's query still has a placeholder (`<workload>`, `<change>`) this adapter cannot fill. */
export function hasPlaceholder(expr: string): boolean {
  return /<[a-z]+>/.test(expr);
}
