import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import type { SimResult } from '../src/sim/result.js';
import { runCliInProcess, tempDir, writeTemp } from './support/index.js';

const header =
  'apiVersion: rampart.dev/v1alpha1\nkind: Scenario\nmetadata: {name: x}\nspec:\n  duration: 1h\n';

describe('rampart simulate: bad input gets one line naming file:line:col and field, exit 2', () => {
  const dir = tempDir();
  const cases: { name: string; yaml: string; expect: RegExp }[] = [
    {
      name: 'malformed.yaml',
      yaml: `${header}  fleet:\n    clusters:\n      - {name: a, nodes: 5\n`,
      expect: /^rampart: .*malformed\.yaml:\d+:\d+: malformed YAML/,
    },
    {
      name: 'unknown.yaml',
      yaml: `${header}  bogus: 1\n  fleet:\n    clusters:\n      - {name: a, nodes: 5}\n`,
      expect: /^rampart: .*unknown\.yaml:6:\d+: spec\.bogus: unknown field "bogus"/,
    },
    {
      name: 'negative.yaml',
      yaml: `${header}  fleet:\n    clusters:\n      - {name: a, nodes: -5}\n`,
      expect: /^rampart: .*negative\.yaml:8:\d+: spec\.fleet\.clusters\[0\]\.nodes: /,
    },
    {
      name: 'resource.yaml',
      yaml: `${header}  fleet:\n    clusters:\n      - {name: a, nodes: 5}\n  change:\n    name: t\n    kind: DaemonSet\n    namespace: x\n    serviceAccount: y\n    calls:\n      - {verb: list, resource: podz, scope: cluster, everySeconds: 60}\n`,
      expect: /^rampart: .*resource\.yaml:15:\d+: spec\.change\.calls\[0\]\.resource: unknown resource/,
    },
    {
      name: 'cluster.yaml',
      yaml: `${header}  fleet:\n    clusters:\n      - {name: a, nodes: 5}\n  operator:\n    - {at: 10m, action: delete-change, clusters: [nope]}\n`,
      expect: /^rampart: .*cluster\.yaml:\d+:\d+: spec\.operator\.0\.clusters: unknown cluster "nope"/,
    },
    {
      // Was accepted and silently ignored: a typo in a resource name changed nothing.
      name: 'objects.yaml',
      yaml: `${header}  fleet:\n    clusters:\n      - {name: a, nodes: 5, objects: {podz: 1000}}\n`,
      expect:
        /^rampart: .*objects\.yaml:8:\d+: spec\.fleet\.clusters\[0\]\.objects\.podz: unknown resource; known: pods,/,
    },
    {
      name: 'nodes.yaml',
      yaml: `${header}  fleet:\n    clusters:\n      - {name: a, nodes: 1000000000}\n`,
      expect: /^rampart: .*nodes\.yaml:8:\d+: spec\.fleet\.clusters\[0\]\.nodes: at most 100,000 nodes/,
    },
    {
      name: 'apiservers.yaml',
      yaml: `${header}  clusterDefaults: {apiServers: 100000000}\n  fleet:\n    clusters:\n      - {name: a, nodes: 5}\n`,
      expect:
        /^rampart: .*apiservers\.yaml:6:\d+: spec\.clusterDefaults\.apiServers: at most 100 API servers/,
    },
    {
      // Would have crashed V8 (out of memory) after minutes, with a native stack trace.
      name: 'long.yaml',
      yaml: `${header.replace('1h', '100000h')}  fleet:\n    clusters:\n      - {name: a, nodes: 5}\n`,
      expect:
        /^rampart: .*long\.yaml:5:\d+: spec\.duration: 100000h in steps of 2s is 180,000,000 steps; at most 2,000,000/,
    },
    {
      name: 'huge-fleet.yaml',
      yaml: `${header}  fleet:\n    generate:\n      - {namePrefix: c-, count: 3000000, nodes: {min: 10, max: 100}}\n`,
      expect: /^rampart: .*huge-fleet\.yaml:\d+:\d+: spec\.fleet: 3,000,000 clusters; at most 10,000/,
    },
    {
      name: 'samples.yaml',
      yaml: `${header.replace('1h', '100h')}  fleet:\n    generate:\n      - {namePrefix: c-, count: 5000, nodes: {min: 10, max: 100}}\n`,
      expect:
        /^rampart: .*samples\.yaml:\d+:\d+: spec\.sampleEvery: 5,000 clusters .* 60,000,000 cluster samples; at most 4,000,000/,
    },
    {
      name: 'time.yaml',
      yaml: `${header}  fleet:\n    clusters:\n      - {name: a, nodes: 5}\n  operator:\n    - {at: "15:27", action: shift-traffic, clusters: all}\n`,
      expect: /needs spec\.start/,
    },
  ];
  for (const c of cases) {
    it(c.name, async () => {
      const run = await runCliInProcess(['simulate', writeTemp(dir, c.name, c.yaml)]);
      assert.equal(run.code, 2);
      assert.match(run.stderr, c.expect);
      assert.equal(run.stderr.trim().split('\n').length, 1, 'one line');
      assert.doesNotMatch(run.stderr, /\bat .*\.ts:\d+/, 'no stack trace');
      assert.equal(run.stdout, '');
    });
  }
  it('a missing file', async () => {
    const run = await runCliInProcess(['simulate', join(dir, 'missing.yaml')]);
    assert.equal(run.code, 2);
    assert.match(run.stderr, /missing\.yaml: cannot read \(no such file\)/);
  });
  it('a bad --seed, and one past 32 bits (it would have replayed seed 0)', async () => {
    const run = await runCliInProcess(['simulate', 'test/fixtures/small-fleet.yaml', '--seed', '-3']);
    assert.equal(run.code, 2);
    assert.match(run.stderr, /--seed/);
    const big = await runCliInProcess(['simulate', 'test/fixtures/small-fleet.yaml', '--seed', '4294967296']);
    assert.equal(big.code, 2);
    assert.match(big.stderr, /^rampart: --seed: "4294967296" is not a whole number from 0 to 4294967295\n$/);
    const yaml = readFileSync('test/fixtures/small-fleet.yaml', 'utf8').replace(
      'seed: 7',
      'seed: 4294967296',
    );
    const inFile = await runCliInProcess(['simulate', writeTemp(dir, 'seed.yaml', yaml)]);
    assert.equal(inFile.code, 2);
    assert.match(inFile.stderr, /seed\.yaml:\d+:\d+: spec\.seed: at most 4294967295/);
  });
  it('an existing --json file is left intact when the input is bad', async () => {
    const out = writeTemp(dir, 'keep.json', '{"previous":true}\n');
    const run = await runCliInProcess(['simulate', join(dir, 'negative.yaml'), '--json', out]);
    assert.equal(run.code, 2);
    assert.equal(readFileSync(out, 'utf8'), '{"previous":true}\n');
  });
});

describe('rampart simulate: determinism and output', () => {
  it('same scenario and seed give byte-identical JSON; another seed changes it', async () => {
    const a = await runCliInProcess(['simulate', 'test/fixtures/small-fleet.yaml', '--json', '-']);
    const b = await runCliInProcess(['simulate', 'test/fixtures/small-fleet.yaml', '--json', '-']);
    const c = await runCliInProcess([
      'simulate',
      'test/fixtures/small-fleet.yaml',
      '--json',
      '-',
      '--seed',
      '8',
    ]);
    assert.equal(a.code, 0, a.stderr);
    assert.equal(a.stdout, b.stdout);
    assert.notEqual(a.stdout, c.stdout);
    const r = JSON.parse(a.stdout) as SimResult;
    assert.equal(r.seed, 7);
    assert.equal((JSON.parse(c.stdout) as SimResult).seed, 8);
    const big = r.clusters.find((x) => x.name === 'big');
    const tiny = r.clusters.find((x) => x.name === 'tiny');
    assert.ok(big?.saturated, 'the 3,000-node cluster saturates');
    assert.equal(tiny?.saturated, false);
    assert.ok(
      r.events.some(
        (e) => e.type === 'operator.action' && e.cluster === 'big' && /change deleted/.test(e.detail ?? ''),
      ),
    );
  });

  it('warns (stderr, exit 0) about actions after the end and a rollout the end cuts off', async () => {
    const yaml = readFileSync('test/fixtures/small-fleet.yaml', 'utf8')
      .replace('duration: 50m', 'duration: 20m')
      .replace('span: 4m', 'span: 30m');
    const run = await runCliInProcess(['simulate', writeTemp(tempDir(), 'short.yaml', yaml), '--quiet']);
    assert.equal(run.code, 0, run.stderr);
    const warnings = run.stderr.trim().split('\n');
    assert.equal(warnings.length, 4, run.stderr);
    assert.match(
      warnings[0] ?? '',
      /^rampart: warning: .*short\.yaml:\d+:\d+: spec\.rollout\.span: the rollout ends at 35m, but the scenario ends at 20m: 1 of 3 clusters get the change$/,
    );
    assert.match(
      warnings[1] ?? '',
      /spec\.operator\.0\.at: block-admin-api at 40m never runs: the scenario ends at 20m$/,
    );
    // A policy paces its own rollout: the pipeline's span is not its concern, the operator's actions are.
    const file = writeTemp(tempDir(), 'short.yaml', yaml);
    const guarded = await runCliInProcess(['simulate', file, '--quiet', '--policy', 'guarded']);
    assert.equal(guarded.code, 0, guarded.stderr);
    assert.doesNotMatch(guarded.stderr, /spec\.rollout\.span/);
    assert.equal(guarded.stderr.trim().split('\n').length, 3, guarded.stderr);
    // That the shipped incident scenario warns about nothing is checked where its output is compared with
    // its golden file (test/golden.test.ts), which runs it anyway.
  });

  it('writes --json atomically and prints where it went', async () => {
    const out = join(tempDir(), 'nested', 'r.json');
    const run = await runCliInProcess(['simulate', 'test/fixtures/small-fleet.yaml', '--json', out]);
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, new RegExp(`JSON written to ${out.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`));
    assert.equal((JSON.parse(readFileSync(out, 'utf8')) as SimResult).scenario, 'small-fleet');
  });

  it('--help shows an example and the exit codes', async () => {
    const run = await runCliInProcess(['simulate', '--help']);
    assert.equal(run.code, 0);
    assert.match(run.stdout, /Examples:\n {2}rampart simulate scenarios\/incident-2024-12-11\.yaml/);
    assert.match(run.stdout, /Exit codes/);
  });

  it('rampart schema scenario prints a JSON Schema that names the scenario fields', async () => {
    const run = await runCliInProcess(['schema', 'scenario']);
    assert.equal(run.code, 0, run.stderr);
    const schema = JSON.parse(run.stdout) as {
      properties: { spec: { properties: Record<string, unknown> } };
    };
    for (const key of ['duration', 'fleet', 'change', 'rollout', 'operator', 'clusterDefaults'])
      assert.ok(key in schema.properties.spec.properties, key);
  });
});

void describe('simulate --policy timeline', () => {
  void it("names each node step's share of the cluster, not only the cluster's size", async () => {
    const r = await runCliInProcess(['simulate', 'test/fixtures/small-fleet.yaml', '--policy', 'guarded']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /rollout\.step\.applied ×2 +tiny 1% \(1 of 30\), tiny 10% \(3 of 30\)/);
    assert.match(r.stdout, /big 1% \(30 of 3,000\)/);
  });
});
