import { clientDefaults, GiB, type ApiServerCalibration } from '../../cost/calibration.js';
import type { LevelLimits } from '../../cost/apf-capacity.js';
import type { Rng } from '../../core/random.js';
import type { StateSnapshot } from '../fast/snapshot.js';
import { ClassFacts, classIndexMap } from './class-facts.js';
import { Borrowing } from './borrowing.js';
import { ClassState, type StepOutcome } from './class-state.js';
import { LevelGroups } from './fair-share.js';
import { DelayLines } from './retry-line.js';
import { RetryAfterTracker } from './retry-after.js';
import type { RequestClass } from './request-class.js';
import { ServerPool } from './server-pool.js';
import { ServiceTiming } from './service-timing.js';

export interface ControlPlaneOptions {
  readonly classes: readonly RequestClass[];
  readonly limits: readonly LevelLimits[];
  readonly calibration: ApiServerCalibration;
  readonly apiServers: number;
  /** Memory each server holds besides executing requests (bytes). */
  readonly residentBytes: number;
  /** Seconds a restarted server reads its objects from etcd, on top of watchCacheInitS (default 0). */
  readonly watchCacheLoadS?: number;
  readonly stepS: number;
  /** Draws when each server is back after an OOM kill. */
  readonly rng: Rng;
  /**
   * A control plane this one replaces mid-run (its classes or levels changed): its queued, executing and
   * scheduled work, its servers, Retry-After state and readings carry over, by class id and level name.
   */
  readonly carryFrom?: ControlPlaneState;
}

/**
 * What a cluster's API servers hold and show (see ControlPlane, which steps it): per class, requests
 * queued, executing and scheduled for retry; per level, Retry-After and the last step's figures; the
 * servers; the calibration's figures. Also the queries readers outside make, the record an orbit replay
 * saves and restores (StateSnapshot), and taking over the state of the control plane this one replaces.
 */
export class ControlPlaneState implements StateSnapshot {
  readonly classes: readonly RequestClass[];
  protected readonly limits: readonly LevelLimits[];
  protected readonly stepS: number;
  protected readonly rng: Rng;
  protected readonly n: number;
  protected readonly facts: ClassFacts;
  protected readonly state: ClassState;
  readonly queued: Float64Array;
  readonly executing: Float64Array;
  /** Requests executing on average over the last step (what memory and CPU are charged for). */
  readonly avgExecuting: Float64Array;
  protected readonly throughput: Float64Array;
  readonly out: StepOutcome;
  readonly levelSeatUtilization: Float64Array;
  readonly levelQueued: Float64Array;
  protected readonly groups: LevelGroups;
  protected readonly timing: ServiceTiming;
  protected readonly servers: ServerPool;
  protected readonly retryLines: DelayLines;
  protected readonly trackers: RetryAfterTracker[];
  protected readonly borrowing: Borrowing;
  /** The last borrowing adjustment changed a limit or a smoothed demand (so the cluster is not at rest). */
  protected borrowingMoved = false;
  /** Per-step scratch: each class's wanted, allowed and still-running concurrency. */
  protected readonly desired: Float64Array;
  protected readonly allowed: Float64Array;
  protected readonly running: Float64Array;
  /** Per-step scratch per level. */
  protected readonly levelDesiredSeats: Float64Array;
  protected readonly levelWant: Float64Array;
  protected readonly levelRunningSeats: Float64Array;
  protected readonly levelDrops: Float64Array;
  /** Servers answering during the current step. */
  protected up = 0;
  oomKills = 0;
  /** Last step's readings, for metrics. */
  cpuUtilization = 0;
  memoryUtilization = 0;
  seatUtilization = 0;
  /**
   * Factor by which service times stretched in the last step (CPU contention × GC pressure). NaN, then 1
   * in the constructor (docs/perf.md, "Shape pinning").
   */
  slowdown = Number.NaN;
  protected relistPending = false;
  /** Share of the informers whose watches broke since the last relist (a double from the start). */
  protected relistShare = Number.NaN;
  protected calibration: ApiServerCalibration;
  /** Memory each server holds besides executing requests (bytes); a double from the start. */
  residentBytes = Number.NaN;
  /** Seconds a restarted server reads its objects from etcd before its watch cache serves. */
  watchCacheLoadS = Number.NaN;
  /**
   * The calibration's figures the step reads, copied out of it: a scaled control plane gets a calibration
   * of another shape (a spread copy), and reading that in the step would make the reads polymorphic.
   */
  requestTimeoutS = Number.NaN;
  queueWaitLimitS = Number.NaN;
  protected seatsPerServer = Number.NaN;
  protected coresPerServer = Number.NaN;
  protected watchEventSeconds = Number.NaN;
  protected memoryLimitBytes = Number.NaN;
  protected restartS = Number.NaN;
  protected watchCacheInitS = Number.NaN;
  protected borrowingAdjustmentS = Number.NaN;
  /** 1 when GC pressure also slows service near the heap limit (gcSlowdownNearLimit), else 0. */
  protected gcWeight = Number.NaN;

  /** Heap an API server may hold before it is OOM-killed. */
  get memoryLimitPerServerBytes(): number {
    return this.memoryLimitBytes;
  }

  constructor(opts: ControlPlaneOptions) {
    const { classes, limits, calibration: calib, stepS } = opts;
    this.classes = classes;
    this.limits = limits;
    this.stepS = stepS;
    this.rng = opts.rng;
    this.calibration = calib;
    this.calib = calib;
    this.residentBytes = opts.residentBytes;
    this.watchCacheLoadS = opts.watchCacheLoadS ?? 0;
    this.servers = opts.carryFrom?.servers ?? new ServerPool(opts.apiServers, calib.loadImbalance);
    this.relistShare = 0.5;
    this.relistShare = 0;
    this.slowdown = 1;
    // Flags and counters first set mid-run get their other value once (docs/perf.md, "Shape pinning").
    this.relistPending = true;
    this.relistPending = false;
    this.oomKills = 1;
    this.oomKills = 0;

    const n = classes.length;
    const L = limits.length;
    this.n = n;
    this.facts = new ClassFacts(classes);
    this.state = new ClassState(n, L);
    const s = this.state;
    this.queued = s.queued;
    this.executing = s.executing;
    this.avgExecuting = s.avgExecuting;
    this.throughput = s.throughput;
    this.out = s.out;
    this.levelSeatUtilization = s.levelSeatUtilization;
    this.levelQueued = s.levelQueued;
    // Long enough for the longest wait: a 429's Retry-After, a reflector backoff, or an API server restart.
    const longestDelayS = Math.max(
      calib.maxRetryAfterS,
      clientDefaults.reflectorBackoffMaxS,
      2 * calib.restartS,
    );
    this.retryLines = new DelayLines(n, stepS, longestDelayS + 2 * stepS, s.pendingRetries);
    this.trackers = limits.map(() => new RetryAfterTracker(calib.maxRetryAfterS));
    this.timing = new ServiceTiming(n);
    this.desired = new Float64Array(n);
    this.allowed = new Float64Array(n);
    this.running = new Float64Array(n);
    this.groups = new LevelGroups(classes, L, {
      desired: this.desired,
      seatsOf: this.facts.seatsOf,
      allowed: this.allowed,
    });
    this.levelDesiredSeats = new Float64Array(L);
    this.levelWant = new Float64Array(L);
    this.levelRunningSeats = new Float64Array(L);
    this.levelDrops = new Float64Array(L);
    this.borrowing = new Borrowing(limits, s);
    this.borrowing.reset();
    this.borrowingMoved = true;
    this.borrowingMoved = false;
    if (opts.carryFrom) this.takeOver(opts.carryFrom);
  }

  /** Takes over the work and state of the control plane this one replaces (see carryFrom). */
  private takeOver(old: ControlPlaneState): void {
    const classFrom = classIndexMap(this.classes, old.classes);
    const levelFrom = Int32Array.from(this.limits, (l) => old.limits.findIndex((o) => o.name === l.name));
    this.state.carryFrom(old.state, classFrom, levelFrom);
    this.retryLines.carryFrom(old.retryLines, classFrom);
    levelFrom.forEach((j, l) => {
      const tracker = old.trackers[j];
      if (tracker) this.trackers[l] = tracker;
    });
    this.oomKills = old.oomKills;
    this.cpuUtilization = old.cpuUtilization;
    this.memoryUtilization = old.memoryUtilization;
    this.seatUtilization = old.seatUtilization;
    this.slowdown = old.slowdown;
    this.relistPending = old.relistPending;
    this.relistShare = old.relistShare;
    this.borrowingMoved = old.borrowingMoved;
    this.up = old.up;
  }

  /** Calibration of the API servers; setting it (after scaling them) re-reads the figures the step uses. */
  get calib(): ApiServerCalibration {
    return this.calibration;
  }

  set calib(calib: ApiServerCalibration) {
    this.calibration = calib;
    this.requestTimeoutS = calib.requestTimeoutS;
    this.queueWaitLimitS = calib.queueWaitLimitS;
    this.seatsPerServer = calib.seats;
    this.coresPerServer = calib.cores;
    this.watchEventSeconds = calib.watchEventSeconds;
    this.memoryLimitBytes = calib.memoryGiB * GiB;
    this.restartS = calib.restartS;
    this.watchCacheInitS = calib.watchCacheInitS;
    this.borrowingAdjustmentS = calib.borrowingAdjustmentS;
    this.gcWeight = calib.gcSlowdownNearLimit ? 1 : 0;
    // Set before the servers exist on the first call (the constructor weighs them itself).
    if (this.servers) this.servers.loadImbalance = calib.loadImbalance;
  }

  /** Reads the classes' costs (and whether the watch cache serves them) again: call after changing any. */
  recosted(): void {
    this.facts.recosted();
  }

  /** Mean service time of class i at idle (its cost's, as of the last recosted()). */
  serviceTimeS(i: number): number {
    return this.facts.serviceSOf[i] ?? 0;
  }

  /** Number of API servers; added servers start up and ready, removed ones are the last listed. */
  get apiServers(): number {
    return this.servers.count;
  }

  set apiServers(n: number) {
    this.servers.count = n;
  }

  /** API servers answering at `nowS`. */
  upCount(nowS: number): number {
    return this.servers.upCount(nowS);
  }

  /** True while no API server answers. */
  isDown(nowS: number): boolean {
    return this.servers.upCount(nowS) === 0;
  }

  /** True while some answering server still re-initialises its watch cache. */
  isInitializing(nowS: number): boolean {
    return this.servers.isInitializing(nowS);
  }

  /** Retries and relists still scheduled, and queued/executing requests: false means the model is at rest. */
  hasPendingWork(): boolean {
    const lines = this.retryLines;
    const queued = this.queued;
    for (let i = 0; i < this.n; i++) {
      if (lines.pending(i) > 1e-9 || (queued[i] ?? 0) > 1e-9) return true;
    }
    return this.relistPending || this.borrowingMoved;
  }

  /** Retries and relists of class i still scheduled. */
  scheduled(i: number): number {
    return this.retryLines.pending(i);
  }

  /** Drops everything a class has in flight or scheduled (its clients were deleted). */
  forget(classIndex: number): void {
    this.queued[classIndex] = 0;
    this.executing[classIndex] = 0;
    this.retryLines.clear(classIndex);
  }

  /**
   * True when the step no longer depends on the time or on anything outside saveState's record: every
   * server up with its watch cache ready, no relist storm due, and no drops in any level's Retry-After
   * window (so the window's ring and last bump cannot matter while there are none). With isRetryRingEmpty,
   * equal records then mean equal futures.
   */
  isSteady(nowS: number): boolean {
    if (this.relistPending || !this.servers.allReady(nowS)) return false;
    for (const t of this.trackers) if (!t.noDrops) return false;
    return true;
  }

  /** True when no retry or relist is scheduled in any bucket. */
  isRetryRingEmpty(): boolean {
    return this.retryLines.isEmpty();
  }

  /** Length of the record saveState writes. */
  get stateLength(): number {
    return this.state.buf.length + this.trackers.length + 4;
  }

  /**
   * Writes the state a step evolves and what it shows (outcome, utilisation, per-level figures) at
   * `into[at ..]`, for a steady control plane (isSteady, empty retry ring); returns the offset after it.
   * (Servers up is left out: every step counts them afresh, and a steady control plane has them all.)
   */
  saveState(into: Float64Array, at: number): number {
    let k = at;
    into.set(this.state.buf, k);
    k += this.state.buf.length;
    for (const t of this.trackers) into[k++] = t.retryAfterS;
    into[k++] = this.cpuUtilization;
    into[k++] = this.memoryUtilization;
    into[k++] = this.seatUtilization;
    into[k++] = this.slowdown;
    return k;
  }

  /** Where entry `j` of saveState's record lives: the buffer's entries, then scalars (null). */
  stateSlot(j: number): [Float64Array, number] | null {
    return j < this.state.buf.length ? [this.state.buf, j] : null;
  }

  /** Restores the scalars of a record saveState wrote at `from[at ..]`; returns the offset after it. */
  loadScalars(from: Float64Array, at: number): number {
    let k = at + this.state.buf.length;
    // Stored only when they differ (docs/perf.md, "Shape pinning").
    for (const t of this.trackers) {
      const retryAfter = from[k++] ?? 1;
      if (t.retryAfterS !== retryAfter) t.restoreRetryAfter(retryAfter);
    }
    this.cpuUtilization = from[k++] ?? 0;
    this.memoryUtilization = from[k++] ?? 0;
    this.seatUtilization = from[k++] ?? 0;
    this.slowdown = from[k++] ?? 1;
    return k;
  }

  /** Retry-After currently returned by a level (s). */
  retryAfterS(levelIndex: number): number {
    return this.trackers[levelIndex]?.retryAfterS ?? 1;
  }
}
