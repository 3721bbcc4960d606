import { clientDefaults, GiB, type ApiServerCalibration } from '../cost/calibration.js';
import type { LevelLimits } from '../cost/apf-capacity.js';
import { DelayLines } from './retry-line.js';
import { RetryAfterTracker } from './retry-after.js';
import type { RequestClass } from './request-class.js';
import type { Rng } from '../core/random.js';

/** Share of failed attempts a client-go caller retries: mean 10 retries for a request that keeps failing (§2.4). */
const retryShare = clientDefaults.maxRetries / (clientDefaults.maxRetries + 1);

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

const kindStream = 0;
const kindWatch = 1;
const kindRelist = 2;

/**
 * The API servers of one cluster as a fluid model: per class, requests queued and executing; per
 * priority level, seats with borrowing, queues with the 15 s wait limit and queue-length caps, and the
 * Retry-After its 429s carry; CPU shared by executing requests; heap held by executing LISTs, with an
 * OOM kill, restart, watch-cache re-initialisation and the informers' relist storm that follows.
 * The servers are symmetric behind a load balancer, so state is kept as cluster totals.
 *
 * The step runs for every busy cluster every step, so it reads the classes through flat per-class
 * arrays (copied from the classes; `recosted()` copies their costs again) rather than through the
 * class objects, and walks groups and levels through flat index arrays.
 */
export class ControlPlane {
  readonly queued: Float64Array;
  readonly executing: Float64Array;
  private readonly n: number;
  private readonly retryLines: DelayLines;
  private readonly desired: Float64Array;
  private readonly allowed: Float64Array;
  private readonly throughput: Float64Array;
  private readonly levelDesiredSeats: Float64Array;
  private readonly levelWant: Float64Array;
  private readonly running: Float64Array;
  private readonly levelRunningSeats: Float64Array;
  private readonly levelDrops: Float64Array;
  private readonly cachedT: Float64Array;
  private readonly cachedDecay: Float64Array;
  private readonly cachedTimeoutShare: Float64Array;
  /** min(1, hold / step) and max(1, step / hold): a class's seat share of a step, and its cycles per seat. */
  private readonly cachedHoldShare: Float64Array;
  private readonly cachedCycles: Float64Array;
  private readonly cachedAvgRunning: Float64Array;
  private readonly cachedAvgStarted: Float64Array;
  /** Requests executing on average over the last step (what memory and CPU are charged for). */
  readonly avgExecuting: Float64Array;
  private readonly trackers: RetryAfterTracker[];
  /** Fixed per class: kind code, level, whether client-go retries it, the watch a relist belongs to (-1). */
  private readonly kindOf: Uint8Array;
  private readonly levelOf: Int32Array;
  private readonly retriesOf: Uint8Array;
  private readonly relistOf: Int32Array;
  /** From each class's cost. */
  private readonly seatsOf: Float64Array;
  private readonly serviceSOf: Float64Array;
  private readonly cpuPerServiceS: Float64Array;
  private readonly memoryOf: Float64Array;
  private readonly watchEventsOf: Float64Array;
  private readonly cacheServedOf: Uint8Array;
  private readonly watchClasses: Int32Array;
  private readonly relistClasses: Int32Array;
  /** Members of group g: members[memberStart[g] .. memberStart[g + 1]). */
  private readonly memberStart: Int32Array;
  private readonly members: Int32Array;
  /** Groups of level l: levelGroups[levelGroupStart[l] .. levelGroupStart[l + 1]). */
  private readonly levelGroupStart: Int32Array;
  private readonly levelGroups: Int32Array;
  private readonly groupFlows: Float64Array;
  private readonly wantSeats: Float64Array;
  private readonly grantSeats: Float64Array;
  readonly out: StepOutcome;
  /** Backing store of queued, executing, avgExecuting, throughput, out, the per-level figures and pending retries. */
  private readonly stateBuf: Float64Array;
  private readonly stepClear: readonly [number, number];
  private readonly downClear: readonly [number, number];
  /** Per API server: when it answers again after an OOM kill (-∞ when up), and when its watch cache is ready. */
  private readonly upAtS: number[] = [];
  private readonly cacheReadyAtS: number[] = [];
  /** Servers answering during the current step. */
  private up = 0;
  oomKills = 0;
  /** Last step's readings, for metrics. */
  cpuUtilization = 0;
  memoryUtilization = 0;
  seatUtilization = 0;
  /**
   * Factor by which service times stretched in the last step (CPU contention × GC pressure). Set to 1 in
   * the constructor: starting from a fraction makes V8 keep it as a double, so the first overloaded
   * cluster does not change every control plane's hidden class (and deoptimise the step) mid-run.
   */
  slowdown = Number.NaN;
  private upCountAtS = Number.NaN;
  private upCountCached = 0;
  readonly levelSeatUtilization: Float64Array;
  readonly levelQueued: Float64Array;
  private relistPending = false;
  private calibration: ApiServerCalibration;
  /**
   * Memory each server holds besides executing requests (bytes). Like the calibration figures below, a
   * double from the start: recost() stores new values, and a field turning from small integer to double
   * changes every control plane's hidden class mid-run.
   */
  residentBytes = Number.NaN;
  /**
   * The calibration's figures the step reads, copied out of it: a scaled control plane gets a calibration
   * object of another shape (a spread copy), and reading it in the step would make those reads polymorphic
   * and deoptimise the step for every cluster.
   */
  requestTimeoutS = Number.NaN;
  queueWaitLimitS = Number.NaN;
  private seatsPerServer = Number.NaN;
  private coresPerServer = Number.NaN;
  private watchEventSeconds = Number.NaN;
  private memoryLimitBytes = Number.NaN;
  private restartS = Number.NaN;
  private watchCacheInitS = Number.NaN;

  constructor(
    readonly classes: readonly RequestClass[],
    private readonly limits: readonly LevelLimits[],
    calib: ApiServerCalibration,
    apiServers: number,
    residentBytes: number,
    private readonly stepS: number,
    private readonly rng: Rng,
  ) {
    this.calibration = calib;
    this.calib = calib;
    this.residentBytes = residentBytes;
    this.apiServers = apiServers;
    this.slowdown = 1;
    // V8 treats a field never stored since its initialiser as a constant, and the first OOM kill mid-run
    // would then deoptimise every optimised reader of these (step, isSteady, hasPendingWork, ...) at once:
    // storing another value once here makes them ordinary mutable fields before any code is optimised.
    this.relistPending = true;
    this.relistPending = false;
    this.oomKills = 1;
    this.oomKills = 0;

    const n = classes.length;
    this.n = n;
    // The arrays a step evolves or shows share one buffer, so that saving and restoring the state (see
    // saveState) is one straight copy.
    const L = limits.length;
    this.stateBuf = new Float64Array(11 * n + 2 * L);
    let used = 0;
    const view = (length: number): Float64Array => {
      const v = this.stateBuf.subarray(used, used + length);
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
    this.levelSeatUtilization = view(L);
    this.levelQueued = view(L);
    const pendingRetries = view(n);
    // Cleared together every step: succeeded, rejected, timedOut, failedDown; and when no server is up,
    // queueWaitS and the per-level figures.
    this.stepClear = [5 * n, 9 * n];
    this.downClear = [9 * n, 10 * n + 2 * L];
    // Long enough for the longest wait: a 429's Retry-After, a reflector backoff, or an API server restart.
    const longestDelayS = Math.max(
      calib.maxRetryAfterS,
      clientDefaults.reflectorBackoffMaxS,
      2 * calib.restartS,
    );
    this.retryLines = new DelayLines(n, stepS, longestDelayS + 2 * stepS, pendingRetries);
    this.trackers = limits.map(() => new RetryAfterTracker(calib.maxRetryAfterS));
    const groupKeys: string[] = [];
    const groupOf = new Int32Array(n);
    classes.forEach((c, i) => {
      let g = groupKeys.indexOf(c.groupKey);
      if (g < 0) g = groupKeys.push(c.groupKey) - 1;
      groupOf[i] = g;
    });
    const nGroups = groupKeys.length;
    this.groupFlows = new Float64Array(nGroups);
    const groupMembers: number[][] = groupKeys.map(() => []);
    this.wantSeats = new Float64Array(nGroups);
    this.grantSeats = new Float64Array(nGroups);
    const groupsByLevel: number[][] = limits.map(() => []);
    classes.forEach((c, i) => {
      const g = groupOf[i] ?? 0;
      groupMembers[g]?.push(i);
      this.groupFlows[g] = Math.max(this.groupFlows[g] ?? 0, c.flowCount);
      const lvl = groupsByLevel[c.levelIndex];
      if (lvl && !lvl.includes(g)) lvl.push(g);
    });
    [this.memberStart, this.members] = flatten(groupMembers);
    [this.levelGroupStart, this.levelGroups] = flatten(groupsByLevel);
    this.kindOf = Uint8Array.from(classes, (c) =>
      c.kind === 'watch' ? kindWatch : c.kind === 'relist' ? kindRelist : kindStream,
    );
    this.levelOf = Int32Array.from(classes, (c) => c.levelIndex);
    this.retriesOf = Uint8Array.from(classes, (c) => (c.retries ? 1 : 0));
    this.relistOf = Int32Array.from(classes, (c) => c.relistOf ?? -1);
    this.watchClasses = Int32Array.from(classes.flatMap((c, i) => (c.kind === 'watch' ? [i] : [])));
    this.relistClasses = Int32Array.from(
      classes.flatMap((c, i) => (c.kind === 'relist' && c.relistOf !== null ? [i] : [])),
    );
    this.seatsOf = new Float64Array(n);
    this.serviceSOf = new Float64Array(n);
    this.cpuPerServiceS = new Float64Array(n);
    this.memoryOf = new Float64Array(n);
    this.watchEventsOf = new Float64Array(n);
    this.cacheServedOf = new Uint8Array(n);
    this.desired = new Float64Array(n);
    this.allowed = new Float64Array(n);
    this.levelDesiredSeats = new Float64Array(limits.length);
    this.levelWant = new Float64Array(limits.length);
    this.running = new Float64Array(n);
    this.levelRunningSeats = new Float64Array(limits.length);
    this.levelDrops = new Float64Array(limits.length);
    this.cachedT = new Float64Array(n).fill(-1);
    this.cachedDecay = new Float64Array(n);
    this.cachedTimeoutShare = new Float64Array(n);
    this.cachedHoldShare = new Float64Array(n);
    this.cachedCycles = new Float64Array(n);
    this.cachedAvgRunning = new Float64Array(n);
    this.cachedAvgStarted = new Float64Array(n);
    this.recosted();
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
  }

  /** Reads the classes' costs (and whether the watch cache serves them) again: call after changing any. */
  recosted(): void {
    const classes = this.classes;
    for (let i = 0; i < this.n; i++) {
      const cost = classes[i]?.cost;
      if (!cost) continue;
      this.seatsOf[i] = cost.seats;
      this.serviceSOf[i] = cost.serviceS;
      this.cpuPerServiceS[i] = cost.cpuCoreS / cost.serviceS;
      this.memoryOf[i] = cost.memoryBytes;
      this.watchEventsOf[i] = cost.watchEventsPerS;
      this.cacheServedOf[i] = classes[i]?.cacheServed ? 1 : 0;
    }
  }

  /** Mean service time of class i at idle (its cost's, as of the last recosted()). */
  serviceTimeS(i: number): number {
    return this.serviceSOf[i] ?? 0;
  }

  /** Number of API servers; added servers start up and ready, removed ones are the last listed. */
  get apiServers(): number {
    return this.upAtS.length;
  }

  set apiServers(n: number) {
    while (this.upAtS.length < n) {
      this.upAtS.push(Number.NEGATIVE_INFINITY);
      this.cacheReadyAtS.push(Number.NEGATIVE_INFINITY);
    }
    this.upAtS.length = n;
    this.cacheReadyAtS.length = n;
    this.upCountAtS = Number.NaN;
  }

  /** API servers answering at `nowS`. */
  upCount(nowS: number): number {
    if (nowS === this.upCountAtS) return this.upCountCached;
    const upAtS = this.upAtS;
    let up = 0;
    for (let i = 0; i < upAtS.length; i++) if ((upAtS[i] ?? 0) <= nowS) up++;
    this.upCountAtS = nowS;
    this.upCountCached = up;
    return up;
  }

  /** True while no API server answers. */
  isDown(nowS: number): boolean {
    return this.upCount(nowS) === 0;
  }

  /** True while some answering server still re-initialises its watch cache. */
  isInitializing(nowS: number): boolean {
    const upAtS = this.upAtS;
    for (let i = 0; i < upAtS.length; i++)
      if ((upAtS[i] ?? 0) <= nowS && (this.cacheReadyAtS[i] ?? 0) > nowS) return true;
    return false;
  }

  /** Share of answering servers whose watch cache is ready (the rest 429 cache-served requests). */
  private cacheReadyShare(nowS: number, up: number): number {
    if (up === 0) return 0;
    let ready = 0;
    for (let i = 0; i < this.upAtS.length; i++) {
      if ((this.upAtS[i] ?? 0) <= nowS && (this.cacheReadyAtS[i] ?? 0) <= nowS) ready++;
    }
    return ready / up;
  }

  /** Retries and relists still scheduled, and queued/executing requests: false means the model is at rest. */
  hasPendingWork(): boolean {
    const lines = this.retryLines;
    const queued = this.queued;
    for (let i = 0; i < this.n; i++) {
      if (lines.pending(i) > 1e-9 || (queued[i] ?? 0) > 1e-9) return true;
    }
    return this.relistPending;
  }

  /** Drops everything a class has in flight or scheduled (its clients were deleted). */
  forget(classIndex: number): void {
    this.queued[classIndex] = 0;
    this.executing[classIndex] = 0;
    this.retryLines.clear(classIndex);
  }

  /** Schedules informer relists spread over the reflector backoff (0.8–30 s, §2.4). */
  scheduleRelist(classIndex: number, watchers: number): void {
    this.retryLines.spread(
      classIndex,
      watchers,
      clientDefaults.reflectorBackoffMinS,
      clientDefaults.reflectorBackoffMaxS,
    );
  }

  /**
   * Advances one step. `newArrivals[i]` are fresh requests of class i this step (cluster-wide);
   * `blocked[i]` marks classes whose traffic a network block drops before it reaches a server.
   * `watchers[i]` is the number of open watches for watch classes (for event fan-out CPU).
   */
  step(nowS: number, newArrivals: Float64Array, blocked: Uint8Array, watchers: Float64Array): void {
    const { queued, out, retryLines, retriesOf } = this;
    const n = this.n;
    const stateBuf = this.stateBuf;
    // fill() measured a little faster here than a loop of stores (steady state, overloaded clusters).
    stateBuf.fill(0, this.stepClear[0], this.stepClear[1]);
    const up = this.upCount(nowS);
    const down = up === 0;
    this.up = up;
    const cacheReady = this.cacheReadyShare(nowS, up);

    if (!down && this.relistPending) {
      // Back from a restart: every informer relists, spread over its backoff — the relist storm.
      this.relistPending = false;
      for (let k = 0; k < this.relistClasses.length; k++) {
        const i = this.relistClasses[k] ?? 0;
        this.scheduleRelist(i, watchers[this.relistOf[i] ?? 0] ?? 0);
      }
    }

    retryLines.advance();
    const arrived = out.arrived;
    const failedDown = out.failedDown;
    for (let i = 0; i < n; i++) {
      const arrivals = (newArrivals[i] ?? 0) + retryLines.take(i);
      arrived[i] = arrivals;
      if (arrivals <= 0) continue;
      if (blocked[i]) {
        failedDown[i] = (failedDown[i] ?? 0) + arrivals;
        continue;
      }
      if (down) {
        failedDown[i] = (failedDown[i] ?? 0) + arrivals;
        // Transport errors count as Retry-After: 1 for client-go (§2.4).
        if (retriesOf[i]) retryLines.add(i, arrivals * retryShare, 1);
        continue;
      }
      if (cacheReady < 1 && this.cacheServedOf[i] && this.kindOf[i] !== kindWatch) {
        // 1.31+: a server re-initialising its watch cache answers "storage is (re)initializing",
        // Retry-After 1 (§2.1); the load balancer spreads requests over every answering server.
        const refused = arrivals * (1 - cacheReady);
        out.rejected[i] = (out.rejected[i] ?? 0) + refused;
        if (retriesOf[i]) retryLines.add(i, refused * retryShare, 1);
        queued[i] = (queued[i] ?? 0) + arrivals - refused;
        continue;
      }
      queued[i] = (queued[i] ?? 0) + arrivals;
    }
    if (down) {
      this.cpuUtilization = 0;
      this.memoryUtilization = 0;
      this.seatUtilization = 0;
      stateBuf.fill(0, this.downClear[0], this.downClear[1]);
      return;
    }

    this.serve(nowS, watchers);
    this.checkMemory(nowS);
  }

  /**
   * Serves one step as a fluid queue. Each class wants to run its backlog and arrivals at concurrency
   * rate × service time; a level's seats (with borrowing) are shared max-min fairly among its flow groups
   * (FIFO within a group); throughput is allowed concurrency / service time. CPU is processor-shared, so
   * service times stretch by demand/cores (using last step's demand). What cannot run waits, and what
   * would wait past the limit or overflow the queues is rejected with 429.
   */
  private serve(nowS: number, watchers: Float64Array): void {
    this.serveDemand();
    this.serveLevels(nowS, watchers);
  }

  /**
   * Each class's seats still held by running requests and its demand for more this step, per level. (Two
   * methods rather than one: V8 compiles, and after a deoptimisation recompiles, each half on its own.)
   */
  private serveDemand(): void {
    const dt = this.stepS;
    const { queued, executing, limits, kindOf, levelOf, seatsOf, desired, running } = this;
    const { cachedT, cachedDecay, cachedHoldShare } = this;
    const tau = this.requestTimeoutS;
    const slowdown = Math.max(1, this.cpuUtilization) * gcSlowdown(this.memoryUtilization);
    this.slowdown = slowdown;
    const n = this.n;
    const nLevels = limits.length;
    const levelDesiredSeats = this.levelDesiredSeats;
    const levelRunningSeats = this.levelRunningSeats;
    for (let l = 0; l < nLevels; l++) {
      levelDesiredSeats[l] = 0;
      levelRunningSeats[l] = 0;
    }
    for (let i = 0; i < n; i++) {
      const e0 = executing[i] ?? 0;
      const q = queued[i] ?? 0;
      if (kindOf[i] === kindWatch || (e0 === 0 && q === 0)) {
        // Idle classes cost nothing: most classes are idle in most steps.
        running[i] = 0;
        desired[i] = 0;
        continue;
      }
      const t = (this.serviceSOf[i] ?? 0) * slowdown;
      if (cachedT[i] !== t) this.cacheTiming(i, t, dt, tau);
      // Requests already running keep their seats until they finish (exponential service).
      const r = e0 < 1e-12 ? 0 : e0 * (cachedDecay[i] ?? 0);
      running[i] = r;
      // Concurrency needed to start the whole backlog this step: short requests cycle a seat dt/T times.
      const d = q === 0 ? 0 : q * (cachedHoldShare[i] ?? 0);
      desired[i] = d;
      const seats = seatsOf[i] ?? 0;
      const l = levelOf[i] ?? 0;
      levelRunningSeats[l] = (levelRunningSeats[l] ?? 0) + r * seats;
      levelDesiredSeats[l] = (levelDesiredSeats[l] ?? 0) + (d + r) * seats;
    }
  }

  /** Shares each level's seats out, serves what fits, and rejects what waits too long or overflows. */
  private serveLevels(nowS: number, watchers: Float64Array): void {
    const dt = this.stepS;
    const {
      queued,
      executing,
      out,
      limits,
      kindOf,
      levelOf,
      seatsOf,
      desired,
      running,
      allowed,
      throughput,
    } = this;
    const { cachedCycles, cachedAvgRunning, cachedAvgStarted, cachedTimeoutShare, avgExecuting } = this;
    const { memberStart, members, levelGroupStart, levelGroups } = this;
    const succeeded = out.succeeded;
    const timedOut = out.timedOut;
    const queueWaitS = out.queueWaitS;
    const up = this.up;
    const n = this.n;
    const nLevels = limits.length;
    const levelDesiredSeats = this.levelDesiredSeats;
    const levelRunningSeats = this.levelRunningSeats;
    // Borrowing (§2.2): a level keeps its guaranteed seats and may take lendable seats others do not use.
    let held = 0;
    const want = this.levelWant;
    for (let l = 0; l < nLevels; l++) {
      const lim = limits[l];
      if (!lim || lim.exempt) continue;
      const demand = (levelDesiredSeats[l] ?? 0) / up;
      want[l] = Math.max(lim.guaranteedSeats, Math.min(demand, lim.maxSeatsWithBorrowing));
      held += want[l] ?? 0;
    }
    let usedSeats = 0;
    let cpuDemand = 0;
    for (let l = 0; l < nLevels; l++) {
      const lim = limits[l];
      if (!lim) continue;
      const gFrom = levelGroupStart[l] ?? 0;
      const gTo = levelGroupStart[l + 1] ?? 0;
      if ((levelDesiredSeats[l] ?? 0) === 0) {
        // Nothing queued or running in this level.
        for (let gk = gFrom; gk < gTo; gk++) {
          const g = levelGroups[gk] ?? 0;
          for (let m = memberStart[g] ?? 0, mTo = memberStart[g + 1] ?? 0; m < mTo; m++) {
            const i = members[m] ?? 0;
            executing[i] = 0;
            avgExecuting[i] = 0;
            throughput[i] = 0;
            queueWaitS[i] = 0;
          }
        }
        this.levelQueued[l] = 0;
        this.levelSeatUtilization[l] = 0;
        continue;
      }
      let capacity = Number.POSITIVE_INFINITY;
      if (!lim.exempt) {
        const others = held - (want[l] ?? 0);
        capacity =
          Math.max(lim.guaranteedSeats, Math.min(lim.maxSeatsWithBorrowing, this.seatsPerServer - others)) *
          up;
      }
      this.fairShare(gFrom, gTo, Math.max(0, capacity - (levelRunningSeats[l] ?? 0)));
      let levelSeats = 0;
      let levelQueued = 0;
      for (let gk = gFrom; gk < gTo; gk++) {
        const g = levelGroups[gk] ?? 0;
        const mFrom = memberStart[g] ?? 0;
        const mTo = memberStart[g + 1] ?? 0;
        for (let m = mFrom; m < mTo; m++) {
          const i = members[m] ?? 0;
          if (kindOf[i] === kindWatch) continue;
          const ri = running[i] ?? 0;
          if ((desired[i] ?? 0) === 0 && ri === 0) {
            executing[i] = 0;
            avgExecuting[i] = 0;
            throughput[i] = 0;
            continue;
          }
          const started = allowed[i] ?? 0;
          executing[i] = ri + started;
          // What the step holds on average (the end-of-step value overstates long requests started
          // during the step by half a step's arrivals, which would make results depend on the step).
          const avg = ri * (cachedAvgRunning[i] ?? 1) + started * (cachedAvgStarted[i] ?? 1);
          avgExecuting[i] = avg;
          const timeoutShare = cachedTimeoutShare[i] ?? 0;
          const qi = queued[i] ?? 0;
          const served = Math.min(qi, started * (cachedCycles[i] ?? 1));
          queued[i] = qi - served;
          succeeded[i] = (succeeded[i] ?? 0) + served * (1 - timeoutShare);
          timedOut[i] = (timedOut[i] ?? 0) + served * timeoutShare;
          throughput[i] = served / dt;
          levelSeats += avg * (seatsOf[i] ?? 0);
          cpuDemand += avg * (this.cpuPerServiceS[i] ?? 0);
        }
        this.enforceQueueLimits(g, mFrom, mTo, lim, up, dt);
        for (let m = mFrom; m < mTo; m++) levelQueued += queued[members[m] ?? 0] ?? 0;
      }
      this.levelQueued[l] = levelQueued;
      this.levelSeatUtilization[l] = lim.exempt ? 0 : levelSeats / capacity;
      if (!lim.exempt) usedSeats += levelSeats;
    }
    for (let k = 0; k < this.watchClasses.length; k++) {
      const i = this.watchClasses[k] ?? 0;
      cpuDemand += (watchers[i] ?? 0) * (this.watchEventsOf[i] ?? 0) * this.watchEventSeconds;
    }
    this.seatUtilization = usedSeats / (this.seatsPerServer * up);
    this.cpuUtilization = cpuDemand / (this.coresPerServer * up);
    const drops = this.levelDrops;
    for (let l = 0; l < nLevels; l++) drops[l] = 0;
    const rejected = out.rejected;
    for (let i = 0; i < n; i++) {
      const l = levelOf[i] ?? 0;
      drops[l] = (drops[l] ?? 0) + (rejected[i] ?? 0);
    }
    const trackers = this.trackers;
    for (let l = 0; l < nLevels; l++) {
      const tracker = trackers[l];
      if (!tracker) continue;
      const dropped = (drops[l] ?? 0) / up;
      // A level that dropped nothing, with nothing in its window and Retry-After at its floor, would record
      // a step that changes nothing that matters (see RetryAfterTracker.atFloor). Both are read every step.
      const atFloor = tracker.atFloor;
      if (dropped !== 0 || !atFloor) tracker.record(dropped, dt, nowS);
    }
  }

  /** Caches the exponentials of a class's service time: they change only when CPU contention does. */
  private cacheTiming(i: number, t: number, dt: number, tau: number): void {
    this.cachedT[i] = t;
    const stepDecay = Math.exp(-dt / t);
    const timeoutShare = Math.exp(-tau / t);
    this.cachedDecay[i] = stepDecay;
    this.cachedTimeoutShare[i] = timeoutShare;
    // Mean time a request holds its seats: exponential service with mean t, cut at the timeout τ.
    const hold = t * (1 - timeoutShare);
    this.cachedHoldShare[i] = Math.min(1, hold / dt);
    this.cachedCycles[i] = Math.max(1, dt / hold);
    // Mean share of the step a running request stays (T/dt·(1−e^{−dt/T})) and a newly started one
    // (all of it for requests that cycle within the step, half for ones that outlast it).
    this.cachedAvgRunning[i] = (t / dt) * (1 - stepDecay);
    this.cachedAvgStarted[i] = 1 - 0.5 * Math.min(1, t / dt);
  }

  /**
   * Max-min fair share of a level's seats among its groups (levelGroups[gFrom .. gTo)) by flow count;
   * proportional within a group.
   */
  private fairShare(gFrom: number, gTo: number, capacity: number): void {
    const {
      desired,
      wantSeats,
      grantSeats,
      seatsOf,
      groupFlows,
      levelGroups,
      memberStart,
      members,
      allowed,
    } = this;
    if (gTo - gFrom === 1) {
      // One group (most levels): the water-filling below comes down to this, operation for operation.
      const g = levelGroups[gFrom] ?? 0;
      const mFrom = memberStart[g] ?? 0;
      const mTo = memberStart[g + 1] ?? 0;
      let w = 0;
      for (let m = mFrom; m < mTo; m++) {
        const i = members[m] ?? 0;
        w += (desired[i] ?? 0) * (seatsOf[i] ?? 0);
      }
      const flows = groupFlows[g] ?? 1;
      let grant = 0;
      if (w > 1e-12 && flows > 0 && capacity > 1e-12) {
        const perFlow = capacity / flows;
        grant = w <= perFlow * flows ? w : 0 + perFlow * flows;
      }
      wantSeats[g] = w;
      grantSeats[g] = grant;
      const share = w > 0 ? Math.min(1, grant / w) : 1;
      for (let m = mFrom; m < mTo; m++) {
        const i = members[m] ?? 0;
        allowed[i] = (desired[i] ?? 0) * share;
      }
      return;
    }
    let activeFlows = 0;
    for (let gk = gFrom; gk < gTo; gk++) {
      const g = levelGroups[gk] ?? 0;
      let w = 0;
      for (let m = memberStart[g] ?? 0, mTo = memberStart[g + 1] ?? 0; m < mTo; m++) {
        const i = members[m] ?? 0;
        w += (desired[i] ?? 0) * (seatsOf[i] ?? 0);
      }
      wantSeats[g] = w;
      grantSeats[g] = 0;
      if (w > 0) activeFlows += groupFlows[g] ?? 1;
    }
    let remaining = capacity;
    const nGroups = gTo - gFrom;
    // Water-filling: each round fully serves every group whose want fits its per-flow share.
    for (let round = 0; round <= nGroups && activeFlows > 0 && remaining > 1e-12; round++) {
      const perFlow = remaining / activeFlows;
      let satisfiedAny = false;
      for (let gk = gFrom; gk < gTo; gk++) {
        const g = levelGroups[gk] ?? 0;
        const need = (wantSeats[g] ?? 0) - (grantSeats[g] ?? 0);
        if (need <= 1e-12) continue;
        if (need <= perFlow * (groupFlows[g] ?? 1)) {
          grantSeats[g] = wantSeats[g] ?? 0;
          remaining -= need;
          activeFlows -= groupFlows[g] ?? 1;
          satisfiedAny = true;
        }
      }
      if (!satisfiedAny) {
        for (let gk = gFrom; gk < gTo; gk++) {
          const g = levelGroups[gk] ?? 0;
          if ((wantSeats[g] ?? 0) - (grantSeats[g] ?? 0) > 1e-12)
            grantSeats[g] = (grantSeats[g] ?? 0) + perFlow * (groupFlows[g] ?? 1);
        }
        break;
      }
    }
    for (let gk = gFrom; gk < gTo; gk++) {
      const g = levelGroups[gk] ?? 0;
      const w = wantSeats[g] ?? 0;
      const share = w > 0 ? Math.min(1, (grantSeats[g] ?? 0) / w) : 1;
      for (let m = memberStart[g] ?? 0, mTo = memberStart[g + 1] ?? 0; m < mTo; m++) {
        const i = members[m] ?? 0;
        allowed[i] = (desired[i] ?? 0) * share;
      }
    }
  }

  /**
   * Rejects what overflows group g's queues (queue-full) or would wait past the limit (time-out); its
   * members are members[mFrom .. mTo).
   */
  private enforceQueueLimits(
    g: number,
    mFrom: number,
    mTo: number,
    lim: LevelLimits,
    up: number,
    dt: number,
  ): void {
    const { queued, out, members, throughput } = this;
    const queueWaitS = out.queueWaitS;
    let q = 0;
    let rate = 0;
    for (let m = mFrom; m < mTo; m++) {
      const i = members[m] ?? 0;
      q += queued[i] ?? 0;
      rate += throughput[i] ?? 0;
    }
    if (q <= 1e-12) {
      for (let m = mFrom; m < mTo; m++) queueWaitS[members[m] ?? 0] = 0;
      return;
    }
    const cap =
      lim.queueCapacity === 0
        ? 0
        : Math.min((this.groupFlows[g] ?? 1) * lim.perFlowQueueCapacity, lim.queueCapacity) * up;
    const limitS = this.queueWaitLimitS;
    // FIFO: whatever would wait past the limit is rejected; with nothing being served the queue ages out.
    const keepByWait = rate > 1e-9 ? rate * limitS : q * Math.max(0, 1 - dt / limitS);
    const keep = Math.min(q, cap, keepByWait);
    const share = keep / q;
    const waitS = rate > 1e-9 ? Math.min(limitS, keep / rate) : limitS;
    for (let m = mFrom; m < mTo; m++) {
      const i = members[m] ?? 0;
      const qi = queued[i] ?? 0;
      const dropped = qi * (1 - share);
      queued[i] = qi - dropped;
      queueWaitS[i] = waitS;
      if (dropped > 0) {
        out.rejected[i] = (out.rejected[i] ?? 0) + dropped;
        if (this.retriesOf[i])
          this.retryLines.add(i, dropped * retryShare, this.trackers[this.levelOf[i] ?? 0]?.retryAfterS ?? 1);
      }
    }
  }

  /** Heap per server: resident + executing requests' memory; past the limit every server is OOM-killed. */
  private checkMemory(nowS: number): void {
    const { executing, avgExecuting, memoryOf } = this;
    const n = this.n;
    let bytes = 0;
    for (let i = 0; i < n; i++) bytes += (avgExecuting[i] ?? 0) * (memoryOf[i] ?? 0);
    const up = Math.max(1, this.up);
    const perServer = this.residentBytes + bytes / up;
    const limit = this.memoryLimitBytes;
    this.memoryUtilization = perServer / limit;
    if (perServer <= limit) return;
    this.oomKills += 1;
    for (let i = 0; i < n; i++) {
      // The process died during this step: what it held (running, or answered this step — the responses
      // die with it; for long requests those are the same requests) and what waited in its queues.
      const answered = (this.out.succeeded[i] ?? 0) + (this.out.timedOut[i] ?? 0);
      const lost = Math.max(executing[i] ?? 0, answered) + (this.queued[i] ?? 0);
      this.out.succeeded[i] = 0;
      this.out.timedOut[i] = 0;
      this.out.failedDown[i] = (this.out.failedDown[i] ?? 0) + lost;
      if (this.retriesOf[i] && this.kindOf[i] !== kindRelist)
        this.retryLines.add(i, lost * retryShare, this.restartS);
      executing[i] = 0;
      this.queued[i] = 0;
    }
    // Every answering server carried the same share, so all of them die; each restarts on its own time,
    // and the first one back takes the whole cluster's retries alone.
    this.upAtS.forEach((t, i) => {
      if (t > nowS) return;
      const back = nowS + this.restartS * (0.75 + 0.75 * this.rng.next());
      this.upAtS[i] = back;
      this.cacheReadyAtS[i] = back + this.watchCacheInitS;
    });
    this.relistPending = true;
    this.upCountAtS = Number.NaN;
  }

  /**
   * True when the step no longer depends on the time or on anything outside saveState's record: every
   * server up with its watch cache ready, no relist storm due, and no drops in any level's Retry-After
   * window (so the window's ring and last bump cannot matter while there are none). With isRetryRingEmpty,
   * equal records then mean equal futures.
   */
  isSteady(nowS: number): boolean {
    if (this.relistPending || this.upAtS.length === 0) return false;
    for (let i = 0; i < this.upAtS.length; i++)
      if ((this.upAtS[i] ?? 0) > nowS || (this.cacheReadyAtS[i] ?? 0) > nowS) return false;
    for (const t of this.trackers) if (!t.noDrops) return false;
    return true;
  }

  /** True when no retry or relist is scheduled in any bucket. */
  isRetryRingEmpty(): boolean {
    return this.retryLines.isEmpty();
  }

  /** Length of the record saveState writes. */
  get stateLength(): number {
    return this.stateBuf.length + this.trackers.length + 4;
  }

  /**
   * Writes the state a step evolves and what it shows (outcome, utilisation, per-level figures) at
   * `into[at ..]`, for a steady control plane (isSteady, empty retry ring); returns the offset after it.
   * (Servers up is left out: every step counts them afresh, and a steady control plane has them all.)
   */
  saveState(into: Float64Array, at: number): number {
    let k = at;
    into.set(this.stateBuf, k);
    k += this.stateBuf.length;
    for (const t of this.trackers) into[k++] = t.retryAfterS;
    into[k++] = this.cpuUtilization;
    into[k++] = this.memoryUtilization;
    into[k++] = this.seatUtilization;
    into[k++] = this.slowdown;
    return k;
  }

  /**
   * Where entry `j` of saveState's record lives: [array, index] for the entries kept in arrays (restored
   * one by one, see Orbit), null for the scalars (restored by loadScalars).
   */
  stateSlot(j: number): [Float64Array, number] | null {
    return j < this.stateBuf.length ? [this.stateBuf, j] : null;
  }

  /** Restores the scalars of a record saveState wrote at `from[at ..]`; returns the offset after it. */
  loadScalars(from: Float64Array, at: number): number {
    let k = at + this.stateBuf.length;
    // Scalars are stored only when they differ: storing a double into a field that so far held small
    // integers changes the objects' hidden class, and optimised code deoptimises on every cluster.
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

/** Flattens lists of indices into (start offsets, items): list k is items[start[k] .. start[k + 1]). */
function flatten(lists: readonly (readonly number[])[]): [Int32Array, Int32Array] {
  const start = new Int32Array(lists.length + 1);
  const items: number[] = [];
  lists.forEach((l, k) => {
    items.push(...l);
    start[k + 1] = items.length;
  });
  return [start, Int32Array.from(items)];
}

/**
 * How much slower everything runs when the heap nears its limit: Go's garbage collector runs ever more
 * often as free heap shrinks, taking the CPU requests need (the "GC death spiral" before an OOM kill)
 * [U: shape assumed; no published curve]. 1× below 80% of the limit, 2× at 90%, up to 20× near 100%.
 */
export function gcSlowdown(memoryUtilization: number): number {
  // One expression for both sides of 80% (exactly 1 below it): a branch first taken when the first server
  // passes 80% mid-run would deoptimise the control plane's step, which inlines this.
  return 1 / Math.max(0.05, 1 - Math.max(0, memoryUtilization - 0.8) / 0.2);
}
