import { readJournal } from '../../adapters/fs/journal-file.js';
import { rolloutHtmlReport } from '../../report/rollout-html.js';
import { rolloutPostmortem } from '../../report/rollout-postmortem.js';
import { rolloutRecord } from '../../report/rollout-record.js';
import type { RolloutState } from '../../rollout/state.js';
import type { CliIo } from '../io.js';
import { chartAssets, writeOutput } from '../report-output.js';

/**
 * The HTML report (and, asked for, the Markdown postmortem) of a live rollout from its state and journal,
 * each written atomically, or to stdout for '-'.
 */
export function writeRolloutReport(
  io: CliIo,
  state: RolloutState,
  journalPath: string,
  target: string | undefined,
  say: (line: string) => void,
  postmortem?: string,
): void {
  const { entries, skippedLines } = readJournal(journalPath);
  const record = rolloutRecord({ state, entries, skippedLines, timeBase: 'wall' });
  if (target !== undefined) {
    writeOutput(io, target, rolloutHtmlReport(record, chartAssets()));
    if (target !== '-') say(`HTML report written to ${target}`);
  }
  if (postmortem !== undefined) {
    writeOutput(io, postmortem, rolloutPostmortem(record));
    if (postmortem !== '-') say(`Postmortem written to ${postmortem}`);
  }
}

/** Where `rollout report` writes by default: the state file's name with .html. */
export function defaultReportPath(statePath: string): string {
  return statePath.endsWith('.json') ? `${statePath.slice(0, -'.json'.length)}.html` : `${statePath}.html`;
}
