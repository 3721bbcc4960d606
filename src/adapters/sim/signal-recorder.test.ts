import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { levelCapacities } from '../../cost/steady-state.js';
import { builtinPolicies } from '../../config/builtin-policies.js';
import { signalNames, type SignalName } from '../../model/signals.js';
import type { SignalSample } from '../../rollout/ports.js';
import { FleetSim } from '../../sim/fleet/fleet-sim.js';
import { policyApfExtras } from './rollout-adapters.js';
import { policySignals } from './rollout-actor.js';
import { loadScenario } from '../../config/scenario.js';
import { SignalRecorder } from './signal-recorder.js';
import { SimMetricsSource } from './sim-metrics.js';

const scenario = loadScenario(
  fileURLToPath(new URL('../../../test/fixtures/small-fleet.yaml', import.meta.url)),
);
const change = { name: 'telemetry-agent', namespace: 'kube-system', kind: 'DaemonSet' };
const all = new Set<SignalName>(signalNames);

/** A fleet, its recorder (one bucket per step unless told) and metrics, stepped by hand from t = 0. */
function world(opts: { bucketS?: number; signals?: ReadonlySet<SignalName> } = {}) {
  const fleet = new FleetSim(scenario, { apfExtras: policyApfExtras(builtinPolicies.guarded) });
  const recorder = new SignalRecorder(fleet, {
    signals: opts.signals ?? all,
    bucketS: opts.bucketS ?? scenario.stepS,
  });
  const metrics = new SimMetricsSource(recorder);
  let tS = 0;
  const step = (n = 1): void => {
    for (let k = 0; k < n; k++, tS += scenario.stepS) {
      fleet.step(tS);
      recorder.record(tS);
    }
  };
  const read = (cluster: string, signal: SignalName, windowS = 60): readonly SignalSample[] | 'missing' =>
    metrics.evaluate({ cluster, signal, windowS, nowMs: tS * 1000, change });
  return { fleet, recorder, step, read, now: () => tS };
}

void describe('signal recorder and sim MetricsSource', () => {
  void it('gives every signal, and only the signals asked for', () => {
    const w = world();
    w.step(10);
    for (const s of signalNames) {
      const r = w.read('mid', s);
      if (s === 'etcd_p99_latency_s') {
        // etcd_p99_latency_s: an idle etcd's 10 ms commit (etcd.ts writeBaseS), a little more under load.
        assert.ok(r !== 'missing' && r.length > 0 && r.every((x) => x.value >= 0.01 && x.value < 1), s);
      } else if (s === 'change_ready_ratio' || s === 'change_seat_demand')
        assert.deepEqual(r, [], `${s}: no change yet`);
      else assert.ok(r !== 'missing' && r.length > 0, s);
    }
    const some = world({ signals: new Set<SignalName>(['workload_error_ratio']) });
    some.step(3);
    assert.equal(some.read('mid', 'apf_seat_utilization'), 'missing');
    assert.ok(Array.isArray(some.read('mid', 'workload_error_ratio')));
  });

  void it('a sample is the mean of its bucket’s steps, stamped at the bucket’s last step, in ms', () => {
    const w = world({ bucketS: 10 });
    const c = w.fleet.cluster('big');
    assert.ok(c);
    w.fleet.applyChange('big', 0.05);
    const perStep: number[] = [];
    for (let k = 0; k < 15; k++) {
      w.step();
      perStep.push(Math.max(...c.cp.levelSeatUtilization));
    }
    const r = w.read('big', 'apf_seat_utilization', 3600);
    assert.ok(r !== 'missing');
    assert.deepEqual(
      r.map((s) => s.tMs),
      [8_000, 18_000, 28_000],
    );
    r.forEach((s, b) => {
      const mean = perStep.slice(b * 5, b * 5 + 5).reduce((x, y) => x + y, 0) / 5;
      assert.ok(Math.abs(s.value - mean) < 1e-9, `bucket ${b}`);
    });
  });

  void it('change_seat_demand carries the level context levelCapacities gives for the same state', () => {
    const w = world();
    const c = w.fleet.cluster('big');
    assert.ok(c);
    w.fleet.applyChange('big', 0.01);
    w.step(30);
    const r = w.read('big', 'change_seat_demand');
    assert.ok(r !== 'missing');
    const last = r.at(-1);
    assert.ok(last?.seats);
    assert.equal(last.seats.priorityLevel, 'workload-high');
    const up = c.cp.upCount(w.now() - scenario.stepS);
    const demand = new Map<string, number>();
    let mine = 0;
    let others = 0;
    c.classes.forEach((k, i) => {
      if (k.kind === 'watch') return;
      const d = ((c.cp.avgExecuting[i] ?? 0) + (c.cp.queued[i] ?? 0)) * k.cost.seats;
      const level = c.limits[k.levelIndex]?.name ?? '';
      demand.set(level, (demand.get(level) ?? 0) + d / up);
      if (level !== 'workload-high') return;
      if (k.id.startsWith('change:')) mine += d;
      else others += d;
    });
    const cap = levelCapacities(c.limits, demand, c.cp.calib.seats).find((l) => l.level === 'workload-high');
    assert.ok(cap && mine > 0);
    assert.ok(Math.abs(last.value - mine) < 1e-9);
    assert.ok(Math.abs(last.seats.otherDemandSeats - others) < 1e-9);
    assert.ok(Math.abs(last.seats.availableSeats - cap.seatCapacity * up) < 1e-9);
  });

  void it('has no API-server sample while every API server is down, but DNS and workload signals go on', () => {
    const w = world();
    const c = w.fleet.cluster('big');
    assert.ok(c);
    w.fleet.applyChange('big', 1);
    let downAt = -1;
    for (let k = 0; k < 300 && downAt < 0; k++) {
      w.step();
      if (c.readings.down) downAt = w.now() - scenario.stepS;
    }
    assert.ok(downAt >= 0, 'the bad change OOM-kills the 3,000-node cluster');
    w.step();
    const at = (s: SignalName): number[] => {
      const r = w.read('big', s, 10);
      return r === 'missing' ? [] : r.map((x) => x.tMs);
    };
    for (const s of [
      'apf_seat_utilization',
      'apiserver_429_per_s',
      'apiserver_p99_latency_s',
      'change_seat_demand',
    ] as const)
      assert.ok(!at(s).includes(downAt * 1000), s);
    for (const s of ['coredns_servfail_ratio', 'workload_error_ratio', 'change_ready_ratio'] as const)
      assert.ok(at(s).includes(downAt * 1000), s);
  });

  void it('policySignals: the gates’ signals, plus change_seat_demand only with extrapolating node steps', () => {
    assert.ok(policySignals(builtinPolicies.guarded).has('change_seat_demand'));
    assert.ok(!policySignals(builtinPolicies.guarded).has('etcd_p99_latency_s'));
    assert.deepEqual([...policySignals(builtinPolicies['workload-only'])].sort(), [
      'change_ready_ratio',
      'workload_error_ratio',
    ]);
    assert.equal(policySignals(builtinPolicies.naive).size, 0);
  });
});
