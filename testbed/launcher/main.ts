// The testbed launcher: `npm run testbed -- build | up <name> … | limit <name> … | down <name> | list`. Progress goes to
// stderr; stdout carries only results (up's one JSON line), so scripts can read it.
import { RampartError, badInput, exitCodeFor } from '../../src/core/errors.js';
import { parseArgs } from './args.js';
import { ensureBuilt } from './build.js';
import { downTestbed, listTestbedLines } from './down.js';
import { upTestbed } from './up.js';
import { readState, writeState, type TestbedState } from './state.js';

const started = performance.now();
const log = (line: string): void => {
  const s = ((performance.now() - started) / 1000).toFixed(1);
  process.stderr.write(`testbed [${s}s]: ${line}\n`);
};

async function main(): Promise<void> {
  const cmd = parseArgs(process.argv.slice(2));
  switch (cmd.verb) {
    case 'build': {
      const built = await ensureBuilt(log);
      process.stdout.write(
        `${JSON.stringify({ binDir: built.binDir, key: built.key, buildS: Math.round(built.buildS) })}\n`,
      );
      return;
    }
    case 'up': {
      const result = await upTestbed(cmd, log);
      process.stdout.write(`${JSON.stringify(result)}\n`);
      return;
    }
    case 'down': {
      const n = await downTestbed(cmd.name);
      log(`testbed ${cmd.name} down (${n} processes stopped)`);
      return;
    }
    case 'limit': {
      const state = readState(cmd.name);
      if (!state) throw badInput(`no testbed named ${cmd.name}`);
      const rest: TestbedState = { ...state };
      delete (rest as { apiserverMemoryBytes?: number }).apiserverMemoryBytes;
      // The controller's watchdog reads the limit from the state file at every poll.
      writeState(
        cmd.apiserverMemoryBytes === null
          ? rest
          : { ...rest, apiserverMemoryBytes: cmd.apiserverMemoryBytes },
      );
      log(
        `testbed ${cmd.name}: API server memory limit ${cmd.apiserverMemoryBytes === null ? 'lifted' : `${Math.round(cmd.apiserverMemoryBytes / 2 ** 20)} MiB`}`,
      );
      return;
    }
    case 'list':
      for (const line of listTestbedLines()) process.stdout.write(`${line}\n`);
      return;
    default: {
      const never: never = cmd;
      return never;
    }
  }
}

main().catch((err: unknown) => {
  const message = err instanceof Error ? err.message : String(err);
  process.stderr.write(`testbed: ${message.split('\n')[0]}\n`);
  process.exitCode = err instanceof RampartError ? exitCodeFor(err.code) : 1;
});
