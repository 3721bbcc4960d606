/**
 * `npm run dev -- <args>`: the CLI straight from the TypeScript sources (through tsx, no build), for the
 * edit-and-run loop. Users and e2e tests run the build instead (bin/rampart.js → dist/).
 */
import { main } from '../src/cli/main.js';

process.setSourceMapsEnabled(true);
process.exitCode = await main(process.argv);
