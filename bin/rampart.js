#!/usr/bin/env node
// @ts-check
// Runs the CLI built into dist/ (`npm run build`; `npm ci` and `npm install` run it through `prepare`).
import { existsSync } from 'node:fs';

const entry = new URL('../dist/cli/main.js', import.meta.url);
if (!existsSync(entry)) {
  // No fallback to the TypeScript sources: a checkout that was never built says so, in one line.
  process.stderr.write('rampart: dist/ is missing or incomplete: run `npm run build` (or `npm ci`) first\n');
  process.exit(70);
}
// Stack traces of internal errors point into the TypeScript sources (tsc writes source maps beside dist/).
process.setSourceMapsEnabled(true);
/** @type {{ main(argv: readonly string[]): Promise<number> }} */
const cli = await import(entry.href);
process.exitCode = await cli.main(process.argv);
