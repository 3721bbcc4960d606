import type { WallClock } from '../core/wall-clock.js';
import { displayMetrics, type DisplayMetric } from '../compare/run-display.js';
import type { ClusterSummary } from '../sim/result.js';
import type { EventTone } from './event-data.js';
import type { Mark, RunRecord } from './run-record.js';

/** How each drawn metric reads: its title, unit, the y-axis floor and what the fleet line is. */
export const chartMetrics: readonly {
  readonly key: DisplayMetric;
  readonly title: string;
  readonly unit: 'ratio' | 's' | 'per_s';
  /** The y axis reaches at least this, so a quiet cluster's flat line is not blown up to full height. */
  readonly floor: number;
  readonly color: string;
  readonly fleetLabel: string;
}[] = [
  {
    key: 'seatUtilization',
    title: 'APF seat utilization',
    unit: 'ratio',
    floor: 0.05,
    color: '#9467bd',
    fleetLabel: 'busiest cluster',
  },
  {
    key: 'apiP99LatencyS',
    title: 'API p99 latency',
    unit: 's',
    floor: 0.5,
    color: '#8c564b',
    fleetLabel: 'worst cluster',
  },
  {
    key: 'rejected429PerS',
    title: '429 responses per second',
    unit: 'per_s',
    floor: 10,
    color: '#e377c2',
    fleetLabel: 'all clusters',
  },
  {
    key: 'dnsFailureRatio',
    title: 'DNS failure ratio',
    unit: 'ratio',
    floor: 0.01,
    color: '#ff7f0e',
    fleetLabel: 'node-weighted mean',
  },
  {
    key: 'errorRatio',
    title: 'Data-plane error ratio',
    unit: 'ratio',
    floor: 0.01,
    color: '#d62728',
    fleetLabel: 'fleet (customer requests)',
  },
];

/** Colours of the policies drawn side by side, in --policies order. */
export const runColors = ['#1f77b4', '#d62728', '#2ca02c', '#9467bd', '#ff7f0e', '#17becf', '#8c564b'];

/** What the page's script reads (one JSON block); series are run-length encoded text. */
export interface PageData {
  readonly tS: string;
  readonly clock: { readonly startOfDayS: number } | null;
  readonly durationS: number;
  readonly metrics: typeof chartMetrics;
  readonly clusters: readonly { readonly name: string; readonly nodes: number }[];
  readonly defaultCluster: string;
  readonly runs: readonly {
    readonly name: string;
    readonly color: string;
    readonly fleet: Readonly<Record<DisplayMetric, string>>;
    readonly clusters: Readonly<Record<string, Readonly<Record<DisplayMetric, string>>>>;
    /** [fromS, toS, kind] */
    readonly bands: readonly (readonly [number, number, string])[];
    /** [tS, cluster index or -1 for fleet-wide, tone, label] */
    readonly marks: readonly (readonly [number, number, EventTone, string])[];
  }[];
}

/**
 * Run-length encoding of a series as text ("0*120,0.25,0.3*4"): most series sit flat for long
 * stretches (idle clusters, a saturated p99 pinned at the 60 s timeout), so this is most of the
 * report's size saving after down-sampling.
 */
export function encodeSeries(xs: readonly number[]): string {
  const out: string[] = [];
  let i = 0;
  while (i < xs.length) {
    const v = xs[i] ?? 0;
    let j = i + 1;
    while (j < xs.length && xs[j] === v) j++;
    const text = String(v === 0 ? 0 : v);
    out.push(j - i > 1 ? `${text}*${j - i}` : text);
    i = j;
  }
  return out.join(',');
}

/** The inverse of encodeSeries (the page's script does the same). */
export function decodeSeries(s: string): number[] {
  if (s === '') return [];
  const out: number[] = [];
  for (const tok of s.split(',')) {
    const star = tok.indexOf('*');
    if (star < 0) out.push(Number(tok));
    else for (let n = Number(tok.slice(star + 1)); n > 0; n--) out.push(Number(tok.slice(0, star)));
  }
  return out;
}

/** Clusters in picker order: impacted ones largest first, then the rest largest first. */
export function pickerOrder(clusters: readonly ClusterSummary[]): ClusterSummary[] {
  const hit = (c: ClusterSummary): number => (c.saturated || c.dnsFailureStartS !== null ? 1 : 0);
  return [...clusters].sort(
    (a, b) => hit(b) - hit(a) || b.nodes - a.nodes || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0),
  );
}

/**
 * Marks drawn when policies are side by side: what tells them apart (gates, halts, rollbacks, the end of
 * the rollout, saturation), in each policy's colour; operator actions, scripted alike in every run, once.
 */
function sideBySide(m: Mark, runIndex: number): boolean {
  switch (m.type) {
    case 'rollout.gate.failed':
    case 'rollout.halted':
    case 'rollout.completed':
    case 'rollout.cluster.rolledback':
    case 'apiserver.saturated':
      return true;
    case 'operator.action':
      return runIndex === 0;
    case 'rollout.started':
    case 'rollout.wave.started':
    case 'rollout.step.applied':
    case 'rollout.cluster.applied':
    case 'rollout.paused':
    case 'rollout.resumed':
    case 'rollout.paced':
    case 'rollout.warning':
    case 'rollout.action.failed':
    case 'apiserver.oom':
    case 'apiserver.recovered':
    case 'admin.lockedout':
    case 'admin.access.restored':
    case 'dns.failures.started':
    case 'impact.started':
    case 'cluster.recovered':
    case 'fleet.recovered':
    case 'nodes.notready':
    case 'nodes.ready':
      return false;
    default: {
      const never: never = m.type;
      return never;
    }
  }
}

/** The page data of one run, or of several runs of one scenario drawn side by side. */
export function pageData(runs: readonly RunRecord[], clock: WallClock | undefined): PageData {
  const first = runs[0];
  if (!first) throw new Error('pageData needs at least one run');
  const order = pickerOrder(first.clusters);
  const index = new Map(order.map((c, i) => [c.name, i]));
  const startOfDayS = clock
    ? (((Math.round(clock.startMs / 1000) + clock.offsetMinutes * 60) % 86_400) + 86_400) % 86_400
    : null;
  const encodeAll = (
    m: Readonly<Record<DisplayMetric, readonly number[]>>,
  ): Record<DisplayMetric, string> => {
    const out = {} as Record<DisplayMetric, string>;
    for (const k of displayMetrics) out[k] = encodeSeries(m[k]);
    return out;
  };
  return {
    tS: encodeSeries(first.series.tS),
    clock: startOfDayS === null ? null : { startOfDayS },
    durationS: first.durationS,
    metrics: chartMetrics,
    clusters: order.map((c) => ({ name: c.name, nodes: c.nodes })),
    defaultCluster: order[0]?.name ?? '',
    runs: runs.map((r, i) => {
      const clusters: Record<string, Record<DisplayMetric, string>> = {};
      for (const c of order) {
        const s = r.series.clusters[c.name];
        if (s) clusters[c.name] = encodeAll(s);
      }
      return {
        name: r.policy ?? r.scenario,
        color: runColors[i % runColors.length] ?? '#1f77b4',
        fleet: encodeAll(r.series.fleet),
        clusters,
        bands: r.bands.map((b) => [b.fromS, b.toS, b.kind] as const),
        marks: r.marks
          .filter((m) => runs.length === 1 || sideBySide(m, i))
          .map(
            (m) => [m.tS, m.cluster === null ? -1 : (index.get(m.cluster) ?? -1), m.tone, m.label] as const,
          ),
      };
    }),
  };
}
