import { readJournal } from '../../adapters/fs/journal-file.js';
import { rolloutHtmlReport } from '../../report/rollout-html.js';
import { rolloutRecord } from '../../report/rollout-record.js';
import type { RolloutState } from '../../rollout/state.js';
import type { CliIo } from '../io.js';
import { chartAssets, writeOutput } from '../report-output.js';

/** The HTML report of a live rollout from its state and journal, written atomically (or to stdout for '-'). */
export function writeRolloutReport(
  io: CliIo,
  state: RolloutState,
  journalPath: string,
  target: string,
  say: (line: string) => void,
): void {
  const { entries, skippedLines } = readJournal(journalPath);
  const html = rolloutHtmlReport(
    rolloutRecord({ state, entries, skippedLines, timeBase: 'wall' }),
    chartAssets(),
  );
  writeOutput(io, target, html);
  if (target !== '-') say(`HTML report written to ${target}`);
}

/** Where `rollout report` writes by default: the state file's name with .html. */
export function defaultReportPath(statePath: string): string {
  return statePath.endsWith('.json') ? `${statePath.slice(0, -'.json'.length)}.html` : `${statePath}.html`;
}
