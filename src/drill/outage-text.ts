import { formatDurationS } from '../core/duration.js';
import { formatCompact, formatPercent } from '../core/format.js';
import { corednsModeLine, dnsConfigurationText } from './dns-configurations.js';
import type { OutageConfigurationResult, OutageDrillResult } from './outage-drill.js';

/** A seat or request figure in a few characters: 15, 950, 1.2k, 3.4M. */
export function amount(n: number): string {
  return n < 1000 ? String(Math.round(n)) : formatCompact(n);
}

/** Survival as people read it: "0s", "4m10s", "> 30m" (never passed 1% while watched). */
export function survivalText(c: OutageConfigurationResult, r: OutageDrillResult): string {
  if (c.survivalS === null) return `> ${formatDurationS(r.outageS + r.observedAfterS)}`;
  return formatDurationS(c.survivalS);
}

/** The drill as a table, one row per DNS configuration, and the verdict against `requireS`. */
export function outageDrillText(r: OutageDrillResult, requireS: number | undefined): string {
  const clusters = r.clusters.length <= 3 ? r.clusters.join(', ') : `${r.clusters.length} clusters`;
  const lines = [
    `Rampart drill · ${r.scenario} · seed ${r.seed} · every API server of ${clusters} down for ${formatDurationS(r.outageS)} (from ${formatDurationS(r.outageStartS)}, watched ${formatDurationS(r.observedAfterS)} after)`,
    '',
  ];
  const header = ['dns', 'survival', 'error-min', 'peak error', 'herd seats', 'peak 429/s', 'recovered'];
  const rows = r.configurations.map((c) => [
    c.dns,
    survivalText(c, r),
    c.errorMinutes.toFixed(1),
    formatPercent(c.peakErrorRatio),
    `${amount(c.relistPeakSeats)} / ${amount(c.seatCapacity)}`,
    amount(c.peak429PerS),
    c.recoveredAfterS === null ? 'not yet' : `+${formatDurationS(c.recoveredAfterS)}`,
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => (row[i] ?? '').length)));
  const line = (cells: readonly string[]): string =>
    cells
      .map((cell, i) => (i === 0 ? cell.padEnd(widths[i] ?? 0) : cell.padStart(widths[i] ?? 0)))
      .join('  ')
      .trimEnd();
  lines.push(line(header), ...rows.map(line), '');
  for (const c of r.configurations) lines.push(`  ${c.dns}: ${dnsConfigurationText[c.dns]}`);
  if (r.configurations.some((c) => c.dns !== 'static')) lines.push(`  ${corednsModeLine(r.corednsModes)}`);
  lines.push(
    '',
    'survival: until the error ratio of the drilled clusters passed 1%; herd seats: peak seats asked for after the control plane returned / all seats; recovered: after the return, back at or below 1%.',
  );
  if (requireS !== undefined) {
    const failing = failingConfigurations(r, requireS);
    lines.push(
      failing.length === 0
        ? `PASS: every configuration kept the data plane serving for at least ${formatDurationS(requireS)}`
        : `FAIL: below --require ${formatDurationS(requireS)}: ${failing.map((c) => `${c.dns} (${survivalText(c, r)})`).join(', ')}`,
    );
  }
  return `${lines.join('\n')}\n`;
}

/** The configurations whose survival is below `requireS` (a survival of null never is). */
export function failingConfigurations(r: OutageDrillResult, requireS: number): OutageConfigurationResult[] {
  return r.configurations.filter((c) => c.survivalS !== null && c.survivalS < requireS);
}
