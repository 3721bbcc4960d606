import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  counterDelta,
  histogramDelta,
  histogramQuantile,
  nonStreamingDuration,
  snapshotOf,
} from './apiserver-metrics.js';

const scrape = (n: number): string => `# HELP x
# TYPE apiserver_flowcontrol_current_executing_seats gauge
apiserver_flowcontrol_current_executing_seats{flow_schema="service-accounts",priority_level="workload-low"} 3
apiserver_flowcontrol_current_executing_seats{flow_schema="other",priority_level="workload-low"} 1
apiserver_flowcontrol_current_limit_seats{priority_level="workload-low"} 8
apiserver_flowcontrol_nominal_limit_seats{priority_level="workload-low"} 13
apiserver_flowcontrol_nominal_limit_seats{priority_level="global-default"} 3
apiserver_flowcontrol_rejected_requests_total{flow_schema="service-accounts",priority_level="workload-low",reason="time-out"} ${10 * n}
apiserver_flowcontrol_rejected_requests_total{flow_schema="service-accounts",priority_level="workload-low",reason="queue-full"} ${n}
apiserver_flowcontrol_priority_level_seat_utilization_sum{phase="executing",priority_level="workload-low"} ${50 * n}
apiserver_flowcontrol_priority_level_seat_utilization_count{phase="executing",priority_level="workload-low"} ${100 * n}
apiserver_flowcontrol_priority_level_seat_utilization_sum{phase="waiting",priority_level="workload-low"} 999
apiserver_request_duration_seconds_bucket{verb="LIST",resource="pods",le="0.5"} ${10 * n}
apiserver_request_duration_seconds_bucket{verb="LIST",resource="pods",le="1"} ${20 * n}
apiserver_request_duration_seconds_bucket{verb="LIST",resource="pods",le="+Inf"} ${20 * n}
apiserver_request_duration_seconds_sum{verb="LIST",resource="pods"} ${12 * n}
apiserver_request_duration_seconds_count{verb="LIST",resource="pods"} ${20 * n}
apiserver_request_duration_seconds_bucket{verb="WATCH",resource="pods",le="0.5"} 0
apiserver_request_duration_seconds_bucket{verb="WATCH",resource="pods",le="1"} 0
apiserver_request_duration_seconds_bucket{verb="WATCH",resource="pods",le="+Inf"} ${1000 * n}
apiserver_cache_list_total{group="",index="",resource="pods"} ${2 * n}
apiserver_cache_list_fetched_objects_total{group="",index="",resource="pods"} ${3000 * n}
apiserver_resource_objects{group="",resource="pods"} 1500
apiserver_resource_objects{group="apps",resource="deployments"} 4
go_sched_gomaxprocs_threads 2
process_resident_memory_bytes 4.5e+08
unrelated_metric{a="b"} 7
`;

describe('API server metrics', () => {
  it('reduces a scrape to per-level gauges, counters and histograms', () => {
    const s = snapshotOf(scrape(1));
    assert.deepEqual(s.levels.get('workload-low'), {
      executingSeats: 4,
      currentLimitSeats: 8,
      nominalLimitSeats: 13,
      inqueueRequests: 0,
    });
    assert.equal(s.rejected.get('workload-low'), 11);
    assert.deepEqual(s.seatUtilization.get('workload-low'), { sum: 50, count: 100 });
    assert.equal(s.resourceObjects.get('pods'), 1500);
    assert.equal(s.resourceObjects.get('apps/deployments'), 4);
    assert.deepEqual(s.cacheLists.get('pods'), { lists: 2, fetched: 3000, returned: 0 });
    assert.equal(s.gomaxprocs, 2);
    assert.equal(s.residentBytes, 4.5e8);
  });

  it('takes deltas and quantiles as Prometheus does, leaving watches out of the p99', () => {
    const a = snapshotOf(scrape(1));
    const b = snapshotOf(scrape(3));
    const d = histogramDelta(nonStreamingDuration(a), nonStreamingDuration(b));
    assert.equal(d.count, 40);
    // 20 of 40 ≤ 0.5 s, all ≤ 1 s: the median is the 0.5 bound, p99 interpolated to 0.99 s.
    assert.equal(histogramQuantile(d, 0.5), 0.5);
    assert.ok(Math.abs(histogramQuantile(d, 0.99) - 0.99) < 1e-9);
    assert.equal(counterDelta(a.rejected.get('workload-low'), b.rejected.get('workload-low')), 22);
    // A restarted server's counters start again: the later value alone.
    assert.equal(counterDelta(100, 7), 7);
    assert.equal(histogramQuantile({ buckets: [], sum: 0, count: 0 }, 0.99), 0);
  });
});
