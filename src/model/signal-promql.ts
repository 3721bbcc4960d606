import { signalDefs, type SignalName } from './signals.js';

/** 0 at every instant an API server of the cluster was scraped (its APF limits are always exported). */
const zeroWhereScraped = '(0 * max(apiserver_flowcontrol_nominal_limit_seats))';

/** A change name as a literal inside a PromQL regex matcher (`=~` / `!~`). */
function regexLiteral(name: string): string {
  return name.replace(/[.*+?^${}()|[\]\\]/g, '\\\\$&');
}

/**
 * What a live gate evaluates for a signal (the Prometheus adapter, and the Grafana dashboard that shows the
 * gates): the signal's single PromQL from the signal table for a change, null for the composite
 * `change_seat_demand`. The table's others-only queries name the change's flow schema
 * (`rampart-change-<change>`), filled in here.
 */
export function signalPromQL(signal: SignalName, changeName: string): string | null {
  const live = signalDefs[signal].live.replaceAll('<change>', regexLiteral(changeName));
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
