import type { CliIo } from './io.js';

/** How progress is shown: one updating line (a terminal), plain lines (`--progress`), or not at all. */
export interface ProgressOptions {
  /** Plain lines on stderr at every tenth, for logs (CI, a redirected stderr). */
  readonly lines?: boolean;
  /** No progress at all (`--quiet`). */
  readonly quiet?: boolean;
}

/**
 * Progress of a long run on stderr: on a terminal one rewritten line; with `lines` plain lines at every
 * tenth (logs keep them readable, and no carriage returns); otherwise silent, so the output of a run
 * that is not watched stays exactly what it was.
 */
export function progressReporter(
  io: CliIo,
  label: string,
  opts: ProgressOptions = {},
): { update: (share: number) => void; done: () => void } | undefined {
  if (opts.quiet) return undefined;
  const live = io.errIsTty ?? io.isTty;
  if (live) {
    let last = -1;
    return {
      update(share) {
        const pct = Math.floor(share * 100);
        if (pct === last) return;
        last = pct;
        io.err(`\r${label}… ${pct}%`);
      },
      done() {
        io.err('\r\x1b[K');
      },
    };
  }
  if (!opts.lines) return undefined;
  let lastTenth = -1;
  return {
    update(share) {
      const tenth = Math.floor(share * 10);
      if (tenth <= lastTenth || tenth >= 10) return;
      lastTenth = tenth;
      io.err(`${label}… ${tenth * 10}%\n`);
    },
    done() {
      io.err(`${label}… done\n`);
    },
  };
}
