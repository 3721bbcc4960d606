#!/usr/bin/env node
// Runs Rampart compiled to plain JavaScript (compiled-tree.js: once per source change, no build step for
// the user), or, where that cannot be had, the TypeScript sources through tsx.
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { compiledTree } from './compiled-tree.js';

// Stack traces of internal errors point into the TypeScript sources (the tree carries inline source maps).
process.setSourceMapsEnabled(true);
const tree = await compiledTree();
/** @type {{ main(argv: string[]): Promise<number> }} */
let cli;
if (tree) {
  cli = await import(pathToFileURL(join(tree, 'src', 'cli', 'main.js')).href);
} else {
  const { register } = await import('tsx/esm/api');
  register();
  cli = await import('../src/cli/main.ts');
}
process.exitCode = await cli.main(process.argv);
