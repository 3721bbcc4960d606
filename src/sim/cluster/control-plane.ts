import { clientDefaults } from '../../cost/calibration.js';
import type { LevelLimits } from '../../cost/apf-capacity.js';
import { kindRelist, kindWatch } from './class-facts.js';
import { ControlPlaneState } from './control-plane-state.js';

export type { StepOutcome } from './class-state.js';
export type { ControlPlaneOptions } from './control-plane-state.js';

/** Share of failed attempts a client-go caller retries: mean 10 retries for a request that keeps failing (§2.4). */
const retryShare = clientDefaults.maxRetries / (clientDefaults.maxRetries + 1);

/**
 * The API servers of one cluster as a fluid model: per class, requests queued and executing; per
 * priority level, seats with borrowing, queues with the 15 s wait limit and queue-length caps, and the
 * Retry-After its 429s carry; CPU shared by executing requests; heap held by executing LISTs, with an
 * OOM kill, restart, watch-cache re-initialisation and the informers' relist storm that follows.
 * The servers are symmetric behind a load balancer, so state is kept as cluster totals.
 *
 * The step runs for every busy cluster every step: it reads the classes through flat per-class arrays
 * (ClassFacts) and walks groups and levels through flat index arrays (LevelGroups).
 */
export class ControlPlane extends ControlPlaneState {
  /**
   * Advances one step. `newArrivals[i]` are fresh requests of class i this step (cluster-wide);
   * `blocked[i]` marks classes whose traffic a network block drops before it reaches a server.
   * `watchers[i]` is the number of open watches for watch classes (for event fan-out CPU).
   */
  step(nowS: number, newArrivals: Float64Array, blocked: Uint8Array, watchers: Float64Array): void {
    const { queued, out, retryLines } = this;
    const { retriesOf, cacheServedOf, kindOf, relistClasses, relistOf } = this.facts;
    const n = this.n;
    const stateBuf = this.state.buf;
    // fill() measured a little faster here than a loop of stores (steady state, overloaded clusters).
    stateBuf.fill(0, this.state.stepClear[0], this.state.stepClear[1]);
    const up = this.servers.upCount(nowS);
    const down = up === 0;
    this.up = up;
    const cacheReady = this.servers.cacheReadyShare(nowS, up);

    if (!down && this.relistPending) {
      // Back from a restart, or on a surviving server: every informer whose watch ran on a server that
      // died relists, spread over its backoff (0.8–30 s, §2.4).
      this.relistPending = false;
      const relisting = Math.min(1, this.relistShare);
      this.relistShare = 0;
      for (let k = 0; k < relistClasses.length; k++) {
        const i = relistClasses[k] ?? 0;
        retryLines.spread(
          i,
          (watchers[relistOf[i] ?? 0] ?? 0) * relisting,
          clientDefaults.reflectorBackoffMinS,
          clientDefaults.reflectorBackoffMaxS,
        );
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
      if (cacheReady < 1 && cacheServedOf[i] && kindOf[i] !== kindWatch) {
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
      stateBuf.fill(0, this.state.downClear[0], this.state.downClear[1]);
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
   * methods rather than one: docs/perf.md, "Loops in methods of their own".)
   */
  private serveDemand(): void {
    const dt = this.stepS;
    const { queued, executing, limits, desired, running, timing } = this;
    const { kindOf, levelOf, seatsOf, serviceSOf } = this.facts;
    const cachedT = timing.t;
    const cachedDecay = timing.decay;
    const cachedHoldShare = timing.holdShare;
    const tau = this.requestTimeoutS;
    // CPU contention, and (gcSlowdownNearLimit, weight 1 or 0: one expression, no branch) GC pressure near
    // the heap limit, which counts GC a second time (docs/calibration.md, "GC counted once").
    const gc = gcSlowdown(this.memoryUtilization);
    const slowdown = Math.max(1, this.cpuUtilization) * (1 + (gc - 1) * this.gcWeight);
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
      const t = (serviceSOf[i] ?? 0) * slowdown;
      if (cachedT[i] !== t) timing.update(i, t, dt, tau);
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
    const { queued, executing, out, limits, desired, running, allowed, throughput, avgExecuting } = this;
    const { kindOf, levelOf, seatsOf, cpuPerServiceS, watchEventsOf, watchClasses } = this.facts;
    const timing = this.timing;
    const cachedCycles = timing.cycles;
    const cachedAvgRunning = timing.avgRunning;
    const cachedAvgStarted = timing.avgStarted;
    const cachedTimeoutShare = timing.timeoutShare;
    const groups = this.groups;
    const { memberStart, members, levelGroupStart, levelGroups } = groups;
    const succeeded = out.succeeded;
    const timedOut = out.timedOut;
    const queueWaitS = out.queueWaitS;
    const up = this.up;
    const n = this.n;
    const nLevels = limits.length;
    const levelDesiredSeats = this.levelDesiredSeats;
    const levelRunningSeats = this.levelRunningSeats;
    // Borrowing (§2.2): a level keeps its guaranteed seats and may take lendable seats others do not use,
    // as adjusted every 10 s on smoothed demand (Borrowing), or (borrowingAdjustmentS 0) at once.
    const adjustS = this.borrowingAdjustmentS;
    const currentLimit = this.state.levelCurrentLimit;
    if (adjustS > 0) this.borrowingMoved = this.borrowing.integrate(levelDesiredSeats, up, dt, adjustS);
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
        const seats =
          adjustS > 0
            ? (currentLimit[l] ?? 0)
            : Math.max(
                lim.guaranteedSeats,
                Math.min(lim.maxSeatsWithBorrowing, this.seatsPerServer - others),
              );
        capacity = seats * up;
      }
      groups.share(gFrom, gTo, Math.max(0, capacity - (levelRunningSeats[l] ?? 0)));
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
          cpuDemand += avg * (cpuPerServiceS[i] ?? 0);
        }
        this.enforceQueueLimits(g, mFrom, mTo, lim, up, dt);
        for (let m = mFrom; m < mTo; m++) levelQueued += queued[members[m] ?? 0] ?? 0;
      }
      this.levelQueued[l] = levelQueued;
      this.levelSeatUtilization[l] = lim.exempt ? 0 : levelSeats / capacity;
      if (!lim.exempt) usedSeats += levelSeats;
    }
    for (let k = 0; k < watchClasses.length; k++) {
      const i = watchClasses[k] ?? 0;
      cpuDemand += (watchers[i] ?? 0) * (watchEventsOf[i] ?? 0) * this.watchEventSeconds;
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
    const { queued, out, throughput } = this;
    const members = this.groups.members;
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
        : Math.min((this.groups.groupFlows[g] ?? 1) * lim.perFlowQueueCapacity, lim.queueCapacity) * up;
    const limitS = this.queueWaitLimitS;
    // FIFO: whatever would wait past the limit is rejected; with nothing being served the queue ages out.
    const keepByWait = rate > 1e-9 ? rate * limitS : q * Math.max(0, 1 - dt / limitS);
    const keep = Math.min(q, cap, keepByWait);
    const share = keep / q;
    const waitS = rate > 1e-9 ? Math.min(limitS, keep / rate) : limitS;
    const { retriesOf, levelOf } = this.facts;
    for (let m = mFrom; m < mTo; m++) {
      const i = members[m] ?? 0;
      const qi = queued[i] ?? 0;
      const dropped = qi * (1 - share);
      queued[i] = qi - dropped;
      queueWaitS[i] = waitS;
      if (dropped > 0) {
        out.rejected[i] = (out.rejected[i] ?? 0) + dropped;
        if (retriesOf[i])
          this.retryLines.add(i, dropped * retryShare, this.trackers[levelOf[i] ?? 0]?.retryAfterS ?? 1);
      }
    }
  }

  /**
   * Heap per server: resident + its share of the executing requests' memory (servers carry unequal
   * shares, calibration loadImbalance); a server past the limit is OOM-killed with what it held.
   */
  private checkMemory(nowS: number): void {
    const { executing, avgExecuting, out } = this;
    const { memoryOf, retriesOf, kindOf } = this.facts;
    const n = this.n;
    let bytes = 0;
    for (let i = 0; i < n; i++) bytes += (avgExecuting[i] ?? 0) * (memoryOf[i] ?? 0);
    const up = Math.max(1, this.up);
    // The heaviest server is the first to run out (all of them at once when the load is balanced).
    const heaviest = this.residentBytes + (bytes / up) * this.servers.heaviestShare;
    const limit = this.memoryLimitBytes;
    this.memoryUtilization = heaviest / limit;
    if (heaviest <= limit) return;
    const share = this.servers.killOverLimit(
      nowS,
      this.residentBytes,
      bytes,
      limit,
      this.restartS,
      this.watchCacheInitS + this.watchCacheLoadS,
      this.rng,
    );
    this.oomKills += 1;
    for (let i = 0; i < n; i++) {
      // The killed servers died during this step: their share of what was held (running, or answered
      // this step — the responses die with it; for long requests those are the same requests) and of what
      // waited in the queues (the load balancer spread both by the same weights).
      const answered = (out.succeeded[i] ?? 0) + (out.timedOut[i] ?? 0);
      const lost = share * (Math.max(executing[i] ?? 0, answered) + (this.queued[i] ?? 0));
      out.succeeded[i] = (out.succeeded[i] ?? 0) * (1 - share);
      out.timedOut[i] = (out.timedOut[i] ?? 0) * (1 - share);
      out.failedDown[i] = (out.failedDown[i] ?? 0) + lost;
      if (retriesOf[i] && kindOf[i] !== kindRelist) this.retryLines.add(i, lost * retryShare, this.restartS);
      executing[i] = (executing[i] ?? 0) * (1 - share);
      this.queued[i] = (this.queued[i] ?? 0) * (1 - share);
    }
    // The watches the killed servers held break: their informers relist on the next answering server.
    this.relistPending = true;
    this.relistShare += share;
  }

  /**
   * Seats the queued and running requests of the limited levels asked for in the last simulated step,
   * cluster-wide (0 while no server answers). A replayed step does not compute it: read it from runs
   * without orbit replay.
   */
  get seatDemand(): number {
    if (this.up === 0) return 0;
    let seats = 0;
    for (let l = 0; l < this.limits.length; l++)
      if (!this.limits[l]?.exempt) seats += this.levelDesiredSeats[l] ?? 0;
    return seats;
  }

  /** Seats of the limited levels over every API server (what seatDemand is measured against). */
  get seatCapacity(): number {
    return this.seatsPerServer * this.servers.count;
  }

  /**
   * Takes every API server down until `untilS` (a control-plane outage, e.g. a drill): what runs or waits
   * is lost and retried as transport errors are (Retry-After 1, §2.4), watches break, and when the servers
   * are back with their watch caches re-initialised every informer relists.
   */
  takeDown(untilS: number): void {
    const { executing, queued } = this;
    const { retriesOf, kindOf } = this.facts;
    for (let i = 0; i < this.n; i++) {
      const lost = (executing[i] ?? 0) + (queued[i] ?? 0);
      if (lost > 0 && retriesOf[i] && kindOf[i] !== kindRelist) this.retryLines.add(i, lost * retryShare, 1);
      executing[i] = 0;
      queued[i] = 0;
    }
    this.servers.downUntil(untilS, this.watchCacheInitS + this.watchCacheLoadS);
    this.relistPending = true;
    this.relistShare = 1;
  }
}

/**
 * How much slower everything runs when the heap nears its limit: Go's garbage collector runs ever more
 * often as free heap shrinks, taking the CPU requests need (the "GC death spiral" before an OOM kill)
 * [U: shape assumed; no published curve]. 1× below 80% of the limit, 2× at 90%, up to 20× near 100%.
 * Only with a soft memory limit (GOMEMLIMIT) does Go behave so; see calibration gcSlowdownNearLimit.
 */
export function gcSlowdown(memoryUtilization: number): number {
  // One expression for both sides of 80% (exactly 1 below it): no branch first taken mid-run
  // (docs/perf.md, "Rare paths").
  return 1 / Math.max(0.05, 1 - Math.max(0, memoryUtilization - 0.8) / 0.2);
}
