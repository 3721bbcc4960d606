import type { CliIo } from './io.js';

/** Progress on a TTY (one rewritten line on stderr); silent when not a TTY or under CI. */
export function progressReporter(
  io: CliIo,
  label: string,
): { update: (share: number) => void; done: () => void } | undefined {
  if (!io.isTty) return undefined;
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
