import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { defaultPriorityLevels } from '../model/apf.js';
import type { ChangeSpec } from '../model/api-profile.js';
import { predictBreakEven, serverSeatsFromNominal, speedFactorFor, type LiveCluster } from './prediction.js';
import { defaultThresholds } from './step-verdict.js';
import { rulesFor } from './live-cluster.js';

const change: ChangeSpec = {
  name: 'telemetry-agent',
  kind: 'DaemonSet',
  namespace: 'telemetry',
  serviceAccount: 'telemetry-agent',
  replicas: 1,
  calls: [{ verb: 'list', resource: 'pods', scope: 'cluster', everySeconds: 30, resourceVersion: '' }],
};
const cluster = (pods: number, cores: number | null = 2): LiveCluster => ({
  nodes: 300,
  pods,
  apiServers: 1,
  serverSeats: 30,
  objects: new Map([['pods', pods]]),
  cores,
});

describe('prediction from the cost model for a live cluster', () => {
  it('recovers the server seats from the nominal limits it reports', () => {
    const shares = defaultPriorityLevels.filter((l) => !l.exempt);
    for (const seats of [30, 60, 100, 400, 600]) {
      const sum = shares.reduce((s, l) => s + Math.ceil((seats * l.shares) / 245), 0);
      assert.ok(Math.abs(serverSeatsFromNominal(sum) - seats) <= 1, `${seats}`);
    }
  });

  it('finds the agent count where the model breaks, fewer for a bigger cluster or a slower server', () => {
    const small = predictBreakEven(change, cluster(600), defaultThresholds);
    const big = predictBreakEven(change, cluster(6000), defaultThresholds);
    assert.equal(small.priorityLevel, 'workload-low');
    assert.ok(small.breakEvenAgents !== null && big.breakEvenAgents !== null);
    assert.ok(big.breakEvenAgents < small.breakEvenAgents);
    const slow = predictBreakEven(change, cluster(600), defaultThresholds, 5);
    assert.ok(slow.breakEvenAgents !== null && slow.breakEvenAgents < small.breakEvenAgents);
    assert.equal(small.calls[0]?.processedObjects, 600);
  });

  it('scales only what depends on objects and bytes', () => {
    assert.equal(speedFactorFor(0.105, 0.505, 0.005), 5);
    assert.equal(speedFactorFor(0.005, 1, 0.005), 1);
  });

  it('grants exactly the calls as RBAC rules', () => {
    assert.deepEqual(
      rulesFor([
        { verb: 'list', resource: 'pods', scope: 'cluster', resourceVersion: '' },
        { verb: 'watch', resource: 'pods', scope: 'node', resourceVersion: '0' },
        { verb: 'update', resource: 'apps/deployments', scope: 'object', resourceVersion: '' },
      ]),
      [
        { apiGroups: [''], resources: ['pods'], verbs: ['list', 'watch'] },
        { apiGroups: ['apps'], resources: ['deployments'], verbs: ['patch'] },
      ],
    );
  });
});
