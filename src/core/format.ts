import { formatDurationS } from './duration.js';
import { clockTimeAt, isoAt, type WallClock } from './wall-clock.js';

/**
 * The one formatting module: percentages, counts, bytes, durations and run times as every text output
 * shows them. It sits in core (not report) because rollout, analyze and adapters write numbers into
 * event and verdict messages too, and they may only import downwards; src/report/format.ts re-exports it.
 *
 * Each function keeps the exact text of the formatter it replaced: golden files and the JSON's `detail`
 * strings depend on those bytes.
 */

/**
 * How a percentage is rounded:
 * - `auto`: whole percent, one decimal below 10% (so 0.4% is not "0%"); 0 is "0%" (timeline tables);
 * - `whole`: whole percent with thousands separators ("1,250%": analyze's over-capacity figures);
 * - `significant`: three significant digits ("1%", "12.5%", "0.137%": rollout step shares, gate text).
 */
export type PercentStyle = 'auto' | 'whole' | 'significant';

/** A ratio (0.25) as a percentage ("25%"), rounded per style. */
export function formatPercent(ratio: number, style: PercentStyle = 'auto'): string {
  switch (style) {
    case 'auto':
      return `${(ratio * 100).toFixed(ratio < 0.1 && ratio > 0 ? 1 : 0)}%`;
    case 'whole':
      return `${formatCount(ratio * 100)}%`;
    case 'significant':
      return `${formatSignificant(ratio * 100)}%`;
    default: {
      const never: never = style;
      return never;
    }
  }
}

/**
 * Three significant digits without an exponent for ordinary magnitudes (≥ 1,000 rounds to a whole
 * number): the precision of gate and rollout messages.
 */
export function formatSignificant(n: number): string {
  if (!Number.isFinite(n)) return String(n);
  if (n === 0) return '0';
  if (Math.abs(n) >= 1000) return String(Math.round(n));
  return String(Number(n.toPrecision(3)));
}

/** A whole count with en-US thousands separators ("7,497"); never "-0". */
export function formatCount(n: number): string {
  const r = Math.round(n);
  return (r === 0 ? 0 : r).toLocaleString('en-US');
}

/** A large count in a few characters: 950, 1.2k, 3.4M, 1.4G (the cluster table's 429 column). */
export function formatCompact(n: number): string {
  if (n >= 1e9) return `${(n / 1e9).toFixed(1)}G`;
  if (n >= 1e6) return `${(n / 1e6).toFixed(1)}M`;
  if (n >= 1e3) return `${(n / 1e3).toFixed(1)}k`;
  return String(n);
}

/** Decimal byte sizes, as `kubectl` and the reference quote them (2.0 GB, 526 kB); "-" for none. */
export function formatBytes(bytes: number): string {
  if (bytes <= 0) return '-';
  const units = ['B', 'kB', 'MB', 'GB', 'TB'];
  let v = bytes;
  let u = 0;
  while (v >= 1000 && u < units.length - 1) {
    v /= 1000;
    u++;
  }
  return `${v >= 100 || u === 0 ? Math.round(v) : v.toFixed(1)} ${units[u] ?? ''}`;
}

export { formatDurationS };

/**
 * A time in a run: wall clock `HH:MM` when the scenario has a start, else `+1h5m` (padded to 7 so
 * timeline columns line up). A time on a later day than the start carries its date (`12-12 00:10`): a
 * long rollout crosses midnight.
 */
export function formatRunTime(clock: WallClock | undefined, tS: number): string {
  if (!clock) return `+${formatDurationS(tS)}`.padStart(7);
  return datePrefix(clock, tS) + clockTimeAt(clock, tS).slice(0, 5);
}

/** Like formatRunTime, with seconds on the wall clock (`15:09:26`) and no padding: for prose. */
export function formatRunTimeExact(clock: WallClock | undefined, tS: number): string {
  return clock ? datePrefix(clock, tS) + clockTimeAt(clock, tS) : `+${formatDurationS(tS)}`;
}

/** `MM-DD ` when tS falls on a later day than the run's start, in the scenario's offset; else nothing. */
function datePrefix(clock: WallClock, tS: number): string {
  const at = isoAt(clock, tS);
  return at.slice(0, 10) === isoAt(clock, 0).slice(0, 10) ? '' : `${at.slice(5, 10)} `;
}
