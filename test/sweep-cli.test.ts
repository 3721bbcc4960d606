import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import type { SweepOutput } from '../src/cli/commands/sweep.js';
import { runCliInProcess, tempDir, writeTemp } from './support/index.js';

const fleet = 'test/fixtures/rollout-fleet.yaml';

/** The documented `sweep --json` entry's fields, in order. */
const variantKeys = [
  'set',
  'seed',
  'clustersSaturated',
  'smallestSaturatedNodes',
  'firstSaturationS',
  'impactStartS',
  'peakErrorRatio',
  'peakAtS',
  'customerErrorMinutes',
  'lockoutMinutes',
  'controlPlaneRecoveryS',
  'customerRecoveryS',
];

describe('rampart sweep', () => {
  it('runs every combination on worker threads; the JSON has exactly the documented shape', async () => {
    const dir = tempDir();
    const json = join(dir, 'sweep.json');
    const html = join(dir, 'sweep.html');
    const run = await runCliInProcess([
      'sweep',
      fleet,
      '--set',
      'spec.change.namespace=kube-system,telemetry',
      '--set',
      'spec.clusterDefaults.dns.nodeCache.ttl=20m,0',
      '--parallel',
      '2',
      '--json',
      json,
      '--report',
      html,
    ]);
    assert.equal(run.code, 0, run.stderr);
    assert.equal(run.stderr, '', 'no progress line when not a TTY');
    const out = JSON.parse(readFileSync(json, 'utf8')) as SweepOutput;
    assert.deepEqual(Object.keys(out), ['variants']);
    assert.equal(out.variants.length, 4);
    for (const v of out.variants) assert.deepEqual(Object.keys(v), variantKeys);
    assert.deepEqual(
      out.variants.map((v) => v.set),
      [
        { 'spec.change.namespace': 'kube-system', 'spec.clusterDefaults.dns.nodeCache.ttl': '20m' },
        { 'spec.change.namespace': 'kube-system', 'spec.clusterDefaults.dns.nodeCache.ttl': 0 },
        { 'spec.change.namespace': 'telemetry', 'spec.clusterDefaults.dns.nodeCache.ttl': '20m' },
        { 'spec.change.namespace': 'telemetry', 'spec.clusterDefaults.dns.nodeCache.ttl': 0 },
      ],
    );
    const [kubeSystem, , ownNamespace] = out.variants;
    assert.ok(kubeSystem && ownNamespace);
    // The agent's namespace decides which APF flow it shares, not whether the control plane saturates.
    assert.equal(ownNamespace.clustersSaturated, kubeSystem.clustersSaturated);
    assert.ok(kubeSystem.clustersSaturated > 0);
    assert.ok(
      ownNamespace.customerErrorMinutes < kubeSystem.customerErrorMinutes / 3,
      `${ownNamespace.customerErrorMinutes} vs ${kubeSystem.customerErrorMinutes} error-minutes`,
    );
    assert.ok(kubeSystem.impactStartS !== null && kubeSystem.controlPlaneRecoveryS !== null);
    // One row per variant in the table, its values in the first columns.
    assert.match(run.stdout, /^change\.namespace +dns\.nodeCache\.ttl +saturated/m);
    assert.match(run.stdout, /^telemetry +20m +5 /m);
    const page = readFileSync(html, 'utf8');
    assert.match(page, /^<!doctype html>/);
    assert.equal((page.match(/<tr>/g) ?? []).length, 5, 'a heading row and four variants');
    assert.doesNotMatch(page, /<script|https?:\/\//, 'self-contained: no scripts, nothing fetched');
  });

  it('is deterministic: the same seed gives the same output, in this thread or on workers', async () => {
    const args = ['sweep', fleet, '--set', 'spec.clusterDefaults.apiServers=3,5', '--json', '-'];
    const a = await runCliInProcess([...args, '--parallel', '2']);
    const b = await runCliInProcess([...args, '--parallel', '1']);
    assert.equal(a.code, 0, a.stderr);
    assert.equal(a.stdout, b.stdout);
    const out = JSON.parse(a.stdout) as SweepOutput;
    assert.deepEqual(
      out.variants.map((v) => v.seed),
      [1, 1],
    );
  });

  it('runs each variant over several seeds', async () => {
    const run = await runCliInProcess([
      'sweep',
      fleet,
      '--set',
      'spec.clusterDefaults.dataPlane.dnsDependentRatio=1',
      '--seeds',
      '2',
      '--seed',
      '5',
      '--json',
      '-',
    ]);
    assert.equal(run.code, 0, run.stderr);
    const out = JSON.parse(run.stdout) as SweepOutput;
    assert.deepEqual(
      out.variants.map((v) => v.seed),
      [5, 6],
    );
  });

  it('bad input is one line naming the path, and exit 2, before anything runs', async () => {
    const dir = tempDir();
    const json = join(dir, 'never.json');
    for (const [set, expect] of [
      [
        'spec.clusterDefaults.apiserver.memoryGiB=64',
        /^rampart: --set spec\.clusterDefaults\.apiserver\.memoryGiB: unknown field "apiserver" in spec\.clusterDefaults; did you mean "spec\.clusterDefaults\.apiServer"\?\n$/,
      ],
      ['spec.chnage.namespace=x', /unknown field "chnage" in spec; did you mean "spec\.change"\?\n$/],
      ['spec.clusterDefaults.nope=1', /unknown field "nope" in spec\.clusterDefaults\n$/],
      ['spec.change.namespace', /--set spec\.change\.namespace: expected <path>=<v1,v2,…>/],
      ['spec.clusterDefaults.apiServers=3,,5', /--set spec\.clusterDefaults\.apiServers: an empty value/],
      [
        'spec.clusterDefaults.apiServers=3,0',
        /^rampart: with --set spec\.clusterDefaults\.apiServers=0: .*spec\.clusterDefaults\.apiServers: /,
      ],
      [
        'spec.clusterDefaults.dns.nodeCache.ttl=soon',
        /with --set spec\.clusterDefaults\.dns\.nodeCache\.ttl=soon: .*nodeCache\.ttl/,
      ],
      [
        'spec.fleet.generate[9].apiServers=5',
        /spec\.fleet\.generate has 3 item\(s\) in .*; \[9\] is not one of them/,
      ],
      ['spec.clusterDefaults.apiServers=[3]', /"\[3\]" is not a YAML scalar/],
    ] as const) {
      const run = await runCliInProcess(['sweep', fleet, '--set', set, '--json', json]);
      assert.equal(run.code, 2, `${set}: ${run.stderr}`);
      assert.match(run.stderr, expect, set);
      assert.equal(run.stderr.split('\n').length, 2, `one line: ${run.stderr}`);
      assert.equal(run.stdout, '');
      assert.equal(existsSync(json), false);
    }
  });

  it('caps the number of runs with a clear error', async () => {
    const values = Array.from({ length: 20 }, (_, i) => i + 1).join(',');
    const run = await runCliInProcess([
      'sweep',
      fleet,
      '--set',
      `spec.clusterDefaults.apiServers=${values}`,
      '--set',
      'spec.clusterDefaults.podsPerNode=10,20,30,40,50,60,70,80,90,100,110,120,130,140',
    ]);
    assert.equal(run.code, 2);
    assert.match(
      run.stderr,
      /^rampart: --set: 20 × 14 = 280 variant\(s\) × 1 seed\(s\) = 280 runs; at most 256 in one sweep: give fewer values or seeds\n$/,
    );
  });

  it('connection reuse spares the requests on open connections; spare capacity bounds traffic shifting', async () => {
    // One serving cluster the agent saturates, one healthy cluster of the same traffic; the first's
    // traffic is shifted away once it fails.
    const file = writeTemp(
      tempDir(),
      'two.yaml',
      readFileSync(fleet, 'utf8')
        .replace('duration: 3h', 'duration: 1h30m')
        .replace(
          / {2}fleet:\n(?: {4}.*\n)+/,
          `  fleet:
    clusters:
      - {name: prod-a, nodes: 5000, apiServers: 5, trafficWeight: 1000}
      - {name: healthy-b, nodes: 100, trafficWeight: 1000}
`,
        )
        .replace(
          / {2}operator:\n(?: {4}.*\n)+/,
          `  operator:
    - {at: "15:30", action: shift-traffic, clusters: saturated}
`,
        ),
    );
    const run = await runCliInProcess([
      'sweep',
      file,
      '--set',
      'spec.clusterDefaults.spareTrafficRatio=0,1',
      '--set',
      'spec.clusterDefaults.dataPlane.connectionReuseRatio=0,0.5',
      '--json',
      '-',
    ]);
    assert.equal(run.code, 0, run.stderr);
    const [none, noneReused, all, allReused] = (JSON.parse(run.stdout) as SweepOutput).variants;
    assert.ok(none && noneReused && all && allReused);
    assert.equal(none.clustersSaturated, 1);
    // Half the requests on open connections: half the errors, at the same times.
    assert.ok(Math.abs(noneReused.customerErrorMinutes - none.customerErrorMinutes / 2) < 0.01);
    assert.equal(noneReused.peakAtS, none.peakAtS);
    // With no spare capacity the shifted traffic stays and fails; with enough, customers recover at the shift.
    assert.equal(none.customerRecoveryS, null);
    assert.ok(all.customerRecoveryS !== null && all.customerRecoveryS <= 46 * 60, `${all.customerRecoveryS}`);
    assert.ok(all.customerErrorMinutes < none.customerErrorMinutes / 2);
    assert.equal(all.lockoutMinutes, none.lockoutMinutes, 'shifting traffic does not help the control plane');
  });

  it('sets every item of a list with [*]', async () => {
    const run = await runCliInProcess([
      'sweep',
      fleet,
      '--set',
      'spec.fleet.generate.*.apiServers=20',
      '--json',
      '-',
    ]);
    assert.equal(run.code, 0, run.stderr);
    const [v] = (JSON.parse(run.stdout) as SweepOutput).variants;
    assert.deepEqual(v?.set, { 'spec.fleet.generate[*].apiServers': 20 });
    const each = await runCliInProcess([
      'sweep',
      fleet,
      ...[0, 1, 2].flatMap((i) => ['--set', `spec.fleet.generate[${i}].apiServers=20`]),
      '--json',
      '-',
    ]);
    assert.equal(each.code, 0, each.stderr);
    const [w] = (JSON.parse(each.stdout) as SweepOutput).variants;
    assert.ok(v && w);
    // The same run as naming every item.
    assert.deepEqual({ ...v, set: {} }, { ...w, set: {} });
  });

  it('sets list items by index, as the file numbers them', async () => {
    const run = await runCliInProcess([
      'sweep',
      fleet,
      '--set',
      'spec.fleet.generate.2.apiServers=5,20',
      '--json',
      '-',
    ]);
    assert.equal(run.code, 0, run.stderr);
    const out = JSON.parse(run.stdout) as SweepOutput;
    const [five, twenty] = out.variants;
    assert.ok(five && twenty);
    assert.deepEqual(twenty.set, { 'spec.fleet.generate[2].apiServers': 20 });
    assert.ok(
      twenty.customerErrorMinutes < five.customerErrorMinutes / 2,
      `more API servers, fewer errors: ${twenty.customerErrorMinutes} vs ${five.customerErrorMinutes}`,
    );
  });
});
