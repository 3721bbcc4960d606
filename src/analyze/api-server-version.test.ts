import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fleetTargets, templateFor } from './targets.js';
import { RampartError } from '../core/errors.js';
import { loadFleet } from '../config/fleet.js';
import { loadScenario } from '../config/scenario.js';

// apiServer.version decides the memory a LIST holds (docs/calibration.md), in simulate and analyze alike.
const dir = mkdtempSync(join(tmpdir(), 'rampart-version-'));
let files = 0;
const write = (text: string): string => {
  const file = join(dir, `f${files++}.yaml`);
  writeFileSync(file, text);
  return file;
};
const scenario = (apiServer: string): string =>
  write(`apiVersion: rampart.dev/v1alpha1
kind: Scenario
metadata: {name: version}
spec:
  duration: 10m
  clusterDefaults: {apiServer: ${apiServer}}
  fleet:
    clusters:
      - {name: old, nodes: 100}
      - {name: new, nodes: 100, apiServer: {version: "1.34"}}
`);

void describe('apiServer.version', () => {
  it('defaults to 1.31 (5× per LIST byte); a cluster on 1.33+ holds 0.4×', () => {
    const s = loadScenario(scenario('{}'));
    const calib = (name: string) => s.clusters.find((c) => c.name === name)?.controlPlane.calibration;
    assert.equal(calib('old')?.version, '1.31');
    assert.equal(calib('old')?.listMemoryPerByte, 5);
    assert.equal(calib('new')?.version, '1.34');
    assert.equal(calib('new')?.listMemoryPerByte, 0.4);
  });

  it('reads an unquoted 1.33 as written, and refuses 1.3 (1.30 or 1.3?) with what to write', () => {
    const s = loadScenario(scenario('{version: 1.33}'));
    assert.equal(s.clusters[0]?.controlPlane.calibration.listMemoryPerByte, 0.4);
    assert.throws(
      () => loadScenario(scenario('{version: 1.3}')),
      (e: unknown) => e instanceof RampartError && /write it quoted, e\.g\. "1\.31"/.test(e.message),
    );
  });

  it('in a fleet file, per cluster or for all, gives analyze the same figures', () => {
    const fleet = loadFleet(
      write(`apiVersion: rampart.dev/v1alpha1
kind: Fleet
spec:
  apiServer: {version: "1.33"}
  clusters:
    - {name: a, nodes: 1000}
    - {name: b, nodes: 1000, apiServer: {version: "1.32"}}
`),
    );
    const [a, b] = fleetTargets(fleet).map((t) => templateFor(t).controlPlane.calibration);
    assert.equal(a?.listMemoryPerByte, 0.4);
    assert.equal(b?.listMemoryPerByte, 5);
  });
});
