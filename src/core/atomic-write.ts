import { existsSync, mkdirSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, basename } from 'node:path';
import { RampartError, ErrorCodes } from './errors.js';

/**
 * Writes a file atomically: a temp file in the same directory, then a rename, so a reader never sees a
 * half-written file and a crash leaves the previous version intact.
 */
export function writeFileAtomic(path: string, content: string): void {
  const dir = dirname(path);
  const tmp = join(dir, `.${basename(path)}.${process.pid}.tmp`);
  try {
    if (statSync(path, { throwIfNoEntry: false })?.isDirectory()) throw new Error('it is a directory');
    makeDirs(dir);
    writeFileSync(tmp, content);
    renameSync(tmp, path);
  } catch (err) {
    try {
      rmSync(tmp, { force: true });
    } catch {
      // Nothing was written there (e.g. the "directory" is a file): nothing to clean up.
    }
    const reason = err instanceof Error ? err.message.split('\n')[0] : String(err);
    throw new RampartError(
      ErrorCodes.io,
      `${path}: could not write (${reason}); check the path and permissions`,
    );
  }
}

/**
 * Creates `dir` and its missing parents, one level at a time. Not mkdirSync's `recursive`: on Node 20 it
 * never returns for a directory the kernel refuses with ENOENT under an existing parent (`/proc/x/y`
 * spun a core until killed); creating each level alone turns that refusal into an error.
 */
function makeDirs(dir: string): void {
  const missing: string[] = [];
  for (let d = dir; !existsSync(d); d = dirname(d)) {
    missing.push(d);
    if (dirname(d) === d) break;
  }
  for (const d of missing.reverse()) {
    try {
      mkdirSync(d);
    } catch (err) {
      // Created meanwhile by someone else: fine, as long as it is a directory.
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST' || !statSync(d).isDirectory()) throw err;
    }
  }
}
