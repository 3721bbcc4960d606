import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * Rampart's version, from its package.json: the nearest one named "rampart" above this module, so it
 * is found from the sources (tests, `npm run dev`), from a compiled tree and from an installed package
 * alike. "0.0.0-unknown" only if none is found (a bundled copy without its package.json).
 */
export function packageVersion(from: string = fileURLToPath(import.meta.url)): string {
  let dir = dirname(from);
  for (let i = 0; i < 8; i++) {
    const file = join(dir, 'package.json');
    if (existsSync(file)) {
      try {
        const pkg: unknown = JSON.parse(readFileSync(file, 'utf8'));
        if (typeof pkg === 'object' && pkg !== null) {
          const { name, version } = pkg as { name?: unknown; version?: unknown };
          if (name === 'rampart' && typeof version === 'string') return version;
        }
      } catch {
        // An unreadable package.json on the way up is not ours: keep looking.
      }
    }
    const up = dirname(dir);
    if (up === dir) break;
    dir = up;
  }
  return '0.0.0-unknown';
}
