import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { analyzeChange } from '../src/analyze/analyze-change.js';
import { breakEvenSearchLimit } from '../src/cost/break-even.js';
import { loadScenario } from '../src/config/scenario.js';
import type { ApiCall, ChangeSpec } from '../src/model/api-profile.js';
import { simulate } from '../src/sim/engine.js';
import { tempDir } from './support/index.js';

// analyze and simulate must agree on agents whose cost is in their informers: a cluster-wide informer does
// nothing much in the steady state, but every new pod LISTs as the rollout starts it, and the simulator
// shows that burst taking the API servers down. For each call shape and several cluster shapes, the
// simulator's saturation onset over a ladder of sizes (the change applied to each at once) must lie within
// 20% of analyze's break-even, the same band as for periodic LISTs.

interface Shape {
  readonly podsPerNode: number;
  readonly apiServers: number;
}
const shapes: readonly Shape[] = [
  { podsPerNode: 25, apiServers: 3 },
  { podsPerNode: 50, apiServers: 2 },
  { podsPerNode: 15, apiServers: 5 },
];

const watch = (scope: ApiCall['scope'], rv: '' | '0'): ApiCall => ({
  verb: 'watch',
  resource: 'pods',
  scope,
  resourceVersion: rv,
});

const dir = tempDir('rampart-agree-');

/** A scenario of one cluster shape at the given sizes, the change applied everywhere at once. */
function ladder(shape: Shape, sizes: readonly number[], calls: readonly ApiCall[], kind: string): string {
  const file = join(dir, `ladder-${shape.podsPerNode}-${shape.apiServers}-${sizes.length}-${kind}.yaml`);
  const callYaml = calls.map((c) => `      - ${JSON.stringify(c)}`).join('\n');
  writeFileSync(
    file,
    `apiVersion: rampart.dev/v1alpha1
kind: Scenario
metadata: {name: informer-ladder}
spec:
  duration: 15m
  step: 2s
  seed: 5
  clusterDefaults: {podsPerNode: ${shape.podsPerNode}, apiServers: ${shape.apiServers}}
  fleet:
    clusters:
${sizes.map((n, i) => `      - {name: c-${String(i).padStart(2, '0')}, nodes: ${n}}`).join('\n')}
  change:
    name: agent
    kind: ${kind}
    namespace: monitoring
    serviceAccount: agent
${kind === 'DaemonSet' ? '' : '    replicas: 3\n'}    calls:
${callYaml}
  rollout: {start: 1m, span: 0s}
`,
  );
  return file;
}

function analyzed(change: ChangeSpec, shape: Shape): number | null {
  const a = analyzeChange(change, [{ name: 'probe', nodes: 1_000, ...shape }]);
  return a.maxSafeNodes;
}

/** Sizes around a break-even, about 10% apart, so the onset is located to within the band. */
function around(breakEven: number): number[] {
  return [0.45, 0.6, 0.7, 0.8, 0.88, 0.96, 1.04, 1.12, 1.22, 1.35, 1.6, 2].map((f) =>
    Math.max(10, Math.round(breakEven * f)),
  );
}

function onset(file: string): { smallestSaturated: number; largestHealthy: number } {
  const result = simulate(loadScenario(file));
  const saturated = result.clusters.filter((c) => c.saturated).map((c) => c.nodes);
  const healthy = result.clusters.filter((c) => !c.saturated).map((c) => c.nodes);
  assert.ok(saturated.length > 0 && healthy.length > 0, `the ladder straddles the onset: ${file}`);
  const smallestSaturated = Math.min(...saturated);
  assert.ok(
    healthy.every((n) => n < smallestSaturated),
    `saturation is monotone in size: healthy ${healthy.join(',')} vs saturated from ${smallestSaturated}`,
  );
  return { smallestSaturated, largestHealthy: Math.max(...healthy) };
}

describe('analyze agrees with simulate on informers', () => {
  for (const rv of ['0', ''] as const) {
    for (const shape of shapes) {
      it(`a cluster-wide pod informer (rv "${rv}") on every node, ${shape.podsPerNode} pods/node, ${shape.apiServers} API servers`, () => {
        const calls = [watch('cluster', rv)];
        const change: ChangeSpec = {
          name: 'agent',
          kind: 'DaemonSet',
          namespace: 'monitoring',
          serviceAccount: 'agent',
          replicas: 1,
          calls,
        };
        const predicted = analyzed(change, shape);
        assert.ok(predicted !== null && predicted < 5_000, `analyze finds a break-even: ${predicted}`);
        const { smallestSaturated, largestHealthy } = onset(
          ladder(shape, around(predicted), calls, 'DaemonSet'),
        );
        const simulated = (smallestSaturated + largestHealthy) / 2;
        const error = Math.abs(predicted - simulated) / simulated;
        assert.ok(
          error <= 0.2,
          `analyze says ${predicted} nodes, simulate saturates from ${smallestSaturated} (largest healthy ${largestHealthy}): ${(error * 100).toFixed(0)}% apart`,
        );
        const past = Math.max(smallestSaturated, predicted + 1);
        const verdict = analyzeChange(change, [{ name: 'big', nodes: past, ...shape }]);
        assert.equal(verdict.verdict, 'high');
        assert.equal(verdict.decidingPhase, 'rollout-burst');
      });
    }
  }

  it('a node-scoped pod informer fits every size the simulator runs, as analyze says', () => {
    const calls = [watch('node', '0')];
    for (const shape of shapes) {
      const change: ChangeSpec = {
        name: 'agent',
        kind: 'DaemonSet',
        namespace: 'monitoring',
        serviceAccount: 'agent',
        replicas: 1,
        calls,
      };
      const predicted = analyzed(change, shape);
      assert.ok(predicted !== null && predicted >= 10_000, `analyze: fits past 10,000 nodes (${predicted})`);
      const result = simulate(loadScenario(ladder(shape, [500, 2_000, 5_000, 8_000], calls, 'DaemonSet')));
      assert.deepEqual(
        result.clusters.filter((c) => c.saturated).map((c) => c.nodes),
        [],
        'no cluster saturates',
      );
    }
    assert.ok(breakEvenSearchLimit >= 10_000);
  });
});

describe('a leader-elected Deployment costs one replica, in analyze and in simulate', () => {
  const list = (replicas?: 'leader'): ApiCall => ({
    verb: 'list',
    resource: 'pods',
    scope: 'cluster',
    everySeconds: 0.5,
    resourceVersion: '',
    ...(replicas ? { replicas } : {}),
  });
  const deployment = (replicas: number, call: ApiCall): ChangeSpec => ({
    name: 'agent',
    kind: 'Deployment',
    namespace: 'monitoring',
    serviceAccount: 'agent',
    replicas,
    calls: [call],
  });
  const shape = shapes[0] as Shape;
  const sizes = [1_000, 1_500, 2_000, 2_500, 3_000, 3_500, 4_000, 5_000];

  /** Saturated cluster sizes of the ladder with the change's replicas set. */
  function saturatedWith(replicas: number, call: ApiCall, tag: string): number[] {
    const file = ladder(shape, sizes, [call], 'Deployment').replace(/\.yaml$/, `-${tag}.yaml`);
    writeFileSync(
      file,
      readFileSync(ladder(shape, sizes, [call], 'Deployment'), 'utf8').replace(
        'replicas: 3',
        `replicas: ${replicas}`,
      ),
    );
    return simulate(loadScenario(file))
      .clusters.filter((c) => c.saturated)
      .map((c) => c.nodes);
  }

  it('three replicas of which only the leader LISTs break where one plain replica does', () => {
    const leader = analyzed(deployment(3, list('leader')), shape);
    const one = analyzed(deployment(1, list()), shape);
    const all = analyzed(deployment(3, list()), shape);
    assert.equal(leader, one);
    assert.ok(
      all !== null && leader !== null && all < leader,
      `every replica LISTing breaks sooner: ${all} < ${leader}`,
    );

    const simLeader = saturatedWith(3, list('leader'), 'leader');
    assert.deepEqual(simLeader, saturatedWith(1, list(), 'one'));
    const simAll = saturatedWith(3, list(), 'all');
    assert.ok(
      simAll.length > simLeader.length,
      `every replica LISTing saturates more clusters: ${simAll.join(',')} vs ${simLeader.join(',')}`,
    );
  });
});
