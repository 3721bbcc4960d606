import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { RampartError } from '../core/errors.js';
import { loadScenario } from './scenario.js';

describe('scenario memory', () => {
  it('refuses fields that are each in range but together would take hundreds of GB, naming spec.step', () => {
    const file = join(mkdtempSync(join(tmpdir(), 'rampart-rings-')), 'rings.yaml');
    writeFileSync(
      file,
      [
        'apiVersion: rampart.dev/v1alpha1',
        'kind: Scenario',
        'metadata: {name: rings}',
        'spec:',
        '  duration: 2m',
        '  step: 100ms',
        '  sampleEvery: 60s',
        '  clusterDefaults: {apiServer: {restartS: 3600}}',
        '  fleet: {generate: [{namePrefix: c-, count: 10000, nodes: {min: 10, max: 20}}]}',
      ].join('\n'),
    );
    assert.throws(
      () => loadScenario(file),
      (e: unknown) =>
        e instanceof RampartError &&
        /rings\.yaml:6:9: spec\.step: 10,000 clusters in steps of 100ms .* GiB/.test(e.message),
    );
  });
});
