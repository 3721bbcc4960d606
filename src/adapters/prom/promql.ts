import { signalDefs, type SignalName } from '../../model/signals.js';
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

/** A change name as a literal inside a PromQL regex matcher (`=~` / `!~`). */
function regexLiteral(name: string): string {
  return name.replace(/[.*+?^${}()|[\]\\]/g, '\\\\$&');
}

/**
 * The signal's single PromQL from the signal table for a change, null for the composite
 * `change_seat_demand`. The table's others-only queries name the change's flow schema
 * (`rampart-change-<change>`), filled in here. `<change-resources>` (504s of the resources the change does
 * not call) needs the change's API profile, which a manifest does not state: every 504 counts, which errs
 * towards holding.
 */
export function signalPromQL(signal: SignalName, changeName: string): string | null {
  const live = signalDefs[signal].live
    .replaceAll('<change>', regexLiteral(changeName))
    .replaceAll(/,resource!~"<change-resources>"/g, '');
  switch (signal) {
    case 'change_seat_demand':
      return null;
    // An API server exports a rejection counter or a 504 only once it has counted one: a healthy server
    // has no series, which must read as 0 — but only where the server is being scraped (a gauge it always
    // exports is present), so that a missing target stays missing rather than a healthy zero.
    case 'apiserver_429_per_s':
      return `(${live}) or ${zeroWhereScraped}`;
    case 'apiserver_timeouts_per_s':
      return live
        .split(' + ')
        .map((term) => `(${term} or ${zeroWhereScraped})`)
        .join(' + ');
    // The table's "worst level but the change's own": exempt too, which has a nominal limit of 0 and a tiny
    // current one the scrape's own request can fill.
    case 'apf_seat_utilization':
      return live.replaceAll('priority_level!~"', 'priority_level!~"exempt|');
    case 'apf_queue_length':
    case 'apiserver_p99_latency_s':
    case 'change_ready_ratio':
    case 'coredns_servfail_ratio':
    case 'dns_cache_miss_ratio':
    case 'etcd_p99_latency_s':
    case 'workload_error_ratio':
      return live;
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
  return /<[a-z-]+>/.test(expr);
}
