/** What happened to each class during one step (request counts, cluster-wide). */
export interface StepOutcome {
  readonly arrived: Float64Array;
  readonly succeeded: Float64Array;
  readonly rejected: Float64Array;
  readonly timedOut: Float64Array;
  /** Failed because no API server was up (connection refused / reset). */
  readonly failedDown: Float64Array;
  /** Estimated queue wait of each class's group (s). */
  readonly queueWaitS: Float64Array;
}

/** Per-class arrays at the start of the buffer, in order (queued … queueWaitS). */
const classBlocks = 10;

/**
 * The per-class and per-level arrays a control plane's step evolves or shows, as views of one buffer: so
 * that saving the state for an orbit replay (see sim/fast) is one straight copy, and a step's clears are
 * one fill() each. Layout: 10 per-class blocks (queued, executing, avgExecuting, throughput and the step
 * outcome), the per-level seat utilisation and queue length, the retries pending per class, then the
 * APF borrowing state.
 */
export class ClassState {
  readonly buf: Float64Array;
  readonly queued: Float64Array;
  readonly executing: Float64Array;
  /** Requests executing on average over the last step (what memory and CPU are charged for). */
  readonly avgExecuting: Float64Array;
  readonly throughput: Float64Array;
  readonly out: StepOutcome;
  readonly levelSeatUtilization: Float64Array;
  readonly levelQueued: Float64Array;
  /** Retries and relists scheduled per class (kept by the retry lines, see DelayLines). */
  readonly pendingRetries: Float64Array;
  /**
   * APF borrowing (see Borrowing): per level its current seat limit per server, its smoothed seat demand,
   * and the demand integrated since the last adjustment (sum, sum of squares, maximum); then the time
   * since the last adjustment.
   */
  readonly levelCurrentLimit: Float64Array;
  readonly levelSmoothedDemand: Float64Array;
  readonly levelDemandSum: Float64Array;
  readonly levelDemandSquares: Float64Array;
  readonly levelDemandMax: Float64Array;
  readonly borrowClock: Float64Array;
  /** Cleared every step: succeeded, rejected, timedOut, failedDown. */
  readonly stepClear: readonly [number, number];
  /** Cleared when no server is up: queueWaitS and the per-level figures. */
  readonly downClear: readonly [number, number];

  constructor(
    private readonly n: number,
    private readonly levels: number,
  ) {
    this.buf = new Float64Array((classBlocks + 1) * n + 7 * levels + 1);
    let used = 0;
    const view = (length: number): Float64Array => {
      const v = this.buf.subarray(used, used + length);
      used += length;
      return v;
    };
    this.queued = view(n);
    this.executing = view(n);
    this.avgExecuting = view(n);
    this.throughput = view(n);
    this.out = {
      arrived: view(n),
      succeeded: view(n),
      rejected: view(n),
      timedOut: view(n),
      failedDown: view(n),
      queueWaitS: view(n),
    };
    this.levelSeatUtilization = view(levels);
    this.levelQueued = view(levels);
    this.pendingRetries = view(n);
    this.levelCurrentLimit = view(levels);
    this.levelSmoothedDemand = view(levels);
    this.levelDemandSum = view(levels);
    this.levelDemandSquares = view(levels);
    this.levelDemandMax = view(levels);
    this.borrowClock = view(1);
    this.stepClear = [5 * n, 9 * n];
    this.downClear = [9 * n, 10 * n + 2 * levels];
  }

  /**
   * Takes over `old`'s per-class and per-level figures (not the pending retries, which the retry lines
   * carry): class i from old class classFrom[i], level l from old level levelFrom[l] (-1: starts at 0).
   */
  carryFrom(old: ClassState, classFrom: Int32Array, levelFrom: Int32Array): void {
    for (let b = 0; b < classBlocks; b++) {
      for (let i = 0; i < this.n; i++) {
        const j = classFrom[i] ?? -1;
        if (j >= 0) this.buf[b * this.n + i] = old.buf[b * old.n + j] ?? 0;
      }
    }
    for (let l = 0; l < this.levels; l++) {
      const j = levelFrom[l] ?? -1;
      if (j < 0) continue;
      this.levelSeatUtilization[l] = old.levelSeatUtilization[j] ?? 0;
      this.levelQueued[l] = old.levelQueued[j] ?? 0;
      this.levelCurrentLimit[l] = old.levelCurrentLimit[j] ?? 0;
      this.levelSmoothedDemand[l] = old.levelSmoothedDemand[j] ?? 0;
      this.levelDemandSum[l] = old.levelDemandSum[j] ?? 0;
      this.levelDemandSquares[l] = old.levelDemandSquares[j] ?? 0;
      this.levelDemandMax[l] = old.levelDemandMax[j] ?? 0;
    }
    this.borrowClock[0] = old.borrowClock[0] ?? 0;
  }
}
