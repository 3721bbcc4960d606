import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { lstatSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { stringify } from 'yaml';
import { baseScenario } from './cases.js';
import { layDown, repoRoot, runCases, type FuzzCase } from './support.js';

// The cases issue 18 reported, through the real CLI: each now answers in one line (exit 2) or with
// finite numbers. The fuzz properties cover their classes; these pin the examples.
const scenario = (spec: Record<string, unknown>): string =>
  stringify({ ...baseScenario, spec: { ...baseScenario.spec, ...spec } });
const idle = stringify({
  apiVersion: 'rampart.dev/v1alpha1',
  kind: 'Scenario',
  metadata: { name: 'idle' },
  spec: {
    duration: '10m',
    clusterDefaults: { dns: { nodeCache: { ttl: 0 } } },
    fleet: { clusters: [{ name: 'a', nodes: 100 }] },
  },
});
const apiServer = (fields: Record<string, unknown>): string =>
  scenario({ clusterDefaults: { ...baseScenario.spec.clusterDefaults, apiServer: fields } });

const refused: readonly (readonly [string, Record<string, string>, readonly string[], RegExp])[] = [
  [
    'maxRetryAfterS 1e8',
    { 'in.yaml': apiServer({ maxRetryAfterS: 1e8 }) },
    ['simulate', 'in.yaml'],
    /maxRetryAfterS: must be/,
  ],
  ['restartS 1e8', { 'in.yaml': apiServer({ restartS: 1e8 }) }, ['simulate', 'in.yaml'], /restartS: must be/],
  [
    'listMemoryPerByte 1e300',
    { 'in.yaml': apiServer({ listMemoryPerByte: 1e300 }) },
    ['simulate', 'in.yaml'],
    /listMemoryPerByte: must be/,
  ],
  [
    'a rollout at 25:99',
    { 'in.yaml': scenario({ rollout: { start: '25:99', span: '2m' } }) },
    ['simulate', 'in.yaml'],
    /:\d+:\d+: spec\.rollout\.start: "25:99" is not a time of day/,
  ],
  [
    'spec.start on February 30',
    { 'in.yaml': scenario({ start: '2024-02-30T14:45:00-08:00' }) },
    ['simulate', 'in.yaml'],
    /:\d+:\d+: spec\.start: /,
  ],
  [
    'compare without a change',
    { 'in.yaml': idle },
    ['compare', 'in.yaml', '--parallel', '2'],
    /spec\.change is required/,
  ],
  ['schema __proto__', {}, ['schema', '__proto__'], /unknown kind "__proto__"/],
  ['schema toString', {}, ['schema', 'toString'], /unknown kind "toString"/],
  [
    "--seed ''",
    { 'in.yaml': idle },
    ['simulate', 'in.yaml', '--seed', ''],
    /--seed: "" is not a whole number/,
  ],
  ['--seed 0x10', { 'in.yaml': idle }, ['simulate', 'in.yaml', '--seed', '0x10'], /--seed: "0x10"/],
  ['--seeds 1e1', { 'in.yaml': idle }, ['compare', 'in.yaml', '--seeds', '1e1'], /--seeds: "1e1"/],
  ['--json=', { 'in.yaml': idle }, ['simulate', 'in.yaml', '--json='], /--json: empty value/],
  ['/dev/zero as a scenario', {}, ['simulate', '/dev/zero'], /not a regular file/],
  ['/dev/urandom as an audit log', {}, ['analyze', '--audit-log', '/dev/urandom'], /not a regular file/],
  [
    'a directory as a fleet',
    { 'm.yaml': '' },
    ['analyze', '--profile', '.', '--fleet', '.'],
    /is a directory/,
  ],
  [
    'an undefined alias',
    { 'in.yaml': 'apiVersion: *nope\n' },
    ['simulate', 'in.yaml'],
    /in\.yaml:1:13: malformed YAML: alias \*nope/,
  ],
];

void describe('issue 18, as reported', () => {
  void it('refuses each in one line with exit 2', async () => {
    const cases: FuzzCase[] = refused.map(([label, files, args]) => ({ label, files, args }));
    const results = await runCases(cases, 2);
    results.forEach(({ run, failure }, i) => {
      const [label, , , re] = refused[i] ?? ['', {}, [], /$^/];
      assert.equal(failure, null, `${label}: ${failure ?? ''}`);
      assert.equal(run.code, 2, `${label}: exit ${String(run.code)} ${run.stderr}`);
      assert.match(run.stderr, re, label);
    });
  });

  void it('a node DNS cache TTL of 0 is no node cache: an idle cluster stays healthy, in finite numbers', async () => {
    const [r] = await runCases(
      [{ label: 'ttl 0', files: { 'in.yaml': idle }, args: ['simulate', 'in.yaml', '--json', '-'] }],
      1,
    );
    assert.equal(r?.failure, null, r?.failure ?? '');
    const out = JSON.parse(r?.run.stdout ?? '') as {
      clusters: { saturated: boolean; peakErrorRatio: number }[];
    };
    assert.equal(out.clusters[0]?.saturated, false);
    assert.equal(out.clusters[0]?.peakErrorRatio, 0);
  });

  void it('stdout that fails is one line and exit 2; a reader that leaves early is no trace', () => {
    const dir = layDown({ label: '', files: { 'in.yaml': idle }, args: [] });
    const cli = `'${process.execPath}' '${join(repoRoot, 'bin/rampart.js')}'`;
    const full = spawnSync('bash', ['-c', `${cli} schema scenario > /dev/full`], {
      cwd: dir,
      encoding: 'utf8',
    });
    assert.equal(full.status, 2);
    assert.match(full.stderr, /^rampart: cannot write to stdout \(ENOSPC\)[^\n]*\n$/);
    const pipe = spawnSync(
      'bash',
      ['-c', `set -o pipefail; ${cli} simulate in.yaml --json - | head -c1 >/dev/null`],
      {
        cwd: dir,
        encoding: 'utf8',
        env: { ...process.env, CI: 'true' },
      },
    );
    assert.equal(pipe.stderr, '');
    assert.equal(pipe.status, 0);
  });

  void it('--json through a symbolic link and to /dev/null leaves the links alone', () => {
    const dir = layDown({ label: '', files: { 'in.yaml': idle, 'real.json': 'old' }, args: [] });
    symlinkSync('real.json', join(dir, 'link.json'));
    symlinkSync('/dev/null', join(dir, 'null.json'));
    for (const target of ['link.json', 'null.json', '/dev/stdout']) {
      const r = spawnSync(
        process.execPath,
        [join(repoRoot, 'bin/rampart.js'), 'simulate', 'in.yaml', '--quiet', '--json', target],
        {
          cwd: dir,
          encoding: 'utf8',
          env: { ...process.env, CI: 'true' },
        },
      );
      assert.equal(r.status, 0, r.stderr);
    }
    assert.ok(lstatSync(join(dir, 'link.json')).isSymbolicLink());
    assert.ok(lstatSync(join(dir, 'null.json')).isSymbolicLink());
    assert.match(readFileSync(join(dir, 'real.json'), 'utf8'), /^\{"scenario":"idle"/);
    writeFileSync(join(dir, 'unused'), '');
  });
});
