import type { Rng } from '../../core/random.js';

/**
 * A cluster's API servers as the load balancer sees them: when each answers again after an OOM kill
 * (-∞ while up) and when its watch cache is ready. Added servers start up and ready; removed ones are the
 * last listed.
 */
export class ServerPool {
  private readonly upAtS: number[] = [];
  private readonly cacheReadyAtS: number[] = [];
  /** upCount's last answer and the time it was for (servers change state only at kills and restarts). */
  private upCountAtS = Number.NaN;
  private upCountCached = 0;

  constructor(count: number) {
    this.count = count;
  }

  get count(): number {
    return this.upAtS.length;
  }

  set count(n: number) {
    while (this.upAtS.length < n) {
      this.upAtS.push(Number.NEGATIVE_INFINITY);
      this.cacheReadyAtS.push(Number.NEGATIVE_INFINITY);
    }
    this.upAtS.length = n;
    this.cacheReadyAtS.length = n;
    this.upCountAtS = Number.NaN;
  }

  /** Servers answering at `nowS`. */
  upCount(nowS: number): number {
    if (nowS === this.upCountAtS) return this.upCountCached;
    const upAtS = this.upAtS;
    let up = 0;
    for (let i = 0; i < upAtS.length; i++) if ((upAtS[i] ?? 0) <= nowS) up++;
    this.upCountAtS = nowS;
    this.upCountCached = up;
    return up;
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
   * Every answering server dies at `nowS` (they carried the same share); each restarts on its own time,
   * 0.75–1.5 × `restartS` later, and its watch cache is ready `watchCacheInitS` after that.
   */
  killAnswering(nowS: number, restartS: number, watchCacheInitS: number, rng: Rng): void {
    this.upAtS.forEach((t, i) => {
      if (t > nowS) return;
      const back = nowS + restartS * (0.75 + 0.75 * rng.next());
      this.upAtS[i] = back;
      this.cacheReadyAtS[i] = back + watchCacheInitS;
    });
    this.upCountAtS = Number.NaN;
  }
}
