/**
 * Named health signals a rollout gate can watch. The names are stable: the simulator computes them from
 * its model and a live MetricsSource computes them from the real metrics in
 * ../shared/reference/incident-and-mechanics.md §3, listed here per signal so both worlds agree.
 *
 * Whose requests a signal counts (`scope`): a gate judges what the change does to OTHERS — a change's own
 * full-cluster LISTs are slow and its fenced requests queue and get 429s by design, and neither is harm.
 * So the API-server signals leave the change's own flow out (its FlowSchema `rampart-change-<change>` and
 * the fence's `rampart-rollout-fence-<ns>-<sa>`, on any priority level) and seat utilization leaves out the
 * levels only the change uses (the fence, the quarantine). The change's own cost is judged by
 * `change_seat_demand` (the seat projection at every node step) and by the seat utilization of the levels
 * it shares with others.
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

/** Whose requests a signal counts: everyone's but the change's, the change's own, or the whole cluster's. */
export type SignalScope = 'others' | 'change' | 'cluster';

/** When a gate on a signal may fail: while baking, or only once the bake is over. */
export type GateTiming = 'continuous' | 'bake-end';

export interface SignalDef {
  readonly name: SignalName;
  readonly unit: string;
  readonly bad: BadDirection;
  /** Default timing; readiness is naturally low while pods start, so it is only judged at bake end. */
  readonly timing: GateTiming;
  readonly scope: SignalScope;
  /** What the signal leaves out, in words (README "Which requests each signal counts" lists these). */
  readonly excludes: string;
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
    scope: 'others',
    excludes: "the change's own requests (its flow schemas): its full-cluster LISTs are slow by themselves",
    // §3.1. apiserver_request_duration_seconds has no flow label, so the others-only p99 comes from APF's
    // per-flow histograms: queue wait + execution of every flow schema but the change's (an upper bound).
    live:
      'histogram_quantile(0.99, sum by (le) (rate(apiserver_flowcontrol_request_wait_duration_seconds_bucket{flow_schema!~"rampart-change-<change>|rampart-rollout-fence-.*"}[$w]))) + ' +
      'histogram_quantile(0.99, sum by (le) (rate(apiserver_flowcontrol_request_execution_seconds_bucket{flow_schema!~"rampart-change-<change>|rampart-rollout-fence-.*"}[$w])))',
    description: 'p99 API request latency of every flow but the change, including APF queue wait',
  },
  apf_seat_utilization: {
    name: 'apf_seat_utilization',
    unit: 'ratio',
    bad: 'higher',
    timing: 'continuous',
    scope: 'others',
    excludes:
      'levels only the change uses (the rollout fence, the quarantine): filling them is the fence working',
    // §3.2: executing seats over the current (borrowing-adjusted) limit, worst non-exempt level.
    // §3.2: executing seats over the current (borrowing-adjusted) limit, worst non-exempt level but the
    // change's own (fence, quarantine). Levels it shares with others count its seats too.
    live:
      'max(sum by (priority_level) (avg_over_time(apiserver_flowcontrol_current_executing_seats{priority_level!~"rampart-rollout-fence|rampart-quarantine.*"}[$w])) / ' +
      'sum by (priority_level) (avg_over_time(apiserver_flowcontrol_current_limit_seats{priority_level!~"rampart-rollout-fence|rampart-quarantine.*"}[$w])))',
    description: 'executing seats / seat limit of the busiest priority level the change shares with others',
  },
  apf_queue_length: {
    name: 'apf_queue_length',
    unit: 'requests',
    bad: 'higher',
    timing: 'continuous',
    scope: 'others',
    excludes: "the change's own queued requests (its flow schemas)",
    live: 'sum(avg_over_time(apiserver_flowcontrol_current_inqueue_requests{flow_schema!~"rampart-change-<change>|rampart-rollout-fence-.*"}[$w]))',
    description: 'requests of every flow but the change waiting in APF queues, all levels',
  },
  apiserver_429_per_s: {
    name: 'apiserver_429_per_s',
    unit: '1/s',
    bad: 'higher',
    timing: 'continuous',
    scope: 'others',
    excludes: "the change's own rejections (a fenced change is meant to get 429s)",
    // §3.2 rejected_requests_total covers queue-full, time-out and concurrency-limit.
    // §3.2 rejected_requests_total covers queue-full, time-out and concurrency-limit.
    live: 'sum(rate(apiserver_flowcontrol_rejected_requests_total{flow_schema!~"rampart-change-<change>|rampart-rollout-fence-.*"}[$w]))',
    description: 'requests of every flow but the change rejected by APF with 429, per second',
  },
  apiserver_timeouts_per_s: {
    name: 'apiserver_timeouts_per_s',
    unit: '1/s',
    bad: 'higher',
    timing: 'continuous',
    scope: 'others',
    excludes: "the change's own time-outs",
    // apiserver_request_total has no flow label: APF time-outs of the other flows, plus every 504 (the
    // change's own among them: leaving out the resources it calls would hide others' 504s on them).
    live:
      'sum(rate(apiserver_flowcontrol_rejected_requests_total{reason="time-out",flow_schema!~"rampart-change-<change>|rampart-rollout-fence-.*"}[$w])) + ' +
      'sum(rate(apiserver_request_total{code="504"}[$w]))',
    description:
      'requests of every flow but the change that hit --request-timeout (504) or timed out queued, per second',
  },
  etcd_p99_latency_s: {
    name: 'etcd_p99_latency_s',
    unit: 's',
    bad: 'higher',
    timing: 'continuous',
    scope: 'cluster',
    excludes: 'nothing: etcd does not know which client a read is for',
    live: 'histogram_quantile(0.99, sum by (le) (rate(etcd_request_duration_seconds_bucket[$w])))',
    description: 'p99 etcd request latency seen by the API servers',
  },
  coredns_servfail_ratio: {
    name: 'coredns_servfail_ratio',
    unit: 'ratio',
    bad: 'higher',
    timing: 'continuous',
    scope: 'cluster',
    excludes: 'nothing: every answer counts (the change rarely resolves names itself)',
    // §3.4 CoreDNS :9153.
    live: 'sum(rate(coredns_dns_responses_total{rcode="SERVFAIL"}[$w])) / sum(rate(coredns_dns_responses_total[$w]))',
    description: 'share of CoreDNS answers that are SERVFAIL',
  },
  dns_cache_miss_ratio: {
    name: 'dns_cache_miss_ratio',
    unit: 'ratio',
    bad: 'higher',
    timing: 'continuous',
    scope: 'cluster',
    excludes: 'nothing',
    // §3.4 NodeLocal DNSCache exposes the CoreDNS cache metrics on :9253; misses = requests − hits.
    live: '1 - sum(rate(coredns_cache_hits_total{job="node-local-dns"}[$w])) / sum(rate(coredns_cache_requests_total{job="node-local-dns"}[$w]))',
    description: 'share of node-cache lookups that go upstream (rises as cached answers expire)',
  },
  workload_error_ratio: {
    name: 'workload_error_ratio',
    unit: 'ratio',
    bad: 'higher',
    timing: 'continuous',
    scope: 'others',
    excludes: "the change: it is the workloads' own request metrics",
    // Not a Kubernetes metric: the fleet's own request metrics; the live adapter takes the query as config.
    live: 'sum(rate(<workload>_requests_total{code=~"5.."}[$w])) / sum(rate(<workload>_requests_total[$w]))',
    description: "customer-facing error ratio of the cluster's workloads",
  },
  change_ready_ratio: {
    name: 'change_ready_ratio',
    unit: 'ratio',
    bad: 'lower',
    timing: 'bake-end',
    scope: 'change',
    excludes: "everything but the change's pods",
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
    scope: 'change',
    excludes: "everything but the change's flow: the rest of its level is its context (other demand, seats)",
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
