import type { SimResult } from '../sim/result.js';

/**
 * What `rampart compare` reports per policy, computed from a simulation result alone (its events, its
 * per-cluster summaries and its fleet figures), so any saved `--json` result can be scored the same way.
 */
export interface RunMetrics {
  readonly seed: number;
  /** Clusters whose API servers saturated. */
  readonly blastRadius: number;
  /** ∫ fleet error ratio dt, in minutes. */
  readonly customerErrorMinutes: number;
  /** Halt time − onset of the first saturation; null when nothing saturated or the rollout never halted. */
  readonly detectS: number | null;
  /**
   * First impact (saturation or DNS failures) → the last impacted cluster recovered; 0 when no cluster
   * was impacted, null when one had not recovered by the end.
   */
  readonly recoverS: number | null;
  /** On-call lock-out summed over clusters, in minutes. */
  readonly lockoutMinutes: number;
  /** Rollout start → completed or halted; null when neither happened by the end. */
  readonly rolloutDurationS: number | null;
  readonly completed: boolean;
  readonly halted: boolean;
  /** When the rollout halted (s since the scenario start), or null. */
  readonly haltedAtS: number | null;
  /** Why it halted (the first failed gate, else the halt reason), or null. */
  readonly haltReason: string | null;
}

/** Scores one simulation run. */
export function runMetrics(r: SimResult): RunMetrics {
  const first = (type: string): number | null => r.events.find((e) => e.type === type)?.tS ?? null;
  const startS = first('rollout.started');
  const haltS = first('rollout.halted');
  const completedS = first('rollout.completed');
  const saturatedAt = r.clusters.flatMap((c) => (c.saturatedAtS === null ? [] : [c.saturatedAtS]));
  const firstSaturationS = saturatedAt.length > 0 ? Math.min(...saturatedAt) : null;
  const impacted = r.clusters.filter((c) => c.saturated || c.dnsFailureStartS !== null);
  let recoverS: number | null = 0;
  if (impacted.length > 0) {
    const onset = Math.min(
      ...impacted.map((c) => Math.min(c.saturatedAtS ?? Infinity, c.dnsFailureStartS ?? Infinity)),
    );
    recoverS = impacted.some((c) => c.recoveredAtS === null)
      ? null
      : Math.max(...impacted.map((c) => c.recoveredAtS ?? 0)) - onset;
  }
  const end = completedS ?? haltS;
  const gate = r.events.find((e) => e.type === 'rollout.gate.failed');
  const halt = r.events.find((e) => e.type === 'rollout.halted');
  return {
    seed: r.seed,
    blastRadius: r.fleet.clustersSaturated,
    customerErrorMinutes: r.fleet.customerErrorMinutes,
    detectS: haltS !== null && firstSaturationS !== null ? haltS - firstSaturationS : null,
    recoverS,
    lockoutMinutes: roundMetric(r.clusters.reduce((s, c) => s + c.adminLockedOutS, 0) / 60),
    rolloutDurationS: startS !== null && end !== null ? end - startS : null,
    completed: completedS !== null,
    halted: haltS !== null,
    haltedAtS: haltS,
    haltReason: gate ? `${gate.cluster ?? ''}: ${gate.detail ?? ''}` : (halt?.detail ?? null),
  };
}

/** Numeric metrics aggregated over seeds (mean) and their worst case (largest). */
const numeric = [
  'blastRadius',
  'customerErrorMinutes',
  'detectS',
  'recoverS',
  'lockoutMinutes',
  'rolloutDurationS',
] as const;
type NumericMetric = (typeof numeric)[number];

/** One policy over every seed: the documented `compare --json` entry. */
export type PolicyComparison = {
  readonly name: string;
  readonly seeds: number;
  /** Share of seeds whose rollout completed / halted (1 or 0 for a single seed). */
  readonly completed: number;
  readonly halted: number;
  /** Largest value over the seeds (null where no seed defines the metric). */
  readonly worst: Readonly<Record<NumericMetric, number | null>>;
  readonly runs: readonly RunMetrics[];
} & Readonly<Record<NumericMetric, number | null>>;

/** Aggregates a policy's runs: means over the seeds that define a metric, and the worst case. */
export function comparePolicy(name: string, runs: readonly RunMetrics[]): PolicyComparison {
  const mean = {} as Record<NumericMetric, number | null>;
  const worst = {} as Record<NumericMetric, number | null>;
  for (const k of numeric) {
    const values = runs.flatMap((r) => (r[k] === null ? [] : [r[k]]));
    mean[k] = values.length === 0 ? null : roundMetric(values.reduce((a, b) => a + b, 0) / values.length);
    worst[k] = values.length === 0 ? null : roundMetric(Math.max(...values));
  }
  const share = (f: (r: RunMetrics) => boolean): number =>
    runs.length === 0 ? 0 : roundMetric(runs.filter(f).length / runs.length);
  return {
    name,
    seeds: runs.length,
    ...mean,
    completed: share((r) => r.completed),
    halted: share((r) => r.halted),
    worst,
    runs,
  };
}

/** Rounds for stable, compact JSON (6 significant digits). */
export function roundMetric(x: number): number {
  if (!Number.isFinite(x) || x === 0) return x === 0 ? 0 : x;
  const scale = 10 ** (5 - Math.floor(Math.log10(Math.abs(x))));
  return Math.round(x * scale) / scale;
}
