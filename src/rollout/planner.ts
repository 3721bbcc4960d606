import type { ClusterInfo } from './ports.js';
import type { ClusterSelectorEntry } from '../config/policy-schema.js';

/** One wave of a plan: clusters that change together (at most maxInFlight at a time). */
export interface PlannedWave {
  readonly name: string;
  readonly clusters: readonly string[];
  /** null = the policy's maxInFlight. */
  readonly maxInFlight: number | null;
  /** Pause before the wave until a person approves. */
  readonly requireApproval: boolean;
  /** null = the policy's bake. */
  readonly bakeS: number | null;
}

/** Options of the automatic planners (the policy's `waves: {plan: ...}` block). */
export interface AutoPlanOptions {
  readonly stagingLabel: { readonly key: string; readonly value: string };
  readonly stagingSize: number;
  readonly canarySize: number;
  readonly growth: number;
  readonly maxWaveSize: number | null;
  readonly approveAfterCanary: boolean;
}

/** Clusters sorted small → large; ties by name so plans are reproducible. */
export function bySize(clusters: readonly ClusterInfo[]): ClusterInfo[] {
  return [...clusters].sort((a, b) => a.nodes - b.nodes || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

/** The fleet's largest size decile: the ceil(N/10) largest clusters (at least one). */
export function largestDecile(clusters: readonly ClusterInfo[]): ClusterInfo[] {
  const sorted = bySize(clusters);
  return sorted.slice(sorted.length - Math.ceil(sorted.length / 10));
}

/**
 * Risk-ordered waves: staging (labelled, else the smallest clusters), then a canary that includes a
 * cluster from the largest size decile — scale-dependent failures only show there — then growing waves
 * from small to large. The decile's smallest member is chosen: it shows scale while risking the least.
 */
export function planAutoWaves(clusters: readonly ClusterInfo[], opts: AutoPlanOptions): PlannedWave[] {
  const sorted = bySize(clusters);
  if (sorted.length === 0) return [];
  const { key, value } = opts.stagingLabel;
  const labelled = sorted.filter((c) => c.labels[key] === value);
  const staging =
    labelled.length > 0 ? labelled : sorted.slice(0, Math.min(opts.stagingSize, sorted.length - 1 || 1));
  const taken = new Set(staging.map((c) => c.name));
  let rest = sorted.filter((c) => !taken.has(c.name));
  const waves: PlannedWave[] = [wave('staging', staging)];
  if (rest.length === 0) return waves;

  const decile = new Set(largestDecile(sorted).map((c) => c.name));
  const big = rest.find((c) => decile.has(c.name)) ?? rest[rest.length - 1];
  const canary = big ? [big] : [];
  rest = rest.filter((c) => c !== big);
  canary.push(...spreadPick(rest, opts.canarySize - 1));
  const inCanary = new Set(canary.map((c) => c.name));
  rest = rest.filter((c) => !inCanary.has(c.name));
  waves.push(wave('canary', bySize(canary)));
  waves.push(...growingWaves(rest, opts.canarySize * opts.growth, opts, opts.approveAfterCanary));
  return waves;
}

/** Growing waves from the smallest cluster up (what progressive-delivery pipelines usually do). */
export function planSmallestFirst(clusters: readonly ClusterInfo[], opts: AutoPlanOptions): PlannedWave[] {
  const sorted = bySize(clusters);
  const first = sorted.slice(0, opts.canarySize);
  if (first.length === 0) return [];
  const rest = growingWaves(
    sorted.slice(first.length),
    opts.canarySize * opts.growth,
    opts,
    opts.approveAfterCanary,
  );
  return [wave('wave-1', first), ...rest.map((w, i) => ({ ...w, name: `wave-${i + 2}` }))];
}

/** One wave with every cluster in the fleet's own order. */
export function planAsListed(clusters: readonly ClusterInfo[]): PlannedWave[] {
  return clusters.length === 0 ? [] : [wave('all', clusters)];
}

/** A wave as the policy lists it by selector. */
export interface SelectorWave {
  readonly name: string;
  readonly selector: ClusterSelectorEntry;
  readonly maxInFlight?: number | undefined;
  readonly requireApproval: boolean;
  readonly bakeS?: number | undefined;
}

/** Waves by selector, first match wins; returns the clusters no wave selects (they are not rolled out). */
export function planSelectorWaves(
  clusters: readonly ClusterInfo[],
  waves: readonly SelectorWave[],
): { waves: PlannedWave[]; unmatched: string[] } {
  const taken = new Set<string>();
  const out = waves.map((w) => {
    const members = clusters.filter((c) => !taken.has(c.name) && matches(c, w.selector));
    for (const c of members) taken.add(c.name);
    return {
      name: w.name,
      clusters: members.map((c) => c.name),
      maxInFlight: w.maxInFlight ?? null,
      requireApproval: w.requireApproval,
      bakeS: w.bakeS ?? null,
    };
  });
  return { waves: out, unmatched: clusters.filter((c) => !taken.has(c.name)).map((c) => c.name) };
}

/** True when a cluster satisfies every set field of a selector. */
export function matches(c: ClusterInfo, s: ClusterSelectorEntry): boolean {
  if (s.names && !s.names.includes(c.name)) return false;
  if (s.minNodes !== undefined && c.nodes < s.minNodes) return false;
  if (s.maxNodes !== undefined && c.nodes > s.maxNodes) return false;
  for (const [k, v] of Object.entries(s.matchLabels ?? {})) if (c.labels[k] !== v) return false;
  return true;
}

function growingWaves(
  rest: readonly ClusterInfo[],
  firstSize: number,
  opts: AutoPlanOptions,
  approveFirst: boolean,
): PlannedWave[] {
  const out: PlannedWave[] = [];
  let size = Math.max(1, Math.ceil(firstSize));
  for (let i = 0; i < rest.length;) {
    const n = opts.maxWaveSize === null ? size : Math.min(size, opts.maxWaveSize);
    out.push({
      ...wave(`wave-${out.length + 1}`, rest.slice(i, i + n)),
      requireApproval: approveFirst && out.length === 0,
    });
    i += n;
    size = Math.ceil(size * opts.growth);
  }
  return out;
}

/** `count` clusters at evenly spaced ranks of a size-sorted list, so a canary spans the size range. */
function spreadPick(sorted: readonly ClusterInfo[], count: number): ClusterInfo[] {
  if (count <= 0 || sorted.length === 0) return [];
  if (count >= sorted.length) return [...sorted];
  const picked: ClusterInfo[] = [];
  for (let k = 0; k < count; k++) {
    const idx = Math.floor(((k + 1) * sorted.length) / (count + 1));
    const c = sorted[Math.min(idx, sorted.length - 1)];
    if (c && !picked.includes(c)) picked.push(c);
  }
  return picked;
}

function wave(name: string, clusters: readonly ClusterInfo[]): PlannedWave {
  return {
    name,
    clusters: clusters.map((c) => c.name),
    maxInFlight: null,
    requireApproval: false,
    bakeS: null,
  };
}
