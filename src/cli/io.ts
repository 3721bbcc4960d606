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
  return {
    out: (t) => void process.stdout.write(t),
    err: (t) => void process.stderr.write(t),
    ...terminal({
      stdoutTty: Boolean(process.stdout.isTTY),
      stderrTty: Boolean(process.stderr.isTTY),
      env: process.env,
    }),
  };
}

/**
 * What the terminal allows: progress and colour only for a person watching. CI=true counts as nobody
 * watching (logs keep every byte); colour needs stdout to be a terminal (piped output stays plain) and
 * no NO_COLOR (https://no-color.org: set and not empty turns colour off).
 */
export function terminal(t: {
  readonly stdoutTty: boolean;
  readonly stderrTty: boolean;
  readonly env: Readonly<Record<string, string | undefined>>;
}): { readonly isTty: boolean; readonly errIsTty: boolean; readonly color: boolean } {
  const ci = t.env['CI'] === 'true';
  const isTty = t.stdoutTty && !ci;
  return { isTty, errIsTty: t.stderrTty && !ci, color: isTty && (t.env['NO_COLOR'] ?? '') === '' };
}
