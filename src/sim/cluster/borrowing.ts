import type { LevelLimits } from '../../cost/apf-capacity.js';
import type { ClassState } from './class-state.js';

/**
 * Smoothing of a level's seat demand per adjustment: its half-life is 5 minutes at 10 s adjustments
 * (`seatDemandSmoothingCoefficient`, apf_controller.go).
 */
export const seatDemandSmoothing = 0.977;

/**
 * APF borrowing as the API server does it (apf_controller.go `updateBorrowingLocked`, reference §2.2):
 * every adjustment period each limited level's seat demand (seats of its executing and queued requests)
 * over the period gives an envelope, average + standard deviation; the smoothed demand is
 * max(envelope, 0.977 × smoothed + 0.023 × envelope), so a level's claim jumps up at once and decays with
 * a 5-minute half-life. Each level gets a target max(lower, smoothed), lower = max(minCL, min(nominal,
 * the period's highest demand)), and the server's seats are shared out as clamp(f × target, lower,
 * maxCL) with one fair fraction f making them add up to the server's seats. Between adjustments a level's
 * limit stays put.
 *
 * The smoothed demand is kept at least the level's guaranteed seats (minCL): a target is never below that
 * anyway, and the update gives the same targets from the floored value, while a quiet level reaches a fixed
 * point (rather than decaying for ever) and the cluster can settle.
 */
export class Borrowing {
  /** Limited levels' nominal seats per server, added up: what the adjustment shares out. */
  private readonly total: number;
  private readonly lower: Float64Array;
  private readonly target: Float64Array;

  constructor(
    private readonly limits: readonly LevelLimits[],
    private readonly state: ClassState,
  ) {
    this.total = limits.reduce((sum, l) => sum + (l.exempt ? 0 : l.nominalSeats), 0);
    this.lower = new Float64Array(limits.length);
    this.target = new Float64Array(limits.length);
  }

  /** The state before any adjustment: every level at its nominal seats, no demand seen. */
  reset(): void {
    const s = this.state;
    this.limits.forEach((lim, l) => {
      s.levelCurrentLimit[l] = lim.nominalSeats;
      s.levelSmoothedDemand[l] = lim.guaranteedSeats;
    });
    s.levelDemandSum.fill(0);
    s.levelDemandSquares.fill(0);
    s.levelDemandMax.fill(0);
    s.borrowClock[0] = 0;
  }

  /**
   * Integrates one step of `dt` with per-server seat demand `demandOf(l)` per level, and adjusts the
   * limits when a period of `periodS` is complete. Returns true when an adjustment changed a limit or a
   * smoothed demand (the cluster is not at rest).
   */
  integrate(levelDemand: Float64Array, up: number, dt: number, periodS: number): boolean {
    const s = this.state;
    const { levelDemandSum, levelDemandSquares, levelDemandMax } = s;
    const nLevels = this.limits.length;
    for (let l = 0; l < nLevels; l++) {
      const d = (levelDemand[l] ?? 0) / up;
      levelDemandSum[l] = (levelDemandSum[l] ?? 0) + d * dt;
      levelDemandSquares[l] = (levelDemandSquares[l] ?? 0) + d * d * dt;
      if (d > (levelDemandMax[l] ?? 0)) levelDemandMax[l] = d;
    }
    const clock = (s.borrowClock[0] ?? 0) + dt;
    if (clock < periodS - 1e-9) {
      s.borrowClock[0] = clock;
      return false;
    }
    s.borrowClock[0] = 0;
    return this.adjust(clock);
  }

  /** One adjustment over a period of `periodS` (see the class comment). */
  private adjust(periodS: number): boolean {
    const s = this.state;
    const { levelCurrentLimit, levelSmoothedDemand, levelDemandSum, levelDemandSquares, levelDemandMax } = s;
    const { limits, lower, target } = this;
    let lowSum = 0;
    let highSum = 0;
    let moved = false;
    for (let l = 0; l < limits.length; l++) {
      const lim = limits[l];
      if (!lim || lim.exempt) continue;
      const avg = (levelDemandSum[l] ?? 0) / periodS;
      const sd = Math.sqrt(Math.max(0, (levelDemandSquares[l] ?? 0) / periodS - avg * avg));
      const envelope = avg + sd;
      const before = levelSmoothedDemand[l] ?? 0;
      const smoothed = Math.max(
        lim.guaranteedSeats,
        envelope,
        seatDemandSmoothing * before + (1 - seatDemandSmoothing) * envelope,
      );
      if (smoothed !== before) moved = true;
      levelSmoothedDemand[l] = smoothed;
      const lo = Math.max(lim.guaranteedSeats, Math.min(lim.nominalSeats, levelDemandMax[l] ?? 0));
      lower[l] = lo;
      target[l] = Math.max(lo, smoothed);
      lowSum += lo;
      highSum += lim.maxSeatsWithBorrowing;
      levelDemandSum[l] = 0;
      levelDemandSquares[l] = 0;
      levelDemandMax[l] = 0;
    }
    const fair = this.fairFraction(lowSum, highSum);
    for (let l = 0; l < limits.length; l++) {
      const lim = limits[l];
      if (!lim || lim.exempt) continue;
      const share = fair === Number.POSITIVE_INFINITY ? lim.maxSeatsWithBorrowing : fair * (target[l] ?? 0);
      const alloc = Math.round(Math.min(lim.maxSeatsWithBorrowing, Math.max(lower[l] ?? 0, share)));
      if (alloc !== levelCurrentLimit[l]) moved = true;
      levelCurrentLimit[l] = alloc;
    }
    return moved;
  }

  /**
   * The fraction f for which the levels' clamp(f × target, lower, upper) add up to the server's seats
   * (`computeConcurrencyAllocation`); 0 when the lower bounds alone reach them, ∞ when even the upper
   * bounds do not.
   */
  private fairFraction(lowSum: number, highSum: number): number {
    if (lowSum >= this.total) return 0;
    if (highSum <= this.total) return Number.POSITIVE_INFINITY;
    const { limits, lower, target } = this;
    const sumAt = (f: number): number => {
      let sum = 0;
      for (let l = 0; l < limits.length; l++) {
        const lim = limits[l];
        if (!lim || lim.exempt) continue;
        sum += Math.min(lim.maxSeatsWithBorrowing, Math.max(lower[l] ?? 0, f * (target[l] ?? 0)));
      }
      return sum;
    };
    let lo = 0;
    let hi = 1;
    while (sumAt(hi) < this.total && hi < 1e12) hi *= 2;
    // Bisection: the sum grows with f, and 60 halvings pin f to the last bit that matters.
    for (let k = 0; k < 60; k++) {
      const mid = (lo + hi) / 2;
      if (sumAt(mid) < this.total) lo = mid;
      else hi = mid;
    }
    return hi;
  }
}
