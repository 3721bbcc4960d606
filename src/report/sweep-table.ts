import { formatDurationS } from '../core/duration.js';
import { clockTimeAt, type WallClock } from '../core/wall-clock.js';
import type { OverrideValue } from '../config/scenario-overrides.js';
import type { SweepVariant } from '../compare/sweep-run.js';

/** One column of the sweep table: its heading and how a variant shows in it. */
export interface SweepColumn {
  readonly heading: string;
  readonly cell: (v: SweepVariant) => string;
}

/**
 * The columns of a sweep's table, shared by the text and HTML renderings: one per path set, the seed when
 * there are several, then the outcomes. Times are wall clock when the scenario has a start.
 */
export function sweepColumns(
  paths: readonly string[],
  multiSeed: boolean,
  clock: WallClock | undefined,
): SweepColumn[] {
  const at = (s: number | null, none: string): string =>
    s === null ? none : clock ? clockTimeAt(clock, s).slice(0, 5) : `+${formatDurationS(s)}`;
  return [
    ...paths.map((p) => ({ heading: shortPath(p), cell: (v: SweepVariant) => showValue(v.set[p]) })),
    ...(multiSeed ? [{ heading: 'seed', cell: (v: SweepVariant) => String(v.seed) }] : []),
    { heading: 'saturated', cell: (v) => String(v.clustersSaturated) },
    { heading: 'smallest sat.', cell: (v) => nodes(v.smallestSaturatedNodes) },
    { heading: 'first sat.', cell: (v) => at(v.firstSaturationS, '-') },
    { heading: 'impact', cell: (v) => at(v.impactStartS, '-') },
    {
      heading: 'peak err',
      cell: (v) => (v.peakAtS === null ? '0%' : `${pct(v.peakErrorRatio)} @ ${at(v.peakAtS, '-')}`),
    },
    { heading: 'err-min', cell: (v) => num(v.customerErrorMinutes) },
    { heading: 'lock-out min', cell: (v) => num(v.lockoutMinutes) },
    {
      heading: 'CP recovered',
      cell: (v) => at(v.controlPlaneRecoveryS, v.clustersSaturated === 0 ? '-' : 'never'),
    },
    {
      heading: 'customers recovered',
      cell: (v) => at(v.customerRecoveryS, v.impactStartS === null ? '-' : 'never'),
    },
  ];
}

/** The sweep as a text table, one row per variant. */
export function renderSweepTable(
  variants: readonly SweepVariant[],
  paths: readonly string[],
  clock: WallClock | undefined,
): string {
  const multiSeed = new Set(variants.map((v) => v.seed)).size > 1;
  const columns = sweepColumns(paths, multiSeed, clock);
  const rows = [columns.map((c) => c.heading), ...variants.map((v) => columns.map((c) => c.cell(v)))];
  const widths = columns.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length)));
  const firstOutcome = paths.length + (multiSeed ? 1 : 0);
  return rows
    .map((r) =>
      r
        .map((cell, i) => (i < firstOutcome ? cell.padEnd(widths[i] ?? 0) : cell.padStart(widths[i] ?? 0)))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}

/** `spec.clusterDefaults.dns.nodeCache.ttl` → `dns.nodeCache.ttl`: the part that tells columns apart. */
export function shortPath(path: string): string {
  return path.replace(/^spec\.(clusterDefaults\.)?/, '');
}

export function showValue(v: OverrideValue | undefined): string {
  return v === undefined ? '' : v === null ? 'null' : String(v);
}

function nodes(n: number | null): string {
  return n === null ? '-' : n.toLocaleString('en-US');
}

function pct(x: number): string {
  return `${(x * 100).toFixed(x < 0.1 ? 1 : 0)}%`;
}

function num(v: number): string {
  return v.toLocaleString('en-US', { maximumFractionDigits: Math.abs(v) < 10 ? 2 : 1 });
}
