import { changeRoute, fencedSuffix } from './class-table.js';
import type { ClusterSim } from './cluster-sim.js';

/** What a cluster's change seat demand needs: the change's priority level and which classes are its own. */
export interface ClusterPlan {
  /** Level of the change's first non-watch class; -1 when the change makes no seat-holding request. */
  readonly level: number;
  readonly isChange: Uint8Array;
  /**
   * For a class routed through the rollout fence: 1 + the index of its unfenced twin, whose cost (seats
   * at the change's own level) is what the fenced requests would take there; 0 for every other class.
   */
  readonly twinOf: Int32Array;
  readonly levelDemand: Float64Array;
}

/** Finds the change's classes and priority level in a cluster (again when its classes change). */
export function clusterPlan(c: ClusterSim): ClusterPlan {
  const isChange = new Uint8Array(c.classes.length);
  const twinOf = new Int32Array(c.classes.length);
  let level = -1;
  c.classes.forEach((k, i) => {
    if (!k.id.startsWith('change:')) return;
    isChange[i] = 1;
    if (k.id.includes(fencedSuffix)) {
      const twin = c.classes.findIndex((t) => t.id === k.id.replace(fencedSuffix, ''));
      if (twin >= 0) twinOf[i] = twin + 1;
    } else if (level < 0 && k.kind !== 'watch' && changeRoute(k.id) === 0) level = k.levelIndex;
  });
  return { level, isChange, twinOf, levelDemand: new Float64Array(c.limits.length) };
}

/**
 * The change's seats on its level (executing + queued, as the live query sums them), the level's other
 * demand, and the seats the level can get: the formula of `levelCapacities` (src/cost/steady-state.ts) —
 * its guaranteed seats plus what the others' demand leaves of the lendable pool, capped at nominal +
 * borrowing — inlined without allocations because it runs every step. Cluster totals (per server × up).
 */
export function changeSeats(
  c: ClusterSim,
  plan: ClusterPlan,
  tS: number,
): { mine: number; others: number; available: number } | null {
  const { cp, classes, limits } = c;
  const demand = plan.levelDemand;
  demand.fill(0);
  let mine = 0;
  let others = 0;
  for (let i = 0; i < classes.length; i++) {
    const k = classes[i];
    if (!k || k.kind === 'watch') continue;
    const d = ((cp.avgExecuting[i] ?? 0) + (cp.queued[i] ?? 0)) * k.cost.seats;
    const twinIndex = (plan.twinOf[i] ?? 0) - 1;
    const twin = twinIndex >= 0 ? classes[twinIndex] : undefined;
    if (twin) {
      // The fence caps what the change holds (and its small level caps each request at fewer seats), so
      // judge what it asks for: arrivals (retries included, which errs towards halting) × service time ×
      // the seats each request would take on the change's own level.
      const offered = ((cp.out.arrived[i] ?? 0) / c.stepS) * twin.cost.serviceS * twin.cost.seats;
      mine += Math.max((d / k.cost.seats) * twin.cost.seats, offered);
      continue;
    }
    if (d === 0) continue;
    demand[k.levelIndex] = (demand[k.levelIndex] ?? 0) + d;
    if (k.levelIndex !== plan.level) continue;
    if (plan.isChange[i]) mine += d;
    else others += d;
  }
  const up = Math.max(1, cp.upCount(tS));
  const own = limits[plan.level];
  if (!own) return null;
  let othersHold = 0;
  for (let l = 0; l < limits.length; l++) {
    const o = limits[l];
    if (!o || o.exempt || l === plan.level) continue;
    othersHold += Math.max(o.guaranteedSeats, Math.min((demand[l] ?? 0) / up, o.maxSeatsWithBorrowing));
  }
  const perServer = Math.max(
    own.guaranteedSeats,
    Math.min(own.maxSeatsWithBorrowing, cp.calib.seats - othersHold),
  );
  return { mine, others, available: perServer * up };
}
