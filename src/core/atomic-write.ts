import { mkdirSync, renameSync, writeFileSync, rmSync } from 'node:fs';
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
    mkdirSync(dir, { recursive: true });
    writeFileSync(tmp, content);
    renameSync(tmp, path);
  } catch (err) {
    rmSync(tmp, { force: true });
    const reason = err instanceof Error ? err.message.split('\n')[0] : String(err);
    throw new RampartError(
      ErrorCodes.io,
      `${path}: could not write (${reason}); check the path and permissions`,
    );
  }
}
