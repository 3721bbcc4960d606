/**
 * Named health signals a rollout gate can watch. The names are stable: the simulator computes them from
 * its model and a live MetricsSource computes them from the real metrics in
 * ../shared/reference/incident-and-mechanics.md §3, listed here per signal so both worlds agree.
 */
export const signalNames = [
  'apiserver_p99_latency_s',
  'apf_seat_utilization',
  'apf_queue_length',
  'apiserver_429_per_s',
  'apiserver_timeouts_per_s',
  'etcd_p99_latency_s',
  'coredns_servfail_ratio',
  'dns_cache_miss_ratio',
  'workload_error_ratio',
  'change_ready_ratio',
  'change_seat_demand',
] as const;

export type SignalName = (typeof signalNames)[number];

/** Which side of a threshold is bad: most signals hurt when they rise, readiness when it falls. */
export type BadDirection = 'higher' | 'lower';

/** When a gate on a signal may fail: while baking, or only once the bake is over. */
export type GateTiming = 'continuous' | 'bake-end';

export interface SignalDef {
  readonly name: SignalName;
  readonly unit: string;
  readonly bad: BadDirection;
  /** Default timing; readiness is naturally low while pods start, so it is only judged at bake end. */
  readonly timing: GateTiming;
  /** What a live MetricsSource evaluates (PromQL over the reference §3 metric names; `$w` = window). */
  readonly live: string;
  readonly description: string;
}

/** The signal table: one row per signal, with its live backing for the Prometheus adapter. */
export const signalDefs: Readonly<Record<SignalName, SignalDef>> = {
  apiserver_p99_latency_s: {
    name: 'apiserver_p99_latency_s',
    unit: 's',
    bad: 'higher',
    timing: 'continuous',
    // §3.1: includes APF queue wait, which is what callers feel during saturation.
    live: 'histogram_quantile(0.99, sum by (le) (rate(apiserver_request_duration_seconds_bucket{verb!~"WATCH|CONNECT"}[$w])))',
    description: 'p99 API request latency, including APF queue wait',
  },
  apf_seat_utilization: {
    name: 'apf_seat_utilization',
    unit: 'ratio',
    bad: 'higher',
    timing: 'continuous',
    // §3.2: executing seats over the current (borrowing-adjusted) limit, worst non-exempt level.
    live:
      'max(sum by (priority_level) (avg_over_time(apiserver_flowcontrol_current_executing_seats[$w])) / ' +
      'sum by (priority_level) (avg_over_time(apiserver_flowcontrol_current_limit_seats[$w])))',
    description: 'executing seats / seat limit of the busiest priority level',
  },
  apf_queue_length: {
    name: 'apf_queue_length',
    unit: 'requests',
    bad: 'higher',
    timing: 'continuous',
    live: 'sum(avg_over_time(apiserver_flowcontrol_current_inqueue_requests[$w]))',
    description: 'requests waiting in APF queues, all levels',
  },
  apiserver_429_per_s: {
    name: 'apiserver_429_per_s',
    unit: '1/s',
    bad: 'higher',
    timing: 'continuous',
    // §3.2 rejected_requests_total covers queue-full, time-out and concurrency-limit.
    live: 'sum(rate(apiserver_flowcontrol_rejected_requests_total[$w]))',
    description: 'requests rejected by APF with 429 per second',
  },
  apiserver_timeouts_per_s: {
    name: 'apiserver_timeouts_per_s',
    unit: '1/s',
    bad: 'higher',
    timing: 'continuous',
    live: 'sum(rate(apiserver_request_total{code="504"}[$w])) + sum(rate(apiserver_request_aborts_total[$w]))',
    description: 'requests that hit --request-timeout (504) or were aborted, per second',
  },
  etcd_p99_latency_s: {
    name: 'etcd_p99_latency_s',
    unit: 's',
    bad: 'higher',
    timing: 'continuous',
    live: 'histogram_quantile(0.99, sum by (le) (rate(etcd_request_duration_seconds_bucket[$w])))',
    description: 'p99 etcd request latency seen by the API servers',
  },
  coredns_servfail_ratio: {
    name: 'coredns_servfail_ratio',
    unit: 'ratio',
    bad: 'higher',
    timing: 'continuous',
    // §3.4 CoreDNS :9153.
    live: 'sum(rate(coredns_dns_responses_total{rcode="SERVFAIL"}[$w])) / sum(rate(coredns_dns_responses_total[$w]))',
    description: 'share of CoreDNS answers that are SERVFAIL',
  },
  dns_cache_miss_ratio: {
    name: 'dns_cache_miss_ratio',
    unit: 'ratio',
    bad: 'higher',
    timing: 'continuous',
    // §3.4 NodeLocal DNSCache exposes the CoreDNS cache metrics on :9253; misses = requests − hits.
    live: '1 - sum(rate(coredns_cache_hits_total{job="node-local-dns"}[$w])) / sum(rate(coredns_cache_requests_total{job="node-local-dns"}[$w]))',
    description: 'share of node-cache lookups that go upstream (rises as cached answers expire)',
  },
  workload_error_ratio: {
    name: 'workload_error_ratio',
    unit: 'ratio',
    bad: 'higher',
    timing: 'continuous',
    // Not a Kubernetes metric: the fleet's own request metrics; the live adapter takes the query as config.
    live: 'sum(rate(<workload>_requests_total{code=~"5.."}[$w])) / sum(rate(<workload>_requests_total[$w]))',
    description: "customer-facing error ratio of the cluster's workloads",
  },
  change_ready_ratio: {
    name: 'change_ready_ratio',
    unit: 'ratio',
    bad: 'lower',
    timing: 'bake-end',
    // ClusterClient.rolloutStatus (ready / desired) or kube-state-metrics for the same object.
    live:
      'avg_over_time(kube_daemonset_status_number_ready{daemonset="<change>"}[$w]) / ' +
      'avg_over_time(kube_daemonset_status_desired_number_scheduled{daemonset="<change>"}[$w])',
    description: "share of the change's desired pods that are ready",
  },
  change_seat_demand: {
    name: 'change_seat_demand',
    unit: 'seats',
    bad: 'higher',
    timing: 'continuous',
    // The live adapter gives the change's service account its own FlowSchema on the same priority level
    // (precedence just ahead of the schema it would match) so its seats are separable by flow_schema.
    live:
      'sum(avg_over_time(apiserver_flowcontrol_current_executing_seats{flow_schema="rampart-change-<change>"}[$w])) + ' +
      'sum(avg_over_time(apiserver_flowcontrol_current_inqueue_seats{flow_schema="rampart-change-<change>"}[$w])); ' +
      'context: level demand = same sums by priority_level, available = apiserver_flowcontrol_upper_limit_seats{priority_level}',
    description:
      "the change's own seat demand on its priority level, with that level's other demand and seats",
  },
};

/** True when `name` is a known signal (for messages and narrowing). */
export function isSignalName(name: string): name is SignalName {
  return (signalNames as readonly string[]).includes(name);
}
