/** Where a command writes; injected so tests can capture output without spawning. */
export interface CliIo {
  out(text: string): void;
  err(text: string): void;
  /** True when stdout is an interactive terminal (progress lines, colours). */
  readonly isTty: boolean;
  /**
   * The error that stopped stdout, if any (`> /dev/full`, a reader that went away): main turns it into one
   * line and an exit code once the command is done. Absent where writes cannot fail (tests).
   */
  outputFailure?(): NodeJS.ErrnoException | undefined;
}

export function processIo(): CliIo {
  let failure: NodeJS.ErrnoException | undefined;
  // A failed write surfaces as an 'error' event a tick later; without a listener it would be an uncaught
  // exception with a stack trace. The first failure is kept for main and later output is dropped.
  process.stdout.on('error', (err: NodeJS.ErrnoException) => {
    failure ??= err;
  });
  // Nowhere is left to report a failing stderr: the exit code still tells.
  process.stderr.on('error', () => undefined);
  return {
    out: (t) => {
      if (failure === undefined) process.stdout.write(t);
    },
    err: (t) => void process.stderr.write(t),
    isTty: Boolean(process.stdout.isTTY) && process.env['CI'] !== 'true',
    outputFailure: () => failure,
  };
}
