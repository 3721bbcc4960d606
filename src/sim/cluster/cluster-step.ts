import { copyDnsReading } from './dns.js';
import { copyReadings, type ClusterReadings } from './readings.js';
import { ClusterState } from './cluster-state.js';
import type { Workload } from './workload.js';

/** How long a resolver waits for an answer (glibc `timeout:5`, reference §3.7). */
const dnsClientTimeoutS = 5;

/**
 * How a simulated cluster steps (see ClusterSim): its workloads' pods, the arrivals of every class, the
 * control plane's step, DNS and the data plane's errors, the readings; resting when nothing can change,
 * and replaying a periodic orbit instead of simulating it (sim/fast, through the StateSnapshot below).
 */
export abstract class ClusterStep extends ClusterState {
  /** Advances one step at `nowS`. */
  step(nowS: number): void {
    if (this.restingNow) return;
    if (nowS >= this.injectionEndS) this.expireInjections(nowS);
    const dt = this.stepS;
    // Pods of each workload start (or stop) at the controller's pace.
    let changing = false;
    const workloads = this.workloads;
    for (let w = 0; w < workloads.length; w++) {
      const wl = workloads[w] as Workload;
      if (wl.stepPods(wl.desiredReplicas(this.nodeCount), dt)) changing = true;
      if (wl.gone) this.forgetWorkload(wl);
    }
    // At rest (checked when the quiet streak began), nothing changes until something outside wakes it.
    if (this.quietSteps > 3 && !changing) {
      this.steppedLast = false;
      this.quietReplay = false;
      this.restingNow = true;
      return;
    }
    this.steppedLast = true;
    if (this.replay.replaying) {
      if (!changing && this.replayStep()) {
        this.quietReplay = this.replay.quiet;
        this.version++;
        this.courseToken = -this.replay.run;
        return;
      }
      this.materialize();
      this.replay.reset();
    }
    this.quietReplay = false;

    // A step simulated in full, in the same method (see docs/perf.md, "Where the time goes"). Arrivals first.
    const t = this.table;
    const { arrivals, blockedMask, routeOf, baseArrivals, perPodRate, watchers } = t;
    // A loop rather than set(): for a few dozen entries the builtin's call costs more than the stores.
    for (let i = 0; i < baseArrivals.length; i++) arrivals[i] = baseArrivals[i] ?? 0;
    // A workload stream's rate follows its ready pods: ready / everySeconds (precomputed per class), on the
    // copy of the class its current routing (own level, fenced or quarantined) sends it to.
    for (let w = 0; w < workloads.length; w++) {
      const wl = workloads[w] as Workload;
      const route = wl.route;
      const ready = wl.ready;
      const streams = wl.streams;
      for (let k = 0; k < streams.length; k++) {
        const i = streams[k] ?? 0;
        arrivals[i] = routeOf[i] === route ? ready * (perPodRate[i] ?? 0) * dt : 0;
      }
      const watches = wl.watches;
      for (let k = 0; k < watches.length; k++) {
        const i = watches[k] ?? 0;
        watchers[i] = routeOf[i] === route ? ready : 0;
      }
      const started = wl.started;
      if (started > 0) {
        // A new pod's informers start with a LIST, and so do its periodic LISTs (callsOnStart).
        const relists = wl.relists;
        for (let k = 0; k < relists.length; k++) {
          const i = relists[k] ?? 0;
          if (routeOf[i] === route) arrivals[i] = (arrivals[i] ?? 0) + started;
        }
        const starts = wl.starts;
        for (let k = 0; k < starts.length; k++) {
          const i = starts[k] ?? 0;
          // A paged LIST is its pages' requests (pagesOf is 1 for every other call).
          if (routeOf[i] === route) arrivals[i] = (arrivals[i] ?? 0) + started * (t.pagesOf[i] ?? 1);
        }
      }
      if (wl.leaderStreams.length + wl.leaderWatches.length > 0) {
        // Leader-only calls: one elected replica makes them however many run; its informers LIST once,
        // when the first pod comes up (a new leader after a failover is not modelled: pods do not fail here).
        const lead = Math.min(1, ready);
        const leadStarted = lead - Math.min(1, ready - started);
        this.leaderArrivals(wl, route, lead, leadStarted, dt);
      }
    }
    if (this.blockApplied !== this.adminBlocked) {
      this.blockApplied = this.adminBlocked;
      if (this.adminBlocked) blockedMask.set(t.blockableMask);
      else blockedMask.fill(0);
    }
    const dnsBefore = this.clusterDns.reading;
    if (t.lookupIndex >= 0) arrivals[t.lookupIndex] = dnsBefore.apiLookupsPerS * dt;
    const syncIndex = t.corednsSyncIndex;
    if (syncIndex >= 0 && dnsBefore.syncListsPerS > 0)
      arrivals[syncIndex] = (arrivals[syncIndex] ?? 0) + dnsBefore.syncListsPerS * dt;

    const servers = this.servers;
    const wasDown = servers.isDown(nowS);
    servers.step(nowS, arrivals, blockedMask, watchers);
    const out = servers.out;
    const outRejected = out.rejected;
    const outTimedOut = out.timedOut;
    const outFailedDown = out.failedDown;
    const outArrived = out.arrived;
    const othersMask = t.othersMask;
    let rejected = 0;
    let timedOut = 0;
    let othersFailed = 0;
    let othersArrived = 0;
    let containedRejected = 0;
    for (let i = 0; i < arrivals.length; i++) {
      const rej = outRejected[i] ?? 0;
      const tOut = outTimedOut[i] ?? 0;
      rejected += rej;
      timedOut += tOut;
      if (routeOf[i]) containedRejected += rej;
      if (othersMask[i]) {
        othersFailed += rej + tOut + (blockedMask[i] ? 0 : (outFailedDown[i] ?? 0));
        othersArrived += outArrived[i] ?? 0;
      }
    }
    // With no lookup answered or refused this step, CoreDNS keeps its last experience of the API.
    const lookupSuccess = this.lookupAnsweredInTime();
    if (!Number.isNaN(lookupSuccess)) this.lastLookupSuccess = lookupSuccess;
    else if (servers.isDown(nowS)) this.lastLookupSuccess = 0;
    const syncSuccess = this.successRatio(syncIndex);
    if (!Number.isNaN(syncSuccess)) this.lastSyncSuccess = syncSuccess;
    else if (servers.isDown(nowS)) this.lastSyncSuccess = 0;
    // CoreDNS on the API servers' nodes is evicted when they run out of memory (dns.corednsOnControlPlaneNodes).
    const oomKills = servers.oomKills;
    const evicted = this.config.dns.corednsOnControlPlaneNodes && oomKills !== this.seenOomKills;
    this.seenOomKills = oomKills;
    const dnsReading = this.clusterDns.step(
      this.nodeCount,
      this.lastLookupSuccess,
      this.lastSyncSuccess,
      evicted,
    );
    // Requests on connections opened before the failure need no lookup (dataPlane.connectionReuseRatio).
    const dp = this.config.dataPlane;
    const errorRatio = dp.dnsDependentRatio * (1 - dp.connectionReuseRatio) * dnsReading.failureRatio;
    // Written in place: a step's readings are read before the next step, and kept only as copies.
    const r = this.ownReadings;
    r.seatUtilization = servers.seatUtilization;
    r.cpuUtilization = servers.cpuUtilization;
    r.memoryUtilization = servers.memoryUtilization;
    r.rejected429 = rejected;
    r.containedRejected429 = containedRejected;
    r.timedOut = timedOut;
    r.down = wasDown || servers.isDown(nowS);
    r.dnsFailureRatio = dnsReading.failureRatio;
    r.errorRatio = errorRatio;
    r.oncallSuccess = this.successRatio(t.oncallIndex);
    r.othersFailed = othersFailed;
    r.othersArrived = othersArrived;
    // etcd under the reads and writes the API servers answered this step (etcd-load.ts).
    const etcd = this.etcd;
    etcd.step(nowS, servers.avgExecuting, t.etcdCoreOf, t.etcdBusyOf, servers.slowdown);
    r.etcdUtilization = etcd.utilization;
    r.etcdP99S = etcd.p99S;
    r.nodesNotReady = etcd.notReadyShare * this.nodeCount;
    this.readings = r;
    this.quietSteps = this.isSettled(nowS) ? this.quietSteps + 1 : 0;
    this.version++;
    this.courseToken = this.version;
    this.trackOrbit(nowS, changing);
  }

  /**
   * Share of CoreDNS's API lookups answered before the DNS client gives up (glibc `timeout:5`, reference
   * §3.7): a lookup stuck behind a 15 s APF queue is a failed lookup even if the API answers it later.
   */
  /** Arrivals of a workload's leader-only classes (out of the step's loop: most workloads have none). */
  private leaderArrivals(wl: Workload, route: number, lead: number, leadStarted: number, dt: number): void {
    const { arrivals, routeOf, perPodRate, watchers } = this.table;
    const streams = wl.leaderStreams;
    for (let k = 0; k < streams.length; k++) {
      const i = streams[k] ?? 0;
      arrivals[i] = routeOf[i] === route ? lead * (perPodRate[i] ?? 0) * dt : 0;
    }
    const watches = wl.leaderWatches;
    for (let k = 0; k < watches.length; k++) {
      const i = watches[k] ?? 0;
      watchers[i] = routeOf[i] === route ? lead : 0;
    }
    if (leadStarted > 0) {
      const relists = wl.leaderRelists;
      for (let k = 0; k < relists.length; k++) {
        const i = relists[k] ?? 0;
        if (routeOf[i] === route) arrivals[i] = (arrivals[i] ?? 0) + leadStarted;
      }
      // The leader's periodic LISTs made as it starts (callsOnStart).
      const starts = wl.leaderStarts;
      const pagesOf = this.table.pagesOf;
      for (let k = 0; k < starts.length; k++) {
        const i = starts[k] ?? 0;
        if (routeOf[i] === route) arrivals[i] = (arrivals[i] ?? 0) + leadStarted * (pagesOf[i] ?? 1);
      }
    }
  }

  protected lookupAnsweredInTime(): number {
    const lookup = this.table.lookupIndex;
    const ratio = this.successRatio(lookup);
    if (Number.isNaN(ratio)) return ratio;
    const waitS = this.servers.out.queueWaitS[lookup] ?? 0;
    const serviceS = this.servers.serviceTimeS(lookup) * this.servers.slowdown;
    const budgetS = dnsClientTimeoutS - waitS;
    if (budgetS <= 0) return 0;
    // Wait and service time mostly stay put from step to step: reuse the exponential.
    if (budgetS !== this.inTimeBudgetS || serviceS !== this.inTimeServiceS) {
      this.inTimeBudgetS = budgetS;
      this.inTimeServiceS = serviceS;
      this.inTimeShare = 1 - Math.exp(-budgetS / Math.max(1e-6, serviceS));
    }
    return ratio * this.inTimeShare;
  }

  /**
   * True when the last step changed nothing and nothing is due to change: no 429s, nothing queued or
   * scheduled, DNS at rest, every API server up with its watch cache ready, requests in flight the same
   * as the step before (a steady load, even one with a trickle of timeouts), and no injected load to end.
   */
  protected isSettled(nowS: number): boolean {
    const r = this.readings;
    const exec = this.servers.executing;
    const last = this.table.lastExecuting;
    if (r.down || !(r.rejected429 < 1e-9)) {
      // Not settled whatever moved (most steps of an overloaded cluster): only remember what ran.
      for (let i = 0; i < exec.length; i++) last[i] = exec[i] ?? 0;
      return false;
    }
    let stationary = true;
    for (let i = 0; i < exec.length; i++) {
      const now = exec[i] ?? 0;
      const before = last[i] ?? 0;
      if (Math.abs(now - before) > 1e-9 * Math.max(1, now)) stationary = false;
      last[i] = now;
    }
    return (
      stationary &&
      !r.down &&
      r.rejected429 < 1e-9 &&
      !this.servers.hasPendingWork() &&
      this.clusterDns.atRest &&
      !this.servers.isDown(nowS) &&
      !this.servers.isInitializing(nowS) &&
      this.etcd.atRest &&
      this.injectionEndS === Number.POSITIVE_INFINITY
    );
  }

  /** Drops a workload's queued work and scheduled retries: its pods are gone. */
  protected forgetWorkload(w: Workload): void {
    w.gone = false;
    this.materialize();
    const classes = w.classes;
    for (let k = 0; k < classes.length; k++) {
      const i = classes[k] ?? 0;
      this.servers.forget(i);
      this.table.watchers[i] = 0;
    }
  }

  protected expireInjections(nowS: number): void {
    this.injections = this.injections.filter((l) => l.untilS > nowS);
    this.applyInjections();
    this.wake();
  }

  /** Period of the orbit being replayed (0 when none). */
  get orbitPeriod(): number {
    return this.replay.periodSteps;
  }

  /** Readings of the `k`-th step from now on along the orbit being replayed (null when not replaying). */
  orbitReadingsAhead(k: number): ClusterReadings | null {
    return this.replay.readingsAhead(k);
  }

  /** Looks for (and records) a periodic orbit after a simulated step. */
  protected trackOrbit(nowS: number, changing: boolean): void {
    const r = this.readings;
    if (
      !this.replayOn ||
      changing ||
      r.down ||
      r.rejected429 !== 0 ||
      this.quietSteps !== 0 ||
      !this.etcd.atRest ||
      !this.servers.isSteady(nowS)
    ) {
      this.replay.reset();
      return;
    }
    const dnsReading = this.clusterDns.reading;
    if (
      !this.replay.observe(r.cpuUtilization, r.memoryUtilization, r.othersArrived, dnsReading.apiLookupsPerS)
    )
      return;
    if (!this.servers.isRetryRingEmpty()) {
      this.replay.reset();
      return;
    }
    this.replay.record(
      copyReadings(r),
      copyDnsReading(dnsReading),
      dnsReading.nodeCacheMissRatio,
      this.clusterDns.nodeCacheFull,
    );
  }

  /**
   * Replays the next step of the orbit when the node caches (which run live) behave as recorded; false
   * when they do not, with the node caches already stepped for the simulated step that must follow.
   */
  protected replayStep(): boolean {
    const p = this.replay.nextPhase;
    if (!p?.readings || !p.dnsReading) return false;
    const missRatio = this.clusterDns.advanceNodeCaches();
    if (!this.replay.accept(p, missRatio, this.clusterDns.nodeCacheFull)) return false;
    // The phase's state is written only when something needs it (see materialize).
    this.readings = p.readings;
    this.clusterDns.replayed(p.dnsReading);
    this.behind = true;
    return true;
  }

  /** Length of the record saveState writes: the control plane's, DNS's (but its node caches), the cluster's. */
  get stateLength(): number {
    return this.servers.stateLength + this.clusterDns.stateLength + 3 + this.table.lastExecuting.length + 15;
  }

  /** Writes everything a steady step evolves or shows, but the node caches (see Orbit). */
  saveState(into: Float64Array, at: number): number {
    let k = this.servers.saveState(into, at);
    k = this.clusterDns.saveState(into, k);
    into[k++] = this.lastLookupSuccess;
    into[k++] = this.lastSyncSuccess;
    into[k++] = this.seenOomKills;
    const last = this.table.lastExecuting;
    into.set(last, k);
    k += last.length;
    const r = this.readings;
    into[k++] = r.seatUtilization;
    into[k++] = r.cpuUtilization;
    into[k++] = r.memoryUtilization;
    into[k++] = r.rejected429;
    into[k++] = r.timedOut;
    into[k++] = r.down ? 1 : 0;
    into[k++] = r.dnsFailureRatio;
    into[k++] = r.errorRatio;
    into[k++] = r.oncallSuccess;
    into[k++] = r.othersFailed;
    into[k++] = r.othersArrived;
    into[k++] = r.etcdUtilization;
    into[k++] = r.etcdP99S;
    into[k++] = r.nodesNotReady;
    into[k++] = this.quietSteps;
    return k;
  }

  stateSlot(j: number): [Float64Array, number] | null {
    const cpLength = this.servers.stateLength;
    const dnsLength = this.clusterDns.stateLength;
    if (j < cpLength) return this.servers.stateSlot(j);
    if (j < cpLength + dnsLength) return this.clusterDns.stateSlot(j - cpLength);
    const last = this.table.lastExecuting;
    const e = j - cpLength - dnsLength - 3;
    return e >= 0 && e < last.length ? [last, e] : null;
  }

  /** Restores the scalars of what saveState wrote (the readings come with the phase, see materialize). */
  loadScalars(from: Float64Array, at: number): number {
    let k = this.servers.loadScalars(from, at);
    k = this.clusterDns.loadScalars(from, k);
    const lastLookupSuccess = from[k++] ?? 0;
    if (!Object.is(this.lastLookupSuccess, lastLookupSuccess)) this.lastLookupSuccess = lastLookupSuccess;
    const lastSyncSuccess = from[k++] ?? 0;
    if (!Object.is(this.lastSyncSuccess, lastSyncSuccess)) this.lastSyncSuccess = lastSyncSuccess;
    this.seenOomKills = from[k++] ?? 0;
    k += this.table.lastExecuting.length;
    // A counter (0 all along an orbit): kept a small integer so that the field stays one.
    this.quietSteps = (from[k + 14] ?? 0) | 0;
    return k + 15;
  }
}
