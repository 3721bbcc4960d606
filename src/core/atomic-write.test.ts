import assert from 'node:assert/strict';
import {
  existsSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  readlinkSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { createServer } from 'node:net';
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

  it('writes through a symbolic link, keeping the link', () => {
    const d = mkdtempSync(join(dir, 'link-'));
    writeFileSync(join(d, 'real.json'), 'old');
    symlinkSync('real.json', join(d, 'out.json'));
    writeFileAtomic(join(d, 'out.json'), 'new');
    assert.ok(lstatSync(join(d, 'out.json')).isSymbolicLink());
    assert.equal(readFileSync(join(d, 'real.json'), 'utf8'), 'new');
    symlinkSync('sub/made.json', join(d, 'dangling.json'));
    writeFileAtomic(join(d, 'dangling.json'), 'made');
    assert.equal(readFileSync(join(d, 'sub', 'made.json'), 'utf8'), 'made');
  });

  it('writes a link to /dev/null as a stream and leaves the link alone', () => {
    const d = mkdtempSync(join(dir, 'null-'));
    symlinkSync('/dev/null', join(d, 'out.json'));
    writeFileAtomic(join(d, 'out.json'), 'x');
    assert.equal(readlinkSync(join(d, 'out.json')), '/dev/null');
    assert.deepEqual(readdirSync(d), ['out.json']);
  });

  it('refuses a socket', async () => {
    const d = mkdtempSync(join(dir, 'sock-'));
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(join(d, 's'), resolve));
    try {
      assert.throws(() => writeFileAtomic(join(d, 's'), 'x'), /not a regular file/);
    } finally {
      server.close();
    }
  });

  it("removes temp files of runs that are gone, and not a live process's", () => {
    const d = mkdtempSync(join(dir, 'stale-'));
    const gone = `.rampart-${process.pid}-7.tmp`; // this process writes synchronously: a leftover
    const live = `.rampart-${process.ppid}-0.tmp`;
    writeFileSync(join(d, gone), 'partial');
    writeFileSync(join(d, live), 'partial');
    writeFileAtomic(join(d, 'out.json'), 'x');
    assert.deepEqual(readdirSync(d).sort(), [live, 'out.json'].sort());
  });

  it('takes the longest legal file name (the temp name does not grow with it)', () => {
    const d = mkdtempSync(join(dir, 'long-'));
    const name = `${'a'.repeat(250)}.json`;
    writeFileAtomic(join(d, name), 'x');
    assert.deepEqual(readdirSync(d), [name]);
  });

  it('keeps the mode of the file it replaces', () => {
    const d = mkdtempSync(join(dir, 'mode-'));
    mkdirSync(join(d, 'x'));
    const p = join(d, 'x', 'out.json');
    writeFileSync(p, 'old', { mode: 0o600 });
    writeFileAtomic(p, 'new');
    assert.equal(lstatSync(p).mode & 0o777, 0o600);
  });
});
