import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { RampartError } from '../core/errors.js';
import { schemaKinds } from './schemas.js';
import { builtinPolicies } from './builtin-policies.js';
import { loadPolicyRef, loadRolloutPolicyFile } from './policy-loader.js';

const dir = mkdtempSync(join(tmpdir(), 'rampart-policy-'));
const write = (name: string, text: string): string => {
  const file = join(dir, name);
  writeFileSync(file, text);
  return file;
};

const valid = `apiVersion: rampart.dev/v1alpha1
kind: RolloutPolicy
metadata:
  name: team-a
spec:
  waves:
    - name: staging
      selector: { matchLabels: { env: staging } }
    - name: prod
      selector: { minNodes: 1 }
      requireApproval: true
  maxInFlight: 3
  nodeSteps:
    shares: [0.01, 0.1, 1]
    bake: 2m
  gates:
    - signal: apf_seat_utilization
      window: 90s
      threshold: { absolute: 0.85 }
    - signal: apiserver_p99_latency_s
      threshold: { relative: { factor: 2, margin: 0.1 } }
  inconclusive: { timeout: 4m, then: halt-and-rollback }
  breakGlass: true
`;

function badInputMessage(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof RampartError);
    assert.equal(err.code, 'BAD_INPUT');
    return err.message;
  }
  assert.fail('expected a bad-input error');
}

void describe('rollout policy loading', () => {
  void it('loads a policy file with durations and defaults', () => {
    const p = loadRolloutPolicyFile(write('ok.yaml', valid));
    assert.equal(p.spec.nodeSteps?.bake, 120);
    assert.equal(p.spec.gates[0]?.window, 90);
    assert.equal(p.spec.gates[1]?.window, 60);
    assert.equal(p.spec.inconclusive.timeout, 240);
    assert.equal(p.spec.onFailure.rollback, 'failed-and-baking');
  });

  void it('rejects an unknown field with file:line:col and the field path', () => {
    const file = write('typo.yaml', valid.replace('      window: 90s', '      windw: 90s'));
    assert.equal(
      badInputMessage(() => loadRolloutPolicyFile(file)),
      `${file}:18:14: spec.gates[0].windw: unknown field "windw"; did you mean "window"?`,
    );
  });

  void it('rejects shares that do not end at 1 or do not increase', () => {
    const a = write('shares.yaml', valid.replace('[0.01, 0.1, 1]', '[0.01, 0.1]'));
    assert.match(
      badInputMessage(() => loadRolloutPolicyFile(a)),
      /spec\.nodeSteps\.shares: the last share must be 1/,
    );
    const b = write('shares2.yaml', valid.replace('[0.01, 0.1, 1]', '[0.1, 0.01, 1]'));
    assert.match(
      badInputMessage(() => loadRolloutPolicyFile(b)),
      /shares must increase/,
    );
  });

  void it('rejects an unknown signal and a gate without a threshold', () => {
    const a = write('sig.yaml', valid.replace('signal: apf_seat_utilization', 'signal: cpu'));
    assert.match(
      badInputMessage(() => loadRolloutPolicyFile(a)),
      /:17:15: spec\.gates\[0\]\.signal: Invalid option/,
    );
    const b = write('thr.yaml', valid.replace('threshold: { absolute: 0.85 }', 'threshold: {}'));
    assert.match(
      badInputMessage(() => loadRolloutPolicyFile(b)),
      /spec\.gates\[0\]\.threshold: set absolute and\/or relative/,
    );
  });

  void it('resolves builtin names and files, and names unknown builtins', () => {
    assert.equal(loadPolicyRef('guarded').metadata.name, 'guarded');
    assert.equal(loadPolicyRef(write('ref.yaml', valid)).metadata.name, 'team-a');
    assert.match(
      badInputMessage(() => loadPolicyRef('gaurded')),
      /unknown builtin "gaurded"; use naive, workload-only, guarded/,
    );
    const off = loadPolicyRef('guarded', { noNodeSteps: true });
    // All nodes at once, the seat projection still on at that one step.
    assert.deepEqual(off.spec.nodeSteps?.shares, [1]);
    assert.equal(off.spec.nodeSteps.extrapolation.enabled, true);
    assert.equal(off.metadata.name, 'guarded-no-node-steps');
    assert.ok(builtinPolicies.guarded.spec.nodeSteps, 'the builtin is untouched');
    assert.equal(loadPolicyRef('naive', { spreadS: 600 }).spec.spread, 600);
    // `<builtin>-no-node-steps` names the same override (compare takes policy names only).
    assert.deepEqual(loadPolicyRef('guarded-no-node-steps'), off);
    assert.match(
      badInputMessage(() => loadPolicyRef('bogus-no-node-steps')),
      /unknown builtin "bogus-no-node-steps"; use naive, workload-only, guarded \(optionally with -no-node-steps\)/,
    );
    assert.equal(builtinPolicies.naive.spec.spread, 29 * 60);
  });

  void it('registers the JSON schema as rolloutpolicy', () => {
    const schema = schemaKinds['rolloutpolicy'];
    assert.ok(schema);
    const json = z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as {
      properties?: Record<string, unknown>;
    };
    assert.ok(json.properties?.['spec']);
  });
});

void describe('documented example', () => {
  void it('examples/guarded.yaml is the builtin guarded policy', () => {
    const file = fileURLToPath(new URL('../../examples/policies/guarded.yaml', import.meta.url));
    assert.deepEqual(loadRolloutPolicyFile(file), builtinPolicies.guarded);
  });
});
