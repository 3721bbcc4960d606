import type { ClusterSim } from '../cluster/cluster-sim.js';
import { copyReadings, type ClusterReadings } from '../cluster/readings.js';
import type { FastStats } from './tuning.js';

/** Courses of a window (FrozenWindows.course): not started, one token so far, token changed. */
export const courseStart = 0;
export const courseOn = 1;
export const courseOff = 2;

/** Where a thawed window's skipped steps are added (the series recorder). */
export interface WindowSink {
  accumulate(i: number, r: ClusterReadings): void;
}

/**
 * Sample windows that repeat the last one (docs/perf.md, "Frozen windows"). A cluster whose course token
 * (ClusterSim.courseToken) stayed the same over a whole window was at rest or replayed one periodic orbit:
 * if at rest, or if the orbit's period divides the window (so the next window starts at the same phase),
 * it adds the same readings in the same order over the next window while the token stays, and so samples
 * the same values. Such a cluster is frozen, its steps only counted; if the token changes mid-window, the
 * counted steps are added then, one by one, from the readings the course had in store (thaw).
 *
 * The recorder reads the arrays directly in its per-cluster loop; the rest happens here.
 */
export class FrozenWindows {
  readonly frozen: Uint8Array;
  /** The course token a frozen cluster keeps. */
  readonly frozenOn: Float64Array;
  readonly frozenSteps: Float64Array;
  /** Whether each cluster's current window kept one course token so far, and which. */
  readonly course: Uint8Array;
  readonly windowToken: Float64Array;
  /** Readings a frozen window adds: step j adds ahead[i][j mod length]. */
  private readonly ahead: (readonly ClusterReadings[])[];

  constructor(
    clusters: number,
    private readonly enabled: boolean,
    private readonly stats: FastStats,
  ) {
    this.frozen = new Uint8Array(clusters);
    this.frozenOn = new Float64Array(clusters);
    this.frozenSteps = new Float64Array(clusters);
    this.course = new Uint8Array(clusters);
    this.windowToken = new Float64Array(clusters);
    this.ahead = Array.from({ length: clusters }, () => []);
  }

  /**
   * Cluster i left its course while its window was frozen: adds the steps skipped so far (the readings
   * the course had in store for them, one by one, as they would have been added) and records from here on.
   */
  thaw(i: number, sink: WindowSink): void {
    const skipped = this.frozenSteps[i] ?? 0;
    const ahead = this.ahead[i] ?? [];
    for (let k = 0; k < skipped; k++) {
      const r = ahead[k % ahead.length];
      if (r) sink.accumulate(i, r);
    }
    this.frozen[i] = 0;
    this.frozenSteps[i] = 0;
    this.ahead[i] = [];
    this.course[i] = courseOff;
  }

  /** At a sample: true when cluster i's window was frozen (its samples repeat the last ones). */
  sampledFrozen(i: number): boolean {
    if (!this.frozen[i]) return false;
    this.frozenSteps[i] = 0;
    this.stats.windowsFrozen++;
    return true;
  }

  /**
   * Freezes cluster i for the coming window when the one just closed (`n` steps) was on a course that
   * repeats: at rest, or in an orbit whose period divides the window. Not with 429s, however few: their
   * running total is summed every step. `p99Current`: the window's p99 was read at its state's version.
   */
  freezeIfRepeating(i: number, c: ClusterSim, n: number, p99Current: boolean): void {
    if (!this.enabled) return;
    if (this.course[i] !== courseOn || !p99Current) return;
    const token = c.courseToken;
    if (token >= 0) {
      // At rest (bar the window's first step, which may have been the step it came to rest in).
      if (c.readings.rejected429 !== 0) return;
      this.ahead[i] = [copyReadings(c.readings)];
    } else {
      const period = c.orbitPeriod;
      if (period === 0 || n % period !== 0) return;
      const ahead: ClusterReadings[] = [];
      for (let k = 0; k < period; k++) {
        const r = c.orbitReadingsAhead(k);
        if (!r || r.rejected429 !== 0) return;
        ahead.push(r);
      }
      this.ahead[i] = ahead;
    }
    this.frozen[i] = 1;
    this.frozenOn[i] = token;
    this.frozenSteps[i] = 0;
  }
}
