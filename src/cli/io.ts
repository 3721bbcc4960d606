/** Where a command writes; injected so tests can capture output without spawning. */
export interface CliIo {
  out(text: string): void;
  err(text: string): void;
  /** True when stdout is an interactive terminal (progress lines, colours). */
  readonly isTty: boolean;
  /**
   * True when stderr, where progress goes, is an interactive terminal outside CI: progress is drawn as
   * one updating line even when stdout is redirected. Absent: as isTty.
   */
  readonly errIsTty?: boolean;
  /** Colour the timeline: stdout is a terminal and NO_COLOR is not set. Absent: no colour. */
  readonly color?: boolean;
}

export function processIo(): CliIo {
  // A reader that goes away (`rampart … | head`) is not an error worth a stack trace.
  for (const stream of [process.stdout, process.stderr]) {
    stream.on('error', (err: NodeJS.ErrnoException) => {
      if (err.code === 'EPIPE') process.exit(0);
      throw err;
    });
  }
  const ci = process.env['CI'] === 'true';
  const isTty = Boolean(process.stdout.isTTY) && !ci;
  // https://no-color.org: any non-empty NO_COLOR turns colour off.
  const noColor = (process.env['NO_COLOR'] ?? '') !== '';
  return {
    out: (t) => void process.stdout.write(t),
    err: (t) => void process.stderr.write(t),
    isTty,
    errIsTty: Boolean(process.stderr.isTTY) && !ci,
    color: isTty && !noColor,
  };
}
