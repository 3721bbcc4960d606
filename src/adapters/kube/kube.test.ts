import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { matchFlowSchema } from './apf-objects.js';
import { loadChangeManifests, workloadForStep } from './change-manifests.js';
import { loadKubeConfig, redact } from './connection.js';
import { corefileTtlS } from './fleet.js';

const tmp = (): string => mkdtempSync(join(tmpdir(), 'rampart-kube-'));

void describe('kube adapter pieces', () => {
  void it('finds the workload among the change manifests and its service account', () => {
    const d = tmp();
    const f = join(d, 'c.yaml');
    writeFileSync(
      f,
      'apiVersion: v1\nkind: ServiceAccount\nmetadata: {name: sa, namespace: t}\n---\napiVersion: apps/v1\nkind: DaemonSet\nmetadata: {name: a, namespace: t}\nspec:\n  template:\n    spec: {serviceAccountName: sa, containers: [{name: c, image: i}]}\n',
    );
    const c = loadChangeManifests([f]);
    assert.deepEqual(c.ref, { name: 'a', namespace: 't', kind: 'DaemonSet' });
    assert.deepEqual(c.serviceAccount, { namespace: 't', name: 'sa' });
    assert.equal(c.supporting.length, 1);
    const step = workloadForStep(c.workload, { key: 'k', value: 'a' }, 'k');
    assert.deepEqual(
      (step['spec'] as { template: { spec: { nodeSelector: unknown } } }).template.spec.nodeSelector,
      { k: 'a' },
    );
    const all = workloadForStep(step, null, 'k');
    assert.equal(
      (all['spec'] as { template: { spec: Record<string, unknown> } }).template.spec['nodeSelector'],
      undefined,
    );
    writeFileSync(f, 'apiVersion: v1\nkind: ServiceAccount\nmetadata: {name: sa}\n');
    assert.throws(() => loadChangeManifests([f]), /exactly one DaemonSet or Deployment \(found none\)/);
  });

  void it('matches the FlowSchema a service account falls in, by precedence', () => {
    const fs = (name: string, p: number, group: string, level: string) => ({
      metadata: { name },
      spec: {
        matchingPrecedence: p,
        priorityLevelConfiguration: { name: level },
        rules: [
          {
            subjects: [{ kind: 'Group', group: { name: group } }],
            resourceRules: [{ verbs: ['*'], resources: ['*'] }],
          },
        ],
      },
    });
    const schemas = [
      fs('global-default', 9900, 'system:authenticated', 'global-default'),
      fs('service-accounts', 9000, 'system:serviceaccounts', 'workload-low'),
      fs('kube-system-service-accounts', 900, 'system:serviceaccounts:kube-system', 'workload-high'),
    ];
    assert.equal(matchFlowSchema(schemas, { namespace: 't', name: 'a' })?.metadata.name, 'service-accounts');
    assert.equal(
      matchFlowSchema(schemas, { namespace: 'kube-system', name: 'a' })?.metadata.name,
      'kube-system-service-accounts',
    );
  });

  void it('reads DNS cache TTLs from Corefiles', () => {
    assert.equal(corefileTtlS('.:53 {\n    cache 30\n}\n'), 30);
    assert.equal(
      corefileTtlS('cluster.local:53 {\n  cache {\n    success 9984 30\n    denial 9984 5\n  }\n}\n'),
      30,
    );
    assert.equal(corefileTtlS('.:53 {\n  cache 30\n  serve_stale 1h\n}\n'), 3630);
    assert.equal(corefileTtlS('.:53 { forward . 8.8.8.8 }'), undefined);
  });

  void it('never shows a kubeconfig token; a missing context is one line naming the file', () => {
    const d = tmp();
    const kc = join(d, 'kc');
    writeFileSync(
      kc,
      'apiVersion: v1\nkind: Config\nclusters: [{name: c, cluster: {server: "https://127.0.0.1:1"}}]\nusers: [{name: u, user: {token: s3cr3t-t0ken-value}}]\ncontexts: [{name: x, context: {cluster: c, user: u}}]\ncurrent-context: x\n',
    );
    loadKubeConfig({ cluster: 'c', context: 'x', kubeconfig: kc, where: 'fleet.yaml: c' });
    assert.equal(
      redact('failed with s3cr3t-t0ken-value and Authorization: Bearer abc.def'),
      'failed with [redacted] and Authorization: Bearer [redacted]',
    );
    assert.throws(
      () => loadKubeConfig({ cluster: 'c', context: 'nope', kubeconfig: kc, where: 'fleet.yaml: c' }),
      /^RampartError: fleet\.yaml: c: context "nope" is not in .* \(known: x\)$/,
    );
  });
});
