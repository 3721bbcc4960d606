import { badInput } from '../../core/errors.js';
import type { Rng } from '../../core/random.js';
import { residentMemoryBytes, type ControlPlaneSpec } from '../../cost/steady-state.js';
import type { LevelLimits } from '../../cost/apf-capacity.js';
import { findResource, objectCount, type ClusterShape } from '../../model/resources.js';
import type { ClusterConfig } from '../../config/scenario.js';
import { OrbitReplay } from '../fast/orbit-replay.js';
import type { StateSnapshot } from '../fast/snapshot.js';
import { newFastStats, type FastStats } from '../fast/tuning.js';
import { mergeApf, type ApfChange, type ClusterApfExtras } from './apf-change.js';
import { ClassTable, type ClassTableInput } from './class-table.js';
import { ControlPlane } from './control-plane.js';
import { ClusterDns, copyDnsReading } from './dns.js';
import { p99LatencyS } from './latency.js';
import { copyReadings, initialReadings, type ClusterReadings, type MutableReadings } from './readings.js';
import type { RequestClass } from './request-class.js';
import {
  routeFenced,
  routeQuarantined,
  Workload,
  type WorkloadSpec,
  type WorkloadStatus,
} from './workload.js';

export { changeRoute, controllerFlowId, fencedSuffix, quarantinedSuffix } from './class-table.js';

/** How long a resolver waits for an answer (glibc `timeout:5`, reference §3.7). */
const dnsClientTimeoutS = 5;

export interface ClusterSimOptions {
  readonly config: ClusterConfig;
  /** The scenario's change: a workload of the cluster from the start, not applied until a command does. */
  readonly change: WorkloadSpec | undefined;
  readonly stepS: number;
  /** This cluster's own stream (see Rng.fork). */
  readonly rng: Rng;
  /** APF objects and identities installed before the run (break-glass, fence, quarantine, controller). */
  readonly apf?: ClusterApfExtras;
  /** Replays periodic orbits (the default; results are the same either way). */
  readonly orbitReplay?: boolean;
  /** Where the cluster counts the steps it replayed. */
  readonly stats?: FastStats;
}

/** Extra load on one request class (see ClusterSim.injectLoad). */
export interface InjectedLoad {
  /** Id of an existing request class that is neither a workload's nor a watch (e.g. `oncall`). */
  readonly classId: string;
  readonly ratePerS: number;
  /** Simulated time the load stops (s): it runs in the steps before it. */
  readonly untilS: number;
}

/**
 * One cluster: its API servers (ControlPlane), its DNS (ClusterDns), the data plane's errors and its
 * workloads' pods. Load from the workloads and from DNS misses enters the control plane as request
 * classes; what the control plane answers feeds back into DNS and the data plane on the next step.
 *
 * Everything outside changes the cluster through its commands (apply or delete a workload, set nodes,
 * scale API servers, block the admin API, shift traffic, route a workload, change APF objects, inject
 * load): each wakes the cluster, so a cluster at rest or replaying an orbit simulates again.
 */
export class ClusterSim implements StateSnapshot {
  readonly name: string;
  readonly initialNodes: number;
  readonly config: ClusterConfig;
  readonly stepS: number;
  private nodeCount: number;
  private cpSpec: ControlPlaneSpec;
  /** Outside readers go through `cp` and `dns`, which first bring a replay's state up to date. */
  private servers: ControlPlane;
  private readonly clusterDns: ClusterDns;
  private table: ClassTable;
  /** The scenario's change (a placeholder without a spec when it has none) and every workload stepped. */
  private readonly changeWorkload: Workload;
  private readonly workloads: Workload[];
  /** Whether the table's blocked mask holds the admin-API block (it is rewritten only when it changes). */
  private blockApplied = false;
  private adminBlocked = false;
  private shiftedAway = false;
  /** Called whenever a command changes the cluster (see wake) or shifts its traffic. */
  onChange: (() => void) | null = null;
  /**
   * The last step's readings: valid until the next step, which overwrites them (keep a copyReadings).
   * During an orbit replay, the recorded phase's (its own copy).
   */
  readings: ClusterReadings;
  private readonly ownReadings: MutableReadings;
  private quietSteps = 0;
  /**
   * Set when a step found the cluster at rest with its pods as desired: until a command wakes it, each
   * step would find the same, so it returns before touching anything else (most clusters rest most of
   * the run).
   */
  private restingNow = false;
  /** Bumped on every simulated (non-quiet) step and rebuild: readers cache what they derive from the state. */
  version = 0;
  /** Bumped when the class table is rebuilt: readers cache class indexes. */
  classesVersion = 0;
  /** False when the last step was skipped because nothing could change (readings are as before). */
  steppedLast = true;
  /** True when replayed steps left the state behind the readings (see materialize). */
  private behind = false;
  /** True when the last step replayed a quiet orbit (see OrbitReplay.quiet). */
  quietReplay = false;
  /**
   * Stays the same while the cluster's readings repeat by themselves: the version of its last simulated
   * step while it rests, minus the orbit's run number while it replays one (a simulated step changes it).
   */
  courseToken = 0;
  private lastLookupSuccess = Number.NaN;
  /** Last inputs and result of the lookups' in-time share (see lookupAnsweredInTime). */
  private inTimeBudgetS = Number.NaN;
  private inTimeServiceS = Number.NaN;
  private inTimeShare = Number.NaN;
  private readonly replay: OrbitReplay;
  private readonly replayOn: boolean;
  private readonly apf: ClusterApfExtras;
  private readonly serverRng: Rng;
  private injections: InjectedLoad[] = [];
  /** When the first injected load ends (+∞ while none). */
  private injectionEndS = Number.POSITIVE_INFINITY;

  constructor(opts: ClusterSimOptions) {
    const { config, stepS } = opts;
    const extra = opts.apf ?? {};
    // Fractions and flags first changed mid-run are pinned (docs/perf.md, "Shape pinning").
    this.lastLookupSuccess = 1;
    this.adminBlocked = this.shiftedAway = true;
    this.adminBlocked = this.shiftedAway = false;
    this.config = config;
    this.name = config.name;
    this.stepS = stepS;
    this.nodeCount = config.nodes;
    this.initialNodes = config.nodes;
    this.apf = extra;
    this.cpSpec = {
      ...config.controlPlane,
      priorityLevels: [...config.controlPlane.priorityLevels, ...(extra.priorityLevels ?? [])],
      flowSchemas: [...config.controlPlane.flowSchemas, ...(extra.flowSchemas ?? [])],
    };
    this.changeWorkload = new Workload(opts.change);
    this.workloads = opts.change ? [this.changeWorkload] : [];
    this.table = new ClassTable(this.tableInput());
    const shape = this.shape();
    this.serverRng = opts.rng.fork('apiservers');
    this.servers = new ControlPlane({
      classes: this.table.classes,
      limits: this.table.limits,
      calibration: this.cpSpec.calibration,
      apiServers: this.cpSpec.apiServers,
      residentBytes: residentMemoryBytes(shape, this.cpSpec.calibration),
      stepS,
      rng: this.serverRng,
    });
    this.clusterDns = new ClusterDns(config.dns, config.dataPlane, stepS, serviceNames(shape));
    this.replayOn = opts.orbitReplay ?? true;
    this.replay = new OrbitReplay(this, opts.stats ?? newFastStats());
    this.ownReadings = initialReadings();
    this.readings = this.ownReadings;
    this.warmUp();
  }

  private tableInput(): ClassTableInput {
    const extra = this.apf;
    return {
      config: this.config,
      shape: this.shape(),
      controlPlane: this.cpSpec,
      change: this.changeWorkload,
      workloads: this.workloads,
      identities: {
        controller: extra.controllerIdentity,
        fence: extra.fenceIdentity,
        quarantine: extra.quarantineIdentity,
      },
      stepS: this.stepS,
    };
  }

  /** Runs a few minutes at the baseline so queues and executing requests start at their steady state. */
  private warmUp(): void {
    for (let t = -300; t < 0; t += this.stepS) this.step(t);
  }

  // ---- What readers outside see ----

  get nodes(): number {
    return this.nodeCount;
  }

  /** API servers, calibration and APF objects as they are now. */
  get controlPlane(): ControlPlaneSpec {
    return this.cpSpec;
  }

  get classes(): readonly RequestClass[] {
    return this.table.classes;
  }

  get limits(): readonly LevelLimits[] {
    return this.table.limits;
  }

  /** The scenario's change in this cluster. */
  get change(): WorkloadStatus {
    return this.changeWorkload;
  }

  /** A workload by name (the change's, or one applied since), or undefined. */
  workload(name: string): WorkloadStatus | undefined {
    return this.workloads.find((w) => w.name === name);
  }

  get adminApiBlocked(): boolean {
    return this.adminBlocked;
  }

  /** True while the cluster's customer traffic is shifted to other clusters (an operator action). */
  get trafficShifted(): boolean {
    return this.shiftedAway;
  }

  /** True while at rest: a step would return at once, changing nothing (steppedLast stays false). */
  get resting(): boolean {
    return this.restingNow;
  }

  /** The cluster's API servers (brought up to date first, see materialize). */
  get cp(): ControlPlane {
    this.materialize();
    return this.servers;
  }

  /** The cluster's DNS (brought up to date first, see materialize). */
  get dns(): ClusterDns {
    this.materialize();
    return this.clusterDns;
  }

  /** Index of the rollout controller's class (-1 unless a controller identity was given). */
  get controllerClass(): number {
    return this.table.controllerIndex;
  }

  /** Index of the on-call class (for lock-out checks). */
  get oncallClass(): number {
    return this.table.oncallIndex;
  }

  shape(): ClusterShape {
    return this.config.objects
      ? { nodes: this.nodeCount, podsPerNode: this.config.podsPerNode, objects: this.config.objects }
      : { nodes: this.nodeCount, podsPerNode: this.config.podsPerNode };
  }

  /** Desired replicas of the change right now. */
  desiredReplicas(): number {
    return this.changeWorkload.desiredReplicas(this.nodeCount);
  }

  // ---- Commands: each wakes the cluster ----

  /** Applies a workload (the change, or one added by applyWorkloadSpec) on a share of the nodes. */
  applyWorkload(name: string, nodeShare = 1): void {
    const w = this.named(name);
    w.applied = true;
    w.deleting = false;
    w.nodeShare = nodeShare;
    this.wake();
  }

  /** Adds a workload mid-run (its request classes join the table) and applies it. */
  applyWorkloadSpec(spec: WorkloadSpec, nodeShare = 1): void {
    if (!this.workloads.some((w) => w.name === spec.name)) {
      this.workloads.push(new Workload(spec));
      this.rebuild();
    }
    this.applyWorkload(spec.name, nodeShare);
  }

  /** Deletes a workload: its pods terminate over the grace period. */
  deleteWorkload(name: string): void {
    const w = this.named(name);
    w.applied = false;
    w.deleting = true;
    this.wake();
  }

  /**
   * Routes a workload's requests to the rollout fence's level or to quarantine (on), or back (off): its
   * FlowSchema matching the workload's identity got through. Quarantine wins over the fence.
   */
  routeWorkload(name: string, to: 'fence' | 'quarantine', on: boolean): void {
    const w = this.named(name);
    const route = to === 'fence' ? routeFenced : routeQuarantined;
    if (w.spec && !(w.routes & (1 << route)))
      throw badInput(`workload "${name}" in ${this.name}: no ${to} level to route to`);
    if (to === 'fence') w.fenced = on;
    else w.quarantined = on;
    this.wake();
  }

  /** Sets the node count (the workloads' desired replicas and every class's cost follow). */
  setNodes(nodes: number): void {
    this.nodeCount = nodes;
    this.recost();
  }

  /** Scales the API servers: their number, memory or cores (unchanged where not given). */
  scaleApiServers(to: {
    readonly apiServers?: number;
    readonly memoryGiB?: number;
    readonly cores?: number;
  }): void {
    const calibration = {
      ...this.cpSpec.calibration,
      ...(to.memoryGiB ? { memoryGiB: to.memoryGiB } : {}),
      ...(to.cores ? { cores: to.cores } : {}),
    };
    this.cpSpec = { ...this.cpSpec, apiServers: to.apiServers ?? this.cpSpec.apiServers, calibration };
    this.recost();
  }

  /** Blocks (or restores) the nodes' network access to the admin API; CoreDNS stays allow-listed. */
  blockAdminApi(on: boolean): void {
    this.adminBlocked = on;
    this.wake();
  }

  /** Shifts the cluster's customer traffic to other clusters (or back): the fleet's error ratio changes. */
  shiftTraffic(on: boolean): void {
    this.shiftedAway = on;
    this.onChange?.();
  }

  /**
   * Adds or changes priority levels and flow schemas (by name) or deletes flow schemas: every class is
   * classified again, and queued, executing and retrying work carries over to its new level.
   */
  configureApf(change: ApfChange): void {
    this.cpSpec = mergeApf(this.cpSpec, change, this.name);
    this.rebuild();
  }

  /** Adds `ratePerS` requests per second to a class until `untilS` (see InjectedLoad). */
  injectLoad(load: InjectedLoad): void {
    const i = this.table.indexOf(load.classId);
    const c = this.table.classes[i];
    if (!c || c.kind === 'watch' || this.table.workloadClass[i])
      throw badInput(`no request class "${load.classId}" in ${this.name} to inject load into`);
    this.injections.push(load);
    this.applyInjections();
    this.wake();
  }

  private named(name: string): Workload {
    const w =
      name === this.changeWorkload.name ? this.changeWorkload : this.workloads.find((x) => x.name === name);
    if (!w) throw badInput(`no workload "${name}" in ${this.name}`);
    return w;
  }

  /** Something outside changed: simulate every step again until the cluster settles. */
  private wake(): void {
    this.onChange?.();
    this.materialize();
    this.quietSteps = 0;
    this.restingNow = false;
    this.replay.reset();
  }

  /** Costs every class again for the current shape and API servers. */
  private recost(): void {
    this.materialize();
    const shape = this.shape();
    this.table.recost(this.tableInput());
    this.servers.recosted();
    this.servers.residentBytes = residentMemoryBytes(shape, this.cpSpec.calibration);
    this.servers.calib = this.cpSpec.calibration;
    this.servers.apiServers = this.cpSpec.apiServers;
    this.clusterDns.setServiceNames(serviceNames(shape));
    this.wake();
  }

  /** Builds the class table and control plane again (classes changed), carrying the state over by id. */
  private rebuild(): void {
    this.materialize();
    const old = this.table;
    this.table = new ClassTable(this.tableInput());
    this.table.carryFrom(old);
    this.servers = new ControlPlane({
      classes: this.table.classes,
      limits: this.table.limits,
      calibration: this.cpSpec.calibration,
      apiServers: this.cpSpec.apiServers,
      residentBytes: this.servers.residentBytes,
      stepS: this.stepS,
      rng: this.serverRng,
      carryFrom: this.servers,
    });
    this.applyInjections();
    this.blockApplied = false;
    this.replay.resized();
    this.classesVersion++;
    this.version++;
    this.wake();
  }

  /** Writes the injected loads still running into the table's rates. */
  private applyInjections(): void {
    const t = this.table;
    t.extraRate.fill(0);
    let endS = Number.POSITIVE_INFINITY;
    for (const load of this.injections) {
      const i = t.indexOf(load.classId);
      if (i >= 0) t.extraRate[i] = (t.extraRate[i] ?? 0) + load.ratePerS;
      endS = Math.min(endS, load.untilS);
    }
    this.injectionEndS = endS;
    t.setBaseArrivals();
  }

  private expireInjections(nowS: number): void {
    this.injections = this.injections.filter((l) => l.untilS > nowS);
    this.applyInjections();
    this.wake();
  }

  // ---- The step ----

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
    this.simulateStep(nowS, dt, changing);
  }

  /** A step simulated in full: arrivals, the control plane, DNS, readings. */
  private simulateStep(nowS: number, dt: number, changing: boolean): void {
    const t = this.table;
    const { arrivals, blockedMask, routeOf, baseArrivals, perPodRate, watchers } = t;
    // A loop rather than set(): for a few dozen entries the builtin's call costs more than the stores.
    for (let i = 0; i < baseArrivals.length; i++) arrivals[i] = baseArrivals[i] ?? 0;
    // A workload stream's rate follows its ready pods: ready / everySeconds (precomputed per class), on the
    // copy of the class its current routing (own level, fenced or quarantined) sends it to.
    const workloads = this.workloads;
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
        // A new pod's informers start with a LIST.
        const relists = wl.relists;
        for (let k = 0; k < relists.length; k++) {
          const i = relists[k] ?? 0;
          if (routeOf[i] === route) arrivals[i] = (arrivals[i] ?? 0) + started;
        }
      }
    }
    if (this.blockApplied !== this.adminBlocked) {
      this.blockApplied = this.adminBlocked;
      if (this.adminBlocked) blockedMask.set(t.blockableMask);
      else blockedMask.fill(0);
    }
    if (t.lookupIndex >= 0) arrivals[t.lookupIndex] = this.clusterDns.reading.apiLookupsPerS * dt;

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
    const dnsReading = this.clusterDns.step(this.nodeCount, this.lastLookupSuccess);
    const errorRatio = this.config.dataPlane.dnsDependentRatio * dnsReading.failureRatio;
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
  private lookupAnsweredInTime(): number {
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

  /** Share of a class's requests answered this step; NaN when none arrived. */
  successRatio(i: number): number {
    if (i < 0) return Number.NaN;
    this.materialize();
    const o = this.servers.out;
    const done = (o.succeeded[i] ?? 0) + (o.rejected[i] ?? 0) + (o.timedOut[i] ?? 0) + (o.failedDown[i] ?? 0);
    return done > 1e-9 ? (o.succeeded[i] ?? 0) / done : Number.NaN;
  }

  /**
   * True when the last step changed nothing and nothing is due to change: no 429s, nothing queued or
   * scheduled, DNS at rest, every API server up with its watch cache ready, requests in flight the same
   * as the step before (a steady load, even one with a trickle of timeouts), and no injected load to end.
   */
  private isSettled(nowS: number): boolean {
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
      this.injectionEndS === Number.POSITIVE_INFINITY
    );
  }

  /** Drops a workload's queued work and scheduled retries: its pods are gone. */
  private forgetWorkload(w: Workload): void {
    w.gone = false;
    this.materialize();
    const classes = w.classes;
    for (let k = 0; k < classes.length; k++) {
      const i = classes[k] ?? 0;
      this.servers.forget(i);
      this.table.watchers[i] = 0;
    }
  }

  /**
   * p99 latency of the requests the last step finished (see latency.ts); the timeout while no server
   * answered. A replayed step's is its phase's, measured once per orbit.
   */
  p99LatencyS(): number {
    if (this.readings.down) return this.servers.requestTimeoutS;
    if (this.replay.replaying && this.steppedLast) return this.replay.lastPhaseP99(this.measureP99);
    return this.measureP99();
  }

  private readonly measureP99 = (): number => {
    this.materialize();
    return p99LatencyS(this.servers, this.servers.slowdown);
  };

  // ---- Orbit replay (sim/fast) ----

  /** Period of the orbit being replayed (0 when none). */
  get orbitPeriod(): number {
    return this.replay.periodSteps;
  }

  /** Readings of the `k`-th step from now on along the orbit being replayed (null when not replaying). */
  orbitReadingsAhead(k: number): ClusterReadings | null {
    return this.replay.readingsAhead(k);
  }

  /**
   * Writes the state of the phase last replayed into the control plane, DNS and the cluster's own fields.
   * A replayed step only hands on the phase's readings and leaves the state where the replay began: nothing
   * in the cluster reads it until a step is simulated again, a command changes the cluster, or a reader
   * outside looks at it, and each of those brings it up to date first.
   */
  materialize(): void {
    if (!this.behind) return;
    this.behind = false;
    const p = this.replay.restore();
    if (!p?.readings || !p.dnsReading) return;
    this.readings = p.readings;
    this.clusterDns.reading = p.dnsReading;
  }

  /** Looks for (and records) a periodic orbit after a simulated step. */
  private trackOrbit(nowS: number, changing: boolean): void {
    const r = this.readings;
    if (
      !this.replayOn ||
      changing ||
      r.down ||
      r.rejected429 !== 0 ||
      this.quietSteps !== 0 ||
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
  private replayStep(): boolean {
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
    return this.servers.stateLength + this.clusterDns.stateLength + 1 + this.table.lastExecuting.length + 12;
  }

  /** Writes everything a steady step evolves or shows, but the node caches (see Orbit). */
  saveState(into: Float64Array, at: number): number {
    let k = this.servers.saveState(into, at);
    k = this.clusterDns.saveState(into, k);
    into[k++] = this.lastLookupSuccess;
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
    into[k++] = this.quietSteps;
    return k;
  }

  stateSlot(j: number): [Float64Array, number] | null {
    const cpLength = this.servers.stateLength;
    const dnsLength = this.clusterDns.stateLength;
    if (j < cpLength) return this.servers.stateSlot(j);
    if (j < cpLength + dnsLength) return this.clusterDns.stateSlot(j - cpLength);
    const last = this.table.lastExecuting;
    const e = j - cpLength - dnsLength - 1;
    return e >= 0 && e < last.length ? [last, e] : null;
  }

  /** Restores the scalars of what saveState wrote (the readings come with the phase, see materialize). */
  loadScalars(from: Float64Array, at: number): number {
    let k = this.servers.loadScalars(from, at);
    k = this.clusterDns.loadScalars(from, k);
    const lastLookupSuccess = from[k++] ?? 0;
    if (!Object.is(this.lastLookupSuccess, lastLookupSuccess)) this.lastLookupSuccess = lastLookupSuccess;
    k += this.table.lastExecuting.length;
    // A counter (0 all along an orbit): kept a small integer so that the field stays one.
    this.quietSteps = (from[k + 11] ?? 0) | 0;
    return k + 12;
  }
}

/** Service names CoreDNS resolves (one per Service object of the shape). */
function serviceNames(shape: ClusterShape): number {
  const svc = findResource('services');
  return svc ? objectCount(svc, shape) : 100;
}
