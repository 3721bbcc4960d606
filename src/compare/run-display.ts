import type { SimResult } from '../sim/result.js';

/**
 * The series a report draws, per cluster and for the fleet. All five are "higher is worse", which is
 * what lets down-sampling keep each bucket's maximum without hiding a peak.
 */
export const displayMetrics = [
  'seatUtilization',
  'apiP99LatencyS',
  'rejected429PerS',
  'dnsFailureRatio',
  'errorRatio',
] as const;
export type DisplayMetric = (typeof displayMetrics)[number];

/** One set of display series, aligned with DisplaySeries.tS. */
export type MetricSeries = Readonly<Record<DisplayMetric, readonly number[]>>;

/**
 * Down-sampled series for drawing. The fleet aggregates are computed at full resolution first: the
 * error ratio is the simulator's own fleet figure; seats and p99 are the worst cluster's (a percentile
 * or a utilization does not add up across clusters); 429/s are summed; the DNS failure ratio is the
 * node-weighted mean (lookups come from nodes).
 */
export interface DisplaySeries {
  /** Start of each bucket, seconds since the scenario start. */
  readonly tS: readonly number[];
  /** Samples of the simulation per bucket (1 when nothing was merged). */
  readonly bucket: number;
  readonly fleet: MetricSeries;
  readonly clusters: Readonly<Record<string, MetricSeries>>;
}

/** A simulation result as a report needs it: everything but the series, and the series down-sampled. */
export type RunDisplay = Omit<SimResult, 'series'> & { readonly series: DisplaySeries };

/** Points a display series keeps by default: 2 px per point on a 720 px chart. */
export const defaultDisplayPoints = 360;

/**
 * Cuts a result down for display (a report, or a compare worker's answer that a report draws side by
 * side): each series bucketed to at most `maxPoints` with each bucket's maximum, values rounded to 3
 * significant digits. The JSON output never goes through this.
 */
export function displayRun(r: SimResult, maxPoints = defaultDisplayPoints): RunDisplay {
  const n = r.series.tS.length;
  const bucket = Math.max(1, Math.ceil(n / Math.max(1, maxPoints)));
  const names = Object.keys(r.series.clusters);
  const nodes = new Map(r.clusters.map((c) => [c.name, c.nodes]));
  const totalNodes = names.reduce((s, name) => s + (nodes.get(name) ?? 0), 0);
  const fleet: Record<DisplayMetric, number[]> = {
    seatUtilization: new Array<number>(n).fill(0),
    apiP99LatencyS: new Array<number>(n).fill(0),
    rejected429PerS: new Array<number>(n).fill(0),
    dnsFailureRatio: new Array<number>(n).fill(0),
    errorRatio: r.series.fleetErrorRatio.slice(0, n),
  };
  for (const name of names) {
    const s = r.series.clusters[name];
    if (!s) continue;
    const weight = totalNodes > 0 ? (nodes.get(name) ?? 0) / totalNodes : 0;
    for (let i = 0; i < n; i++) {
      fleet.seatUtilization[i] = Math.max(fleet.seatUtilization[i] ?? 0, s.seatUtilization[i] ?? 0);
      fleet.apiP99LatencyS[i] = Math.max(fleet.apiP99LatencyS[i] ?? 0, s.apiP99LatencyS[i] ?? 0);
      fleet.rejected429PerS[i] = (fleet.rejected429PerS[i] ?? 0) + (s.rejected429PerS[i] ?? 0);
      fleet.dnsFailureRatio[i] = (fleet.dnsFailureRatio[i] ?? 0) + weight * (s.dnsFailureRatio[i] ?? 0);
    }
  }
  const down = (xs: readonly number[]): number[] => bucketMax(xs, bucket);
  const metricSeries = (pick: (m: DisplayMetric) => readonly number[]): MetricSeries => ({
    seatUtilization: down(pick('seatUtilization')),
    apiP99LatencyS: down(pick('apiP99LatencyS')),
    rejected429PerS: down(pick('rejected429PerS')),
    dnsFailureRatio: down(pick('dnsFailureRatio')),
    errorRatio: down(pick('errorRatio')),
  });
  const clusters: Record<string, MetricSeries> = {};
  for (const name of names) {
    const s = r.series.clusters[name];
    if (s) clusters[name] = metricSeries((m) => s[m]);
  }
  const tS: number[] = [];
  for (let i = 0; i < n; i += bucket) tS.push(r.series.tS[i] ?? 0);
  return {
    scenario: r.scenario,
    start: r.start,
    seed: r.seed,
    stepS: r.stepS,
    durationS: r.durationS,
    policy: r.policy,
    events: r.events,
    clusters: r.clusters,
    fleet: r.fleet,
    series: { tS, bucket, fleet: metricSeries((m) => fleet[m]), clusters },
  };
}

/** Maximum of each run of `size` values, rounded to 3 significant digits. */
export function bucketMax(xs: readonly number[], size: number): number[] {
  const out: number[] = [];
  for (let i = 0; i < xs.length; i += size) {
    let m = -Infinity;
    for (let j = i; j < Math.min(xs.length, i + size); j++) m = Math.max(m, xs[j] ?? 0);
    out.push(round3(m));
  }
  return out;
}

/** 3 significant digits: what a chart can show, and far fewer bytes in a report. */
export function round3(x: number): number {
  if (!Number.isFinite(x) || x === 0) return Number.isFinite(x) ? 0 : x;
  return Number(x.toPrecision(3));
}
