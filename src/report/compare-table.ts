import { formatDurationS } from '../core/duration.js';
import { clockTimeAt, type WallClock } from '../core/wall-clock.js';
import type { PolicyComparison } from '../compare/compare.js';

/** Rows of the side-by-side table: label, how to show one value, and the metric. */
const rows: readonly {
  readonly label: string;
  readonly key:
    'blastRadius' | 'customerErrorMinutes' | 'detectS' | 'recoverS' | 'lockoutMinutes' | 'rolloutDurationS';
  readonly show: (v: number) => string;
  readonly none: (p: PolicyComparison) => string;
}[] = [
  { label: 'clusters saturated (blast radius)', key: 'blastRadius', show: num, none: () => '-' },
  { label: 'customer error-minutes', key: 'customerErrorMinutes', show: num, none: () => '-' },
  {
    label: 'first saturation → halt',
    key: 'detectS',
    show: signedDuration,
    none: (p) => (p.blastRadius === 0 ? 'nothing saturated' : 'never halted'),
  },
  { label: 'time to recover', key: 'recoverS', show: formatDurationS, none: () => 'not recovered' },
  { label: 'on-call lock-out (cluster-minutes)', key: 'lockoutMinutes', show: num, none: () => '-' },
  { label: 'rollout duration', key: 'rolloutDurationS', show: formatDurationS, none: () => 'unfinished' },
];

/**
 * The policies side by side, one column each. With several seeds a cell is "mean (worst)" and
 * completed/halted count the seeds; then one line per policy says how its first seed ended.
 */
export function renderComparison(
  policies: readonly PolicyComparison[],
  clock: WallClock | undefined,
  opts: { readonly endings?: boolean } = {},
): string {
  const multi = policies.some((p) => p.seeds > 1);
  const table = comparisonCells(policies);
  const widths = table[0]?.map((_, col) => Math.max(...table.map((row) => (row[col] ?? '').length))) ?? [];
  const lines = table.map((row) =>
    row.map((c, col) => (col === 0 ? c.padEnd(widths[col] ?? 0) : c.padStart(widths[col] ?? 0))).join('   '),
  );
  if (multi) lines.push('', 'cells: mean over the seeds (worst case); completed/halted: seeds');
  if (opts.endings === false) return lines.join('\n');
  lines.push('', multi ? 'How each ended (first seed):' : 'How each ended:');
  for (const p of policies) lines.push(`  ${p.name}: ${ending(p, clock)}`);
  return lines.join('\n');
}

/**
 * The side-by-side table as cells: a header row of policy names, then one row per metric (label first).
 * The text table pads them; the HTML report puts them in a table.
 */
export function comparisonCells(policies: readonly PolicyComparison[]): string[][] {
  const multi = policies.some((p) => p.seeds > 1);
  const cell = (p: PolicyComparison, r: (typeof rows)[number]): string => {
    const mean = p[r.key];
    if (mean === null) return r.none(p);
    const worst = p.worst[r.key];
    return multi && worst !== null && worst !== mean ? `${r.show(mean)} (${r.show(worst)})` : r.show(mean);
  };
  const share = (x: number, seeds: number): string =>
    multi ? `${Math.round(x * seeds)}/${seeds}` : x >= 1 ? 'yes' : 'no';
  return [
    ['', ...policies.map((p) => p.name)],
    ...rows.map((r) => [r.label, ...policies.map((p) => cell(p, r))]),
    ['completed', ...policies.map((p) => share(p.completed, p.seeds))],
    ['halted', ...policies.map((p) => share(p.halted, p.seeds))],
  ];
}

/** How a policy's first seed ended, in one line (the text table's closing lines). */
export function policyEnding(p: PolicyComparison, clock: WallClock | undefined): string {
  return ending(p, clock);
}

function ending(p: PolicyComparison, clock: WallClock | undefined): string {
  const run = p.runs[0];
  if (!run) return 'no run';
  const at = (s: number): string => (clock ? clockTimeAt(clock, s).slice(0, 5) : `+${formatDurationS(s)}`);
  const damage = run.blastRadius === 0 ? 'no cluster saturated' : `${run.blastRadius} cluster(s) saturated`;
  if (run.completed)
    return `completed${run.rolloutDurationS === null ? '' : ` in ${formatDurationS(run.rolloutDurationS)}`}; ${damage}`;
  if (run.halted && run.haltedAtS !== null) {
    const when =
      run.detectS === null
        ? 'before any cluster saturated'
        : run.detectS >= 0
          ? `${formatDurationS(run.detectS)} after the first saturation`
          : `${formatDurationS(-run.detectS)} before the first saturation`;
    return `halted ${at(run.haltedAtS)}, ${when}; ${damage} — ${run.haltReason ?? ''}`;
  }
  return `neither completed nor halted by the end; ${damage}`;
}

function num(v: number): string {
  if (Number.isInteger(v)) return v.toLocaleString('en-US');
  if (Math.abs(v) < 0.01) return v.toPrecision(2);
  return v.toLocaleString('en-US', { maximumFractionDigits: Math.abs(v) < 10 ? 2 : 1 });
}

function signedDuration(s: number): string {
  return s < 0 ? `-${formatDurationS(-s)}` : formatDurationS(s);
}
