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
  /**
   * Levels only the change's classes use (its rollout fence, its quarantine): their fill is the change
   * throttled, not harm to others, so the rollout's others-only signals leave them out.
   */
  readonly ownLevels: Uint8Array;
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
  const ownLevels = new Uint8Array(c.limits.length);
  const shared = new Uint8Array(c.limits.length);
  c.classes.forEach((k, i) => {
    if (isChange[i]) ownLevels[k.levelIndex] = 1;
    else shared[k.levelIndex] = 1;
  });
  shared.forEach((x, l) => {
    if (x) ownLevels[l] = 0;
  });
  return { level, isChange, twinOf, levelDemand: new Float64Array(c.limits.length), ownLevels };
}

/**
 * The change's seats on its level (executing + queued, as the live query sums them), the part of them
 * that is transient (the LISTs its informers make when a pod starts or relists after an API server
 * restart: paced by the pods' start rate, not by how many run), the level's other demand, and the seats
 * the level can get: the formula of `levelCapacities` (src/cost/steady-state.ts) —
 * its guaranteed seats plus what the others' demand leaves of the lendable pool, capped at nominal +
 * borrowing — inlined without allocations because it runs every step. Cluster totals (per server × up).
 */
export function changeSeats(
  c: ClusterSim,
  plan: ClusterPlan,
  tS: number,
): { mine: number; transient: number; others: number; available: number } | null {
  const { cp, classes, limits } = c;
  const demand = plan.levelDemand;
  demand.fill(0);
  let mine = 0;
  let transient = 0;
  let others = 0;
  for (let i = 0; i < classes.length; i++) {
    const k = classes[i];
    if (!k || k.kind === 'watch') continue;
    const d = ((cp.avgExecuting[i] ?? 0) + (cp.queued[i] ?? 0)) * k.cost.seats;
    const twinIndex = (plan.twinOf[i] ?? 0) - 1;
    const twin = twinIndex >= 0 ? classes[twinIndex] : undefined;
    if (twin) {
      // The fence caps what the change holds (and its small level caps each request at fewer seats), so
      // judge what it asks for × service time × the seats each request would take on the change's own
      // level. A periodic call asks at its pods' rate: first attempts only, since the retries the fence's
      // 429s cause would not happen unfenced (counting them halts changes that fit); start-up LISTs are what arrives (their retries are part of the transient).
      const first = c.firstAttemptsPerS(i);
      const perS = first > 0 ? first : (cp.out.arrived[i] ?? 0) / c.stepS;
      const offered = perS * twin.cost.serviceS * twin.cost.seats;
      const seats = Math.max((d / k.cost.seats) * twin.cost.seats, offered);
      mine += seats;
      if (twin.kind === 'relist') transient += seats;
      continue;
    }
    if (d === 0) continue;
    demand[k.levelIndex] = (demand[k.levelIndex] ?? 0) + d;
    if (k.levelIndex !== plan.level) continue;
    if (plan.isChange[i]) {
      mine += d;
      if (k.kind === 'relist') transient += d;
    } else others += d;
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
  return { mine, transient, others, available: perServer * up };
}

/** What the change's start-up and relist LISTs cost in a cluster (see TransientContext in rollout/ports). */
export interface ChangeTransients {
  /** One pod's start-up LISTs, all its informers: seat-seconds and API-server heap byte-seconds. */
  readonly perPodSeatSeconds: number;
  readonly perPodByteSeconds: number;
  readonly fullReplicas: number;
  readonly podsStartPerS: number;
  readonly apiServers: number;
  /** Heap per server the change's LISTs may take: limit − resident − what every other request holds. */
  readonly memoryHeadroomBytes: number;
}

/**
 * The per-request figures the extrapolation's transient laws scale: each LIST's seats, service time and
 * heap are properties of the cluster (its object counts), the same at 1% of nodes as at 100%; only how many
 * run at once changes, and that follows the pods' start rate or a restart, not the node share.
 */
export function changeTransients(c: ClusterSim, plan: ClusterPlan, tS: number): ChangeTransients {
  const { cp, classes } = c;
  let perPodSeatSeconds = 0;
  let perPodByteSeconds = 0;
  let othersBytes = 0;
  for (let i = 0; i < classes.length; i++) {
    const k = classes[i];
    if (!k) continue;
    if (!plan.isChange[i]) {
      othersBytes += (cp.avgExecuting[i] ?? 0) * k.cost.memoryBytes;
      continue;
    }
    if (k.kind !== 'relist' || changeRoute(k.id) !== 0) continue;
    perPodSeatSeconds += k.cost.seats * k.cost.serviceS;
    perPodByteSeconds += k.cost.memoryBytes * k.cost.serviceS;
  }
  const up = Math.max(1, cp.upCount(tS));
  const { replicas, podsStartPerS } = c.changeAtFullShare();
  return {
    perPodSeatSeconds,
    perPodByteSeconds,
    fullReplicas: replicas,
    podsStartPerS,
    apiServers: up,
    memoryHeadroomBytes: Math.max(0, cp.memoryLimitPerServerBytes - cp.residentBytes - othersBytes / up),
  };
}
