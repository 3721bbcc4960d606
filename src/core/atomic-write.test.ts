import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { describe, it } from 'node:test';
import { writeFileAtomic } from './atomic-write.js';
import { RampartError } from './errors.js';

const isCouldNotWrite = (err: unknown): boolean =>
  err instanceof RampartError && /could not write/.test(err.message);

describe('writeFileAtomic', () => {
  const dir = mkdtempSync(join(tmpdir(), 'rampart-atomic-'));

  it('creates missing directories and replaces the file whole', () => {
    const p = join(dir, 'a', 'b', 'out.json');
    writeFileAtomic(p, 'one');
    writeFileAtomic(p, 'two');
    assert.equal(readFileSync(p, 'utf8'), 'two');
    assert.deepEqual(readdirSync(join(dir, 'a', 'b')), ['out.json'], 'no temp file left behind');
  });

  it('refuses a directory as the file, leaving it alone', () => {
    assert.throws(
      () => writeFileAtomic(dir, 'x'),
      (e: unknown) => isCouldNotWrite(e) && /directory/.test(String(e)),
    );
  });

  it('a path under a file is a RampartError, not a crash', () => {
    const file = join(dir, 'plain');
    writeFileSync(file, 'keep');
    assert.throws(() => writeFileAtomic(join(file, 'x.json'), 'x'), isCouldNotWrite);
    assert.equal(readFileSync(file, 'utf8'), 'keep');
  });

  // mkdirSync's recursive option never returned here on Node 20 (the kernel answers ENOENT under /proc):
  // run in a child with a time limit, so that a regression fails instead of hanging the suite.
  it(
    'a directory the kernel refuses is an error, at once',
    { skip: !existsSync('/proc/self') && 'no /proc' },
    () => {
      const mod = new URL('./atomic-write.ts', import.meta.url).href;
      const code = `import(${JSON.stringify(mod)}).then((m) => { try { m.writeFileAtomic('/proc/rampart-nope/x.json', 'x'); } catch (e) { console.log(e.message); } })`;
      const r = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', code], {
        encoding: 'utf8',
        timeout: 30_000,
      });
      assert.equal(r.signal, null, 'returned instead of spinning');
      assert.match(r.stdout, /could not write/);
    },
  );
});
