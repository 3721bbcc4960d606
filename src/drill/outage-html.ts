import { formatDurationS } from '../core/duration.js';
import { formatPercent } from '../core/format.js';
import { esc } from '../report/html.js';
import { corednsModeLine, dnsConfigurationText } from './dns-configurations.js';
import type { OutageDrillResult } from './outage-drill.js';
import { amount, failingConfigurations, survivalText } from './outage-text.js';

/**
 * The simulated drill as one self-contained HTML page (no script, no request): the verdict, bars of
 * survival and error-minutes per DNS configuration drawn as inline SVG, and the full table.
 */
export function outageDrillHtml(r: OutageDrillResult, requireS: number | undefined): string {
  const watchedS = r.outageS + r.observedAfterS;
  const bars = (
    title: string,
    value: (i: number) => number,
    label: (i: number) => string,
    max: number,
  ): string => {
    const rowH = 26;
    const width = 640;
    const labelW = 110;
    const rows = r.configurations
      .map((c, i) => {
        const w = max > 0 ? Math.max(0, Math.min(1, value(i) / max)) * (width - labelW - 90) : 0;
        const y = i * rowH;
        return `<text x="0" y="${y + 17}">${esc(c.dns)}</text><rect x="${labelW}" y="${y + 4}" width="${w.toFixed(1)}" height="${rowH - 8}" fill="#3b6fb6"/><text x="${(labelW + w + 6).toFixed(1)}" y="${y + 17}">${esc(label(i))}</text>`;
      })
      .join('');
    const h = r.configurations.length * rowH;
    const marker =
      requireS !== undefined && title.startsWith('Survival') && max > 0
        ? `<line x1="${(labelW + Math.min(1, requireS / max) * (width - labelW - 90)).toFixed(1)}" x2="${(labelW + Math.min(1, requireS / max) * (width - labelW - 90)).toFixed(1)}" y1="0" y2="${h}" stroke="#c0392b" stroke-dasharray="4 3"/>`
        : '';
    return `<h2>${esc(title)}</h2><svg role="img" aria-label="${esc(title)}" width="${width}" height="${h}" font-size="13" font-family="sans-serif">${rows}${marker}</svg>`;
  };
  const survival = (i: number): number => r.configurations[i]?.survivalS ?? watchedS;
  const maxMinutes = Math.max(0, ...r.configurations.map((c) => c.errorMinutes));
  const verdict =
    requireS === undefined
      ? ''
      : failingConfigurations(r, requireS).length === 0
        ? `<p class="pass">PASS: every configuration kept the data plane serving for at least ${esc(formatDurationS(requireS))}.</p>`
        : `<p class="fail">FAIL: below --require ${esc(formatDurationS(requireS))}: ${esc(
            failingConfigurations(r, requireS)
              .map((c) => c.dns)
              .join(', '),
          )}.</p>`;
  const rows = r.configurations
    .map(
      (c) =>
        `<tr><td>${esc(c.dns)}</td><td>${esc(dnsConfigurationText[c.dns])}</td><td>${esc(survivalText(c, r))}</td><td>${c.errorMinutes.toFixed(1)}</td><td>${esc(formatPercent(c.peakErrorRatio))}</td><td>${esc(amount(c.relistPeakSeats))} / ${esc(amount(c.seatCapacity))}</td><td>${esc(amount(c.peak429PerS))}</td><td>${c.recoveredAfterS === null ? 'not yet' : `+${esc(formatDurationS(c.recoveredAfterS))}`}</td></tr>`,
    )
    .join('\n');
  const clusters = r.clusters.length <= 5 ? r.clusters.join(', ') : `${r.clusters.length} clusters`;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Rampart drill · ${esc(r.scenario)}</title>
<style>body{font-family:sans-serif;margin:2em;max-width:60em;color:#222}table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:.3em .6em;text-align:right}td:first-child,td:nth-child(2),th{text-align:left}.pass{color:#1e7b34;font-weight:bold}.fail{color:#c0392b;font-weight:bold}</style>
</head><body>
<h1>Control-plane outage drill · ${esc(r.scenario)}</h1>
<p>Every API server of ${esc(clusters)} down for ${esc(formatDurationS(r.outageS))}, from ${esc(formatDurationS(r.outageStartS))} of steady state; watched ${esc(formatDurationS(r.observedAfterS))} after the return. Seed ${r.seed}. Survival: until the drilled clusters' error ratio passed 1%.</p>
${verdict}
${bars('Survival (until errors pass 1%)', survival, (i) => survivalText(r.configurations[i]!, r), watchedS)}
${bars(
  'Error-minutes',
  (i) => r.configurations[i]?.errorMinutes ?? 0,
  (i) => (r.configurations[i]?.errorMinutes ?? 0).toFixed(1),
  maxMinutes,
)}
<h2>Per DNS configuration</h2>
<table><tr><th>dns</th><th>what</th><th>survival</th><th>error-min</th><th>peak error</th><th>herd seats / all</th><th>peak 429/s</th><th>recovered</th></tr>
${rows}
</table>
${r.configurations.some((c) => c.dns !== 'static') ? `<p>${esc(corednsModeLine(r.corednsModes))}.</p>` : ''}
</body></html>
`;
}
