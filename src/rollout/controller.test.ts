import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { decide } from './controller.js';
import { noObservations, type RolloutEvent } from './events.js';
import { createRolloutExecutor, type RolloutExecutor } from './executor.js';
import { rolloutPolicySchema, type RolloutPolicyInput } from '../config/policy-schema.js';
import { resolvePolicy } from './policy-resolve.js';
import { createRolloutState } from './state.js';
import { memoryStateStore } from './state-store.js';
import type { ClusterInfo } from './ports.js';
import { fakeWorld, testChange, testFleet, type FakeWorld, type FakeWorldOptions } from './test-support.js';

type Spec = NonNullable<RolloutPolicyInput['spec']>;
const policy = (spec: Spec) =>
  rolloutPolicySchema.parse({
    apiVersion: 'rampart.dev/v1alpha1',
    kind: 'RolloutPolicy',
    metadata: { name: 't' },
    spec,
  });

/** A small stepped policy: 10% then all nodes, 60 s step bake, 120 s bake, one control-plane gate. */
const stepped: Spec = {
  waves: [
    { name: 'one', selector: { names: ['c01'] } },
    { name: 'two', selector: { names: ['c02', 'c03'] } },
  ],
  nodeSteps: { shares: [0.1, 1], bake: 60, extrapolation: { window: 60 } },
  bake: 120,
  gates: [{ signal: 'apf_seat_utilization', window: 30, threshold: { absolute: 0.9 } }],
  inconclusive: { timeout: 300 },
};

interface Run {
  readonly world: FakeWorld;
  readonly exec: RolloutExecutor;
  readonly events: RolloutEvent[];
  /** Ticks every stepMs until `untilMs` or the rollout is finished. */
  advance(untilMs: number): void;
}

function setup(spec: Spec, world: Partial<FakeWorldOptions> = {}, n = 3, store = memoryStateStore()): Run {
  const w = fakeWorld({ clusters: testFleet(n), ...world });
  const exec = createRolloutExecutor({
    fleet: w.fleet,
    client: w.client,
    metrics: w.metrics,
    store,
    policy: policy(spec),
    change: testChange,
  });
  const events: RolloutEvent[] = [];
  return {
    world: w,
    exec,
    events,
    advance(untilMs) {
      while (w.now <= untilMs && !exec.finished()) {
        events.push(...exec.tickSync(w.now).events);
        w.now += 5_000;
      }
    },
  };
}

const types = (events: readonly RolloutEvent[]): string[] => events.map((e) => e.type);
const applied = (w: FakeWorld): string[] => w.applies.map((a) => `${a.cluster}@${a.nodeShare}`);

void describe('controller', () => {
  void it('naive: applies every cluster once, evenly over the spread, and completes', () => {
    const r = setup({ waves: { plan: 'as-listed' }, spread: '29m', bake: 0 }, {}, 4);
    r.advance(3_600_000);
    assert.equal(r.exec.state()?.status.kind, 'completed');
    assert.deepEqual(applied(r.world), ['c01@1', 'c02@1', 'c03@1', 'c04@1']);
    const started = r.events.filter((e) => e.type === 'rollout.cluster.started').map((e) => e.atMs);
    assert.deepEqual(started, [0, 580_000, 1_160_000, 1_740_000]);
  });

  void it('steps through node shares, bakes, then moves to the next wave', () => {
    const r = setup(stepped);
    r.advance(3_600_000);
    assert.equal(r.exec.state()?.status.kind, 'completed');
    assert.deepEqual(applied(r.world), ['c01@0.1', 'c01@1', 'c02@0.1', 'c03@0.1', 'c02@1', 'c03@1']);
    assert.equal(r.world.applies[0]?.nodeLabel?.key, 'rampart.dev/rollout-canary');
    assert.equal(r.world.applies[1]?.nodeLabel, undefined, 'no nodeSelector at 100%');
    const at = (type: string, cluster?: string): number =>
      r.events.find(
        (e) => e.type === type && (cluster === undefined || ('cluster' in e && e.cluster === cluster)),
      )?.atMs ?? -1;
    const applies = r.events
      .filter((e) => e.type === 'rollout.step.applied' && e.cluster === 'c01')
      .map((e) => e.atMs);
    assert.ok((applies[1] ?? 0) - (applies[0] ?? 0) >= 60_000, 'step bake respected');
    assert.ok(at('rollout.cluster.done', 'c01') - (applies[1] ?? 0) >= 120_000, 'wave bake respected');
    assert.ok(
      at('rollout.cluster.started', 'c02') >= at('rollout.cluster.done', 'c01'),
      'next wave after the previous is done',
    );
  });

  void it('halts on a failed gate, rolls back the failed cluster and the ones still baking, never advances', () => {
    const bad = (q: { cluster: string; signal: string; nowMs: number }): number | undefined =>
      q.cluster === 'c03' && q.signal === 'apf_seat_utilization' && q.nowMs > 300_000 ? 0.97 : undefined;
    const r = setup(stepped, { signal: bad });
    r.advance(3_600_000);
    const s = r.exec.state();
    assert.equal(s?.status.kind, 'halted');
    const failed = r.events.find((e) => e.type === 'rollout.gate.failed');
    assert.ok(failed?.type === 'rollout.gate.failed');
    assert.equal(failed.cluster, 'c03');
    assert.equal(failed.signal, 'apf_seat_utilization');
    assert.ok(Math.abs(failed.value - 0.97) < 1e-9);
    assert.equal(failed.threshold, 0.9);
    assert.deepEqual([...r.world.rollbacks].sort(), ['c02', 'c03']);
    assert.deepEqual(
      s?.clusters.map((c) => c.phase.kind),
      ['done', 'rolled-back', 'rolled-back'],
    );
    const haltAt = r.events.find((e) => e.type === 'rollout.halted')?.atMs ?? 0;
    assert.equal(r.world.applies.length, 6);
    assert.ok(!r.events.some((e) => e.type === 'rollout.step.applied' && e.atMs > haltAt));
  });

  void it('halts at a node-subset step when the extrapolated demand does not fit the level', () => {
    // 0.5 seats per full cluster share; at 10% the change uses 0.05 → 0.5 at 100%, + 50 other > 50 available.
    const r = setup(stepped, { seats: { other: 50, available: 50 } });
    r.advance(3_600_000);
    assert.equal(r.exec.state()?.status.kind, 'halted');
    assert.deepEqual(applied(r.world), ['c01@0.1']);
    const f = r.events.find((e) => e.type === 'rollout.gate.failed');
    assert.ok(f?.type === 'rollout.gate.failed' && f.gate === 'extrapolation' && f.share === 0.1);
    assert.match(
      f.reason,
      /at 10% of nodes → 0\.5 at 100%; \+ 50 other demand = 50\.5 > 50 seats the level can get/,
    );
    assert.deepEqual(r.world.rollbacks, ['c01']);
  });

  void it('holds on an inconclusive gate (never promotes), and an approval lets it past', () => {
    const r = setup(stepped, {
      signal: (q) => (q.signal === 'apf_seat_utilization' && q.nowMs > 30_000 ? 'missing' : undefined),
    });
    r.advance(200_000);
    const s = r.exec.state();
    assert.equal(s?.status.kind, 'paused');
    assert.deepEqual(applied(r.world), ['c01@0.1']);
    assert.ok(s?.clusters[0]?.phase.kind === 'step' && s.clusters[0].phase.holding);
    assert.ok(types(r.events).includes('rollout.paused'));
    r.exec.approve('alice');
    r.advance(210_000);
    assert.deepEqual(applied(r.world), ['c01@0.1', 'c01@1']);
    assert.ok(r.events.some((e) => e.type === 'rollout.approved' && e.by === 'alice'));
  });

  void it('halts after the inconclusive timeout: left in place, or rolled back when the policy says so', () => {
    const missing: FakeWorldOptions['signal'] = (q) =>
      q.signal === 'apf_seat_utilization' ? 'missing' : undefined;
    const keep = setup(stepped, { signal: missing });
    keep.advance(3_600_000);
    const s = keep.exec.state();
    assert.ok(s?.status.kind === 'halted' && s.status.cause === 'inconclusive-timeout');
    assert.equal(s.clusters[0]?.phase.kind, 'stopped');
    assert.deepEqual(keep.world.rollbacks, []);
    const haltAt = s.status.atMs;
    assert.ok(haltAt >= 300_000 && haltAt < 320_000, `halted at ${haltAt}`);

    const back = setup(
      { ...stepped, inconclusive: { timeout: 300, then: 'halt-and-rollback' } },
      { signal: missing },
    );
    back.advance(3_600_000);
    assert.deepEqual(back.world.rollbacks, ['c01']);
  });

  void it('judges a bake-end gate only once the bake is over', () => {
    const spec: Spec = {
      ...stepped,
      gates: [{ signal: 'change_ready_ratio', window: 30, aggregate: 'last', threshold: { absolute: 0.95 } }],
    };
    const slow = setup(spec, {
      signal: (q) => (q.signal === 'change_ready_ratio' ? (q.nowMs < 50_000 ? 0.2 : 1) : undefined),
    });
    slow.advance(3_600_000);
    assert.equal(slow.exec.state()?.status.kind, 'completed');
    const stuck = setup(spec, { signal: (q) => (q.signal === 'change_ready_ratio' ? 0.5 : undefined) });
    stuck.advance(3_600_000);
    const f = stuck.events.find((e) => e.type === 'rollout.gate.failed');
    assert.ok(f && f.atMs >= 60_000, 'fails at the end of the first step bake, not before');
  });

  void it('keeps at most maxInFlight clusters changing at once', () => {
    const r = setup({ waves: { plan: 'as-listed' }, maxInFlight: 2, bake: 60 }, {}, 5);
    let peak = 0;
    while (r.world.now < 3_600_000 && !r.exec.finished()) {
      r.exec.tickSync(r.world.now);
      const s = r.exec.state();
      peak = Math.max(
        peak,
        s?.clusters.filter((c) => c.phase.kind === 'step' || c.phase.kind === 'baseline').length ?? 0,
      );
      r.world.now += 5_000;
    }
    assert.equal(peak, 2);
    assert.equal(r.exec.state()?.status.kind, 'completed');
  });

  void it('pauses before a wave that requires approval', () => {
    const spec: Spec = {
      ...stepped,
      waves: [
        { name: 'one', selector: { names: ['c01'] } },
        { name: 'two', selector: { names: ['c02'] }, requireApproval: true },
      ],
    };
    const r = setup(spec, {}, 2);
    r.advance(1_000_000);
    assert.equal(r.exec.state()?.status.kind, 'paused');
    assert.deepEqual(applied(r.world), ['c01@0.1', 'c01@1']);
    r.exec.approve('bob');
    r.advance(2_000_000);
    assert.equal(r.exec.state()?.status.kind, 'completed');
  });

  void it('retries a failed apply, and halts when it keeps failing', () => {
    let failUntil = 20_000;
    const flaky = setup(stepped, {
      applyOutcome: (_req, now) => (now < failUntil ? { ok: false, reason: 'HTTP 429' } : { ok: true }),
    });
    flaky.advance(3_600_000);
    assert.equal(flaky.exec.state()?.status.kind, 'completed');
    assert.equal(
      flaky.events.filter((e) => e.type === 'rollout.action.failed').length,
      1,
      'one event per failing streak',
    );
    failUntil = Infinity;
    const down = setup(stepped, { applyOutcome: () => ({ ok: false, reason: 'HTTP 429' }) });
    down.advance(3_600_000);
    const s = down.exec.state();
    assert.ok(s?.status.kind === 'halted' && s.status.cause === 'apply-failed');
  });

  void it('retries a rollback until it lands (lock-out), counting attempts', () => {
    let locked = true;
    const r = setup(stepped, {
      signal: (q) => (q.signal === 'apf_seat_utilization' && q.nowMs > 20_000 ? 0.99 : undefined),
      rollbackOutcome: () =>
        locked ? { ok: false, reason: 'HTTP 429 (priority level saturated)' } : { ok: true },
    });
    r.advance(60_000);
    assert.equal(r.exec.state()?.clusters[0]?.phase.kind, 'rolling-back');
    assert.ok(r.world.rollbacks.length >= 3);
    locked = false;
    r.advance(120_000);
    const done = r.events.find((e) => e.type === 'rollout.cluster.rolledback');
    assert.ok(done?.type === 'rollout.cluster.rolledback' && done.attempts >= 4);
    assert.ok(r.exec.finished());
  });

  void it('is pure: the same inputs give the same decision and the input state is untouched', () => {
    const clusters = testFleet(3);
    const state = createRolloutState({
      resolved: resolvePolicy(policy(stepped), clusters),
      clusters,
      change: testChange,
      nowMs: 0,
    });
    const before = JSON.stringify(state);
    const a = decide(state, noObservations, 1000);
    const b = decide(state, noObservations, 1000);
    assert.deepEqual(a, b);
    assert.equal(JSON.stringify(state), before);
    assert.deepEqual(types(a.events), ['rollout.started', 'rollout.wave.started', 'rollout.cluster.started']);
    assert.deepEqual(
      a.actions.map((x) => x.type),
      ['apply'],
    );
    const idle = decide(a.state, noObservations, 2000);
    assert.equal(idle.actions.length, 1, 'an apply without a result is asked again');
  });
});

void describe('controller baselines', () => {
  const relative: Spec = {
    ...stepped,
    gates: [
      { signal: 'apiserver_p99_latency_s', window: 30, threshold: { relative: { factor: 3, margin: 0.1 } } },
    ],
  };

  void it('waits for a baseline before applying, and records it', () => {
    const r = setup(relative, {
      signal: (q) => (q.signal === 'apiserver_p99_latency_s' && q.nowMs < 30_000 ? 'missing' : undefined),
    });
    r.advance(25_000);
    assert.deepEqual(applied(r.world), []);
    assert.equal(r.exec.state()?.clusters[0]?.phase.kind, 'baseline');
    r.advance(40_000);
    assert.deepEqual(applied(r.world), ['c01@0.1']);
    assert.ok(
      Math.abs((r.exec.state()?.clusters[0]?.baseline?.['apiserver_p99_latency_s'] ?? 0) - 0.2) < 1e-9,
    );
  });

  void it('halts without touching the cluster when the baseline never comes', () => {
    const r = setup(relative, {
      signal: (q) => (q.signal === 'apiserver_p99_latency_s' ? 'missing' : undefined),
    });
    r.advance(3_600_000);
    const s = r.exec.state();
    assert.ok(s?.status.kind === 'halted' && s.status.cause === 'inconclusive-timeout');
    assert.match(s.status.detail, /c01 \(no pre-rollout baseline of apiserver_p99_latency_s\)/);
    assert.deepEqual(r.world.applies, []);
    assert.equal(s.clusters[0]?.phase.kind, 'stopped');
  });

  void it('paces by risk: after the canary, a change far from every limit gets bigger waves, and says why', () => {
    const spec: Spec = {
      waves: { plan: 'auto', canarySize: 1, growth: 2 },
      maxInFlight: 2,
      nodeSteps: { shares: [0.1, 1], bake: 60, extrapolation: { window: 60 } },
      bake: 120,
      gates: [],
      pace: { maxFill: 0.25, growth: 4, maxInFlight: 20 },
    };
    // 12 clusters of 100 … 1,200 nodes; the preflight's break-even 100,000 nodes everywhere.
    const fleet = testFleet(12, (i) => 100 * (i + 1)).map((c) => ({ ...c, breakEvenNodes: 100_000 }));
    const run = (clusters: readonly ClusterInfo[], other: number) => {
      const w = fakeWorld({ clusters, seats: { other, available: 500 } });
      const exec = createRolloutExecutor({
        fleet: w.fleet,
        client: w.client,
        metrics: w.metrics,
        store: memoryStateStore(),
        policy: policy(spec),
        change: testChange,
      });
      const events: RolloutEvent[] = [];
      while (w.now <= 36_000_000 && !exec.finished()) {
        events.push(...exec.tickSync(w.now).events);
        w.now += 5_000;
      }
      return { exec, events };
    };
    const fast = run(fleet, 50);
    assert.equal(fast.exec.state()?.status.kind, 'completed');
    const paced = fast.events.filter((e) => e.type === 'rollout.paced');
    assert.equal(paced.length, 1);
    const detail = paced[0]?.type === 'rollout.paced' ? paced[0].detail : '';
    assert.match(
      detail,
      /^low risk: the extrapolation put 2 done cluster\(s\) at ≤ 10% of their tightest limit/,
    );
    assert.match(
      detail,
      /the preflight puts the 10 to go at ≤ 1\.2% of their break-even \(worst c12, 1200 of 100000/,
    );
    assert.match(detail, /2 wave\(s\) growing ×4 from 4, up to 20 cluster\(s\) at once \(was 3 wave\(s\)\)/);
    // Staging (the smallest), the canary (the smallest of the largest decile, c11), then the 10 left in
    // waves of 4 and 6 with up to 20 at once, instead of 2, 4, 4 with 2 in flight.
    const waves = fast.events.filter((e) => e.type === 'rollout.wave.started').map((e) => e.clusters.length);
    assert.deepEqual(waves, [1, 1, 4, 6]);

    // The same change on a level already 40% full (fill > maxFill), or without a preflight: the plan stays.
    for (const [clusters, other] of [
      [fleet, 200],
      [fleet.map((c) => ({ ...c, breakEvenNodes: null })), 50],
    ] as const) {
      const slow = run(clusters, other);
      assert.equal(slow.exec.state()?.status.kind, 'completed');
      assert.equal(slow.events.filter((e) => e.type === 'rollout.paced').length, 0);
    }
  });
});
