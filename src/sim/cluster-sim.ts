import { levelLimits, type LevelLimits } from '../cost/apf-capacity.js';
import { baselineFlows, changeFlows, type FlowSpec } from '../cost/flows.js';
import { costFlows, residentMemoryBytes, type ControlPlaneSpec } from '../cost/steady-state.js';
import { serviceAccountIdentity, type RequestIdentity } from '../model/apf.js';
import { findResource, objectCount, type ClusterShape } from '../model/resources.js';
import { replicasFor } from '../model/api-profile.js';
import { ControlPlane } from './control-plane.js';
import type { Rng } from '../core/random.js';
import { ClusterDns, copyDnsReading, type DnsReading } from './dns.js';
import { Orbit, orbitReplay } from './cluster-orbit.js';
import { p99LatencyS } from './latency.js';
import { isQuiet } from './detectors.js';
import { buildClasses, isCacheServed, type RequestClass } from './request-class.js';
import type { ClusterConfig, SimChange } from '../config/scenario.js';
import type { ClusterApfExtras } from './apf-extras.js';
import { copyReadings, initialReadings, type ClusterReadings, type MutableReadings } from './readings.js';

/** How long a resolver waits for an answer (glibc `timeout:5`, reference §3.7). */
const dnsClientTimeoutS = 5;

/** Flow id of the rollout controller's own requests (present when a controller identity is given). */
export const controllerFlowId = 'rampart';

/** Suffixes of the fenced and quarantined copies of the change's request classes. */
export const fencedSuffix = ':fenced';
export const quarantinedSuffix = ':quarantined';

/** The routing a change class id is the copy for: 0 the change's own level, 1 fenced, 2 quarantined. */
export function changeRoute(id: string): number {
  return id.includes(quarantinedSuffix) ? 2 : id.includes(fencedSuffix) ? 1 : 0;
}

/** Seconds a deleted pod takes to stop (default terminationGracePeriodSeconds). */
const terminationS = 30;

/** The state of the change in one cluster. */
export interface ChangeState {
  applied: boolean;
  /** Share of nodes the change may run on (node-subset steps of a guarded rollout). */
  nodeShare: number;
  ready: number;
  deleting: boolean;
  /** Routed to the rollout fence's priority level (a guarded rollout in progress). */
  fenced: boolean;
  /** Routed to the quarantine level (an operator's `quarantine`); wins over the fence, as its schema does. */
  quarantined: boolean;
}

/**
 * One cluster: its API servers (ControlPlane), its DNS (ClusterDns), the data plane's errors and the
 * change's pods. Load from the change and from DNS misses enters the control plane as request classes;
 * what the control plane answers feeds back into DNS and the data plane on the next step.
 */
export class ClusterSim {
  readonly name: string;
  nodes: number;
  readonly initialNodes: number;
  readonly config: ClusterConfig;
  controlPlane: ControlPlaneSpec;
  /**
   * The API servers and DNS. Outside readers go through `cp` and `dns`, which first bring the state up
   * to date when an orbit replay left it behind (see materialize).
   */
  private readonly servers: ControlPlane;
  private readonly clusterDns: ClusterDns;
  readonly classes: readonly RequestClass[];
  readonly limits: readonly LevelLimits[];
  private readonly baseRate: Float64Array;
  /** Per step: base rate × step for classes other than the change's, 0 for the change's. */
  private readonly baseArrivals: Float64Array;
  /** The change's streams with a per-pod rate, and its watches. */
  private readonly changeStreams: Int32Array;
  private readonly changeWatches: Int32Array;
  /** Whether blockedMask holds the admin-API block (it is rewritten only when the block changes). */
  private blockApplied = false;
  private readonly arrivals: Float64Array;
  private readonly watchers: Float64Array;
  private readonly blockedMask: Uint8Array;
  private readonly changeClass: Uint8Array;
  private readonly changePerPodRate: Float64Array;
  private readonly changeWatch: Uint8Array;
  /**
   * Which routing of the change each change class is the copy for (0 its own level, 1 the rollout fence,
   * 2 quarantine): the change's load goes to the copies of its current routing.
   */
  private readonly routeOf: Uint8Array;
  private readonly blockableMask: Uint8Array;
  /** Classes whose failures count as others' (neither the change's nor a watch). */
  private readonly othersMask: Uint8Array;
  private readonly changeRelists: readonly number[];
  private readonly oncallIndex: number;
  private readonly controllerIndex: number;
  private readonly lookupIndex: number;
  // Fractions from the start (set to their values in the constructor) so that V8 keeps them as doubles
  // rather than changing every cluster's hidden class when the first rollout step makes them fractional.
  readonly change: ChangeState = {
    applied: false,
    nodeShare: Number.NaN,
    ready: Number.NaN,
    deleting: false,
    fenced: false,
    quarantined: false,
  };
  adminApiBlocked = false;
  private shiftedAway = false;
  /** Called whenever something outside changes the cluster (see wake) or shifts its traffic. */
  onChange: (() => void) | null = null;
  /**
   * The last step's readings: valid until the next step, which overwrites them (keep a copyReadings).
   * During an orbit replay, the recorded phase's (its own copy).
   */
  readings: ClusterReadings;
  private readonly ownReadings: MutableReadings;
  private quietSteps = 0;
  /**
   * Set when a step found the cluster at rest with its pods as desired; until something outside wakes it
   * (every change to the change's state, the nodes or the block goes through wake), each step would find
   * the same, so it returns before touching anything else (most clusters rest most of the run).
   */
  private restingNow = false;
  /** Bumped on every simulated (non-quiet) step: readers cache what they derive from the state. */
  version = 0;
  /** False when the last step was skipped because nothing could change (readings are as before). */
  steppedLast = true;
  /** True when replayed steps left the state behind the readings (see materialize). */
  private behind = false;
  /** Bumped each time a replay begins: steps replayed with the same number follow one orbit. */
  private orbitRun = 0;
  /** True when the last step replayed a quiet orbit (see quietOrbit). */
  quietReplay = false;
  /**
   * Stays the same while the cluster's readings repeat by themselves: the version of its last simulated
   * step while it rests, minus the orbit's run number while it replays one (a simulated step changes it).
   */
  courseToken = 0;
  /**
   * True when every phase of the orbit being replayed is quiet: nothing overloaded, rejected or failing,
   * and on-call's requests (if any) all answered. An idle detector that is fed only such readings stays
   * as it is.
   */
  private quietOrbit = false;
  private lastLookupSuccess = Number.NaN;
  /** Last inputs and result of the lookups' in-time share (see lookupAnsweredInTime). */
  private inTimeBudgetS = Number.NaN;
  private inTimeServiceS = Number.NaN;
  private inTimeShare = Number.NaN;
  private readonly lastExecuting: Float64Array;
  private readonly orbit: Orbit;
  /** Where each varying entry of the orbit's record lives (null: a scalar); see bindOrbit. */
  private orbitArrays: (Float64Array | null)[] = [];
  private orbitIndex = new Int32Array(0);

  constructor(
    config: ClusterConfig,
    private readonly changeSpec: SimChange | undefined,
    readonly stepS: number,
    rng: Rng,
    extra: ClusterApfExtras = {},
  ) {
    this.change.nodeShare = 1;
    this.change.ready = 0;
    // A fraction from the start (NaN, then its value), like the change's figures above.
    this.lastLookupSuccess = 1;
    // Flags first set mid-run (by the rollout, an operator or a policy): V8 treats a field never stored
    // since its initialiser as a constant, and the first store would deoptimise every optimised reader.
    // Storing the other value once here makes them ordinary mutable fields before any code is optimised.
    const c = this.change;
    c.applied = c.deleting = c.fenced = c.quarantined = true;
    c.applied = c.deleting = c.fenced = c.quarantined = false;
    this.adminApiBlocked = this.shiftedAway = true;
    this.adminApiBlocked = this.shiftedAway = false;
    this.daemonSet = changeSpec?.kind === 'DaemonSet';
    this.config = config;
    this.name = config.name;
    this.nodes = config.nodes;
    this.initialNodes = config.nodes;
    this.controlPlane = {
      ...config.controlPlane,
      priorityLevels: [...config.controlPlane.priorityLevels, ...(extra.priorityLevels ?? [])],
      flowSchemas: [...config.controlPlane.flowSchemas, ...(extra.flowSchemas ?? [])],
    };
    this.controllerIdentity = extra.controllerIdentity;
    this.fenceIdentity = extra.fenceIdentity;
    this.quarantineIdentity = extra.quarantineIdentity;
    const shape = this.shape();
    const costed = costFlows(this.flows(shape), shape, this.controlPlane);
    this.limits = levelLimits(
      this.controlPlane.priorityLevels,
      this.controlPlane.calibration.seats,
      this.controlPlane.calibration.maxListSeats,
    );
    this.classes = buildClasses(costed, this.limits);
    const n = this.classes.length;
    this.baseRate = new Float64Array(n);
    this.baseArrivals = new Float64Array(n);
    this.arrivals = new Float64Array(n);
    this.watchers = new Float64Array(n);
    this.blockedMask = new Uint8Array(n);
    this.lastExecuting = new Float64Array(n);
    this.changeClass = new Uint8Array(n);
    this.changePerPodRate = new Float64Array(n);
    this.changeWatch = new Uint8Array(n);
    this.routeOf = new Uint8Array(n);
    this.blockableMask = new Uint8Array(n);
    this.othersMask = Uint8Array.from(this.classes, (c) =>
      c.id.startsWith('change:') || c.kind === 'watch' ? 0 : 1,
    );
    this.classes.forEach((c, i) => {
      // The block cuts the nodes' workloads (kubelets, DaemonSets) off the API; CoreDNS stays allow-listed.
      if (c.origin === 'node' || c.origin === 'change') this.blockableMask[i] = 1;
      if (!c.id.startsWith('change:')) return;
      this.changeClass[i] = 1;
      this.routeOf[i] = changeRoute(c.id);
      const call = changeSpec?.calls[Number(c.id.split(':')[2])];
      if (c.kind === 'watch') this.changeWatch[i] = 1;
      if (c.kind === 'stream' && call?.everySeconds) this.changePerPodRate[i] = 1 / call.everySeconds;
    });
    this.changeStreams = Int32Array.from(
      this.classes.flatMap((_, i) => (this.changePerPodRate[i] ? [i] : [])),
    );
    this.changeWatches = Int32Array.from(this.classes.flatMap((_, i) => (this.changeWatch[i] ? [i] : [])));
    this.changeRelists = this.classes.flatMap((c, i) =>
      c.kind === 'relist' && c.relistOf !== null && this.changeClass[c.relistOf] ? [i] : [],
    );
    this.oncallIndex = this.classes.findIndex((c) => c.id === 'oncall');
    this.controllerIndex = this.classes.findIndex((c) => c.id === controllerFlowId);
    this.lookupIndex = this.classes.findIndex((c) => c.id === 'coredns-lookup');
    this.setBaseRates(costed.map((f) => f.spec));
    this.servers = new ControlPlane(
      this.classes,
      this.limits,
      this.controlPlane.calibration,
      this.controlPlane.apiServers,
      residentMemoryBytes(shape, this.controlPlane.calibration),
      stepS,
      rng.fork('apiservers'),
    );
    this.clusterDns = new ClusterDns(config.dns, config.dataPlane, stepS, this.serviceNames(shape));
    this.orbit = new Orbit(this.orbitStateLength());
    this.ownReadings = initialReadings();
    this.readings = this.ownReadings;
    this.warmUp();
  }

  /**
   * Whether the change is a DaemonSet, decided once: every cluster asks for its desired replicas every
   * step, and the scenario's kind string (not an interned one) compares by content.
   */
  private readonly daemonSet: boolean;
  private readonly controllerIdentity: RequestIdentity | undefined;
  private readonly fenceIdentity: RequestIdentity | undefined;
  private readonly quarantineIdentity: RequestIdentity | undefined;

  shape(): ClusterShape {
    return this.config.objects
      ? { nodes: this.nodes, podsPerNode: this.config.podsPerNode, objects: this.config.objects }
      : { nodes: this.nodes, podsPerNode: this.config.podsPerNode };
  }

  private serviceNames(shape: ClusterShape): number {
    const svc = findResource('services');
    return svc ? objectCount(svc, shape) : 100;
  }

  /** Baseline flows, CoreDNS's API lookups, and the change's calls (at full size; rates scale with ready pods). */
  private flows(shape: ClusterShape): FlowSpec[] {
    const flows = baselineFlows(shape, {
      corednsReplicas: this.config.dns.corednsReplicas,
      oncallUsers: this.config.oncallUsers,
    });
    flows.push({
      id: 'coredns-lookup',
      identity: serviceAccountIdentity('kube-system', 'coredns'),
      // A name lookup asks for the service's endpoint slices (a label-selected, namespaced LIST, consistent
      // read): cache-served, so it also gets "storage initializing" 429s after an API server restart.
      call: {
        verb: 'list',
        resource: 'endpointslices',
        scope: 'namespace',
        resourceVersion: '',
        everySeconds: 1,
      },
      ratePerS: 0,
      flowCount: 1,
      origin: 'dns',
    });
    if (this.changeSpec) flows.push(...changeFlows(this.changeSpec, 1));
    if (this.changeSpec && this.fenceIdentity) {
      // The same calls once more under an identity only the fence's FlowSchema matches: the simulator's way
      // to switch the change's routing at run time (in a cluster, creating the FlowSchema does that).
      for (const f of changeFlows(this.changeSpec, 1, this.fenceIdentity))
        flows.push({ ...f, id: `${f.id}${fencedSuffix}` });
    }
    if (this.changeSpec && this.quarantineIdentity) {
      for (const f of changeFlows(this.changeSpec, 1, this.quarantineIdentity))
        flows.push({ ...f, id: `${f.id}${quarantinedSuffix}` });
    }
    if (this.controllerIdentity) {
      // A rollout controller's own requests: it reads the change's status every few seconds [U: 0.2/s]. Its
      // success ratio is what decides whether its rollback (a DELETE) gets through. Not on the nodes, so a
      // block of the nodes' access to the admin API does not cut it.
      flows.push({
        id: controllerFlowId,
        identity: this.controllerIdentity,
        call: { verb: 'get', resource: 'daemonsets', scope: 'object', resourceVersion: '' },
        ratePerS: 0.2,
        flowCount: 1,
        origin: 'admin',
      });
    }
    return flows;
  }

  private setBaseRates(specs: readonly FlowSpec[]): void {
    for (const spec of specs) {
      const i = this.classes.findIndex((c) => c.id === spec.id);
      if (i < 0) continue;
      const c = this.classes[i];
      if (c?.kind === 'watch') this.watchers[i] = spec.ratePerS;
      else this.baseRate[i] = spec.ratePerS;
    }
    for (let i = 0; i < this.classes.length; i++)
      this.baseArrivals[i] = this.changeClass[i] ? 0 : (this.baseRate[i] ?? 0) * this.stepS;
  }

  /** Re-costs every class for the current shape (after nodes or API servers change). */
  recost(): void {
    this.materialize();
    const shape = this.shape();
    const costed = costFlows(this.flows(shape), shape, this.controlPlane);
    for (const f of costed) {
      const i = this.classes.findIndex((c) => c.id === f.spec.id);
      const c = this.classes[i];
      if (!c) continue;
      c.cost = f.cost;
      c.cacheServed = isCacheServed(f.cost);
      if (f.relistCost) {
        const r = this.classes[i + 1];
        if (r && r.kind === 'relist') r.cost = f.relistCost;
      }
    }
    this.servers.recosted();
    this.baseRate.fill(0);
    this.watchers.fill(0);
    this.setBaseRates(costed.map((f) => f.spec));
    this.servers.residentBytes = residentMemoryBytes(shape, this.controlPlane.calibration);
    this.servers.calib = this.controlPlane.calibration;
    this.servers.apiServers = this.controlPlane.apiServers;
    this.clusterDns.setServiceNames(this.serviceNames(shape));
    this.wake();
  }

  /** Something outside changed: simulate every step again until the cluster settles. */
  wake(): void {
    this.onChange?.();
    this.materialize();
    this.quietSteps = 0;
    this.restingNow = false;
    this.orbit.reset();
  }

  /** Runs a few minutes at the baseline so queues and executing requests start at their steady state. */
  private warmUp(): void {
    for (let t = -300; t < 0; t += this.stepS) this.step(t);
  }

  /** Desired replicas of the change right now. */
  desiredReplicas(): number {
    if (!this.changeSpec || !this.change.applied || this.change.deleting) return 0;
    const full = this.daemonSet ? this.nodes : replicasFor(this.changeSpec, this.nodes);
    // A node-subset step labels ceil(share × nodes) nodes (the ClusterClient port's contract): never zero.
    return this.daemonSet ? Math.ceil(full * this.change.nodeShare - 1e-9) : full;
  }

  /** Advances one step at `nowS`. */
  step(nowS: number): void {
    if (this.restingNow) return;
    const dt = this.stepS;
    const change = this.change;
    const spec = this.changeSpec;
    // Pods of the change start (or stop) at the controller's pace.
    let started = 0;
    const desired = this.desiredReplicas();
    const changing = change.ready !== desired;
    if (spec) {
      if (change.ready < desired) {
        started = Math.min(desired - change.ready, spec.podsStartPerS * dt);
        change.ready += started;
      } else if (change.ready > desired) {
        const stopRate = change.deleting ? Math.max(1, change.ready) / terminationS : spec.podsStartPerS;
        change.ready = Math.max(desired, change.ready - stopRate * dt);
        if (change.ready <= desired + 1e-9) change.ready = desired;
        if (change.ready === 0) {
          this.forgetChange();
          // Deleted and gone: a later delete finds nothing to delete.
          if (!change.applied) change.deleting = false;
        }
      }
    }
    // At rest (checked when the quiet streak began), nothing changes until something outside wakes it.
    if (this.quietSteps > 3 && !changing) {
      this.steppedLast = false;
      this.quietReplay = false;
      this.restingNow = true;
      return;
    }
    this.steppedLast = true;
    if (this.orbit.replaying) {
      if (!changing && this.replayStep()) {
        this.quietReplay = this.quietOrbit;
        this.version++;
        this.courseToken = -this.orbitRun;
        return;
      }
      this.materialize();
      this.orbit.reset();
    }
    this.quietReplay = false;

    const { classes, arrivals, blockedMask, routeOf } = this;
    // A loop rather than set(): for a few dozen entries the builtin's call costs more than the stores.
    const baseArrivals = this.baseArrivals;
    for (let i = 0; i < baseArrivals.length; i++) arrivals[i] = baseArrivals[i] ?? 0;
    // A change stream's rate follows its ready pods: ready / everySeconds (precomputed per class), on the
    // copy of the class its current routing (own level, fenced or quarantined) sends it to.
    const route = change.quarantined ? 2 : change.fenced ? 1 : 0;
    const streams = this.changeStreams;
    const perPod = this.changePerPodRate;
    for (let k = 0; k < streams.length; k++) {
      const i = streams[k] ?? 0;
      arrivals[i] = routeOf[i] === route ? change.ready * (perPod[i] ?? 0) * dt : 0;
    }
    for (let k = 0; k < this.changeWatches.length; k++) {
      const i = this.changeWatches[k] ?? 0;
      this.watchers[i] = this.routeOf[i] === route ? change.ready : 0;
    }
    if (this.blockApplied !== this.adminApiBlocked) {
      this.blockApplied = this.adminApiBlocked;
      if (this.adminApiBlocked) blockedMask.set(this.blockableMask);
      else blockedMask.fill(0);
    }
    if (this.lookupIndex >= 0) this.arrivals[this.lookupIndex] = this.clusterDns.reading.apiLookupsPerS * dt;
    if (started > 0) {
      // A new pod's informers start with a LIST.
      for (const i of this.changeRelists) {
        if (this.routeOf[i] === route) this.arrivals[i] = (this.arrivals[i] ?? 0) + started;
      }
    }

    const wasDown = this.servers.isDown(nowS);
    this.servers.step(nowS, this.arrivals, this.blockedMask, this.watchers);
    const out = this.servers.out;
    const outRejected = out.rejected;
    const outTimedOut = out.timedOut;
    const outFailedDown = out.failedDown;
    const outArrived = out.arrived;
    const othersMask = this.othersMask;
    let rejected = 0;
    let timedOut = 0;
    let othersFailed = 0;
    let othersArrived = 0;
    let containedRejected = 0;
    for (let i = 0; i < classes.length; i++) {
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
    else if (this.servers.isDown(nowS)) this.lastLookupSuccess = 0;
    const dnsReading = this.clusterDns.step(this.nodes, this.lastLookupSuccess);
    const errorRatio = this.config.dataPlane.dnsDependentRatio * dnsReading.failureRatio;
    // Written in place: a step's readings are read before the next step, and kept only as copies.
    const r = this.ownReadings;
    r.seatUtilization = this.servers.seatUtilization;
    r.cpuUtilization = this.servers.cpuUtilization;
    r.memoryUtilization = this.servers.memoryUtilization;
    r.rejected429 = rejected;
    r.containedRejected429 = containedRejected;
    r.timedOut = timedOut;
    r.down = wasDown || this.servers.isDown(nowS);
    r.dnsFailureRatio = dnsReading.failureRatio;
    r.errorRatio = errorRatio;
    r.oncallSuccess = this.successRatio(this.oncallIndex);
    r.othersFailed = othersFailed;
    r.othersArrived = othersArrived;
    this.readings = r;
    this.quietSteps = this.isSettled(nowS) ? this.quietSteps + 1 : 0;
    this.version++;
    this.courseToken = this.version;
    this.trackOrbit(nowS, changing);
  }

  /** True while the cluster's customer traffic is shifted to other clusters (an operator action). */
  get trafficShifted(): boolean {
    return this.shiftedAway;
  }

  set trafficShifted(on: boolean) {
    this.shiftedAway = on;
    this.onChange?.();
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

  /**
   * Writes the state of the phase last replayed into the control plane, DNS and the cluster's own fields.
   * A replayed step only hands on the phase's readings and leaves the state where the replay began (the
   * orbit's base): nothing in the cluster reads it until a step is simulated again, something outside
   * changes the cluster, or a reader outside looks at it, and each of those brings it up to date first.
   */
  materialize(): void {
    if (!this.behind) return;
    this.behind = false;
    const k = this.orbit.lastPhaseIndex;
    const p = this.orbit.phaseAt(k);
    if (!p?.readings || !p.dnsReading) return;
    const arrays = this.orbitArrays;
    const index = this.orbitIndex;
    const values = this.orbit.varyingValues;
    const at = k * arrays.length;
    for (let m = 0; m < arrays.length; m++) {
      const a = arrays[m];
      if (a) a[index[m] ?? 0] = values[at + m] ?? 0;
    }
    this.loadOrbitScalars(p.state, p.readings, p.dnsReading);
  }

  /** Period of the orbit being replayed (0 when none). */
  get orbitPeriod(): number {
    return this.orbit.replaying ? this.orbit.periodSteps : 0;
  }

  /** Readings of the `k`-th step from now on along the orbit being replayed (null when not replaying). */
  orbitReadingsAhead(k: number): ClusterReadings | null {
    return this.orbit.replaying ? this.orbit.readingsAhead(k) : null;
  }

  /**
   * p99 latency of the requests the last step finished (see latency.ts); the timeout while no server
   * answered. A replayed step's is its phase's, measured once per orbit.
   */
  p99LatencyS(): number {
    if (this.readings.down) return this.servers.requestTimeoutS;
    if (this.orbit.replaying && this.steppedLast) return this.orbit.lastPhaseP99(this.measureP99);
    return this.measureP99();
  }

  private readonly measureP99 = (): number => {
    this.materialize();
    return p99LatencyS(this.servers, this.servers.slowdown);
  };

  /** Looks for (and records) a periodic orbit after a simulated step; see Orbit. */
  private trackOrbit(nowS: number, changing: boolean): void {
    const r = this.readings;
    if (
      !orbitReplay.enabled ||
      changing ||
      r.down ||
      r.rejected429 !== 0 ||
      this.quietSteps !== 0 ||
      !this.servers.isSteady(nowS)
    ) {
      this.orbit.reset();
      return;
    }
    const dnsReading = this.clusterDns.reading;
    const into = this.orbit.observe(
      r.cpuUtilization,
      r.memoryUtilization,
      r.othersArrived,
      dnsReading.apiLookupsPerS,
    );
    if (!into) return;
    if (!this.servers.isRetryRingEmpty()) {
      this.orbit.reset();
      return;
    }
    this.saveOrbitState(into);
    this.orbit.saved(
      copyReadings(r),
      copyDnsReading(dnsReading),
      dnsReading.nodeCacheMissRatio,
      this.clusterDns.nodeCacheFull,
    );
    if (this.orbit.replaying) this.bindOrbit();
  }

  /** Finds where each varying entry of the orbit's record lives (scalars are restored separately). */
  private bindOrbit(): void {
    this.orbitRun++;
    this.quietOrbit = this.orbit.everyPhase(isQuiet);
    const varying = this.orbit.varying;
    this.orbitArrays = [];
    this.orbitIndex = new Int32Array(varying.length);
    const cpLength = this.servers.stateLength;
    const dnsLength = this.clusterDns.stateLength;
    varying.forEach((j, m) => {
      let slot: [Float64Array, number] | null = null;
      if (j < cpLength) slot = this.servers.stateSlot(j);
      else if (j < cpLength + dnsLength) slot = this.clusterDns.stateSlot(j - cpLength);
      else {
        const e = j - cpLength - dnsLength - 1;
        if (e >= 0 && e < this.lastExecuting.length) slot = [this.lastExecuting, e];
      }
      this.orbitArrays.push(slot?.[0] ?? null);
      this.orbitIndex[m] = slot?.[1] ?? 0;
    });
  }

  /**
   * Replays the next step of the orbit when the node caches (which run live) behave as recorded; false
   * when they do not, with the node caches already stepped for the simulated step that must follow.
   */
  private replayStep(): boolean {
    const p = this.orbit.nextPhase;
    if (!p?.readings || !p.dnsReading) return false;
    const missRatio = this.clusterDns.advanceNodeCaches();
    if (!Object.is(missRatio, p.missRatio) || this.clusterDns.nodeCacheFull !== p.nodeCacheFull) return false;
    // The phase's state is written only when something needs it (see materialize).
    this.readings = p.readings;
    this.clusterDns.replayed(p.dnsReading);
    this.behind = true;
    this.orbit.advance();
    return true;
  }

  /** Length of the orbit state: the control plane's, DNS's (but its node caches), and the cluster's own. */
  private orbitStateLength(): number {
    return this.servers.stateLength + this.clusterDns.stateLength + 1 + this.lastExecuting.length + 12;
  }

  /** Writes everything a steady step evolves or shows, but the node caches (see Orbit). */
  private saveOrbitState(into: Float64Array): void {
    let k = this.servers.saveState(into, 0);
    k = this.clusterDns.saveState(into, k);
    into[k++] = this.lastLookupSuccess;
    into.set(this.lastExecuting, k);
    k += this.lastExecuting.length;
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
  }

  /**
   * Restores the scalars of what saveOrbitState wrote, with the readings objects recorded alongside (the
   * entries kept in arrays are restored by replayStep).
   */
  private loadOrbitScalars(from: Float64Array, readings: ClusterReadings, dnsReading: DnsReading): void {
    let k = this.servers.loadScalars(from, 0);
    k = this.clusterDns.loadScalars(from, k, dnsReading);
    const lastLookupSuccess = from[k++] ?? 0;
    if (!Object.is(this.lastLookupSuccess, lastLookupSuccess)) this.lastLookupSuccess = lastLookupSuccess;
    k += this.lastExecuting.length;
    this.readings = readings;
    // A counter (0 all along an orbit): kept a small integer so that the field stays one.
    this.quietSteps = (from[k + 11] ?? 0) | 0;
  }

  /**
   * Share of CoreDNS's API lookups answered before the DNS client gives up (glibc `timeout:5`, reference
   * §3.7): a lookup stuck behind a 15 s APF queue is a failed lookup even if the API answers it later.
   */
  private lookupAnsweredInTime(): number {
    const ratio = this.successRatio(this.lookupIndex);
    if (Number.isNaN(ratio)) return ratio;
    const waitS = this.servers.out.queueWaitS[this.lookupIndex] ?? 0;
    const serviceS = this.servers.serviceTimeS(this.lookupIndex) * this.servers.slowdown;
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
   * scheduled, DNS at rest, every API server up with its watch cache ready, and requests in flight the
   * same as the step before (a steady load, even one with a trickle of timeouts).
   */
  private isSettled(nowS: number): boolean {
    const r = this.readings;
    const exec = this.servers.executing;
    if (r.down || !(r.rejected429 < 1e-9)) {
      // Not settled whatever moved (most steps of an overloaded cluster): only remember what ran.
      const last = this.lastExecuting;
      for (let i = 0; i < exec.length; i++) last[i] = exec[i] ?? 0;
      return false;
    }
    let stationary = true;
    for (let i = 0; i < exec.length; i++) {
      const now = exec[i] ?? 0;
      const before = this.lastExecuting[i] ?? 0;
      if (Math.abs(now - before) > 1e-9 * Math.max(1, now)) stationary = false;
      this.lastExecuting[i] = now;
    }
    return (
      stationary &&
      !r.down &&
      r.rejected429 < 1e-9 &&
      !this.servers.hasPendingWork() &&
      this.clusterDns.atRest &&
      !this.servers.isDown(nowS) &&
      !this.servers.isInitializing(nowS)
    );
  }

  /** Drops the change's queued work and scheduled retries: its pods are gone. */
  private forgetChange(): void {
    this.materialize();
    this.classes.forEach((_, i) => {
      if (this.changeClass[i]) {
        this.servers.forget(i);
        this.watchers[i] = 0;
      }
    });
  }

  /** Index of the rollout controller's class (-1 unless a controller identity was given). */
  get controllerClass(): number {
    return this.controllerIndex;
  }

  /** Index of the on-call class (for lock-out checks). */
  get oncallClass(): number {
    return this.oncallIndex;
  }
}
