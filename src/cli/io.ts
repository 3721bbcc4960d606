/** Where a command writes; injected so tests can capture output without spawning. */
export interface CliIo {
  out(text: string): void;
  err(text: string): void;
  /** True when stdout is an interactive terminal (progress lines, colours). */
  readonly isTty: boolean;
}

export function processIo(): CliIo {
  // A reader that goes away (`rampart … | head`) is not an error worth a stack trace.
  for (const stream of [process.stdout, process.stderr]) {
    stream.on('error', (err: NodeJS.ErrnoException) => {
      if (err.code === 'EPIPE') process.exit(0);
      throw err;
    });
  }
  return {
    out: (t) => void process.stdout.write(t),
    err: (t) => void process.stderr.write(t),
    isTty: Boolean(process.stdout.isTTY) && process.env['CI'] !== 'true',
  };
}
