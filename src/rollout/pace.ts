import type { Work } from './controller-work.js';
import { largestDecile, type PlannedWave } from './planner.js';
import type { ClusterState } from './state.js';

/**
 * Pace by risk (the policy's `pace`). Bakes exist for what a change may break; a change that both the
 * measurements and the cost model put far from every limit gains nothing from a slow plan, and a guard
 * that takes all day gets switched off. Before wave `next` starts, when
 * - the canary is behind us: a cluster of the fleet's largest size decile is done (scale shows there),
 * - the extrapolation projected every done cluster at or under `maxFill` of its tightest limit, and
 * - the preflight puts every cluster still to go at or under `maxFill` of its break-even size,
 * the clusters still pending are planned again in waves growing × `pace.growth`, each with up to
 * `pace.maxInFlight` clusters at once. Node steps, gates and bakes are unchanged, and any gate failing
 * still halts. Waves a person configured (approval, own bake or in-flight limit) are never merged.
 */
export function paceByRisk(w: Work, next: number): void {
  const pace = w.prev.policy.pace;
  if (!pace || next < 1 || w.status.kind !== 'running') return;
  const remaining = w.waves.slice(next);
  if (remaining.some((x) => x.requireApproval || x.bakeS !== null || x.maxInFlight !== null)) return;
  const done = w.clusters.filter((c) => c.phase.kind === 'done');
  const pending = w.clusters.filter((c) => c.wave >= next);
  if (done.length === 0 || pending.length === 0) return;
  if (pending.some((c) => c.phase.kind !== 'pending')) return;
  const decile = new Set(largestDecile(w.clusters.map(info)).map((c) => c.name));
  const scale = done.filter((c) => decile.has(c.name)).sort((a, b) => b.nodes - a.nodes)[0];
  if (!scale) return;
  const measured = worst(done, (c) => c.projectedFill);
  const predicted = worst(pending, (c) =>
    c.breakEvenNodes !== null && c.breakEvenNodes > 0 ? c.nodes / c.breakEvenNodes : null,
  );
  if (!measured || !predicted) return;
  if (measured.value > pace.maxFill || predicted.value > pace.maxFill) return;

  const previous = w.waves[next - 1]?.clusters.length ?? 1;
  const maxInFlight = pace.maxInFlight ?? w.prev.policy.maxInFlight;
  const replanned = growingWaves(
    pending.map((c) => c.name),
    Math.ceil(previous * pace.growth),
    pace.growth,
    maxInFlight,
  );
  const waves: PlannedWave[] = [...w.waves.slice(0, next), ...replanned];
  const waveOf = new Map<string, number>();
  replanned.forEach((x, k) => {
    for (const name of x.clusters) waveOf.set(name, next + k);
  });
  w.clusters = w.clusters.map((c) => {
    const wave = waveOf.get(c.name);
    return wave === undefined || wave === c.wave ? c : { ...c, wave };
  });
  w.waves = waves;
  const pct = (x: number): string => `${Number((x * 100).toPrecision(2))}%`;
  const detail =
    `low risk: the extrapolation put ${done.length} done cluster(s) at ≤ ${pct(measured.value)} of their tightest limit ` +
    `(worst ${measured.cluster.name}; largest ${scale.name}, ${scale.nodes} nodes), the preflight puts the ` +
    `${pending.length} to go at ≤ ${pct(predicted.value)} of their break-even (worst ${predicted.cluster.name}, ` +
    `${predicted.cluster.nodes} of ${predicted.cluster.breakEvenNodes ?? 0} nodes), both ≤ pace.maxFill ${pct(pace.maxFill)}: ` +
    `${replanned.length} wave(s) growing ×${pace.growth} from ${replanned[0]?.clusters.length ?? 0}` +
    (maxInFlight !== null ? `, up to ${maxInFlight} cluster(s) at once` : '') +
    ' (was ' +
    `${remaining.length} wave(s))`;
  w.pace = { atMs: w.nowMs, detail };
  w.events.push({ type: 'rollout.paced', atMs: w.nowMs, detail });
}

function info(c: ClusterState): { name: string; nodes: number; labels: Record<string, string> } {
  return { name: c.name, nodes: c.nodes, labels: {} };
}

function worst(
  clusters: readonly ClusterState[],
  value: (c: ClusterState) => number | null,
): { value: number; cluster: ClusterState } | null {
  let out: { value: number; cluster: ClusterState } | null = null;
  for (const c of clusters) {
    const v = value(c);
    if (v === null || !Number.isFinite(v)) return null;
    if (!out || v > out.value) out = { value: v, cluster: c };
  }
  return out;
}

function growingWaves(
  names: readonly string[],
  first: number,
  growth: number,
  maxInFlight: number | null,
): PlannedWave[] {
  const out: PlannedWave[] = [];
  let size = Math.max(1, first);
  for (let i = 0; i < names.length;) {
    out.push({
      name: `paced-${out.length + 1}`,
      clusters: names.slice(i, i + size),
      maxInFlight,
      requireApproval: false,
      bakeS: null,
    });
    i += size;
    size = Math.ceil(size * growth);
  }
  return out;
}
