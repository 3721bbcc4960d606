// The testbed launcher: `npm run testbed -- build | up <name> … | down <name> | list`. Progress goes to
// stderr; stdout carries only results (up's one JSON line), so scripts can read it.
import { RampartError, exitCodeFor } from '../../src/core/errors.js';
import { parseArgs } from './args.js';
import { ensureBuilt } from './build.js';
import { downTestbed, listTestbedLines } from './down.js';
import { upTestbed } from './up.js';

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
