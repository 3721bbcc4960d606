import { replicasFor } from '../../model/api-profile.js';
import { badInput } from '../../core/errors.js';
import type { Rng } from '../../core/random.js';
import {
  residentMemoryBytes,
  watchCacheLoadSeconds,
  type ControlPlaneSpec,
} from '../../cost/steady-state.js';
import type { LevelLimits } from '../../cost/apf-capacity.js';
import { findResource, objectCount, type ClusterShape } from '../../model/resources.js';
import type { ClusterConfig } from '../../config/scenario.js';
import { OrbitReplay } from '../fast/orbit-replay.js';
import type { StateSnapshot } from '../fast/snapshot.js';
import { newFastStats, type FastStats } from '../fast/tuning.js';
import type { ClusterApfExtras } from './apf-change.js';
import { ClassTable, type ClassTableInput } from './class-table.js';
import { ControlPlane } from './control-plane.js';
import { EtcdLoad } from './etcd-load.js';
import { ClusterDns } from './dns.js';
import { p99LatencyS } from './latency.js';
import { initialReadings, type ClusterReadings, type MutableReadings } from './readings.js';
import type { RequestClass } from './request-class.js';
import { Workload, type WorkloadSpec, type WorkloadStatus } from './workload.js';

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
 * What a simulated cluster holds (see ClusterSim): its configuration, API servers, DNS, class table,
 * workloads, last readings and the flags the commands set; what readers outside see of it; and the
 * record an orbit replay saves and restores (StateSnapshot, implemented by ClusterStep).
 */
export abstract class ClusterState implements StateSnapshot {
  readonly name: string;
  readonly initialNodes: number;
  readonly config: ClusterConfig;
  readonly stepS: number;
  protected nodeCount: number;
  protected cpSpec: ControlPlaneSpec;
  /** Outside readers go through `cp` and `dns`, which first bring a replay's state up to date. */
  protected servers: ControlPlane;
  protected readonly clusterDns: ClusterDns;
  /** etcd behind the API servers: its load, write latency and the nodes NotReady it causes. */
  protected readonly etcd: EtcdLoad;
  protected table: ClassTable;
  /** The scenario's change (a placeholder without a spec when it has none) and every workload stepped. */
  protected readonly changeWorkload: Workload;
  protected readonly workloads: Workload[];
  /** Whether the table's blocked mask holds the admin-API block (it is rewritten only when it changes). */
  protected blockApplied = false;
  protected adminBlocked = false;
  protected shiftedAway = false;
  /** Called whenever a command changes the cluster (see wake) or shifts its traffic. */
  onChange: (() => void) | null = null;
  /**
   * The last step's readings: valid until the next step, which overwrites them (keep a copyReadings).
   * During an orbit replay, the recorded phase's (its own copy).
   */
  readings: ClusterReadings;
  protected readonly ownReadings: MutableReadings;
  protected quietSteps = 0;
  /**
   * Set when a step found the cluster at rest with its pods as desired: until a command wakes it, each
   * step would find the same, so it returns before touching anything else (most clusters rest most of
   * the run).
   */
  protected restingNow = false;
  /** Bumped on every simulated (non-quiet) step and rebuild: readers cache what they derive from the state. */
  version = 0;
  /** Bumped when the class table is rebuilt: readers cache class indexes. */
  classesVersion = 0;
  /** False when the last step was skipped because nothing could change (readings are as before). */
  steppedLast = true;
  /** True when replayed steps left the state behind the readings (see materialize). */
  protected behind = false;
  /** True when the last step replayed a quiet orbit (see OrbitReplay.quiet). */
  quietReplay = false;
  /**
   * Stays the same while the cluster's readings repeat by themselves: the version of its last simulated
   * step while it rests, minus the orbit's run number while it replays one (a simulated step changes it).
   */
  courseToken = 0;
  protected lastLookupSuccess = Number.NaN;
  /** CoreDNS's informer LISTs: the share last answered, and the API servers' OOM kills it has seen. */
  protected lastSyncSuccess = Number.NaN;
  protected seenOomKills = 0;
  /** Last inputs and result of the lookups' in-time share (see lookupAnsweredInTime). */
  protected inTimeBudgetS = Number.NaN;
  protected inTimeServiceS = Number.NaN;
  protected inTimeShare = Number.NaN;
  protected readonly replay: OrbitReplay;
  protected readonly replayOn: boolean;
  protected readonly apf: ClusterApfExtras;
  protected readonly serverRng: Rng;
  protected injections: InjectedLoad[] = [];
  /** When the first injected load ends (+∞ while none). */
  protected injectionEndS = Number.POSITIVE_INFINITY;

  constructor(opts: ClusterSimOptions) {
    const { config, stepS } = opts;
    const extra = opts.apf ?? {};
    // Fractions and flags first changed mid-run are pinned (docs/perf.md, "Shape pinning").
    this.lastLookupSuccess = 1;
    this.lastSyncSuccess = 1;
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
      watchCacheLoadS: watchCacheLoadSeconds(shape, this.cpSpec.calibration),
      stepS,
      rng: this.serverRng,
    });
    this.clusterDns = new ClusterDns(config.dns, config.dataPlane, stepS, serviceNames(shape));
    this.etcd = new EtcdLoad(stepS);
    this.replayOn = opts.orbitReplay ?? true;
    this.replay = new OrbitReplay(this, opts.stats ?? newFastStats());
    this.ownReadings = initialReadings();
    this.readings = this.ownReadings;
  }

  protected tableInput(): ClassTableInput {
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

  /**
   * First attempts per second of a workload stream class (ready pods × its per-pod rate), whatever route
   * the workload takes now; 0 for other classes. Retries come on top.
   */
  firstAttemptsPerS(i: number): number {
    return this.changeWorkload.ready * (this.table.perPodRate[i] ?? 0);
  }

  /** The change's replicas on all nodes and the pods its controller starts per second (0 when no change). */
  changeAtFullShare(): { replicas: number; podsStartPerS: number } {
    const spec = this.changeWorkload.spec;
    if (!spec) return { replicas: 0, podsStartPerS: 0 };
    const replicas = this.changeWorkload.daemonSet ? this.nodeCount : replicasFor(spec, this.nodeCount);
    return { replicas, podsStartPerS: spec.podsStartPerS };
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
   * p99 latency of the requests the last step finished (see latency.ts); the timeout while no server
   * answered. A replayed step's is its phase's, measured once per orbit.
   */
  p99LatencyS(): number {
    if (this.readings.down) return this.servers.requestTimeoutS;
    if (this.replay.replaying && this.steppedLast) return this.replay.lastPhaseP99(this.measureP99);
    return this.measureP99();
  }

  protected readonly measureP99 = (): number => {
    this.materialize();
    return p99LatencyS(this.servers, this.servers.slowdown);
  };

  /**
   * p99 latency of everyone's requests but the classes `exclude` marks (the change's own): what the
   * change does to others' latency, for the rollout's gates. Same timing rules as p99LatencyS.
   */
  p99LatencyExcludingS(exclude: Uint8Array): number {
    if (this.readings.down) return this.servers.requestTimeoutS;
    const measure = (): number => {
      this.materialize();
      return p99LatencyS(this.servers, this.servers.slowdown, exclude);
    };
    if (this.replay.replaying && this.steppedLast) return this.replay.lastPhaseP99(measure, 1);
    return measure();
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

  protected named(name: string): Workload {
    const w =
      name === this.changeWorkload.name ? this.changeWorkload : this.workloads.find((x) => x.name === name);
    if (!w) throw badInput(`no workload "${name}" in ${this.name}`);
    return w;
  }

  /** Something outside changed: simulate every step again until the cluster settles. */
  protected wake(): void {
    this.onChange?.();
    this.materialize();
    this.quietSteps = 0;
    this.restingNow = false;
    this.replay.reset();
  }

  /** Writes the injected loads still running into the table's rates. */
  protected applyInjections(): void {
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

  abstract step(nowS: number): void;
  abstract get stateLength(): number;
  abstract saveState(into: Float64Array, at: number): number;
  abstract stateSlot(j: number): [Float64Array, number] | null;
  abstract loadScalars(from: Float64Array, at: number): number;
}

/** Service names CoreDNS resolves (one per Service object of the shape). */
export function serviceNames(shape: ClusterShape): number {
  const svc = findResource('services');
  return svc ? objectCount(svc, shape) : 100;
}
