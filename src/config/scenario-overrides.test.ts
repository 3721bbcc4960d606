import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'node:test';
import { loadScenarioWith, parseOverrideAxis } from './scenario-overrides.js';

const incident = fileURLToPath(new URL('../../scenarios/incident-2024-12-11.yaml', import.meta.url));

void describe('scenario overrides (sweep --set)', () => {
  void it('reads values as YAML scalars and writes one spelling of each path', () => {
    assert.deepEqual(parseOverrideAxis('spec.clusterDefaults.apiServers=3,5'), {
      path: 'spec.clusterDefaults.apiServers',
      values: [3, 5],
    });
    assert.deepEqual(parseOverrideAxis('spec.clusterDefaults.dns.nodeCache.ttl=20m, 0'), {
      path: 'spec.clusterDefaults.dns.nodeCache.ttl',
      values: ['20m', 0],
    });
    assert.deepEqual(
      parseOverrideAxis('spec.fleet.generate.2.apiServer.consistentListFromCache=true,false'),
      {
        path: 'spec.fleet.generate[2].apiServer.consistentListFromCache',
        values: [true, false],
      },
    );
    assert.equal(
      parseOverrideAxis('spec.fleet.generate.*.apiServers=8').path,
      'spec.fleet.generate[*].apiServers',
    );
  });

  void it('refuses a path the schema does not have, naming the closest field', () => {
    assert.throws(
      () => parseOverrideAxis('spec.clusterDefaults.dns.nodeCache.tll=1m'),
      /--set spec\.clusterDefaults\.dns\.nodeCache\.tll: unknown field "tll" in spec\.clusterDefaults\.dns\.nodeCache; did you mean "spec\.clusterDefaults\.dns\.nodeCache\.ttl"\?/,
    );
    assert.throws(
      () => parseOverrideAxis('spec.change.calls.x.verb=get'),
      /unknown field "x" in spec\.change\.calls/,
    );
    assert.throws(() => parseOverrideAxis('spec..change=1'), /not a field path/);
    assert.throws(() => parseOverrideAxis('spec.seed=1,1'), /value 1 is given twice/);
  });

  void it('resolves the scenario with the fields set, as if the file said so', () => {
    const s = loadScenarioWith(incident, [
      { path: 'spec.change.namespace', value: 'telemetry' },
      { path: 'spec.clusterDefaults.apiServer.memoryGiB', value: 128 },
      { path: 'spec.fleet.generate[*].apiServers', value: 8 },
    ]);
    assert.equal(s.change?.namespace, 'telemetry');
    assert.ok(s.clusters.every((c) => c.controlPlane.calibration.memoryGiB === 128));
    assert.ok(
      s.clusters.filter((c) => c.name !== 'staging-us-west').every((c) => c.controlPlane.apiServers === 8),
    );
    const plain = loadScenarioWith(incident, []);
    assert.equal(plain.change?.namespace, 'kube-system');
    assert.deepEqual(
      s.clusters.map((c) => c.nodes),
      plain.clusters.map((c) => c.nodes),
      'the same seed, the same fleet',
    );
  });
});
