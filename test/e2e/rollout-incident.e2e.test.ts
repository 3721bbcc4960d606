import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { before, describe, it } from 'node:test';
import { runMetrics, type RunMetrics } from '../../src/compare/compare.js';
import type { SimEvent, SimResult } from '../../src/sim/result.js';
import { repoRoot, tempDir } from '../support/index.js';

// Issue 3, "Must hold on scenarios/incident-2024-12-11.yaml", one seed each, through the real CLI
// (`rampart simulate --policy … --json`). The runs go in parallel: each takes seconds.
const scenario = 'scenarios/incident-2024-12-11.yaml';
const run = promisify(execFile);
const dir = tempDir('rampart-rollout-');

async function simulate(name: string, args: readonly string[]): Promise<SimResult> {
  const out = join(dir, `${name}.json`);
  await run(
    process.execPath,
    [join(repoRoot, 'bin/rampart.js'), 'simulate', scenario, ...args, '--json', out],
    {
      cwd: repoRoot,
      env: { ...process.env, CI: 'true' },
      maxBuffer: 64 * 1024 * 1024,
    },
  );
  return JSON.parse(readFileSync(out, 'utf8')) as SimResult;
}

const large = (r: SimResult, name: string | undefined): boolean =>
  (r.clusters.find((c) => c.name === name)?.nodes ?? 0) >= 1500;
const events = (r: SimResult, type: string): SimEvent[] => r.events.filter((e) => e.type === type);

describe('rollout policies on the incident (end to end)', () => {
  const results: Record<string, SimResult> = {};
  const metrics: Record<string, RunMetrics> = {};

  before(async () => {
    const runs: [string, string[]][] = [
      ['plain', []],
      ['naive', ['--policy', 'naive']],
      ['workload-only', ['--policy', 'workload-only']],
      ['guarded', ['--policy', 'guarded']],
      ['guarded-no-node-steps', ['--policy', 'guarded', '--no-node-steps']],
    ];
    const done = await Promise.all(
      runs.map(async ([name, args]) => [name, await simulate(name, args)] as const),
    );
    for (const [name, r] of done) {
      results[name] = r;
      metrics[name] = runMetrics(r);
    }
  });

  it('guarded halts at a node-subset step of the first large cluster, from the extrapolated demand: no saturation, no errors, no lock-out', () => {
    const r = results['guarded'];
    const m = metrics['guarded'];
    assert.ok(r && m);
    assert.equal(r.policy, 'guarded');
    const failed = events(r, 'rollout.gate.failed');
    assert.equal(failed.length, 1, JSON.stringify(failed));
    const gate = failed[0];
    assert.ok(gate);
    assert.match(
      gate.detail ?? '',
      /^change_seat_demand [\d.]+ vs threshold [\d.]+ \(gate extrapolation, 1% of nodes\): (?:change uses|steady) .* at 1% of nodes → .* at 100%/,
    );
    // The first large cluster the plan touches is the one that failed.
    const stepped = events(r, 'rollout.step.applied').map((e) => e.cluster);
    assert.equal(
      stepped.find((c) => large(r, c)),
      gate.cluster,
    );
    assert.equal(
      events(r, 'rollout.cluster.applied').filter((e) => large(r, e.cluster)).length,
      0,
      'no large cluster got all its nodes',
    );
    assert.equal(events(r, 'rollout.halted').length, 1);
    assert.ok(events(r, 'rollout.cluster.rolledback').some((e) => e.cluster === gate.cluster));
    assert.equal(m.blastRadius, 0);
    assert.equal(m.customerErrorMinutes, 0);
    assert.equal(m.lockoutMinutes, 0);
  });

  it('guarded without node-subset steps halts in its first wave with a large cluster; blast radius ≤ 1; ≤ 1% of naive’s error-minutes; no lock-out', () => {
    const r = results['guarded-no-node-steps'];
    const m = metrics['guarded-no-node-steps'];
    const naive = metrics['naive'];
    assert.ok(r && m && naive);
    assert.equal(r.policy, 'guarded-no-node-steps');
    assert.equal(events(r, 'rollout.step.applied').length, 0, 'no partial steps');
    const waves = events(r, 'rollout.wave.started');
    const halt = events(r, 'rollout.halted')[0];
    assert.ok(halt);
    const current = waves.filter((w) => w.tS <= halt.tS).at(-1);
    const firstLarge = waves.find((w) =>
      events(r, 'rollout.cluster.applied').some(
        (a) => a.tS >= w.tS && large(r, a.cluster) && waves.filter((x) => x.tS <= a.tS).at(-1) === w,
      ),
    );
    assert.ok(
      current && firstLarge && current === firstLarge,
      `halted in ${current?.detail ?? '?'}, first wave with a large cluster ${firstLarge?.detail ?? '?'}`,
    );
    assert.ok(m.blastRadius <= 1, `blast radius ${m.blastRadius}`);
    assert.ok(
      m.customerErrorMinutes <= 0.01 * naive.customerErrorMinutes,
      `${m.customerErrorMinutes} vs naive ${naive.customerErrorMinutes}`,
    );
    // Every cluster the halt caught is rolled back, through the API.
    const applied = new Set(
      events(r, 'rollout.cluster.applied')
        .filter((e) => e.tS >= (current?.tS ?? 0))
        .map((e) => e.cluster),
    );
    assert.deepEqual(new Set(events(r, 'rollout.cluster.rolledback').map((e) => e.cluster)), applied);
    // No lock-out thanks to break-glass and the fence: the change ran fenced in its own small level, so
    // its LISTs could hold neither the seats nor the memory on-call and CoreDNS need.
    assert.equal(m.lockoutMinutes, 0);
    assert.ok(r.clusters.every((c) => c.adminLockedOutS === 0 && !c.saturated));
    assert.equal(
      events(r, 'rollout.action.failed').length,
      0,
      'every apply, fence and rollback got through at the first attempt',
    );
  });

  it('workload-only does not prevent the outage: large clusters saturate and customers see errors', () => {
    const m = metrics['workload-only'];
    const r = results['workload-only'];
    assert.ok(m && r);
    assert.ok(m.blastRadius >= 10, `blast radius ${m.blastRadius}`);
    assert.ok(r.clusters.filter((c) => c.saturated).every((c) => c.nodes >= 1500));
    assert.ok(m.customerErrorMinutes >= 1, `${m.customerErrorMinutes} error-minutes`);
    assert.ok(m.lockoutMinutes > 60);
    // It does halt, on the workload's errors, but only after clusters saturated: its signals were quiet before.
    assert.ok(m.halted && m.detectS !== null && m.detectS > 0, `detect ${m.detectS}`);
    assert.match(m.haltReason ?? '', /workload_error_ratio/);
  });

  it('naive reproduces the incident as the scenario does without a policy', () => {
    const plain = results['plain'];
    const naive = results['naive'];
    assert.ok(plain && naive);
    assert.equal(naive.policy, 'naive');
    assert.equal(plain.policy, null);
    const saturated = (r: SimResult): string[] =>
      r.clusters
        .filter((c) => c.saturated)
        .map((c) => c.name)
        .sort();
    assert.deepEqual(saturated(naive), saturated(plain));
    const rel =
      Math.abs(naive.fleet.customerErrorMinutes - plain.fleet.customerErrorMinutes) /
      plain.fleet.customerErrorMinutes;
    assert.ok(
      rel <= 0.02,
      `error-minutes ${naive.fleet.customerErrorMinutes} vs ${plain.fleet.customerErrorMinutes}`,
    );
    assert.ok(Math.abs((naive.fleet.impactStartS ?? 0) - (plain.fleet.impactStartS ?? 0)) <= 60);
    assert.ok(Math.abs((naive.fleet.fullRecoveryS ?? 0) - (plain.fleet.fullRecoveryS ?? 0)) <= 300);
    // Same clusters, applied in the same step as the scenario's pipeline (which dates its events at the
    // nominal time, the controller at the step it acted in).
    const applied = (r: SimResult): Map<string, number> =>
      new Map(events(r, 'rollout.cluster.applied').map((e) => [e.cluster ?? '', e.tS]));
    const a = applied(naive);
    const b = applied(plain);
    assert.deepEqual([...a.keys()].sort(), [...b.keys()].sort());
    for (const [name, tS] of a)
      assert.ok(
        tS - (b.get(name) ?? NaN) >= 0 && tS - (b.get(name) ?? NaN) < naive.stepS,
        `${name} at ${tS} vs ${b.get(name)}`,
      );
    assert.equal(events(naive, 'rollout.completed').length, 1);
    assert.equal(events(naive, 'rollout.halted').length, 0);
  });
});
