import assert from 'node:assert/strict';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import { policyForScenario, simulateWithPolicy } from '../src/adapters/sim/policy-run.js';
import type { RunMetrics } from '../src/compare/compare.js';
import { runCompareJobs } from '../src/compare/compare-run.js';
import { loadScenario } from '../src/config/scenario.js';
import { repoRoot } from './support/index.js';

// Issue 15 §3, "Must hold": guarded halts what would saturate or hurt others, not what merely starts or is
// merely slow itself. Each fixture in test/fixtures/guarded/ is a real scenario; naive shows what the change
// does unguarded (the premise), guarded must complete the benign ones and halt the harmful one in time.
// (The incident change halted before any cluster saturates on 50 seeds: test/rollout-seeds.test.ts.)
const fixture = (name: string): string => join(repoRoot, 'test/fixtures/guarded', name);
const kubeProxy = fixture('kube-proxy-fleet.yaml');
const logShipper = fixture('log-shipper-fleet.yaml');
const smallFleet = fixture('incident-agent-small-fleet.yaml');
const informer = fixture('pod-informer-2000.yaml');
const benignWindow = fixture('incident-benign-window.yaml');

describe('guarded on real agents (test/fixtures/guarded)', () => {
  const files = [kubeProxy, logShipper, smallFleet, informer];
  const runs = new Map<string, RunMetrics>();

  before(async () => {
    const jobs = files.flatMap((file) =>
      ['naive', 'guarded'].map((policy) => ({ file, seed: 1, policy, noNodeSteps: false })),
    );
    const done = await runCompareJobs(jobs, { parallel: 2 });
    jobs.forEach((j, i) => {
      const r = done[i];
      if (r) runs.set(`${j.file}|${j.policy}`, r);
    });
  });
  const run = (file: string, policy: string): RunMetrics => {
    const r = runs.get(`${file}|${policy}`);
    assert.ok(r, `no run of ${file} under ${policy}`);
    return r;
  };

  for (const [what, file] of [
    ['a kube-proxy-like DaemonSet (cluster-wide Service and EndpointSlice informers)', kubeProxy],
    ['a node-scoped log shipper DaemonSet', logShipper],
    ['the incident agent on 100–1,000-node clusters', smallFleet],
  ] as const) {
    it(`completes ${what} on a fleet naive does not saturate`, () => {
      assert.equal(run(file, 'naive').blastRadius, 0, 'premise: naive saturates nothing');
      const g = run(file, 'guarded');
      assert.equal(g.halted, false, g.haltReason ?? '');
      assert.equal(g.completed, true);
      assert.equal(g.blastRadius, 0);
      assert.equal(g.customerErrorMinutes, 0);
    });
  }

  it('halts an informer DaemonSet before it crash-loops the 2,000-node cluster naive takes down', () => {
    const naive = run(informer, 'naive');
    assert.ok(naive.blastRadius >= 1, 'premise: naive saturates a cluster');
    const g = run(informer, 'guarded');
    assert.equal(g.halted, true);
    assert.equal(g.blastRadius, 0);
    assert.equal(g.customerErrorMinutes, 0);
    // Halted on the cluster it would take down, by the transient (start-up LISTs), not by × 1/share.
    assert.match(g.haltReason ?? '', /^prod-2000: change_seat_demand .*rollout burst.*OOM-killed/);
  });

  it('naive crash-loops the 2,000-node cluster itself (OOM), and only that one', () => {
    const scenario = loadScenario(informer);
    const r = simulateWithPolicy(scenario, policyForScenario('naive', scenario));
    const saturated = r.clusters.filter((c) => c.saturated);
    assert.deepEqual(
      saturated.map((c) => c.name),
      ['prod-2000'],
    );
    assert.ok((saturated[0]?.oomKills ?? 0) > 1, 'OOM kills on prod-2000');
  });
});

describe('guarded paces a benign change by risk (test/fixtures/guarded/incident-benign-window.yaml)', () => {
  it("completes on the incident's 261 clusters within its 5h45m window, and says why it sped up", () => {
    const scenario = loadScenario(benignWindow);
    const r = simulateWithPolicy(scenario, policyForScenario('guarded', scenario));
    const completed = r.events.find((e) => e.type === 'rollout.completed');
    assert.ok(completed, 'rollout completed inside the scenario');
    assert.ok(!r.events.some((e) => e.type === 'rollout.halted'));
    assert.equal(r.fleet.clustersSaturated, 0);
    const paced = r.events.find((e) => e.type === 'rollout.paced');
    assert.ok(paced, 'a rollout.paced event');
    assert.match(paced.detail ?? '', /^low risk: the extrapolation put \d+ done cluster\(s\) at ≤ /);
    assert.match(paced.detail ?? '', /the preflight puts the \d+ to go at ≤ .* of their break-even/);
    // Paced only after the canary wave (a cluster of the largest decile among the done).
    const canary = r.events.find((e) => e.type === 'rollout.wave.started' && /^canary/.test(e.detail ?? ''));
    assert.ok(canary && canary.tS < paced.tS);
  });
});
