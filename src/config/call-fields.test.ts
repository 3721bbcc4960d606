import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'node:test';
import { loadScenario } from './scenario.js';
import { loadScenarioWith, parseOverrideAxis } from './scenario-overrides.js';

// The call fields of issue 17 §3 (limit, contentType, sendInitialEvents) and a change with no calls: what
// the scenario schema accepts, the one-line errors for what it refuses, and sweep paths onto them.

const dir = mkdtempSync(join(tmpdir(), 'rampart-call-fields-'));
let files = 0;
const incident = fileURLToPath(new URL('../../scenarios/incident-2024-12-11.yaml', import.meta.url));

function scenario(calls: string): string {
  const file = join(dir, `s${files++}.yaml`);
  writeFileSync(
    file,
    `apiVersion: rampart.dev/v1alpha1
kind: Scenario
metadata: {name: call-fields}
spec:
  duration: 10m
  fleet:
    clusters:
      - {name: one, nodes: 100}
  change:
    name: agent
    kind: DaemonSet
    namespace: monitoring
    serviceAccount: agent
${calls}
  rollout: {start: 1m, span: 1m}
`,
  );
  return file;
}

void describe('call fields: limit, contentType, sendInitialEvents', () => {
  void it('accepts them where they apply', () => {
    const s = loadScenario(
      scenario(`    calls:
      - {verb: list, resource: pods, scope: cluster, everySeconds: 60, limit: 500, contentType: protobuf}
      - {verb: watch, resource: services, scope: cluster, sendInitialEvents: true}`),
    );
    const calls = s.change?.calls ?? [];
    assert.equal(calls[0]?.limit, 500);
    assert.equal(calls[0]?.contentType, 'protobuf');
    assert.equal(calls[1]?.sendInitialEvents, true);
  });

  void it('refuses impossible values with one line naming the field', () => {
    const refused = (call: string, message: RegExp): void => {
      assert.throws(
        () => loadScenario(scenario(`    calls:\n      - ${call}`)),
        (e: Error) => {
          assert.match(e.message, message);
          assert.equal(e.message.split('\n').length, 1, e.message);
          return true;
        },
      );
    };
    refused(
      '{verb: list, resource: pods, scope: cluster, everySeconds: 60, limit: 0}',
      /spec\.change\.calls\[0\]\.limit.*whole number from 1/,
    );
    refused(
      '{verb: list, resource: pods, scope: cluster, everySeconds: 60, limit: 2.5}',
      /limit.*whole number/,
    );
    refused('{verb: watch, resource: pods, scope: cluster, limit: 500}', /limit pages a list/);
    refused(
      '{verb: list, resource: pods, scope: cluster, everySeconds: 60, sendInitialEvents: true}',
      /sendInitialEvents is a watch parameter/,
    );
    refused(
      '{verb: list, resource: pods, scope: cluster, everySeconds: 60, contentType: yaml}',
      /contentType/,
    );
  });

  void it('a change with no API calls is accepted (an empty list, or none)', () => {
    assert.deepEqual(loadScenario(scenario('    calls: []')).change?.calls, []);
    assert.deepEqual(loadScenario(scenario('')).change?.calls, []);
  });

  void it('sweep paths reach the new fields', () => {
    const axis = parseOverrideAxis('spec.change.calls.0.limit=500,5000');
    assert.deepEqual(axis, { path: 'spec.change.calls[0].limit', values: [500, 5000] });
    const s = loadScenarioWith(incident, [
      { path: 'spec.change.calls[0].limit', value: 500 },
      { path: 'spec.change.calls[0].contentType', value: 'protobuf' },
    ]);
    assert.equal(s.change?.calls[0]?.limit, 500);
    assert.equal(s.change?.calls[0]?.contentType, 'protobuf');
  });
});
