import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadScenario, type ClusterConfig } from './scenario.js';

// Every field a cluster may set must also work from clusterDefaults and from a generate group, applied in
// order defaults < clusterDefaults < group < cluster. Schema defaults once filled every field of a
// cluster's `dns:` and `dataPlane:` blocks, so a cluster entry silently overrode clusterDefaults with them.

const dir = mkdtempSync(join(tmpdir(), 'rampart-defaults-'));
let files = 0;

/** A scenario with one listed cluster and one generated group; `defaults` and `group` are YAML flow maps. */
function resolved(
  defaults: string,
  group = '{}',
  cluster = '{}',
): { listed: ClusterConfig; generated: ClusterConfig } {
  const file = join(dir, `s${files++}.yaml`);
  const merge = (base: string, extra: string): string =>
    extra === '{}' ? base : `${base.slice(0, -1)}, ${extra.slice(1)}`;
  writeFileSync(
    file,
    `apiVersion: rampart.dev/v1alpha1
kind: Scenario
metadata: {name: defaults}
spec:
  duration: 10m
  clusterDefaults: ${defaults}
  fleet:
    clusters:
      - ${merge('{name: listed, nodes: 100}', cluster)}
    generate:
      - ${merge('{namePrefix: gen-, count: 1, nodes: {min: 200, max: 200}}', group)}
`,
  );
  const s = loadScenario(file);
  const listed = s.clusters.find((c) => c.name === 'listed');
  const generated = s.clusters.find((c) => c.name.startsWith('gen-'));
  assert.ok(listed && generated);
  return { listed, generated };
}

/** A field group, a clusterDefaults value for it, and how to read it back from a resolved cluster. */
const cases: readonly [string, string, (c: ClusterConfig) => unknown, unknown][] = [
  ['podsPerNode', '{podsPerNode: 17}', (c) => c.podsPerNode, 17],
  ['apiServers', '{apiServers: 5}', (c) => c.controlPlane.apiServers, 5],
  [
    'apiServer',
    '{apiServer: {memoryGiB: 32, restartS: 90}}',
    (c) => c.controlPlane.calibration.memoryGiB,
    32,
  ],
  ['dns', '{dns: {serviceNamesNeedControlPlane: false}}', (c) => c.dns.serviceNamesNeedControlPlane, false],
  ['dns', '{dns: {corednsCacheTtl: 5s}}', (c) => c.dns.corednsCacheTtlS, 5],
  ['dns', '{dns: {corednsQpsPerReplica: 500}}', (c) => c.dns.corednsQpsPerReplica, 500],
  ['dns', '{dns: {corednsReplicas: 7}}', (c) => c.dns.corednsReplicas, 7],
  ['dns', '{dns: {searchAmplification: 3}}', (c) => c.dns.searchAmplification, 3],
  ['dns.nodeCache', '{dns: {nodeCache: {ttl: 1m}}}', (c) => c.dns.nodeCacheTtlS, 60],
  ['dns.nodeCache', '{dns: {nodeCache: {enabled: false}}}', (c) => c.dns.nodeCacheEnabled, false],
  ['dns.nodeCache', '{dns: {nodeCache: {serveStale: 1h}}}', (c) => c.dns.serveStaleS, 3600],
  ['dataPlane', '{dataPlane: {dnsDependentRatio: 0}}', (c) => c.dataPlane.dnsDependentRatio, 0],
  ['dataPlane', '{dataPlane: {requestsPerSPerNode: 3}}', (c) => c.dataPlane.requestsPerSPerNode, 3],
  ['dataPlane', '{dataPlane: {dnsLookupsPerSPerNode: 4}}', (c) => c.dataPlane.dnsLookupsPerSPerNode, 4],
  ['dataPlane', '{dataPlane: {namesPerNode: 9}}', (c) => c.dataPlane.namesPerNode, 9],
  ['dataPlane', '{dataPlane: {connectionReuseRatio: 0.2}}', (c) => c.dataPlane.connectionReuseRatio, 0.2],
  ['objects', '{objects: {services: 1234}}', (c) => c.objects?.['services'], 1234],
  ['oncallUsers', '{oncallUsers: 9}', (c) => c.oncallUsers, 9],
  ['trafficWeight', '{trafficWeight: 42}', (c) => c.trafficWeight, 42],
  ['spareTrafficRatio', '{spareTrafficRatio: 0.1}', (c) => c.spareTrafficRatio, 0.1],
];

void describe('scenario layers: defaults < clusterDefaults < group < cluster', () => {
  for (const [group, yaml, read, want] of cases) {
    void it(`clusterDefaults ${yaml} reaches listed and generated clusters (${group})`, () => {
      const { listed, generated } = resolved(yaml);
      assert.deepEqual(read(listed), want);
      assert.deepEqual(read(generated), want);
      // …while a cluster entry that sets something else in the same block keeps it.
      const block = yaml.slice(1).split(':')[0] ?? '';
      if (block === 'dns' || block === 'dataPlane') {
        const siblings =
          block === 'dns'
            ? ['{dns: {searchAmplification: 4}}', '{dns: {corednsQpsPerReplica: 900}}']
            : ['{dataPlane: {namesPerNode: 11}}', '{dataPlane: {requestsPerSPerNode: 7}}'];
        const field = (y: string): string => y.split('{').pop()?.split(':')[0] ?? '';
        const other = siblings.find((x) => field(x) !== field(yaml)) ?? '';
        const mixed = resolved(yaml, other, other);
        assert.deepEqual(read(mixed.listed), want, 'a sibling field on the cluster does not reset it');
        assert.deepEqual(read(mixed.generated), want, 'a sibling field on the group does not reset it');
      }
    });
  }

  void it('later layers win: group over clusterDefaults, cluster over both', () => {
    const { listed, generated } = resolved(
      '{dns: {nodeCache: {ttl: 10m}}}',
      '{dns: {nodeCache: {ttl: 5m}}}',
      '{dns: {nodeCache: {ttl: 2m}}}',
    );
    assert.equal(generated.dns.nodeCacheTtlS, 300);
    assert.equal(listed.dns.nodeCacheTtlS, 120);
  });

  void it('with nothing set, the documented defaults apply', () => {
    const { listed } = resolved('{}');
    assert.deepEqual(
      [listed.dns.serviceNamesNeedControlPlane, listed.dns.corednsCacheTtlS, listed.dns.nodeCacheTtlS],
      [true, 30, 1200],
    );
    assert.deepEqual(listed.dataPlane, {
      requestsPerSPerNode: 10,
      dnsDependentRatio: 1,
      connectionReuseRatio: 0.5,
      dnsLookupsPerSPerNode: 20,
      namesPerNode: 50,
    });
    assert.equal(listed.spareTrafficRatio, 0.25);
  });
});
