/**
 * The Retry-After a priority level hands out with its 429s, after the API server's
 * DroppedRequestsTracker (reference §2.1): starts at 1 s; doubles when at least 3 × retryAfter requests
 * were dropped in the last retryAfter seconds (at most one bump per retryAfter seconds); shrinks by 1 s
 * per second while fewer than retryAfter were dropped; capped at 32 s.
 */
export class RetryAfterTracker {
  private retryAfter = 1;
  private lastBumpS = Number.NEGATIVE_INFINITY;
  private dropRatePerS = 0;

  constructor(private readonly maxS = 32) {}

  /** Records `drops` rejections during a step of `stepS` ending at `nowS`. */
  record(drops: number, stepS: number, nowS: number): void {
    // Smooth the drop rate over ~the current window, as the tracker counts drops in a sliding window.
    const alpha = Math.min(1, stepS / Math.max(stepS, this.retryAfter));
    this.dropRatePerS += alpha * (drops / stepS - this.dropRatePerS);
    const inWindow = this.dropRatePerS * this.retryAfter;
    if (inWindow >= 3 * this.retryAfter && nowS - this.lastBumpS >= this.retryAfter) {
      this.retryAfter = Math.min(this.maxS, this.retryAfter * 2);
      this.lastBumpS = nowS;
    } else if (inWindow < this.retryAfter) {
      this.retryAfter = Math.max(1, this.retryAfter - stepS);
    }
  }

  get retryAfterS(): number {
    return this.retryAfter;
  }
}
