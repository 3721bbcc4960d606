import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { builtinPolicies } from '../config/builtin-policies.js';
import { createRolloutExecutor } from './executor.js';
import type { ClusterClient, MetricsSource } from './ports.js';
import { memoryStateStore } from './state-store.js';
import { fakeWorld, testChange, testFleet } from './test-support.js';

void describe('executor', () => {
  void it('drives the guarded policy over async (live-like) ports to completion', async () => {
    const w = fakeWorld({ clusters: testFleet(4) });
    const later = <T>(v: T): Promise<T> => new Promise((resolve) => setImmediate(() => resolve(v)));
    const client: ClusterClient = {
      apply: async (r) => later(await w.client.apply(r)),
      rollback: async (r) => later(await w.client.rollback(r)),
      rolloutStatus: async (c, ch) => later(await w.client.rolloutStatus(c, ch)),
      ensureBreakGlass: () => later({ ok: true } as const),
      fence: async (r) => later(await (w.client.fence?.(r) ?? { ok: false, reason: 'no fence' })),
    };
    const metrics: MetricsSource = { evaluate: async (q) => later(await w.metrics.evaluate(q)) };
    const exec = createRolloutExecutor({
      fleet: w.fleet,
      client,
      metrics,
      store: memoryStateStore(),
      policy: builtinPolicies.guarded,
      change: testChange,
    });
    const seen: string[] = [];
    for (w.now = 0; w.now < 6 * 3_600_000 && !exec.finished(); w.now += 10_000) {
      const r = await exec.tick(w.now);
      seen.push(...r.actions.map((a) => `${a.type}:${a.cluster}`));
    }
    assert.equal(exec.state()?.status.kind, 'completed');
    // Break-glass is ensured in a cluster before anything is applied there.
    for (const c of testFleet(4))
      assert.ok(seen.indexOf(`ensure-break-glass:${c.name}`) < seen.indexOf(`apply:${c.name}`));
    assert.equal(w.applies.length, 4 * 3);
    // Fenced before its first apply, released once done: the change never runs unfenced mid-rollout.
    for (const c of testFleet(4)) {
      assert.ok(seen.indexOf(`fence:${c.name}`) < seen.indexOf(`apply:${c.name}`));
      assert.ok(seen.lastIndexOf(`fence:${c.name}`) > seen.lastIndexOf(`apply:${c.name}`));
    }
    assert.deepEqual(
      [...w.fences].sort(),
      testFleet(4)
        .flatMap((c) => [`on:${c.name}`, `off:${c.name}`])
        .sort(),
    );
  });

  void it('never applies unfenced: a fence that cannot be put in place holds the cluster, then halts it untouched', () => {
    const w = fakeWorld({ clusters: testFleet(1) });
    // The client as it would be without fencing: every other port as the fake world has it.
    const client: ClusterClient = {
      apply: (r) => w.client.apply(r),
      rollback: (r) => w.client.rollback(r),
      rolloutStatus: (c, ch) => w.client.rolloutStatus(c, ch),
    };
    const exec = createRolloutExecutor({
      fleet: w.fleet,
      client,
      metrics: w.metrics,
      store: memoryStateStore(),
      policy: builtinPolicies.guarded,
      change: testChange,
    });
    const first = exec.tickSync(0);
    const fence = first.results.find((p) => p.actionId.includes(':fence:'));
    assert.ok(fence && !fence.outcome.ok);
    assert.match(fence.outcome.reason, /cannot fence a change; remove spec.fence/);
    const events: string[] = [];
    for (w.now = 10_000; w.now < 3_600_000 && !exec.finished(); w.now += 10_000)
      events.push(...exec.tickSync(w.now).events.map((e) => e.type));
    assert.ok(events.includes('rollout.action.failed'));
    assert.equal(w.applies.length, 0, 'nothing applied without the fence');
    const state = exec.state();
    assert.equal(state?.status.kind, 'halted');
    assert.match(
      state?.status.kind === 'halted' ? state.status.detail : '',
      /the rollout fence could not be put in place for 300s on .* \(nothing applied there\)/,
    );
    assert.deepEqual(w.rollbacks, [], 'nothing to roll back');
  });

  void it('turns throwing ports into data: missing signals, unreachable status, failed actions', () => {
    const w = fakeWorld({ clusters: testFleet(1) });
    const client: ClusterClient = {
      apply: () => {
        throw new Error('connection refused\nstack…');
      },
      rollback: (r) => w.client.rollback(r),
      rolloutStatus: () => {
        throw new Error('boom');
      },
      fence: () => ({ ok: true }),
    };
    const metrics: MetricsSource = {
      evaluate: () => {
        throw new Error('prometheus down');
      },
    };
    // Signals that throw are missing: guarded never applies without a baseline, and halts after the timeout.
    const guarded = createRolloutExecutor({
      fleet: w.fleet,
      client,
      metrics,
      store: memoryStateStore(),
      policy: builtinPolicies.guarded,
      change: testChange,
    });
    for (let t = 0; t <= 400_000; t += 10_000) guarded.tickSync(t);
    const s = guarded.state();
    assert.ok(s?.status.kind === 'halted' && s.status.cause === 'inconclusive-timeout');
    assert.equal(s.clusters[0]?.phase.kind, 'stopped');
    // An apply that throws is a failed action, reported once per failing streak.
    const naive = createRolloutExecutor({
      fleet: w.fleet,
      client,
      metrics,
      store: memoryStateStore(),
      policy: builtinPolicies.naive,
      change: testChange,
    });
    const first = naive.tickSync(0);
    assert.deepEqual(
      first.results.map((r) => r.outcome),
      [{ ok: false, reason: 'connection refused' }],
    );
    const second = naive.tickSync(10_000);
    const failed = second.events.find((e) => e.type === 'rollout.action.failed');
    assert.ok(failed?.type === 'rollout.action.failed' && failed.reason === 'connection refused');
  });

  void it('refuses a Promise in a synchronous tick', () => {
    const w = fakeWorld({ clusters: testFleet(1) });
    const exec = createRolloutExecutor({
      fleet: { listClusters: () => Promise.resolve(testFleet(1)) },
      client: w.client,
      metrics: w.metrics,
      store: memoryStateStore(),
      policy: builtinPolicies.naive,
      change: testChange,
    });
    assert.throws(
      () => exec.tickSync(0),
      /fleet\.listClusters returned a Promise; drive this executor with tick\(\)/,
    );
  });

  void it('ignores an approval when nothing is paused', () => {
    const w = fakeWorld({ clusters: testFleet(2) });
    const exec = createRolloutExecutor({
      fleet: w.fleet,
      client: w.client,
      metrics: w.metrics,
      store: memoryStateStore(),
      policy: builtinPolicies.naive,
      change: testChange,
    });
    exec.approve('carol');
    const r = exec.tickSync(0);
    assert.ok(!r.events.some((e) => e.type === 'rollout.approved'));
  });
});
