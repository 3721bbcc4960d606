import { clientDefaults, GiB, type ApiServerCalibration } from '../cost/calibration.js';
import type { LevelLimits } from '../cost/apf-capacity.js';
import { DelayLine } from './retry-line.js';
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

/**
 * The API servers of one cluster as a fluid model: per class, requests queued and executing; per
 * priority level, seats with borrowing, queues with the 15 s wait limit and queue-length caps, and the
 * Retry-After its 429s carry; CPU shared by executing requests; heap held by executing LISTs, with an
 * OOM kill, restart, watch-cache re-initialisation and the informers' relist storm that follows.
 * The servers are symmetric behind a load balancer, so state is kept as cluster totals.
 */
export class ControlPlane {
  readonly queued: Float64Array;
  readonly executing: Float64Array;
  private readonly retryLines: DelayLine[];
  private readonly desired: Float64Array;
  private readonly allowed: Float64Array;
  private readonly svc: Float64Array;
  private readonly throughput: Float64Array;
  private readonly levelDesiredSeats: Float64Array;
  private readonly levelWant: Float64Array;
  private readonly running: Float64Array;
  private readonly levelRunningSeats: Float64Array;
  private readonly levelDrops: Float64Array;
  private readonly cachedT: Float64Array;
  private readonly cachedDecay: Float64Array;
  private readonly cachedTimeoutShare: Float64Array;
  private readonly cachedHold: Float64Array;
  private readonly cachedAvgRunning: Float64Array;
  private readonly cachedAvgStarted: Float64Array;
  /** Requests executing on average over the last step (what memory and CPU are charged for). */
  readonly avgExecuting: Float64Array;
  private readonly trackers: RetryAfterTracker[];
  private readonly groupOf: Int32Array;
  private readonly groupsByLevel: number[][];
  private readonly groupFlows: Float64Array;
  private readonly groupMembers: number[][];
  private readonly wantSeats: Float64Array;
  private readonly grantSeats: Float64Array;
  readonly out: StepOutcome;
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
  /** Factor by which service times stretched in the last step (CPU contention × GC pressure). */
  slowdown = 1;
  private upCountAtS = Number.NaN;
  private upCountCached = 0;
  readonly levelSeatUtilization: Float64Array;
  readonly levelQueued: Float64Array;
  private relistPending = false;

  constructor(
    readonly classes: readonly RequestClass[],
    private readonly limits: readonly LevelLimits[],
    public calib: ApiServerCalibration,
    apiServers: number,
    public residentBytes: number,
    private readonly stepS: number,
    private readonly rng: Rng,
  ) {
    this.apiServers = apiServers;

    const n = classes.length;
    this.queued = new Float64Array(n);
    this.executing = new Float64Array(n);
    // Long enough for the longest wait: a 429's Retry-After, a reflector backoff, or an API server restart.
    const longestDelayS = Math.max(calib.maxRetryAfterS, clientDefaults.reflectorBackoffMaxS, 2 * calib.restartS);
    this.retryLines = classes.map(() => new DelayLine(stepS, longestDelayS + 2 * stepS));
    this.trackers = limits.map(() => new RetryAfterTracker(calib.maxRetryAfterS));
    const groupKeys: string[] = [];
    this.groupOf = new Int32Array(n);
    classes.forEach((c, i) => {
      let g = groupKeys.indexOf(c.groupKey);
      if (g < 0) g = groupKeys.push(c.groupKey) - 1;
      this.groupOf[i] = g;
    });
    this.groupFlows = new Float64Array(groupKeys.length);
    this.groupMembers = groupKeys.map(() => []);
    this.wantSeats = new Float64Array(groupKeys.length);
    this.grantSeats = new Float64Array(groupKeys.length);
    this.groupsByLevel = limits.map(() => []);
    classes.forEach((c, i) => {
      const g = this.groupOf[i] ?? 0;
      this.groupMembers[g]?.push(i);
      this.groupFlows[g] = Math.max(this.groupFlows[g] ?? 0, c.flowCount);
      const lvl = this.groupsByLevel[c.levelIndex];
      if (lvl && !lvl.includes(g)) lvl.push(g);
    });
    this.desired = new Float64Array(n);
    this.allowed = new Float64Array(n);
    this.svc = new Float64Array(n);
    this.throughput = new Float64Array(n);
    this.levelDesiredSeats = new Float64Array(limits.length);
    this.levelWant = new Float64Array(limits.length);
    this.running = new Float64Array(n);
    this.levelRunningSeats = new Float64Array(limits.length);
    this.levelDrops = new Float64Array(limits.length);
    this.cachedT = new Float64Array(n).fill(-1);
    this.cachedDecay = new Float64Array(n);
    this.cachedTimeoutShare = new Float64Array(n);
    this.cachedHold = new Float64Array(n);
    this.cachedAvgRunning = new Float64Array(n);
    this.cachedAvgStarted = new Float64Array(n);
    this.avgExecuting = new Float64Array(n);
    this.levelSeatUtilization = new Float64Array(limits.length);
    this.levelQueued = new Float64Array(limits.length);
    this.out = {
      arrived: new Float64Array(n),
      succeeded: new Float64Array(n),
      rejected: new Float64Array(n),
      timedOut: new Float64Array(n),
      failedDown: new Float64Array(n),
      queueWaitS: new Float64Array(n),
    };
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
    let up = 0;
    for (const t of this.upAtS) if (t <= nowS) up++;
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
    return this.upAtS.some((t, i) => t <= nowS && (this.cacheReadyAtS[i] ?? 0) > nowS);
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
    for (let i = 0; i < this.classes.length; i++) {
      if ((this.retryLines[i]?.pending ?? 0) > 1e-9 || (this.queued[i] ?? 0) > 1e-9) return true;
    }
    return this.relistPending;
  }

  /** Drops everything a class has in flight or scheduled (its clients were deleted). */
  forget(classIndex: number): void {
    this.queued[classIndex] = 0;
    this.executing[classIndex] = 0;
    this.retryLines[classIndex]?.clear();
  }

  /** Schedules informer relists spread over the reflector backoff (0.8–30 s, §2.4). */
  scheduleRelist(classIndex: number, watchers: number): void {
    this.retryLines[classIndex]?.spread(watchers, clientDefaults.reflectorBackoffMinS, clientDefaults.reflectorBackoffMaxS);
  }

  /**
   * Advances one step. `newArrivals[i]` are fresh requests of class i this step (cluster-wide);
   * `blocked[i]` marks classes whose traffic a network block drops before it reaches a server.
   * `watchers[i]` is the number of open watches for watch classes (for event fan-out CPU).
   */
  step(nowS: number, newArrivals: Float64Array, blocked: Uint8Array, watchers: Float64Array): void {
    const { classes, queued, out } = this;
    const n = classes.length;
    out.succeeded.fill(0);
    out.rejected.fill(0);
    out.timedOut.fill(0);
    out.failedDown.fill(0);
    const up = this.upCount(nowS);
    const down = up === 0;
    this.up = up;
    const cacheReady = this.cacheReadyShare(nowS, up);

    if (!down && this.relistPending) {
      // Back from a restart: every informer relists, spread over its backoff — the relist storm.
      this.relistPending = false;
      for (let i = 0; i < n; i++) {
        const c = classes[i];
        if (c?.kind === 'relist' && c.relistOf !== null) this.scheduleRelist(i, watchers[c.relistOf] ?? 0);
      }
    }

    for (let i = 0; i < n; i++) {
      const arrivals = (newArrivals[i] ?? 0) + (this.retryLines[i]?.pop() ?? 0);
      out.arrived[i] = arrivals;
      if (arrivals <= 0) continue;
      if (blocked[i]) {
        out.failedDown[i] = (out.failedDown[i] ?? 0) + arrivals;
        continue;
      }
      if (down) {
        out.failedDown[i] = (out.failedDown[i] ?? 0) + arrivals;
        // Transport errors count as Retry-After: 1 for client-go (§2.4).
        if (classes[i]?.retries) this.retryLines[i]?.add(arrivals * retryShare, 1);
        continue;
      }
      const c = classes[i];
      if (c && c.cacheServed && cacheReady < 1 && c.kind !== 'watch') {
        // 1.31+: a server re-initialising its watch cache answers "storage is (re)initializing",
        // Retry-After 1 (§2.1); the load balancer spreads requests over every answering server.
        const refused = arrivals * (1 - cacheReady);
        out.rejected[i] = (out.rejected[i] ?? 0) + refused;
        if (c.retries) this.retryLines[i]?.add(refused * retryShare, 1);
        queued[i] = (queued[i] ?? 0) + arrivals - refused;
        continue;
      }
      queued[i] = (queued[i] ?? 0) + arrivals;
    }
    if (down) {
      this.cpuUtilization = 0;
      this.memoryUtilization = 0;
      this.seatUtilization = 0;
      this.levelSeatUtilization.fill(0);
      this.levelQueued.fill(0);
      out.queueWaitS.fill(0);
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
    const dt = this.stepS;
    const { classes, queued, executing, out, limits, calib } = this;
    const up = this.up;
    const tau = calib.requestTimeoutS;
    const slowdown = Math.max(1, this.cpuUtilization) * gcSlowdown(this.memoryUtilization);
    this.slowdown = slowdown;
    const n = classes.length;
    const desired = this.desired;
    const svc = this.svc;
    const nLevels = limits.length;
    const levelDesiredSeats = this.levelDesiredSeats;
    levelDesiredSeats.fill(0);
    const running = this.running;
    const levelRunningSeats = this.levelRunningSeats;
    levelRunningSeats.fill(0);
    for (let i = 0; i < n; i++) {
      const c = classes[i];
      const e0 = executing[i] ?? 0;
      const q = queued[i] ?? 0;
      if (!c || c.kind === 'watch' || (e0 === 0 && q === 0)) {
        // Idle classes cost nothing: most classes are idle in most steps.
        running[i] = 0;
        desired[i] = 0;
        continue;
      }
      const t = c.cost.serviceS * slowdown;
      svc[i] = t;
      if (this.cachedT[i] !== t) this.cacheTiming(i, t, dt, tau);
      // Requests already running keep their seats until they finish (exponential service).
      const r = e0 < 1e-12 ? 0 : e0 * (this.cachedDecay[i] ?? 0);
      running[i] = r;
      // Concurrency needed to start the whole backlog this step: short requests cycle a seat dt/T times.
      const d = q === 0 ? 0 : q * Math.min(1, (this.cachedHold[i] ?? 0) / dt);
      desired[i] = d;
      const seats = c.cost.seats;
      levelRunningSeats[c.levelIndex] = (levelRunningSeats[c.levelIndex] ?? 0) + r * seats;
      levelDesiredSeats[c.levelIndex] = (levelDesiredSeats[c.levelIndex] ?? 0) + (d + r) * seats;
    }
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
      const groups = this.groupsByLevel[l] ?? [];
      let capacity = Number.POSITIVE_INFINITY;
      if (!lim.exempt) {
        const others = held - (want[l] ?? 0);
        capacity = Math.max(lim.guaranteedSeats, Math.min(lim.maxSeatsWithBorrowing, calib.seats - others)) * up;
      }
      if ((levelDesiredSeats[l] ?? 0) === 0) {
        // Nothing queued or running in this level.
        for (const g of groups) for (const i of this.groupMembers[g] ?? []) {
          executing[i] = 0;
          this.avgExecuting[i] = 0;
          this.throughput[i] = 0;
          out.queueWaitS[i] = 0;
        }
        this.levelQueued[l] = 0;
        this.levelSeatUtilization[l] = 0;
        continue;
      }
      this.fairShare(groups, Math.max(0, capacity - (levelRunningSeats[l] ?? 0)));
      let levelSeats = 0;
      let levelQueued = 0;
      for (const g of groups) {
        for (const i of this.groupMembers[g] ?? []) {
          const c = classes[i];
          if (!c || c.kind === 'watch') continue;
          if ((desired[i] ?? 0) === 0 && (running[i] ?? 0) === 0) {
            executing[i] = 0;
            this.avgExecuting[i] = 0;
            this.throughput[i] = 0;
            continue;
          }
          const started = this.allowed[i] ?? 0;
          const e = (running[i] ?? 0) + started;
          executing[i] = e;
          // What the step holds on average (the end-of-step value overstates long requests started
          // during the step by half a step's arrivals, which would make results depend on the step).
          const avg = (running[i] ?? 0) * (this.cachedAvgRunning[i] ?? 1) + started * (this.cachedAvgStarted[i] ?? 1);
          this.avgExecuting[i] = avg;
          const timeoutShare = this.cachedTimeoutShare[i] ?? 0;
          const served = Math.min(queued[i] ?? 0, started * Math.max(1, dt / (this.cachedHold[i] ?? dt)));
          queued[i] = (queued[i] ?? 0) - served;
          out.succeeded[i] = (out.succeeded[i] ?? 0) + served * (1 - timeoutShare);
          out.timedOut[i] = (out.timedOut[i] ?? 0) + served * timeoutShare;
          this.throughput[i] = served / dt;
          levelSeats += avg * c.cost.seats;
          cpuDemand += avg * (c.cost.cpuCoreS / c.cost.serviceS);
        }
        this.enforceQueueLimits(g, lim, up, dt);
        for (const i of this.groupMembers[g] ?? []) levelQueued += queued[i] ?? 0;
      }
      this.levelQueued[l] = levelQueued;
      this.levelSeatUtilization[l] = lim.exempt ? 0 : levelSeats / capacity;
      if (!lim.exempt) usedSeats += levelSeats;
    }
    for (let i = 0; i < n; i++) {
      const c = classes[i];
      if (c?.kind === 'watch') cpuDemand += (watchers[i] ?? 0) * c.cost.watchEventsPerS * calib.watchEventSeconds;
    }
    this.seatUtilization = usedSeats / (calib.seats * up);
    this.cpuUtilization = cpuDemand / (calib.cores * up);
    const drops = this.levelDrops;
    drops.fill(0);
    for (let i = 0; i < n; i++) {
      const c = classes[i];
      if (c) drops[c.levelIndex] = (drops[c.levelIndex] ?? 0) + (out.rejected[i] ?? 0);
    }
    for (let l = 0; l < nLevels; l++) this.trackers[l]?.record((drops[l] ?? 0) / up, dt, nowS);
  }

  /** Caches the exponentials of a class's service time: they change only when CPU contention does. */
  private cacheTiming(i: number, t: number, dt: number, tau: number): void {
    this.cachedT[i] = t;
    this.cachedDecay[i] = Math.exp(-dt / t);
    this.cachedTimeoutShare[i] = Math.exp(-tau / t);
    this.cachedHold[i] = holdTime(t, tau);
    // Mean share of the step a running request stays (T/dt·(1−e^{−dt/T})) and a newly started one
    // (all of it for requests that cycle within the step, half for ones that outlast it).
    this.cachedAvgRunning[i] = (t / dt) * (1 - Math.exp(-dt / t));
    this.cachedAvgStarted[i] = 1 - 0.5 * Math.min(1, t / dt);
  }

  /** Max-min fair share of a level's seats among its groups by flow count; proportional within a group. */
  private fairShare(groups: readonly number[], capacity: number): void {
    const { classes, desired, wantSeats, grantSeats } = this;
    let activeFlows = 0;
    for (const g of groups) {
      let w = 0;
      for (const i of this.groupMembers[g] ?? []) w += (desired[i] ?? 0) * (classes[i]?.cost.seats ?? 1);
      wantSeats[g] = w;
      grantSeats[g] = 0;
      if (w > 0) activeFlows += this.groupFlows[g] ?? 1;
    }
    let remaining = capacity;
    // Water-filling: each round fully serves every group whose want fits its per-flow share.
    for (let round = 0; round <= groups.length && activeFlows > 0 && remaining > 1e-12; round++) {
      const perFlow = remaining / activeFlows;
      let satisfiedAny = false;
      for (const g of groups) {
        const need = (wantSeats[g] ?? 0) - (grantSeats[g] ?? 0);
        if (need <= 1e-12) continue;
        if (need <= perFlow * (this.groupFlows[g] ?? 1)) {
          grantSeats[g] = wantSeats[g] ?? 0;
          remaining -= need;
          activeFlows -= this.groupFlows[g] ?? 1;
          satisfiedAny = true;
        }
      }
      if (!satisfiedAny) {
        for (const g of groups) {
          if ((wantSeats[g] ?? 0) - (grantSeats[g] ?? 0) > 1e-12) grantSeats[g] = (grantSeats[g] ?? 0) + perFlow * (this.groupFlows[g] ?? 1);
        }
        break;
      }
    }
    for (const g of groups) {
      const w = wantSeats[g] ?? 0;
      const share = w > 0 ? Math.min(1, (grantSeats[g] ?? 0) / w) : 1;
      for (const i of this.groupMembers[g] ?? []) this.allowed[i] = (desired[i] ?? 0) * share;
    }
  }

  /** Rejects what overflows the group's queues (queue-full) or would wait past the limit (time-out). */
  private enforceQueueLimits(g: number, lim: LevelLimits, up: number, dt: number): void {
    const { classes, queued, out, calib } = this;
    const members = this.groupMembers[g] ?? [];
    let q = 0;
    let rate = 0;
    for (const i of members) {
      q += queued[i] ?? 0;
      rate += this.throughput[i] ?? 0;
    }
    if (q <= 1e-12) {
      for (const i of members) out.queueWaitS[i] = 0;
      return;
    }
    const cap = lim.queueCapacity === 0 ? 0 : Math.min((this.groupFlows[g] ?? 1) * lim.perFlowQueueCapacity, lim.queueCapacity) * up;
    const limitS = calib.queueWaitLimitS;
    // FIFO: whatever would wait past the limit is rejected; with nothing being served the queue ages out.
    const keepByWait = rate > 1e-9 ? rate * limitS : q * Math.max(0, 1 - dt / limitS);
    const keep = Math.min(q, cap, keepByWait);
    const share = keep / q;
    const waitS = rate > 1e-9 ? Math.min(limitS, keep / rate) : limitS;
    for (const i of members) {
      const qi = queued[i] ?? 0;
      const dropped = qi * (1 - share);
      queued[i] = qi - dropped;
      out.queueWaitS[i] = waitS;
      const c = classes[i];
      if (dropped > 0 && c) {
        out.rejected[i] = (out.rejected[i] ?? 0) + dropped;
        if (c.retries) this.retryLines[i]?.add(dropped * retryShare, this.trackers[c.levelIndex]?.retryAfterS ?? 1);
      }
    }
  }

  /** Heap per server: resident + executing requests' memory; past the limit every server is OOM-killed. */
  private checkMemory(nowS: number): void {
    const { classes, executing, calib } = this;
    let bytes = 0;
    for (let i = 0; i < classes.length; i++) bytes += (this.avgExecuting[i] ?? 0) * (classes[i]?.cost.memoryBytes ?? 0);
    const up = Math.max(1, this.up);
    const perServer = this.residentBytes + bytes / up;
    const limit = calib.memoryGiB * GiB;
    this.memoryUtilization = perServer / limit;
    if (perServer <= limit) return;
    this.oomKills += 1;
    for (let i = 0; i < classes.length; i++) {
      // The process died during this step: what it held (running, or answered this step — the responses
      // die with it; for long requests those are the same requests) and what waited in its queues.
      const answered = (this.out.succeeded[i] ?? 0) + (this.out.timedOut[i] ?? 0);
      const lost = Math.max(executing[i] ?? 0, answered) + (this.queued[i] ?? 0);
      this.out.succeeded[i] = 0;
      this.out.timedOut[i] = 0;
      this.out.failedDown[i] = (this.out.failedDown[i] ?? 0) + lost;
      if (classes[i]?.retries && classes[i]?.kind !== 'relist') this.retryLines[i]?.add(lost * retryShare, calib.restartS);
      executing[i] = 0;
      this.queued[i] = 0;
    }
    // Every answering server carried the same share, so all of them die; each restarts on its own time,
    // and the first one back takes the whole cluster's retries alone.
    this.upAtS.forEach((t, i) => {
      if (t > nowS) return;
      const back = nowS + calib.restartS * (0.75 + 0.75 * this.rng.next());
      this.upAtS[i] = back;
      this.cacheReadyAtS[i] = back + calib.watchCacheInitS;
    });
    this.relistPending = true;
    this.upCountAtS = Number.NaN;
  }

  /** Retry-After currently returned by a level (s). */
  retryAfterS(levelIndex: number): number {
    return this.trackers[levelIndex]?.retryAfterS ?? 1;
  }
}

/** Mean time a request holds its seats: exponential service with mean t, cut at the timeout τ. */
function holdTime(t: number, tau: number): number {
  return t * (1 - Math.exp(-tau / t));
}

/**
 * How much slower everything runs when the heap nears its limit: Go's garbage collector runs ever more
 * often as free heap shrinks, taking the CPU requests need (the "GC death spiral" before an OOM kill)
 * [U: shape assumed; no published curve]. 1× below 80% of the limit, 2× at 90%, up to 20× near 100%.
 */
export function gcSlowdown(memoryUtilization: number): number {
  if (memoryUtilization <= 0.8) return 1;
  return 1 / Math.max(0.05, 1 - (memoryUtilization - 0.8) / 0.2);
}
