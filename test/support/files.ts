import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

/** The repository root: tests run from it (scripts/test.sh cds there), and paths in fixtures are relative to it. */
export const repoRoot = resolve(import.meta.dirname, '../..');

/** A fresh temp directory for a test. */
export function tempDir(prefix = 'rampart-test-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

/** Writes a file into a temp dir and returns its path. */
export function writeTemp(dir: string, name: string, content: string): string {
  const p = join(dir, name);
  writeFileSync(p, content);
  return p;
}
