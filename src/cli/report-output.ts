import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { writeFileAtomic } from '../core/atomic-write.js';
import { badInput } from '../core/errors.js';
import type { ChartAssets } from '../report/html.js';
import type { CliIo } from './io.js';

/** The report flags `simulate` and `compare` share. */
export interface ReportFlags {
  readonly json?: string;
  readonly report?: string;
  readonly postmortem?: string;
}

/** Help text of the report flags, one place for both commands. */
export const reportFlagHelp = {
  report:
    "write a self-contained HTML report (charts, timeline, cluster table; opens offline), or '-' for stdout",
  postmortem: "write the run as an incident postmortem in Markdown, or '-' for stdout",
  progress: 'show progress as plain lines on stderr (a terminal gets one updating line without it)',
} as const;

/**
 * Which output goes to stdout, if any. Only one can: two documents on one stream cannot be told apart.
 */
export function stdoutTarget(flags: ReportFlags): keyof ReportFlags | null {
  const dashes = (['json', 'report', 'postmortem'] as const).filter((k) => flags[k] === '-');
  if (dashes.length > 1)
    throw badInput(
      `${dashes.map((k) => `--${k}`).join(' and ')} both write to stdout ('-'); send all but one to a file`,
    );
  return dashes[0] ?? null;
}

/** Writes an output to its file atomically, or to stdout for '-'. */
export function writeOutput(io: CliIo, target: string, text: string): void {
  if (target === '-') io.out(text);
  else writeFileAtomic(target, text);
}

/**
 * uPlot's script and stylesheet from the installed package, inlined into HTML reports. Read only when
 * a report is asked for; a missing package is an internal error (it is a dependency).
 */
export function chartAssets(): ChartAssets {
  const require = createRequire(import.meta.url);
  const read = (path: string): string => readFileSync(require.resolve(path), 'utf8');
  return { uplotJs: read('uplot/dist/uPlot.iife.min.js'), uplotCss: read('uplot/dist/uPlot.min.css') };
}

/** "HTML report written to x" lines for the outputs written to files. */
export function writtenLines(flags: ReportFlags): string[] {
  const out: string[] = [];
  if (flags.report !== undefined && flags.report !== '-') out.push(`HTML report written to ${flags.report}`);
  if (flags.postmortem !== undefined && flags.postmortem !== '-')
    out.push(`Postmortem written to ${flags.postmortem}`);
  return out;
}
