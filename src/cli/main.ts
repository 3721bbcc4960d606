import { Command, CommanderError } from 'commander';
import { ErrorCodes, exitCodeFor, RampartError } from '../core/errors.js';
import { commands } from './commands/index.js';
import type { CliIo } from './io.js';
import { processIo } from './io.js';
import { packageVersion } from './version.js';

/**
 * Entry point: builds the program, runs it, and maps every failure to a one-line message and an exit
 * code (0 ok, 1 verdict failed, 2 bad input, 3 unreachable, 70 internal error). Returns the exit code.
 */
export async function main(argv: readonly string[], io: CliIo = processIo()): Promise<number> {
  const code = await run(argv, io);
  if (!io.outputFailure) return code;
  // A write's error is emitted a tick after the write: let it arrive before judging the run.
  await new Promise((resolve) => setImmediate(resolve));
  const failure = io.outputFailure();
  if (failure === undefined) return code;
  // A reader that stops early (`| head`) chose to: the run's own exit code stands, with nothing to add.
  if (failure.code === 'EPIPE') return code;
  io.err(
    `rampart: cannot write to stdout (${failure.code ?? failure.message}); the output is incomplete: check the disk or where stdout goes\n`,
  );
  return Math.max(code, exitCodeFor(ErrorCodes.io));
}

async function run(argv: readonly string[], io: CliIo): Promise<number> {
  const program = new Command('rampart')
    .description('Fleet control-plane safety for Kubernetes: simulate, analyze, roll out, drill.')
    .version(packageVersion(), '-V, --version', 'print the version (from package.json)')
    .exitOverride()
    .configureOutput({
      writeOut: (s) => io.out(s),
      writeErr: (s) => io.err(s),
      // Usage errors are one line like every other bad input (commander's own may carry a second line,
      // "(Did you mean …?)"), with the hint that showHelpAfterError would print on a line of its own.
      outputError: (s, write) =>
        write(`rampart: ${oneLine(s.replace(/^error: /, ''))} (run with --help for usage)\n`),
    })
    .addHelpText(
      'after',
      `
Examples:
  rampart simulate scenarios/incident-2024-12-11.yaml
  rampart analyze deploy/ --fleet fleet.yaml --fail-on medium
  rampart compare scenarios/incident-2024-12-11.yaml --seeds 5
  rampart simulate scenarios/incident-2024-12-11.yaml --report incident.html --postmortem incident.md
  rampart grafana dashboard --datasource Prometheus > rampart-gates.json

Exit codes: 0 ok, 1 a verdict failed (analyze --fail-on), 2 bad input, 3 a cluster or endpoint could not
be reached, 70 internal error. Each command's --help lists its own.`,
    );
  let exitCode = 0;
  const setExit = (code: number): void => {
    exitCode = Math.max(exitCode, code);
  };
  for (const register of commands) register(program, { io, setExit });
  try {
    await program.parseAsync([...argv]);
    return exitCode;
  } catch (err) {
    if (err instanceof CommanderError) {
      if (err.code === 'commander.helpDisplayed' || err.code === 'commander.version' || err.exitCode === 0)
        return 0;
      return 2;
    }
    if (err instanceof RampartError) {
      io.err(`rampart: ${err.message}\n`);
      return exitCodeFor(err.code);
    }
    const message = err instanceof Error ? err.message.split('\n')[0] : String(err);
    io.err(
      `rampart: internal error: ${message} (please report it; re-run with RAMPART_DEBUG=1 for details)\n`,
    );
    if (process.env['RAMPART_DEBUG'] && err instanceof Error) io.err(`${err.stack ?? ''}\n`);
    return 70;
  }
}

function oneLine(text: string): string {
  return text
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l.length > 0)
    .join(' ');
}

export { ErrorCodes };
