import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { isSignalName, signalDefs, signalNames } from './signals.js';

void describe('signals', () => {
  void it('every signal has a row naming its live backing', () => {
    for (const name of signalNames) {
      const def = signalDefs[name];
      assert.equal(def.name, name);
      assert.ok(def.live.includes('[$w]'), `${name}: the live query uses the gate window`);
    }
    // Backed by the reference §3 metric names.
    assert.match(signalDefs.apf_seat_utilization.live, /apiserver_flowcontrol_current_executing_seats/);
    assert.match(signalDefs.apiserver_429_per_s.live, /apiserver_flowcontrol_rejected_requests_total/);
    assert.match(signalDefs.coredns_servfail_ratio.live, /coredns_dns_responses_total\{rcode="SERVFAIL"\}/);
    assert.match(signalDefs.etcd_p99_latency_s.live, /etcd_request_duration_seconds_bucket/);
  });

  void it('only readiness is lower-is-worse and judged at bake end by default', () => {
    const lower = signalNames.filter((n) => signalDefs[n].bad === 'lower');
    assert.deepEqual(lower, ['change_ready_ratio']);
    assert.deepEqual(
      signalNames.filter((n) => signalDefs[n].timing === 'bake-end'),
      ['change_ready_ratio'],
    );
    assert.ok(isSignalName('etcd_p99_latency_s'));
    assert.ok(!isSignalName('cpu'));
  });

  void it("gates on others' harm leave the change's own flow out, live as in the simulator", () => {
    const others = signalNames.filter((n) => signalDefs[n].scope === 'others');
    assert.deepEqual(others, [
      'apiserver_p99_latency_s',
      'apf_seat_utilization',
      'apf_queue_length',
      'apiserver_429_per_s',
      'apiserver_timeouts_per_s',
      'workload_error_ratio',
    ]);
    for (const n of ['apiserver_p99_latency_s', 'apf_queue_length', 'apiserver_429_per_s'] as const)
      assert.match(
        signalDefs[n].live,
        /flow_schema!~"rampart-change-<change>\|rampart-rollout-fence-\.\*"/,
        n,
      );
    assert.match(
      signalDefs.apf_seat_utilization.live,
      /priority_level!~"rampart-rollout-fence\|rampart-quarantine/,
    );
    assert.equal(signalDefs.change_seat_demand.scope, 'change');
    for (const n of signalNames) assert.ok(signalDefs[n].excludes.length > 0, n);
  });
});
