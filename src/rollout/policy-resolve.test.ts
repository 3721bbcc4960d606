import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RampartError } from '../core/errors.js';
import { builtinPolicies, builtinPolicyNames } from '../config/builtin-policies.js';
import { loadRolloutPolicyFile } from '../config/policy-loader.js';
import { resolvePolicy } from './policy-resolve.js';
import { testFleet } from './test-support.js';

const write = (name: string, text: string): string => {
  const file = join(mkdtempSync(join(tmpdir(), 'rampart-policy-')), name);
  writeFileSync(file, text);
  return file;
};

/** Two selector waves, neither of which selects testFleet's small clusters. */
const selectorPolicy = `apiVersion: rampart.dev/v1alpha1
kind: RolloutPolicy
metadata:
  name: team-a
spec:
  waves:
    - name: staging
      selector: { matchLabels: { env: staging } }
    - name: prod
      selector: { minNodes: 100 }
  nodeSteps:
    shares: [0.01, 0.1, 1]
    bake: 2m
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
    const p = loadRolloutPolicyFile(write('sel.yaml', selectorPolicy));
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
