import type { RequestClass } from './request-class.js';

/**
 * The fair-queuing structure of a cluster's priority levels: which classes share a queue group (one flow
 * key, FIFO within), which groups each level holds, and how many flows a group spreads over; and the
 * max-min fair share of a level's seats among its groups (APF's fair queuing as a fluid).
 *
 * Groups and levels are walked through flat index arrays (docs/perf.md, "Flat arrays"): group g's members
 * are members[memberStart[g] .. memberStart[g + 1]), level l's groups levelGroups[levelGroupStart[l] ..
 * levelGroupStart[l + 1]).
 */
export class LevelGroups {
  readonly memberStart: Int32Array;
  readonly members: Int32Array;
  readonly levelGroupStart: Int32Array;
  readonly levelGroups: Int32Array;
  /** Flows of each group: the most of its members' flow counts. */
  readonly groupFlows: Float64Array;
  /** Scratch of share(): each group's seat demand and grant. */
  private readonly wantSeats: Float64Array;
  private readonly grantSeats: Float64Array;
  /** The control plane's per-class arrays share() reads and writes (see share). */
  private readonly desired: Float64Array;
  private readonly seatsOf: Float64Array;
  private readonly allowed: Float64Array;

  constructor(
    classes: readonly RequestClass[],
    levelCount: number,
    arrays: {
      readonly desired: Float64Array;
      readonly seatsOf: Float64Array;
      readonly allowed: Float64Array;
    },
  ) {
    // Bound once rather than passed on every call: share() runs per busy level per step.
    this.desired = arrays.desired;
    this.seatsOf = arrays.seatsOf;
    this.allowed = arrays.allowed;
    const groupKeys: string[] = [];
    const groupOf = new Int32Array(classes.length);
    classes.forEach((c, i) => {
      let g = groupKeys.indexOf(c.groupKey);
      if (g < 0) g = groupKeys.push(c.groupKey) - 1;
      groupOf[i] = g;
    });
    const nGroups = groupKeys.length;
    this.groupFlows = new Float64Array(nGroups);
    this.wantSeats = new Float64Array(nGroups);
    this.grantSeats = new Float64Array(nGroups);
    const groupMembers: number[][] = groupKeys.map(() => []);
    const groupsByLevel: number[][] = Array.from({ length: levelCount }, () => []);
    classes.forEach((c, i) => {
      const g = groupOf[i] ?? 0;
      groupMembers[g]?.push(i);
      this.groupFlows[g] = Math.max(this.groupFlows[g] ?? 0, c.flowCount);
      const lvl = groupsByLevel[c.levelIndex];
      if (lvl && !lvl.includes(g)) lvl.push(g);
    });
    [this.memberStart, this.members] = flatten(groupMembers);
    [this.levelGroupStart, this.levelGroups] = flatten(groupsByLevel);
  }

  /**
   * Max-min fair share of `capacity` seats among the groups levelGroups[gFrom .. gTo) by flow count,
   * proportional within a group: sets allowed[i] to the share of desired[i] (concurrency) that runs, with
   * seatsOf[i] seats per request.
   */
  share(gFrom: number, gTo: number, capacity: number): void {
    const {
      desired,
      wantSeats,
      grantSeats,
      seatsOf,
      groupFlows,
      levelGroups,
      memberStart,
      members,
      allowed,
    } = this;
    if (gTo - gFrom === 1) {
      // One group (most levels): the water-filling below comes down to this, operation for operation.
      const g = levelGroups[gFrom] ?? 0;
      const mFrom = memberStart[g] ?? 0;
      const mTo = memberStart[g + 1] ?? 0;
      let w = 0;
      for (let m = mFrom; m < mTo; m++) {
        const i = members[m] ?? 0;
        w += (desired[i] ?? 0) * (seatsOf[i] ?? 0);
      }
      const flows = groupFlows[g] ?? 1;
      let grant = 0;
      if (w > 1e-12 && flows > 0 && capacity > 1e-12) {
        const perFlow = capacity / flows;
        grant = w <= perFlow * flows ? w : 0 + perFlow * flows;
      }
      wantSeats[g] = w;
      grantSeats[g] = grant;
      const share = w > 0 ? Math.min(1, grant / w) : 1;
      for (let m = mFrom; m < mTo; m++) {
        const i = members[m] ?? 0;
        allowed[i] = (desired[i] ?? 0) * share;
      }
      return;
    }
    let activeFlows = 0;
    for (let gk = gFrom; gk < gTo; gk++) {
      const g = levelGroups[gk] ?? 0;
      let w = 0;
      for (let m = memberStart[g] ?? 0, mTo = memberStart[g + 1] ?? 0; m < mTo; m++) {
        const i = members[m] ?? 0;
        w += (desired[i] ?? 0) * (seatsOf[i] ?? 0);
      }
      wantSeats[g] = w;
      grantSeats[g] = 0;
      if (w > 0) activeFlows += groupFlows[g] ?? 1;
    }
    let remaining = capacity;
    const nGroups = gTo - gFrom;
    // Water-filling: each round fully serves every group whose want fits its per-flow share.
    for (let round = 0; round <= nGroups && activeFlows > 0 && remaining > 1e-12; round++) {
      const perFlow = remaining / activeFlows;
      let satisfiedAny = false;
      for (let gk = gFrom; gk < gTo; gk++) {
        const g = levelGroups[gk] ?? 0;
        const need = (wantSeats[g] ?? 0) - (grantSeats[g] ?? 0);
        if (need <= 1e-12) continue;
        if (need <= perFlow * (groupFlows[g] ?? 1)) {
          grantSeats[g] = wantSeats[g] ?? 0;
          remaining -= need;
          activeFlows -= groupFlows[g] ?? 1;
          satisfiedAny = true;
        }
      }
      if (!satisfiedAny) {
        for (let gk = gFrom; gk < gTo; gk++) {
          const g = levelGroups[gk] ?? 0;
          if ((wantSeats[g] ?? 0) - (grantSeats[g] ?? 0) > 1e-12)
            grantSeats[g] = (grantSeats[g] ?? 0) + perFlow * (groupFlows[g] ?? 1);
        }
        break;
      }
    }
    for (let gk = gFrom; gk < gTo; gk++) {
      const g = levelGroups[gk] ?? 0;
      const w = wantSeats[g] ?? 0;
      const share = w > 0 ? Math.min(1, (grantSeats[g] ?? 0) / w) : 1;
      for (let m = memberStart[g] ?? 0, mTo = memberStart[g + 1] ?? 0; m < mTo; m++) {
        const i = members[m] ?? 0;
        allowed[i] = (desired[i] ?? 0) * share;
      }
    }
  }
}

/** Flattens lists of indices into (start offsets, items): list k is items[start[k] .. start[k + 1]). */
function flatten(lists: readonly (readonly number[])[]): [Int32Array, Int32Array] {
  const start = new Int32Array(lists.length + 1);
  const items: number[] = [];
  lists.forEach((l, k) => {
    items.push(...l);
    start[k + 1] = items.length;
  });
  return [start, Int32Array.from(items)];
}
