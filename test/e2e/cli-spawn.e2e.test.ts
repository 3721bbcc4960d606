import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import type { SimResult } from '../../src/sim/result.js';
import { repoRoot, runCli, runCliInProcess, tempDir, writeTemp } from '../support/index.js';

// The CLI as a user runs it: bin/rampart.js in its own process. Only what a process shows is tested here
// (exit codes as the shell sees them, the machine's locale and time zone, a reader that goes away);
// everything else about the commands runs in process (runCliInProcess), which is much faster.

describe('spawned CLI: exit codes, streams and one-line errors', () => {
  it('a bad scenario: exit 2, one line on stderr naming file:line:col, no stack trace, nothing on stdout (in process too)', async () => {
    const file = writeTemp(
      tempDir(),
      'negative.yaml',
      'apiVersion: rampart.dev/v1alpha1\nkind: Scenario\nmetadata: {name: x}\nspec:\n  duration: 1h\n  fleet:\n    clusters:\n      - {name: a, nodes: -5}\n',
    );
    const run = runCli(['simulate', file]);
    assert.equal(run.code, 2);
    assert.match(run.stderr, /^rampart: .*negative\.yaml:8:\d+: spec\.fleet\.clusters\[0\]\.nodes: /);
    assert.equal(run.stderr.trim().split('\n').length, 1, 'one line');
    assert.doesNotMatch(run.stderr, /\n\s+at /, 'no stack trace');
    assert.equal(run.stdout, '');
    // What the in-process runner (every other CLI test) sees is what a user sees, byte for byte.
    assert.deepEqual(await runCliInProcess(['simulate', file]), run);
  });

  it('a failing analyze verdict: the report on stdout and exit 1 (in process too)', async () => {
    const args = [
      'analyze',
      'examples/analyze/manifests/telemetry-agent.yaml',
      '--fleet',
      'examples/analyze/fleet.yaml',
    ];
    const run = runCli(args);
    assert.equal(run.code, 1, run.stderr);
    assert.match(run.stdout, /verdict: HIGH \(fails --fail-on high\)/);
    assert.equal(run.stderr, '');
    assert.deepEqual(await runCliInProcess(args), run);
  });

  it('a reader that goes away (`rampart … | head`): exit 0, no stack trace', async () => {
    // The read end is closed before the CLI writes its 60 KB schema, so its write fails with EPIPE.
    const child = spawn(process.execPath, [join(repoRoot, 'bin/rampart.js'), 'schema', 'scenario'], {
      cwd: repoRoot,
      env: { ...process.env, CI: 'true' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout.destroy();
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const [code, signal] = await new Promise<[number | null, NodeJS.Signals | null]>((resolve) =>
      child.on('close', (c, s) => resolve([c, s])),
    );
    assert.equal(signal, null);
    assert.equal(code, 0, stderr);
    assert.equal(stderr, '');
  });
});

describe('spawned CLI: the same output whatever the locale and time zone of the machine', () => {
  it('simulate --json - prints one JSON document on stdout, the same under another locale and time zone (and in process)', async () => {
    // Two clusters of one size: smallest-first falls back to their names, and a locale-aware comparison
    // orders those differently under da_DK ("aa" after "z"); the event list's ties do the same.
    const yaml = readFileSync(join(repoRoot, 'test/fixtures/small-fleet.yaml'), 'utf8')
      .replace('{name: tiny, nodes: 30}', '{name: z-west, nodes: 30}')
      .replace('{name: mid, nodes: 600}', '{name: aa-east, nodes: 30}')
      .replace('{name: big, nodes: 3000}', '{name: big, nodes: 30}')
      .replace('duration: 50m', 'duration: 15m');
    const file = writeTemp(tempDir(), 'locale.yaml', yaml);
    const run = (locale: string, tz: string): string => {
      const r = runCli(['simulate', file, '--json', '-'], { env: { LC_ALL: locale, LANG: locale, TZ: tz } });
      assert.equal(r.code, 0, r.stderr);
      return r.stdout;
    };
    const en = run('en_US.UTF-8', 'UTC');
    assert.equal(run('da_DK.UTF-8', 'Asia/Tokyo'), en);
    assert.equal((await runCliInProcess(['simulate', file, '--json', '-'])).stdout, en);
    // Parsing the whole of stdout: the JSON document and nothing else (warnings go to stderr).
    const applied = (JSON.parse(en) as SimResult).events
      .filter((e) => e.type === 'rollout.cluster.applied')
      .map((e) => e.cluster);
    assert.deepEqual(applied, ['aa-east', 'big', 'z-west']);
  });

  it('analyze reads a directory in the same order under another locale', () => {
    // Danish collation sorts "aa" after "z": a locale-aware sort of the file names would turn the report round.
    const ex = (p: string): string => `examples/analyze/${p}`;
    const dir = join(tempDir('rampart-analyze-cli-'), 'locale-manifests');
    mkdirSync(dir);
    const manifest = readFileSync(join(repoRoot, ex('manifests/node-agent.yaml')), 'utf8');
    for (const name of ['z-agent', 'aa-agent'])
      writeFileSync(join(dir, `${name}.yaml`), manifest.replace(/name: node-agent\b/g, `name: ${name}`));
    const run = (locale: string): string => {
      const r = runCli(['analyze', dir, '--fleet', ex('fleet.yaml'), '--format', 'json'], {
        env: { LC_ALL: locale, LANG: locale },
      });
      assert.equal(r.code, 0, r.stderr);
      return r.stdout;
    };
    const en = run('en_US.UTF-8');
    assert.equal(run('da_DK.UTF-8'), en);
    assert.deepEqual(
      (JSON.parse(en) as { workloads: { name: string }[] }).workloads.map((w) => w.name),
      ['aa-agent', 'z-agent'],
    );
  });
});
