import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { defaultFlowSchemas, defaultPriorityLevels } from '../model/apf.js';
import type { ChangeSpec } from '../model/api-profile.js';
import { breakEvenNodes, phaseLoadAt, type ClusterTemplate } from './break-even.js';
import { defaultApiServerCalibration } from './calibration.js';
import { changeFlows } from './flows.js';
import { decidingLoad, phaseDurationS, phaseFlows, relistSpreadS } from './transients.js';

const template = (apiServers = 3): ClusterTemplate => ({
  podsPerNode: 25,
  controlPlane: {
    apiServers,
    calibration: defaultApiServerCalibration,
    priorityLevels: defaultPriorityLevels,
    flowSchemas: defaultFlowSchemas,
  },
});

const agent = (calls: ChangeSpec['calls'], kind: ChangeSpec['kind'] = 'DaemonSet'): ChangeSpec => ({
  name: 'agent',
  kind,
  namespace: 'monitoring',
  serviceAccount: 'agent',
  replicas: 3,
  calls,
});
const podInformer = agent([{ verb: 'watch', resource: 'pods', scope: 'cluster', resourceVersion: '0' }]);
const flowsOf = (c: ChangeSpec) => (n: number) => changeFlows(c, c.kind === 'DaemonSet' ? n : c.replicas);

void describe('load phases', () => {
  void it('the rollout burst adds one start-up LIST per informer per pod, at the pods’ start rate', () => {
    const change = changeFlows(podInformer, 1_000);
    const flows = phaseFlows('rollout-burst', [], change, { podsStartPerS: 25, apiServers: 3 });
    const burst = flows.filter((f) => f.id.endsWith(':start'));
    assert.equal(burst.length, 1);
    assert.equal(burst[0]?.ratePerS, 25);
    assert.equal(burst[0]?.burstTotal, 1_000);
    assert.equal(burst[0]?.call.verb, 'list');
    assert.equal(phaseDurationS('rollout-burst', change, { podsStartPerS: 25, apiServers: 3 }), 40);
  });

  void it('the restart relist: the informers of one restarting server relist over the reflector backoff', () => {
    const change = changeFlows(podInformer, 900);
    const flows = phaseFlows('restart-relist', [], change, { podsStartPerS: 25, apiServers: 3 });
    const relist = flows.filter((f) => f.id.endsWith(':relist'));
    assert.equal(relist.length, 1);
    assert.equal(relist[0]?.burstTotal, 300);
    assert.ok(Math.abs((relist[0]?.ratePerS ?? 0) - 300 / relistSpreadS) < 1e-9);
    // Periodic calls have nothing to relist, and the steady phase adds nothing.
    const periodic = changeFlows(
      agent([{ verb: 'list', resource: 'pods', scope: 'node', resourceVersion: '0', everySeconds: 60 }]),
      900,
    );
    assert.equal(phaseFlows('restart-relist', [], periodic, { podsStartPerS: 25, apiServers: 3 }).length, 1);
    assert.equal(phaseFlows('steady', [], change, { podsStartPerS: 25, apiServers: 3 }).length, 1);
  });

  void it('a burst shorter than its service time holds at most its own count in flight', () => {
    // Three replicas of a Deployment start at once: three LISTs in flight, however fast pods start.
    const deployment = agent(podInformer.calls, 'Deployment');
    const slow = phaseLoadAt('rollout-burst', template(1), 5_000, flowsOf(deployment), {
      podsStartPerS: 0.02,
    });
    const fast = phaseLoadAt('rollout-burst', template(1), 5_000, flowsOf(deployment), {
      podsStartPerS: 1e6,
    });
    const steady = phaseLoadAt('steady', template(1), 5_000, flowsOf(deployment), null);
    const added = (p: typeof fast): number => p.load.memoryBytes - steady.load.memoryBytes;
    assert.ok(added(fast) > added(slow));
    const listBytes = 5_000 * 25 * 20_000 * defaultApiServerCalibration.listMemoryPerByte;
    assert.ok(added(fast) <= 3 * listBytes * 1.0001, `${added(fast)} ≤ three LISTs' memory`);
  });

  void it('memory past the limit decides a transient at once; a short CPU overload is absorbed', () => {
    const load = phaseLoadAt('rollout-burst', template(), 700, flowsOf(podInformer), {
      podsStartPerS: 25,
    }).load;
    const short = decidingLoad(
      { ...load, utilization: 1.3, cpuUtilization: 1.3, bindingResource: 'cpu' },
      10,
      60,
    );
    assert.ok(short.utilization < 1, 'a 13 s backlog is absorbed');
    const long = decidingLoad(
      { ...load, utilization: 1.3, cpuUtilization: 1.3, bindingResource: 'cpu' },
      60,
      60,
    );
    assert.equal(long.utilization, 1.3);
    const oom = decidingLoad(
      { ...load, utilization: 1.1, memoryUtilization: 1.1, bindingResource: 'memory' },
      1,
      60,
    );
    assert.deepEqual([oom.utilization, oom.bindingResource], [1.1, 'memory']);
  });

  void it('a cluster-wide informer breaks even in its start-up burst, far below its steady-state limit', () => {
    const withTransients = breakEvenNodes(template(), flowsOf(podInformer), 100_000, { podsStartPerS: 25 });
    const steadyOnly = breakEvenNodes(template(), flowsOf(podInformer));
    assert.equal(withTransients.bindingPhase, 'rollout-burst');
    assert.equal(withTransients.bindingResource, 'memory');
    assert.ok((withTransients.maxSafeNodes ?? 0) < 1_000 && (steadyOnly.maxSafeNodes ?? 0) > 10_000);
    // A slower rollout moves the burst's break-even up.
    const slower = breakEvenNodes(template(), flowsOf(podInformer), 100_000, { podsStartPerS: 5 });
    assert.ok((slower.maxSafeNodes ?? 0) > (withTransients.maxSafeNodes ?? 0));
  });

  void it('a change without calls fits every size: the cluster’s own limits are not its break-even', () => {
    const none = agent([]);
    const be = breakEvenNodes(template(), flowsOf(none), 100_000, { podsStartPerS: 25 });
    assert.equal(be.maxSafeNodes, 100_000);
    assert.equal(be.bindingPhase, null);
  });

  void it('a leader-only call is made by one replica', () => {
    const leader = agent(
      [
        {
          verb: 'list',
          resource: 'pods',
          scope: 'cluster',
          resourceVersion: '',
          everySeconds: 10,
          replicas: 'leader',
        },
      ],
      'Deployment',
    );
    assert.equal(changeFlows(leader, 3)[0]?.ratePerS, 0.1);
    const everyReplica = agent(
      [{ verb: 'list', resource: 'pods', scope: 'cluster', resourceVersion: '', everySeconds: 10 }],
      'Deployment',
    );
    assert.ok(Math.abs((changeFlows(everyReplica, 3)[0]?.ratePerS ?? 0) - 0.3) < 1e-12);
  });
});
