import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  analyzeChange,
  changeOf,
  fleetTargets,
  ladderTargets,
  lawFromSlope,
  scalingOf,
  templateFor,
} from '../src/analyze/index.js';
import type { ClusterTarget } from '../src/analyze/index.js';
import { loadFleet } from '../src/config/fleet.js';
import { loadManifests } from '../src/config/manifests.js';
import { resolveWorkloads } from '../src/analyze/workloads.js';
import { breakEvenNodes, breakEvenSearchLimit } from '../src/cost/break-even.js';
import { defaultPodsStartPerS } from '../src/cost/transients.js';
import { changeFlows } from '../src/cost/flows.js';
import type { ChangeSpec } from '../src/model/api-profile.js';

const ex = (p: string): string => `examples/analyze/${p}`;

/** The change declared by an example manifest (its annotation). */
function exampleChange(file: string): ChangeSpec {
  const [w] = resolveWorkloads({
    manifests: loadManifests([ex(`manifests/${file}`)]),
    profiles: [],
    audit: null,
  });
  assert.ok(w, `a workload in ${file}`);
  return changeOf(w);
}

const fleet = fleetTargets(loadFleet(ex('fleet.yaml')));
const staging = fleetTargets(loadFleet(ex('fleet-staging.yaml')));
const alone = (nodes: number): ClusterTarget[] => [
  { name: `c${nodes}`, nodes, podsPerNode: 30, apiServers: 3 },
];

void describe('analyze verdicts (examples/analyze)', () => {
  const telemetry = exampleChange('telemetry-agent.yaml');

  void it('the incident telemetry DaemonSet is high on a fleet with multi-thousand-node clusters', () => {
    assert.equal(telemetry.kind, 'DaemonSet');
    assert.equal(telemetry.namespace, 'kube-system');
    assert.equal(telemetry.serviceAccount, 'telemetry-agent');
    const a = analyzeChange(telemetry, fleet);
    assert.equal(a.verdict, 'high');
    assert.equal(a.scaling, 'O(N²)');
    assert.ok(
      a.maxSafeNodes !== null && a.maxSafeNodes > 40 && a.maxSafeNodes < 2_500,
      `break-even ${a.maxSafeNodes}`,
    );
    assert.match(a.fix ?? '', /fieldSelector=spec\.nodeName with resourceVersion=0/);
    assert.equal(a.dominantCall?.call.verb, 'list');
    const big = a.clusters.find((c) => c.name === 'prod-big');
    assert.equal(big?.verdict, 'high');
    assert.equal(
      big?.priorityLevel,
      'workload-high',
      'kube-system service accounts land in workload-high (§2.2)',
    );
    assert.equal(big?.replicas, 7_500);
    assert.equal(a.clusters.find((c) => c.name === 'staging')?.verdict, 'low');
  });

  void it('the same DaemonSet is low for a 40-node staging cluster alone', () => {
    const a = analyzeChange(telemetry, staging);
    assert.equal(a.verdict, 'low');
    assert.equal(a.clusters[0]?.nodes, 40);
    assert.ok((a.clusters[0]?.utilization ?? 1) < 0.5);
  });

  void it('is medium on a 500-node cluster: O(N²) within 2× of its break-even', () => {
    const a = analyzeChange(telemetry, fleetTargets(loadFleet(ex('fleet-regional.yaml'))));
    assert.equal(a.verdict, 'medium');
    assert.match(a.clusters[0]?.reasons.join(' ') ?? '', /within 2× of its break-even/);
  });

  void it('uses the shared break-even: maxSafeNodes equals breakEvenNodes for the same template', () => {
    const t = alone(5_000)[0] as ClusterTarget;
    // With the rollout's start-up burst, as analyze judges it: the agent's LIST on start binds first.
    const expected = breakEvenNodes(templateFor(t), (n) => changeFlows(telemetry, n), breakEvenSearchLimit, {
      podsStartPerS: defaultPodsStartPerS,
    });
    assert.equal(expected.bindingPhase, 'rollout-burst');
    const a = analyzeChange(telemetry, [t]);
    assert.equal(a.maxSafeNodes, expected.maxSafeNodes);
    assert.equal(a.bindingResource, expected.bindingResource);
    assert.equal(a.clusters[0]?.maxSafeNodes, expected.maxSafeNodes);
  });

  void it('a per-node agent listing its own node pods from the watch cache is low at 7,500 nodes', () => {
    const good = exampleChange('node-agent.yaml');
    assert.deepEqual(good.calls[0], {
      verb: 'list',
      resource: 'pods',
      scope: 'node',
      resourceVersion: '0',
      everySeconds: 60,
    });
    const a = analyzeChange(good, fleet);
    const big = a.clusters.find((c) => c.nodes === 7_500);
    assert.equal(big?.verdict, 'low');
    assert.equal(a.verdict, 'low');
    assert.ok((big?.utilization ?? 1) < 0.5);
  });

  void it('a single-replica controller using informers is low, O(N), at every size of the ladder', () => {
    const ctl = exampleChange('pod-controller.yaml');
    assert.equal(ctl.kind, 'Deployment');
    const a = analyzeChange(ctl, ladderTargets());
    assert.equal(a.verdict, 'low');
    assert.equal(a.scaling, 'O(N)');
    assert.deepEqual(a.flags, []);
    assert.ok(a.clusters.every((c) => c.replicas === 1));
  });

  void it('a per-node agent watching all endpoints is flagged for O(N²) watch fan-out', () => {
    const mesh = exampleChange('endpoints-watcher.yaml');
    const a = analyzeChange(mesh, fleet);
    assert.deepEqual(a.flags, ['watch-fan-out']);
    assert.equal(a.scaling, 'O(N²)');
    assert.ok(a.notes.some((n) => n.startsWith('O(N²) watch fan-out')));
    assert.match(a.fix ?? '', /EndpointSlices|aggregator/);
    assert.notEqual(a.verdict, 'high');
    const big = a.clusters.find((c) => c.nodes === 7_500);
    const small = a.clusters.find((c) => c.nodes === 40);
    assert.ok(big && small && big.watchEventsPerS > 1_000 * small.watchEventsPerS, 'events grow ~N²');
  });

  void it('reads per-cluster seats against the level capacity with borrowing, per API server', () => {
    const a = analyzeChange(telemetry, alone(2_000));
    const c = a.clusters[0];
    assert.ok(c);
    assert.ok(c.seatCapacity > 98, 'workload-high nominal is 98 seats at 600; borrowing adds more');
    assert.ok(c.seatCapacity <= 600);
    assert.ok(Math.abs(c.utilization - c.seatDemand / c.seatCapacity) < 1e-9);
    assert.ok(c.changeSeatDemand <= c.seatDemand);
    const more = analyzeChange(telemetry, [{ ...alone(2_000)[0]!, apiServers: 6 }]).clusters[0];
    assert.ok(
      more && Math.abs(more.changeSeatDemand * 6 - c.changeSeatDemand * 3) < 1e-6,
      'demand is split over API servers',
    );
  });

  void it('reports queue and 429 risk, LIST size and memory', () => {
    const a = analyzeChange(telemetry, fleet);
    const big = a.clusters.find((c) => c.name === 'prod-big');
    assert.equal(big?.queueRisk, 'oom');
    assert.equal(big?.listResponseBytes, 7_500 * 30 * 20_000);
    assert.ok((big?.listMemoryBytes ?? 0) > 0);
    assert.equal(a.clusters.find((c) => c.name === 'staging')?.queueRisk, 'none');
  });
});

void describe('scaling law', () => {
  void it('classifies slopes', () => {
    assert.equal(lawFromSlope(0), 'O(1)');
    assert.equal(lawFromSlope(1), 'O(N)');
    assert.equal(lawFromSlope(2), 'O(N²)');
  });

  void it('a fixed-replica periodic GET is O(1); a per-node GET is O(N); a per-node cluster LIST is O(N²)', () => {
    const t = alone(1_000)[0] as ClusterTarget;
    const base = { name: 'x', namespace: 'apps', serviceAccount: 'x', replicas: 2 };
    const get = {
      verb: 'get',
      resource: 'configmaps',
      scope: 'object',
      resourceVersion: '',
      everySeconds: 10,
    } as const;
    const list = {
      verb: 'list',
      resource: 'pods',
      scope: 'cluster',
      resourceVersion: '',
      everySeconds: 300,
    } as const;
    assert.equal(scalingOf({ ...base, kind: 'Deployment', calls: [get] }, t).law, 'O(1)');
    assert.equal(scalingOf({ ...base, kind: 'DaemonSet', calls: [get] }, t).law, 'O(N)');
    assert.equal(scalingOf({ ...base, kind: 'DaemonSet', calls: [list] }, t).law, 'O(N²)');
    const mixed = scalingOf({ ...base, kind: 'DaemonSet', calls: [get, list] }, t);
    assert.equal(mixed.law, 'O(N²)', 'the steepest call wins');
    assert.equal(mixed.perCall[0]?.law, 'O(N)');
  });

  void it('a workload with no calls is low and O(1)', () => {
    const a = analyzeChange(
      { name: 'idle', kind: 'Deployment', namespace: 'a', serviceAccount: 'a', replicas: 1, calls: [] },
      alone(5_000),
    );
    assert.equal(a.verdict, 'low');
    assert.equal(a.scaling, 'O(1)');
    assert.equal(a.dominantCall, null);
  });
});
