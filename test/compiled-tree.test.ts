import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  rmSync,
  statSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { compiledTree, projectRoot, sourceFiles } from '../bin/compiled-tree.js';

/** A tiny project: src/main.ts prints what src/greet.ts returns; a test file that must not be compiled. */
function fixture(): string {
  const root = mkdtempSync(join(tmpdir(), 'rampart-tree-'));
  mkdirSync(join(root, 'src', 'deep'), { recursive: true });
  writeFileSync(join(root, 'package.json'), JSON.stringify({ name: 'fx', type: 'module' }));
  writeFileSync(join(root, 'tsconfig.json'), JSON.stringify({ compilerOptions: { target: 'ES2022' } }));
  writeFileSync(
    join(root, 'src', 'deep', 'greet.ts'),
    `export const greet = (n: string): string => 'hi ' + n;\n`,
  );
  writeFileSync(
    join(root, 'src', 'main.ts'),
    `import { greet } from './deep/greet.js';\nconst who: string = 'fleet';\nconsole.log(greet(who));\n`,
  );
  writeFileSync(join(root, 'src', 'main.test.ts'), `throw new Error('tests are not compiled');\n`);
  return root;
}

/** Runs `test` on a new fixture project, removed afterwards. */
async function inFixture(test: (root: string) => Promise<void>): Promise<void> {
  const root = fixture();
  try {
    await test(root);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

const runTree = (dir: string): string =>
  spawnSync(process.execPath, [join(dir, 'src', 'main.js')], { encoding: 'utf8' }).stdout.trim();

void describe('compiled tree (the CLI runs compiled JavaScript, not tsx)', () => {
  void it('compiles every source but tests into a tree that runs, and reuses it until a source changes', () =>
    inFixture(async (root) => {
      const cache = join(root, '.build');
      const first = await compiledTree({ root, dirs: ['src'], cacheDirs: [cache] });
      assert.ok(first);
      assert.equal(runTree(first), 'hi fleet');
      assert.equal(existsSync(join(first, 'src', 'main.test.js')), false);
      const builtAt = statSync(join(first, 'src', 'main.js')).mtimeMs;
      assert.equal(await compiledTree({ root, dirs: ['src'], cacheDirs: [cache] }), first);
      assert.equal(statSync(join(first, 'src', 'main.js')).mtimeMs, builtAt, 'not compiled again');

      writeFileSync(
        join(root, 'src', 'deep', 'greet.ts'),
        `export const greet = (n: string): string => 'bye ' + n;\n`,
      );
      const second = await compiledTree({ root, dirs: ['src'], cacheDirs: [cache] });
      assert.ok(second && second !== first, 'an edited source gets a new tree');
      assert.equal(runTree(second), 'bye fleet');
      assert.deepEqual(
        readdirSync(cache).sort(),
        [first, second].map((d) => d.slice(cache.length + 1)).sort(),
      );
    }));

  void it('keeps the trees used lately, and removes older ones left unused for a day', () =>
    inFixture(async (root) => {
      const cache = join(root, '.build');
      const build = async (word: string): Promise<string> => {
        writeFileSync(
          join(root, 'src', 'deep', 'greet.ts'),
          `export const greet = (n: string): string => '${word} ' + n;\n`,
        );
        const dir = await compiledTree({ root, dirs: ['src'], cacheDirs: [cache] });
        assert.ok(dir);
        return dir;
      };
      const twoDaysAgo = new Date(Date.now() - 2 * 86_400_000);
      const a = await build('a');
      const b = await build('b');
      const c = await build('c');
      utimesSync(join(a, '.complete'), twoDaysAgo, twoDaysAgo);
      const aBitLater = new Date(twoDaysAgo.getTime() + 1000);
      utimesSync(join(b, '.complete'), aBitLater, aBitLater);
      const d = await build('d');
      // Kept: the new tree and the two used most lately (c, then b, though unused for two days); a goes.
      assert.deepEqual(readdirSync(cache).sort(), [b, c, d].map((x) => x.slice(cache.length + 1)).sort());
      assert.equal(runTree(d), 'd fleet');
      // Past the newest but used within the day (a long run may still be on it): kept.
      const e = await build('e');
      const f = await build('f');
      assert.deepEqual(readdirSync(cache).sort(), [c, d, e, f].map((x) => x.slice(cache.length + 1)).sort());
    }));

  void it('answers null (the CLI then runs through tsx) when no cache directory can be written', () =>
    inFixture(async (root) => {
      writeFileSync(join(root, 'a-file'), '');
      assert.equal(
        await compiledTree({ root, dirs: ['src'], cacheDirs: [join(root, 'a-file', 'cache')] }),
        null,
      );
    }));

  void it('does not break a source that fails to compile: null, and nothing half-written left behind', () =>
    inFixture(async (root) => {
      writeFileSync(join(root, 'src', 'main.ts'), `export const = ;\n`);
      const cache = join(root, '.build');
      assert.equal(await compiledTree({ root, dirs: ['src'], cacheDirs: [cache] }), null);
      assert.deepEqual(existsSync(cache) ? readdirSync(cache) : [], []);
    }));

  void it('two processes compiling at once end with one whole tree', () =>
    inFixture(async (root) => {
      const cache = join(root, '.build');
      const script = `import(${JSON.stringify(join(projectRoot, 'bin', 'compiled-tree.js'))}).then(async (m) => console.log(await m.compiledTree({ root: ${JSON.stringify(root)}, dirs: ['src'], cacheDirs: [${JSON.stringify(cache)}] })))`;
      const one = (): Promise<string> =>
        new Promise((resolve, reject) => {
          const p = spawn(process.execPath, ['--input-type=module', '-e', script], {
            stdio: ['ignore', 'pipe', 'inherit'],
          });
          let out = '';
          p.stdout.on('data', (d: Buffer) => (out += d.toString()));
          p.on('error', reject);
          p.on('close', () => resolve(out.trim()));
        });
      const [a, b] = await Promise.all([one(), one()]);
      assert.ok(a && a !== 'null');
      assert.equal(a, b);
      assert.equal(runTree(a), 'hi fleet');
      assert.equal(readdirSync(cache).length, 1, readdirSync(cache).join(', '));
    }));

  void it("lists the project's sources: the CLI's entry and the benchmarks, no tests", () => {
    const files = sourceFiles(projectRoot);
    assert.ok(files.includes(join('src', 'cli', 'main.ts')));
    assert.ok(files.includes(join('bench', 'sim-bench.ts')));
    assert.equal(
      files.some((f) => f.endsWith('.test.ts')),
      false,
    );
  });
});
