import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  defaultFlowSchemas,
  serviceAccountIdentity,
  type FlowSchema,
  type RequestIdentity,
} from '../model/apf.js';
import { classify } from './classify.js';

// Reference §2.2 "Default FlowSchemas" (matchingPrecedence, lower wins) and "Simulator-relevant consequences".

const kubelet = (node: string): RequestIdentity => ({
  user: `system:node:${node}`,
  groups: ['system:nodes', 'system:authenticated'],
});
const human: RequestIdentity = { user: 'alice@example.com', groups: ['devs', 'system:authenticated'] };
const admin: RequestIdentity = {
  user: 'root@example.com',
  groups: ['system:masters', 'system:authenticated'],
};

void describe('classify with the default flow schemas', () => {
  void it('a ServiceAccount in kube-system ⇒ kube-system-service-accounts, workload-high, ByNamespace', () => {
    const c = classify(
      defaultFlowSchemas,
      serviceAccountIdentity('kube-system', 'coredns'),
      'list',
      'endpointslices',
    );
    assert.deepEqual(c, {
      flowSchema: 'kube-system-service-accounts', // precedence 900
      priorityLevel: 'workload-high',
      distinguisher: 'ByNamespace',
      flowKey: 'kube-system-service-accounts/kube-system',
    });
  });

  void it('every kube-system ServiceAccount shares one flow (ByNamespace = kube-system)', () => {
    const keys = ['coredns', 'kube-proxy', 'telemetry-agent'].map(
      (sa) => classify(defaultFlowSchemas, serviceAccountIdentity('kube-system', sa), 'list', 'pods').flowKey,
    );
    assert.equal(new Set(keys).size, 1);
  });

  void it('a ServiceAccount in monitoring ⇒ service-accounts, workload-low, ByUser (one flow per SA)', () => {
    const a = classify(defaultFlowSchemas, serviceAccountIdentity('monitoring', 'agent'), 'list', 'pods');
    assert.deepEqual(a, {
      flowSchema: 'service-accounts', // precedence 9000
      priorityLevel: 'workload-low',
      distinguisher: 'ByUser',
      flowKey: 'service-accounts/system:serviceaccount:monitoring:agent',
    });
    const b = classify(defaultFlowSchemas, serviceAccountIdentity('monitoring', 'exporter'), 'list', 'pods');
    assert.notEqual(a.flowKey, b.flowKey);
  });

  void it('a human user (group system:authenticated) ⇒ global-default, ByUser', () => {
    const c = classify(defaultFlowSchemas, human, 'get', 'pods');
    assert.equal(c.flowSchema, 'global-default'); // precedence 9900
    assert.equal(c.priorityLevel, 'global-default');
    assert.equal(c.distinguisher, 'ByUser');
    assert.equal(c.flowKey, 'global-default/alice@example.com');
  });

  void it('an unauthenticated request ⇒ global-default too (§2.2 "all authenticated/unauthenticated")', () => {
    const anon: RequestIdentity = { user: 'system:anonymous', groups: ['system:unauthenticated'] };
    assert.equal(classify(defaultFlowSchemas, anon, 'get', 'namespaces').priorityLevel, 'global-default');
  });

  void it('group system:masters ⇒ exempt (precedence 1), whatever the verb and resource', () => {
    for (const [verb, resource] of [
      ['list', 'pods'],
      ['update', 'leases'],
      ['delete', 'apps/daemonsets'],
    ] as const) {
      const c = classify(defaultFlowSchemas, admin, verb, resource);
      assert.equal(c.flowSchema, 'exempt');
      assert.equal(c.priorityLevel, 'exempt');
      assert.equal(c.distinguisher, 'None');
    }
  });

  void it('kubelet updating its lease ⇒ system-node-high, node-high, one flow per node', () => {
    const c = classify(defaultFlowSchemas, kubelet('n1'), 'update', 'leases');
    assert.equal(c.flowSchema, 'system-node-high'); // precedence 400
    assert.equal(c.priorityLevel, 'node-high');
    assert.equal(c.flowKey, 'system-node-high/system:node:n1');
    assert.notEqual(c.flowKey, classify(defaultFlowSchemas, kubelet('n2'), 'update', 'leases').flowKey);
  });

  void it('kubelet writing its Node ⇒ node-high; with the API group prefix too', () => {
    assert.equal(classify(defaultFlowSchemas, kubelet('n1'), 'patch', 'nodes').priorityLevel, 'node-high');
    assert.equal(
      classify(defaultFlowSchemas, kubelet('n1'), 'update', 'coordination.k8s.io/leases').priorityLevel,
      'node-high',
    );
  });

  void it('other kubelet calls (pods, secrets, configmaps) ⇒ system-nodes, system', () => {
    for (const [verb, resource] of [
      ['watch', 'pods'],
      ['patch', 'pods'],
      ['get', 'secrets'],
      ['get', 'configmaps'],
    ] as const) {
      const c = classify(defaultFlowSchemas, kubelet('n1'), verb, resource);
      assert.equal(c.flowSchema, 'system-nodes', `${verb} ${resource}`); // precedence 500
      assert.equal(c.priorityLevel, 'system', `${verb} ${resource}`);
    }
  });

  void it('kube-system ServiceAccounts renewing leases ⇒ system-leader-election (100) before kube-system-service-accounts (900)', () => {
    const sa = serviceAccountIdentity('kube-system', 'my-operator');
    const lease = classify(defaultFlowSchemas, sa, 'update', 'leases');
    assert.equal(lease.flowSchema, 'system-leader-election');
    assert.equal(lease.priorityLevel, 'leader-election');
    // ... but not for LISTs of leases (only get/create/update match), nor for other resources.
    assert.equal(classify(defaultFlowSchemas, sa, 'list', 'leases').priorityLevel, 'workload-high');
    assert.equal(classify(defaultFlowSchemas, sa, 'update', 'secrets').priorityLevel, 'workload-high');
  });

  void it('1.31/1.32: kube-system leader-election locks in endpoints and configmaps ⇒ workload-leader-election (200)', () => {
    const sa = serviceAccountIdentity('kube-system', 'my-operator');
    const lock = classify(defaultFlowSchemas, sa, 'update', 'configmaps');
    assert.equal(lock.flowSchema, 'workload-leader-election');
    assert.equal(lock.priorityLevel, 'leader-election');
    assert.equal(classify(defaultFlowSchemas, sa, 'list', 'configmaps').priorityLevel, 'workload-high');
    const other = serviceAccountIdentity('apps', 'operator');
    assert.equal(classify(defaultFlowSchemas, other, 'update', 'configmaps').priorityLevel, 'workload-low');
  });

  void it('1.31/1.32: the endpoint controllers writing endpoints ⇒ endpoint-controller (150), workload-high', () => {
    const kcm: RequestIdentity = { user: 'system:kube-controller-manager', groups: ['system:authenticated'] };
    const c = classify(defaultFlowSchemas, kcm, 'update', 'endpoints');
    assert.equal(c.flowSchema, 'endpoint-controller');
    assert.equal(c.priorityLevel, 'workload-high');
    const mirror = serviceAccountIdentity('kube-system', 'endpointslicemirroring-controller');
    assert.equal(
      classify(defaultFlowSchemas, mirror, 'create', 'endpoints').flowSchema,
      'endpoint-controller',
    );
  });

  void it('health probes from anyone ⇒ probes (2), exempt', () => {
    const anyone: RequestIdentity = { user: 'prober', groups: ['system:unauthenticated'] };
    const c = classify(defaultFlowSchemas, anyone, 'get', '/readyz');
    assert.equal(c.flowSchema, 'probes');
    assert.equal(c.priorityLevel, 'exempt');
  });

  void it('kube-controller-manager ⇒ workload-high, except its leader-election lease', () => {
    const kcm: RequestIdentity = { user: 'system:kube-controller-manager', groups: ['system:authenticated'] };
    assert.equal(classify(defaultFlowSchemas, kcm, 'update', 'pods').flowSchema, 'kube-controller-manager');
    assert.equal(classify(defaultFlowSchemas, kcm, 'update', 'pods').priorityLevel, 'workload-high');
    assert.equal(classify(defaultFlowSchemas, kcm, 'update', 'leases').priorityLevel, 'leader-election');
  });

  void it('schema order in the input does not matter (matchingPrecedence decides)', () => {
    const reversed: FlowSchema[] = [...defaultFlowSchemas].reverse();
    const sa = serviceAccountIdentity('kube-system', 'coredns');
    assert.deepEqual(
      classify(reversed, sa, 'list', 'pods'),
      classify(defaultFlowSchemas, sa, 'list', 'pods'),
    );
    assert.equal(classify(reversed, admin, 'list', 'pods').priorityLevel, 'exempt');
  });

  void it('a request no schema matches falls to catch-all', () => {
    const nobody: RequestIdentity = { user: 'ghost', groups: [] };
    const c = classify(defaultFlowSchemas, nobody, 'get', 'pods');
    assert.equal(c.priorityLevel, 'catch-all');
    assert.equal(c.flowKey, 'catch-all/ghost');
  });
});
