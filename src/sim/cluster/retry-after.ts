/**
 * The Retry-After a priority level hands out with its 429s, after the API server's
 * DroppedRequestsTracker (reference §2.1, `dropped_requests_tracker.go`): starts at 1 s; doubles when at
 * least 3 × retryAfter requests were dropped in the last retryAfter seconds (at most one bump per
 * retryAfter seconds); shrinks by 1 s per second while fewer than retryAfter were dropped in that window;
 * capped at 32 s. Drops are kept per step in a ring covering the longest window.
 */
export class RetryAfterTracker {
  private retryAfter = 1;
  private lastBumpS = Number.NEGATIVE_INFINITY;
  private drops = new Float64Array(0);
  private stepS = 1;
  private cursor = 0;
  /** Non-zero entries in the ring: with none, every window holds no drops (the usual case). */
  private nonZero = 0;

  constructor(private readonly maxS = 32) {}

  /**
   * Records `drops` rejections during a step of `stepS` seconds ending at `nowS`. A step without drops
   * while atFloor changes nothing that matters, and the control plane leaves those out.
   *
   * Every call runs every load, compare and call below, and the branches only pick among values already
   * computed (docs/perf.md, "Rare paths"): the first 429s would otherwise deoptimise the control plane's step.
   */
  record(drops: number, stepS: number, nowS: number): void {
    if (this.drops.length === 0 || stepS !== this.stepS) {
      // The ring covers the longest window (maxS) in steps of the caller's size.
      this.stepS = stepS;
      this.drops = new Float64Array(Math.ceil(this.maxS / stepS) + 1);
      this.cursor = 0;
      this.nonZero = 0;
    }
    const ring = this.drops;
    const cursor = this.cursor + 1 === ring.length ? 0 : this.cursor + 1;
    this.cursor = cursor;
    // Counts the ring's non-zero entries: with none, every window holds no drops (the usual case).
    this.nonZero += (drops !== 0 ? 1 : 0) - ((ring[cursor] ?? 0) !== 0 ? 1 : 0);
    ring[cursor] = drops;
    const retryAfter = this.retryAfter;
    const sinceBumpS = nowS - this.lastBumpS;
    const mayBump = sinceBumpS >= retryAfter ? 1 : 0;
    // Only comparisons of the window's sum matter, and a partial sum of drops (never negative) only grows:
    // once it reaches the highest threshold still deciding anything, the rest cannot change the outcome.
    const inWindow = this.dropsInLast(retryAfter, mayBump ? 3 * retryAfter : retryAfter);
    const bumped = Math.min(this.maxS, retryAfter * 2);
    const shrunk = Math.max(1, retryAfter - this.stepS);
    const bump = (inWindow >= 3 * retryAfter ? 1 : 0) & mayBump;
    this.retryAfter = bump ? bumped : inWindow < retryAfter ? shrunk : retryAfter;
    this.lastBumpS = bump ? nowS : this.lastBumpS;
  }

  /**
   * Drops recorded in the last `windowS` seconds (whole steps, at least one), summed newest first; the sum
   * stops early, short of the total, once it reaches `enough`.
   */
  private dropsInLast(windowS: number, enough: number): number {
    const drops = this.drops;
    const steps = Math.min(drops.length, Math.max(1, Math.round(windowS / this.stepS)));
    let sum = 0;
    // Newest first, wrapping from the ring's start to its end (the same order as ever: the sum is exact).
    // The wrap's index is computed on every call (docs/perf.md, "Rare paths").
    const end = drops.length - 1;
    let j = this.cursor;
    for (let k = 0; k < steps && sum < enough; k++) {
      sum += drops[j] ?? 0;
      j = j === 0 ? end : j - 1;
    }
    return sum;
  }

  /**
   * True when nothing was dropped within the window and Retry-After is at its floor: then recording a step
   * without drops changes nothing that matters (the ring holds only zeros, so where its cursor stands makes
   * no difference), and the caller may leave it out.
   */
  get atFloor(): boolean {
    return this.nonZero === 0 && this.retryAfter === 1 && this.drops.length !== 0;
  }

  get retryAfterS(): number {
    return this.retryAfter;
  }

  /** True when the window ring holds no drops: then Retry-After alone decides what comes next. */
  get noDrops(): boolean {
    return this.nonZero === 0;
  }

  /** Restores Retry-After as it was when the ring held no drops (see noDrops). */
  restoreRetryAfter(retryAfterS: number): void {
    this.retryAfter = retryAfterS;
  }
}
