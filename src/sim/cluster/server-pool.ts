import type { Rng } from '../../core/random.js';
import { serverWeight } from '../../cost/server-balance.js';

/**
 * A cluster's API servers as the load balancer sees them: when each answers again after an OOM kill
 * (-∞ while up) and when its watch cache is ready, and the share of the load each carries (its weight,
 * src/cost/server-balance.ts). Added servers start up and ready; removed ones are the last listed.
 */
export class ServerPool {
  private readonly upAtS: number[] = [];
  private readonly cacheReadyAtS: number[] = [];
  private readonly weights: number[] = [];
  private imbalance = 0;
  /** upCount's last answer and the time it was for (servers change state only at kills and restarts). */
  private upCountAtS = Number.NaN;
  private upCountCached = 0;
  /** The answering servers' summed and largest weight, for upCountAtS. */
  private upWeightCached = 0;
  private upMaxWeightCached = 0;

  constructor(count: number, imbalance = 0) {
    this.imbalance = imbalance;
    this.count = count;
  }

  /** How unevenly the load is spread (calibration loadImbalance); re-weighs every server. */
  set loadImbalance(imbalance: number) {
    if (imbalance === this.imbalance) return;
    this.imbalance = imbalance;
    for (let k = 0; k < this.weights.length; k++) this.weights[k] = serverWeight(k, imbalance);
    this.upCountAtS = Number.NaN;
  }

  get count(): number {
    return this.upAtS.length;
  }

  set count(n: number) {
    while (this.upAtS.length < n) {
      this.weights.push(serverWeight(this.upAtS.length, this.imbalance));
      this.upAtS.push(Number.NEGATIVE_INFINITY);
      this.cacheReadyAtS.push(Number.NEGATIVE_INFINITY);
    }
    this.upAtS.length = n;
    this.cacheReadyAtS.length = n;
    this.weights.length = n;
    this.upCountAtS = Number.NaN;
  }

  /** Servers answering at `nowS`. */
  upCount(nowS: number): number {
    if (nowS === this.upCountAtS) return this.upCountCached;
    const upAtS = this.upAtS;
    const weights = this.weights;
    let up = 0;
    let weight = 0;
    let maxWeight = 0;
    for (let i = 0; i < upAtS.length; i++) {
      if ((upAtS[i] ?? 0) > nowS) continue;
      up++;
      const w = weights[i] ?? 1;
      weight += w;
      maxWeight = Math.max(maxWeight, w);
    }
    this.upCountAtS = nowS;
    this.upCountCached = up;
    this.upWeightCached = weight;
    this.upMaxWeightCached = maxWeight;
    return up;
  }

  /**
   * The heaviest answering server's share of what the answering servers carry, relative to the mean
   * (1 when balanced; valid for the time of the last upCount).
   */
  get heaviestShare(): number {
    const up = this.upCountCached;
    return up === 0 ? 1 : (this.upMaxWeightCached * up) / this.upWeightCached;
  }

  /** True while some answering server still re-initialises its watch cache. */
  isInitializing(nowS: number): boolean {
    const upAtS = this.upAtS;
    for (let i = 0; i < upAtS.length; i++)
      if ((upAtS[i] ?? 0) <= nowS && (this.cacheReadyAtS[i] ?? 0) > nowS) return true;
    return false;
  }

  /** Share of the `up` answering servers whose watch cache is ready (the rest 429 cache-served requests). */
  cacheReadyShare(nowS: number, up: number): number {
    if (up === 0) return 0;
    let ready = 0;
    for (let i = 0; i < this.upAtS.length; i++) {
      if ((this.upAtS[i] ?? 0) <= nowS && (this.cacheReadyAtS[i] ?? 0) <= nowS) ready++;
    }
    return ready / up;
  }

  /** True when there is a server and every one is up with its watch cache ready. */
  allReady(nowS: number): boolean {
    if (this.upAtS.length === 0) return false;
    for (let i = 0; i < this.upAtS.length; i++)
      if ((this.upAtS[i] ?? 0) > nowS || (this.cacheReadyAtS[i] ?? 0) > nowS) return false;
    return true;
  }

  /**
   * Every server is down from now until `untilS` (an outage, not a crash: they all come back together),
   * then re-initialises its watch cache for `watchCacheInitS`. A server already down past `untilS` keeps
   * its own time.
   */
  downUntil(untilS: number, watchCacheInitS: number): void {
    this.upAtS.forEach((t, i) => {
      if (t >= untilS) return;
      this.upAtS[i] = untilS;
      this.cacheReadyAtS[i] = untilS + watchCacheInitS;
    });
    this.upCountAtS = Number.NaN;
  }

  /**
   * Kills every answering server whose memory is past `limitBytes` at `nowS`: each holds `residentBytes`
   * plus its weight's share of `requestBytes` (what the answering servers' requests hold together). Each
   * restarts on its own time, 0.75–1.5 × `restartS` later, and its watch cache is ready `watchCacheInitS`
   * after that. Returns the share of the load the killed servers carried (0: none died).
   */
  killOverLimit(
    nowS: number,
    residentBytes: number,
    requestBytes: number,
    limitBytes: number,
    restartS: number,
    watchCacheInitS: number,
    rng: Rng,
  ): number {
    this.upCount(nowS);
    const perWeight = requestBytes / this.upWeightCached;
    let killed = 0;
    this.upAtS.forEach((t, i) => {
      if (t > nowS) return;
      const w = this.weights[i] ?? 1;
      if (residentBytes + perWeight * w <= limitBytes) return;
      killed += w;
      const back = nowS + restartS * (0.75 + 0.75 * rng.next());
      this.upAtS[i] = back;
      this.cacheReadyAtS[i] = back + watchCacheInitS;
    });
    const share = killed / this.upWeightCached;
    this.upCountAtS = Number.NaN;
    return share;
  }
}
