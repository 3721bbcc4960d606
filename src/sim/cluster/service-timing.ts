/**
 * Per class, the exponentials of its current service time t (mean, stretched by CPU contention): they change only when the slowdown does, so each is computed once per distinct t.
 */
export class ServiceTiming {
  /** The service time the figures below are for (-1: none yet). */
  readonly t: Float64Array;
  /** e^(−dt/t): share of running requests still running after a step. */
  readonly decay: Float64Array;
  /** e^(−τ/t): share of requests cut at the request timeout τ. */
  readonly timeoutShare: Float64Array;
  /** min(1, hold / step) and max(1, step / hold): a class's seat share of a step, and its cycles per seat. */
  readonly holdShare: Float64Array;
  readonly cycles: Float64Array;
  /** Mean share of a step a request running at its start stays, and one started during it. */
  readonly avgRunning: Float64Array;
  readonly avgStarted: Float64Array;

  constructor(n: number) {
    this.t = new Float64Array(n).fill(-1);
    this.decay = new Float64Array(n);
    this.timeoutShare = new Float64Array(n);
    this.holdShare = new Float64Array(n);
    this.cycles = new Float64Array(n);
    this.avgRunning = new Float64Array(n);
    this.avgStarted = new Float64Array(n);
  }

  /** Computes class i's figures for service time `t`, steps of `dt` and request timeout `tau`. */
  update(i: number, t: number, dt: number, tau: number): void {
    this.t[i] = t;
    const stepDecay = Math.exp(-dt / t);
    const timeoutShare = Math.exp(-tau / t);
    this.decay[i] = stepDecay;
    this.timeoutShare[i] = timeoutShare;
    // Mean time a request holds its seats: its whole service, exponential with mean t. A request past the
    // timeout τ is answered 504 then, but the timeout filter wraps APF: its handler runs on, holding its
    // seats and heap until it finishes (§2.1) — as the running requests' decay (mean t) already has it.
    const hold = t;
    this.holdShare[i] = Math.min(1, hold / dt);
    this.cycles[i] = Math.max(1, dt / hold);
    // Mean share of the step a running request stays (T/dt·(1−e^{−dt/T})) and a newly started one
    // (all of it for requests that cycle within the step, half for ones that outlast it).
    this.avgRunning[i] = (t / dt) * (1 - stepDecay);
    this.avgStarted[i] = 1 - 0.5 * Math.min(1, t / dt);
  }
}
