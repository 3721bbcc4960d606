import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { RampartError } from '../core/errors.js';
import { schemaKinds } from '../config/schemas.js';
import { builtinPolicies, builtinPolicyNames } from './builtin-policies.js';
import { loadPolicyRef, loadRolloutPolicyFile } from './policy-loader.js';
import { resolvePolicy } from './policy-resolve.js';
import { testFleet } from './test-support.js';

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
      `${file}:18:14: spec.gates[0].windw: unknown field "windw"`,
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
    assert.equal(off.spec.nodeSteps, undefined);
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

void describe('policy resolution', () => {
  const fleet = testFleet(8);

  void it('defaults the bake to the longest DNS cache TTL plus the margin', () => {
    const r = resolvePolicy(builtinPolicies.guarded, fleet);
    assert.equal(r.policy.bakeS, 1200 + 300);
    assert.deepEqual(r.policy.shares, [0.01, 0.1, 1]);
    assert.ok(r.policy.extrapolation);
    assert.equal(r.policy.breakGlass, true);
    assert.deepEqual(r.warnings, []);
  });

  void it('warns when a bake is shorter than the cache TTL', () => {
    const r = resolvePolicy(builtinPolicies['workload-only'], fleet);
    assert.equal(r.policy.bakeS, 600);
    assert.equal(r.warnings.length, 1);
    assert.match(
      r.warnings[0] ?? '',
      /bake 10m is shorter than the longest DNS cache TTL in the fleet \(20m on c01\)/,
    );
  });

  void it('builtins have the promised shape', () => {
    assert.deepEqual(builtinPolicyNames, ['naive', 'workload-only', 'guarded']);
    const naive = resolvePolicy(builtinPolicies.naive, fleet);
    assert.equal(naive.policy.gates.length, 0);
    assert.equal(naive.policy.spreadS, 29 * 60);
    assert.deepEqual(
      naive.waves.map((w) => w.clusters.length),
      [8],
    );
    const wo = resolvePolicy(builtinPolicies['workload-only'], fleet);
    assert.deepEqual(wo.policy.gates.map((g) => g.signal).sort(), [
      'change_ready_ratio',
      'workload_error_ratio',
    ]);
    assert.deepEqual(
      wo.waves.map((w) => w.clusters),
      [['c01'], ['c02', 'c03'], ['c04', 'c05', 'c06', 'c07'], ['c08']],
    );
    const g = resolvePolicy(builtinPolicies.guarded, fleet);
    assert.equal(g.policy.onInconclusiveTimeout, 'halt-and-rollback');
    const signals = new Set(g.policy.gates.map((x) => x.signal));
    for (const s of [
      'apf_seat_utilization',
      'apiserver_429_per_s',
      'coredns_servfail_ratio',
      'dns_cache_miss_ratio',
    ] as const)
      assert.ok(signals.has(s), s);
  });

  void it('selector waves report clusters no wave selects', () => {
    const p = loadRolloutPolicyFile(write('sel.yaml', valid.replace('minNodes: 1', 'minNodes: 100')));
    const r = resolvePolicy(p, fleet);
    assert.ok(r.warnings.some((w) => /wave staging selects no cluster/.test(w)));
    assert.ok(
      r.warnings.some((w) =>
        /4 cluster\(s\) match no wave and are not rolled out: c01, c02, c03, c04$/.test(w),
      ),
    );
  });

  void it('refuses a fleet listing a cluster twice', () => {
    assert.match(
      badInputMessage(() => resolvePolicy(builtinPolicies.naive, [...fleet, fleet[0]!])),
      /cluster "c01" is listed twice/,
    );
  });
});

void describe('documented example', () => {
  void it('examples/guarded.yaml is the builtin guarded policy', () => {
    const file = fileURLToPath(new URL('./examples/guarded.yaml', import.meta.url));
    assert.deepEqual(loadRolloutPolicyFile(file), builtinPolicies.guarded);
  });
});
