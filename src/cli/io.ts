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
    ...terminal({
      stdoutTty: Boolean(process.stdout.isTTY),
      stderrTty: Boolean(process.stderr.isTTY),
      env: process.env,
    }),
    outputFailure: () => failure,
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
