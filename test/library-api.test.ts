import assert from 'node:assert/strict';
import { spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { repoRoot, tempDir } from './support/index.js';

// What a user of the package gets: the build in dist/ (scripts/test.sh builds it before the tests),
// reached by the package's name through its "exports", JavaScript and declarations alike.

const node = (args: readonly string[], cwd: string): SpawnSyncReturns<string> =>
  spawnSync(process.execPath, args, { cwd, encoding: 'utf8', timeout: 120_000 });

describe('the library (import … from "rampart")', () => {
  it('runs a small simulation through the public API, from the build', () => {
    const code = `
      import { createRng, decide, loadScenario, RampartError, simulate } from 'rampart';
      const scenario = loadScenario('scenarios/staging.yaml');
      const result = simulate(scenario);
      let bad = null;
      try { loadScenario('no-such-file.yaml'); } catch (e) { bad = e instanceof RampartError ? e.code : String(e); }
      console.log(JSON.stringify({
        scenario: result.scenario, clusters: result.clusters.length, saturated: result.fleet.clustersSaturated,
        decide: typeof decide, rng: createRng(1).next() === createRng(1).next(), bad,
        from: import.meta.resolve('rampart'),
      }));`;
    const r = node(['--input-type=module', '-e', code], repoRoot);
    assert.equal(r.status, 0, r.stderr);
    assert.deepEqual(JSON.parse(r.stdout), {
      scenario: 'staging',
      clusters: 1,
      saturated: 0,
      decide: 'function',
      rng: true,
      bad: 'BAD_INPUT',
      from: `file://${join(repoRoot, 'dist', 'index.js')}`,
    });
  });

  it('ships declarations, with maps back to the sources', () => {
    for (const f of [
      'index.d.ts',
      'index.d.ts.map',
      'index.js.map',
      'cli/main.js',
      'compare/compare-worker.js',
    ])
      assert.ok(existsSync(join(repoRoot, 'dist', f)), `dist/${f}`);
    for (const f of ['index.test.js', 'sim/small-incident.fixture.js', 'rollout/test-support.js'])
      assert.ok(!existsSync(join(repoRoot, 'dist', f)), `dist/${f} is test code and not shipped`);
  });

  it('type-checks a consumer that implements the ports and calls simulate', () => {
    const dir = tempDir('rampart-consumer-');
    mkdirSync(join(dir, 'node_modules'));
    symlinkSync(repoRoot, join(dir, 'node_modules', 'rampart'), 'dir');
    symlinkSync(join(repoRoot, 'node_modules', '@types'), join(dir, 'node_modules', '@types'), 'dir');
    writeFileSync(join(dir, 'package.json'), '{ "type": "module" }\n');
    writeFileSync(
      join(dir, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: {
          strict: true,
          module: 'nodenext',
          moduleResolution: 'nodenext',
          target: 'es2022',
          types: ['node'],
          noEmit: true,
          skipLibCheck: true,
        },
        files: ['consumer.ts'],
      }),
    );
    writeFileSync(
      join(dir, 'consumer.ts'),
      `import type { ClusterClient, FleetSupplier, MetricsSource, Scenario, SimResult } from 'rampart';
import { decide, loadScenario, simulate } from 'rampart';

export const client: ClusterClient = {
  apply: () => ({ ok: true }),
  rollback: () => ({ ok: false, reason: 'not in this test' }),
  rolloutStatus: () => 'unreachable',
};
export const metrics: MetricsSource = { evaluate: () => 'missing' };
export const fleet: FleetSupplier = { listClusters: () => [{ name: 'a', nodes: 3, labels: {} }] };
export const run = (file: string): SimResult => simulate(loadScenario(file));
export const clusterCount = (s: Scenario): number => s.clusters.length;
export const next = decide;
// The declarations are real types, not any: a client without rolloutStatus is refused.
// @ts-expect-error rolloutStatus is missing
export const incomplete: ClusterClient = { apply: () => ({ ok: true }), rollback: () => ({ ok: true }) };
`,
    );
    const tsc = join(repoRoot, 'node_modules', 'typescript', 'bin', 'tsc');
    const r = node([tsc, '-p', join(dir, 'tsconfig.json')], dir);
    assert.equal(r.status, 0, `${r.stdout}${r.stderr}`);
  });
});

describe('bin/rampart.js', () => {
  it('without a build, says in one line to run npm run build, and fails', () => {
    const dir = tempDir('rampart-unbuilt-');
    mkdirSync(join(dir, 'bin'));
    copyFileSync(join(repoRoot, 'bin', 'rampart.js'), join(dir, 'bin', 'rampart.js'));
    writeFileSync(join(dir, 'package.json'), '{ "type": "module" }\n');
    const r = node([join(dir, 'bin', 'rampart.js'), '--help'], dir);
    assert.equal(r.status, 70);
    assert.equal(r.stdout, '');
    assert.match(r.stderr, /^rampart: [^\n]*npm run build[^\n]*\n$/);
  });
});
