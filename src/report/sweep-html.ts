import type { WallClock } from '../core/wall-clock.js';
import type { SweepVariant } from '../compare/sweep-run.js';
import { sweepColumns } from './sweep-table.js';

/**
 * The sweep as one self-contained HTML page (no scripts, styles inline, nothing fetched): the same
 * columns as the text table, for attaching to a postmortem or a review.
 */
export function renderSweepHtml(
  title: string,
  subtitle: string,
  variants: readonly SweepVariant[],
  paths: readonly string[],
  clock: WallClock | undefined,
): string {
  const multiSeed = new Set(variants.map((v) => v.seed)).size > 1;
  const columns = sweepColumns(paths, multiSeed, clock);
  const head = columns.map((c) => `<th>${escapeHtml(c.heading)}</th>`).join('');
  const body = variants
    .map((v) => `<tr>${columns.map((c) => `<td>${escapeHtml(c.cell(v))}</td>`).join('')}</tr>`)
    .join('\n');
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>${escapeHtml(title)}</title>
<style>
body { font: 14px/1.4 system-ui, sans-serif; margin: 2em; color: #222; }
table { border-collapse: collapse; }
th, td { border: 1px solid #ccc; padding: 4px 8px; text-align: right; white-space: nowrap; }
th { background: #f3f3f3; }
td:nth-child(-n+${paths.length + (multiSeed ? 1 : 0)}) { text-align: left; font-family: monospace; }
</style>
</head>
<body>
<h1>${escapeHtml(title)}</h1>
<p>${escapeHtml(subtitle)}</p>
<table>
<thead><tr>${head}</tr></thead>
<tbody>
${body}
</tbody>
</table>
</body>
</html>
`;
}

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
