/**
 * A delay line of future arrivals for one request class: retries after Retry-After, informer relists
 * spread over their backoff. A ring of per-step buckets, so scheduling and popping are O(1).
 */
export class DelayLine {
  private readonly buckets: Float64Array;
  private cursor = 0;
  private pendingMass = 0;

  constructor(
    private readonly stepS: number,
    maxDelayS: number,
  ) {
    this.buckets = new Float64Array(Math.ceil(maxDelayS / stepS) + 2);
  }

  /** Schedules `mass` arrivals `delayS` from now (at least the next step; clamped to the line's length). */
  add(mass: number, delayS: number): void {
    if (mass <= 0) return;
    const steps = Math.min(this.buckets.length - 1, Math.max(1, Math.round(delayS / this.stepS)));
    const i = (this.cursor + steps) % this.buckets.length;
    this.buckets[i] = (this.buckets[i] ?? 0) + mass;
    this.pendingMass += mass;
  }

  /** Spreads `mass` evenly over delays in [fromS, toS]. */
  spread(mass: number, fromS: number, toS: number): void {
    if (mass <= 0) return;
    const first = Math.max(1, Math.round(fromS / this.stepS));
    const last = Math.min(this.buckets.length - 1, Math.max(first, Math.round(toS / this.stepS)));
    const per = mass / (last - first + 1);
    for (let s = first; s <= last; s++) {
      const i = (this.cursor + s) % this.buckets.length;
      this.buckets[i] = (this.buckets[i] ?? 0) + per;
    }
    this.pendingMass += mass;
  }

  /** Advances one step and returns the arrivals due now. */
  pop(): number {
    this.cursor = (this.cursor + 1) % this.buckets.length;
    const due = this.buckets[this.cursor] ?? 0;
    this.buckets[this.cursor] = 0;
    this.pendingMass = Math.max(0, this.pendingMass - due);
    return due;
  }

  /** Drops everything scheduled (the clients are gone). */
  clear(): void {
    this.buckets.fill(0);
    this.pendingMass = 0;
  }

  /** Arrivals still scheduled. */
  get pending(): number {
    return this.pendingMass;
  }
}
