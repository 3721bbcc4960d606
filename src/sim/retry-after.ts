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

  /** Records `drops` rejections during a step of `stepS` seconds ending at `nowS`. */
  record(drops: number, stepS: number, nowS: number): void {
    // Nothing dropped now or in the ring, at the floor: the step would only turn the cursor of an all-zero
    // ring (which makes no difference to any window) and leave Retry-After at 1. The usual case by far.
    if (
      drops === 0 &&
      this.nonZero === 0 &&
      this.retryAfter === 1 &&
      stepS === this.stepS &&
      this.drops.length !== 0
    )
      return;
    if (this.drops.length === 0 || stepS !== this.stepS) {
      // The ring covers the longest window (maxS) in steps of the caller's size.
      this.stepS = stepS;
      this.drops = new Float64Array(Math.ceil(this.maxS / stepS) + 1);
      this.cursor = 0;
      this.nonZero = 0;
    }
    this.cursor = (this.cursor + 1) % this.drops.length;
    if ((this.drops[this.cursor] ?? 0) !== 0) this.nonZero--;
    if (drops !== 0) this.nonZero++;
    this.drops[this.cursor] = drops;
    const inWindow = this.nonZero === 0 ? 0 : this.dropsInLast(this.retryAfter);
    if (inWindow >= 3 * this.retryAfter && nowS - this.lastBumpS >= this.retryAfter) {
      this.retryAfter = Math.min(this.maxS, this.retryAfter * 2);
      this.lastBumpS = nowS;
    } else if (inWindow < this.retryAfter) {
      this.retryAfter = Math.max(1, this.retryAfter - this.stepS);
    }
  }

  /** Drops recorded in the last `windowS` seconds (whole steps, at least one). */
  private dropsInLast(windowS: number): number {
    const drops = this.drops;
    const steps = Math.min(drops.length, Math.max(1, Math.round(windowS / this.stepS)));
    let sum = 0;
    // Newest first, wrapping from the ring's start to its end (the same order as ever: the sum is exact).
    let j = this.cursor;
    for (let k = 0; k < steps; k++) {
      sum += drops[j] ?? 0;
      j = j === 0 ? drops.length - 1 : j - 1;
    }
    return sum;
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
