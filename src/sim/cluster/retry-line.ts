/**
 * Delay lines of future arrivals, one lane per request class: retries after Retry-After, informer relists
 * spread over their backoff. Rings of per-step buckets, so scheduling and popping are O(1). Every lane
 * is popped once per step, so the lanes share one cursor and one flat buffer, step-major so that one
 * step's buckets of every lane sit together in memory: popping a class is a load and a store, not a call
 * on an object of its own.
 */
export class DelayLines {
  /** Bucket of lane k at ring position p: buckets[p × lanes + k]. */
  private readonly buckets: Float64Array;
  /** Buckets per lane. */
  readonly length: number;
  private readonly lanes: number;
  private cursor = 0;
  private readonly pendingMass: Float64Array;

  /** `pendingMass`, when given, is where each lane's pending mass is kept (`lanes` long, zeroed). */
  constructor(
    lanes: number,
    private readonly stepS: number,
    maxDelayS: number,
    pendingMass?: Float64Array,
  ) {
    this.length = Math.ceil(maxDelayS / stepS) + 2;
    this.lanes = lanes;
    this.buckets = new Float64Array(lanes * this.length);
    this.pendingMass = pendingMass ?? new Float64Array(lanes);
  }

  /** Schedules `mass` arrivals on `lane` `delayS` from now (at least the next step; clamped to the line's length). */
  add(lane: number, mass: number, delayS: number): void {
    if (mass <= 0) return;
    const len = this.length;
    const steps = Math.min(len - 1, Math.max(1, Math.round(delayS / this.stepS)));
    // steps < len, so one subtraction wraps it.
    const at = this.cursor + steps;
    const i = (at >= len ? at - len : at) * this.lanes + lane;
    this.buckets[i] = (this.buckets[i] ?? 0) + mass;
    this.pendingMass[lane] = (this.pendingMass[lane] ?? 0) + mass;
  }

  /** Spreads `mass` evenly over delays in [fromS, toS]. */
  spread(lane: number, mass: number, fromS: number, toS: number): void {
    if (mass <= 0) return;
    const len = this.length;
    const first = Math.max(1, Math.round(fromS / this.stepS));
    const last = Math.min(len - 1, Math.max(first, Math.round(toS / this.stepS)));
    const per = mass / (last - first + 1);
    for (let s = first; s <= last; s++) {
      const i = ((this.cursor + s) % len) * this.lanes + lane;
      this.buckets[i] = (this.buckets[i] ?? 0) + per;
    }
    this.pendingMass[lane] = (this.pendingMass[lane] ?? 0) + mass;
  }

  /** Advances every lane one step; read each lane's arrivals due now with `take` before the next advance. */
  advance(): void {
    // Wrapped by comparison rather than %: an integer division per step costs more.
    this.cursor = this.cursor + 1 === this.length ? 0 : this.cursor + 1;
  }

  /** Removes and returns `lane`'s arrivals due at the current step. */
  take(lane: number): number {
    const i = this.cursor * this.lanes + lane;
    const due = this.buckets[i] ?? 0;
    if (due === 0) return 0;
    this.buckets[i] = 0;
    this.pendingMass[lane] = Math.max(0, (this.pendingMass[lane] ?? 0) - due);
    return due;
  }

  /** Drops everything scheduled on `lane` (the clients are gone). */
  clear(lane: number): void {
    for (let i = lane; i < this.buckets.length; i += this.lanes) this.buckets[i] = 0;
    this.pendingMass[lane] = 0;
  }

  /** Arrivals still scheduled on `lane`. */
  pending(lane: number): number {
    return this.pendingMass[lane] ?? 0;
  }

  /**
   * Takes over `old`'s schedule (a rebuilt class table): lane i from old lane laneFrom[i] (-1: nothing),
   * each bucket due as many steps from now as it was (clamped to this line's length).
   */
  carryFrom(old: DelayLines, laneFrom: Int32Array): void {
    for (let i = 0; i < this.lanes; i++) {
      const j = laneFrom[i] ?? -1;
      if (j < 0) continue;
      for (let s = 0; s < old.length; s++) {
        const mass = old.buckets[((old.cursor + s) % old.length) * old.lanes + j] ?? 0;
        if (mass === 0) continue;
        const at = ((this.cursor + Math.min(this.length - 1, s)) % this.length) * this.lanes + i;
        this.buckets[at] = (this.buckets[at] ?? 0) + mass;
      }
      this.pendingMass[i] = old.pendingMass[j] ?? 0;
    }
  }

  /** True when no bucket of any lane holds anything (then the cursor's position makes no difference). */
  isEmpty(): boolean {
    for (const b of this.buckets) if (b !== 0) return false;
    return true;
  }
}

/** A single delay line (one lane of DelayLines). */
export class DelayLine {
  private readonly lines: DelayLines;

  constructor(stepS: number, maxDelayS: number) {
    this.lines = new DelayLines(1, stepS, maxDelayS);
  }

  /** Schedules `mass` arrivals `delayS` from now (at least the next step; clamped to the line's length). */
  add(mass: number, delayS: number): void {
    this.lines.add(0, mass, delayS);
  }

  /** Spreads `mass` evenly over delays in [fromS, toS]. */
  spread(mass: number, fromS: number, toS: number): void {
    this.lines.spread(0, mass, fromS, toS);
  }

  /** Advances one step and returns the arrivals due now. */
  pop(): number {
    this.lines.advance();
    return this.lines.take(0);
  }

  /** Drops everything scheduled (the clients are gone). */
  clear(): void {
    this.lines.clear(0);
  }

  /** Arrivals still scheduled. */
  get pending(): number {
    return this.lines.pending(0);
  }
}
