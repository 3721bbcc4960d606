import { levelLimits, type LevelLimits } from '../../cost/apf-capacity.js';
import { baselineFlows, changeFlows, type FlowSpec } from '../../cost/flows.js';
import { costFlows, type ControlPlaneSpec, type CostedFlow } from '../../cost/steady-state.js';
import { serviceAccountIdentity, type RequestIdentity } from '../../model/apf.js';
import type { ClusterShape } from '../../model/resources.js';
import type { ApiCall } from '../../model/api-profile.js';
import type { ClusterConfig } from '../../config/scenario.js';
import { classIndexMap } from './class-facts.js';
import { buildClasses, flowIdOf, isCacheServed, startUpSuffix, type RequestClass } from './request-class.js';
import { routeFenced, routeOwn, routeQuarantined, type Workload } from './workload.js';

/** Flow id of the rollout controller's own requests (present when a controller identity is given). */
export const controllerFlowId = 'rampart';

/** Suffixes of the fenced and quarantined copies of the change's request classes. */
export const fencedSuffix = ':fenced';
export const quarantinedSuffix = ':quarantined';

/** The routing a change class id is the copy for: 0 the change's own level, 1 fenced, 2 quarantined. */
export function changeRoute(id: string): number {
  return id.includes(quarantinedSuffix)
    ? routeQuarantined
    : id.includes(fencedSuffix)
      ? routeFenced
      : routeOwn;
}

/** Identities the simulator's APF additions route by (see ClusterApfExtras). */
export interface RouteIdentities {
  readonly controller: RequestIdentity | undefined;
  readonly fence: RequestIdentity | undefined;
  readonly quarantine: RequestIdentity | undefined;
}

/** What a cluster's request classes are built from. */
export interface ClassTableInput {
  readonly config: ClusterConfig;
  readonly shape: ClusterShape;
  readonly controlPlane: ControlPlaneSpec;
  /** The scenario's change: the workload the fence and quarantine copies are made for. */
  readonly change: Workload;
  /** Every workload in the cluster (the change first when the scenario has one). */
  readonly workloads: readonly Workload[];
  readonly identities: RouteIdentities;
  readonly stepS: number;
}

/** Where a flow comes from: a workload's call (and which copy of it), or nothing (-1). */
interface FlowOrigin {
  readonly workload: Workload | null;
  readonly call: ApiCall | null;
  readonly route: number;
}

/**
 * A cluster's request classes and the per-class arrays its step reads (docs/perf.md, "Flat arrays"):
 * baseline flows, CoreDNS's API lookups, each workload's calls (at one replica; rates scale with its
 * ready pods) with the change's fenced and quarantined copies, and the rollout controller's requests.
 * Built when the cluster is, and again when its priority levels, flow schemas or workloads change.
 */
export class ClassTable {
  readonly classes: readonly RequestClass[];
  readonly limits: readonly LevelLimits[];
  readonly baseRate: Float64Array;
  /** Extra requests per second injected per class (see ClusterSim.injectLoad). */
  readonly extraRate: Float64Array;
  /** Per step: (base + extra) rate × step for classes other than workloads', 0 for workloads'. */
  readonly baseArrivals: Float64Array;
  /** Scratch: this step's arrivals. */
  readonly arrivals: Float64Array;
  readonly watchers: Float64Array;
  /** The admin-API block's mask as applied (rewritten only when the block changes). */
  readonly blockedMask: Uint8Array;
  /** Classes the block cuts: the nodes' workloads (kubelets, DaemonSets); CoreDNS stays allow-listed. */
  readonly blockableMask: Uint8Array;
  /** Classes whose failures count as others' (neither a workload's nor a watch). */
  readonly othersMask: Uint8Array;
  /** 1 for a workload's classes. */
  readonly workloadClass: Uint8Array;
  /** Which copy of its workload's classes a class is (0 own level, 1 fenced, 2 quarantined). */
  readonly routeOf: Uint8Array;
  /** A workload stream's requests per second per ready pod. */
  readonly perPodRate: Float64Array;
  /** Requests per call: a paged LIST's pages (RequestCost.pages), 1 for everything else. */
  readonly pagesOf: Float64Array;
  /** etcd core-seconds per request (RequestCost.etcdCoreS: a range read from etcd, or a write). */
  readonly etcdCoreOf: Float64Array;
  /** etcd cores one executing request keeps busy on average: its etcd work over its service time. */
  readonly etcdBusyOf: Float64Array;
  /** A workload stream's calls per second per ready pod (1 / everySeconds; perPodRate is this × pages). */
  private readonly perPodCalls: Float64Array;
  /** Requests executing per class after the previous step (whether the load is stationary). */
  readonly lastExecuting: Float64Array;
  readonly oncallIndex: number;
  readonly controllerIndex: number;
  readonly lookupIndex: number;
  /** CoreDNS's informer LIST (what a restarted CoreDNS pod must get answered before it serves). */
  readonly corednsSyncIndex: number;
  private readonly stepS: number;

  constructor(input: ClassTableInput) {
    this.stepS = input.stepS;
    const { flows, origins } = clusterFlows(input);
    const cp = input.controlPlane;
    const costed = costFlows(flows, input.shape, cp);
    this.limits = levelLimits(cp.priorityLevels, cp.calibration.seats, cp.calibration.maxListSeats);
    const classes = buildClasses(costed, this.limits);
    this.classes = classes;
    const n = classes.length;
    this.baseRate = new Float64Array(n);
    this.extraRate = new Float64Array(n);
    this.baseArrivals = new Float64Array(n);
    this.arrivals = new Float64Array(n);
    this.watchers = new Float64Array(n);
    this.blockedMask = new Uint8Array(n);
    this.lastExecuting = new Float64Array(n);
    this.workloadClass = new Uint8Array(n);
    this.perPodRate = new Float64Array(n);
    this.perPodCalls = new Float64Array(n);
    this.pagesOf = new Float64Array(n);
    this.etcdCoreOf = new Float64Array(n);
    this.etcdBusyOf = new Float64Array(n);
    this.routeOf = new Uint8Array(n);
    this.blockableMask = new Uint8Array(n);
    const originOf = classes.map((c) => origins.get(flowIdOf(c)) ?? noOrigin);
    this.othersMask = Uint8Array.from(classes, (c, i) =>
      originOf[i]?.workload || c.kind === 'watch' ? 0 : 1,
    );
    classes.forEach((c, i) => {
      if (c.origin === 'node' || c.origin === 'change') this.blockableMask[i] = 1;
      const o = originOf[i];
      if (!o?.workload) return;
      this.workloadClass[i] = 1;
      this.routeOf[i] = o.route;
      if (c.kind === 'stream' && !c.startUp && o.call?.everySeconds)
        this.perPodCalls[i] = 1 / o.call.everySeconds;
    });
    this.setPages();
    for (const w of input.workloads) {
      const mine = (test: (c: RequestClass, i: number) => boolean): Int32Array =>
        Int32Array.from(classes.flatMap((c, i) => (originOf[i]?.workload === w && test(c, i) ? [i] : [])));
      const leader = (i: number): boolean => originOf[i]?.call?.replicas === 'leader';
      w.streams = mine((_, i) => (this.perPodRate[i] ?? 0) !== 0 && !leader(i));
      w.watches = mine((c, i) => c.kind === 'watch' && !leader(i));
      w.relists = mine((c, i) => c.kind === 'relist' && c.relistOf !== null && !leader(i));
      w.starts = mine((c, i) => c.startUp && !leader(i));
      w.leaderStreams = mine((_, i) => (this.perPodRate[i] ?? 0) !== 0 && leader(i));
      w.leaderWatches = mine((c, i) => c.kind === 'watch' && leader(i));
      w.leaderRelists = mine((c, i) => c.kind === 'relist' && c.relistOf !== null && leader(i));
      w.leaderStarts = mine((c, i) => c.startUp && leader(i));
      w.classes = mine(() => true);
    }
    input.change.routes =
      1 |
      (input.identities.fence ? 1 << routeFenced : 0) |
      (input.identities.quarantine ? 1 << routeQuarantined : 0);
    this.oncallIndex = classes.findIndex((c) => c.id === 'oncall');
    this.controllerIndex = classes.findIndex((c) => c.id === controllerFlowId);
    this.lookupIndex = classes.findIndex((c) => c.id === 'coredns-lookup');
    this.corednsSyncIndex = classes.findIndex((c) => c.id === 'coredns-watch:relist');
    this.setBaseRates(costed.map((f) => f.spec));
  }

  /** Takes over the previous table's per-class figures (by class id) when it replaces one mid-run. */
  carryFrom(old: ClassTable): void {
    const from = classIndexMap(this.classes, old.classes);
    from.forEach((j, i) => {
      if (j >= 0) this.lastExecuting[i] = old.lastExecuting[j] ?? 0;
    });
  }

  /** Costs every class again for `input`'s shape and control plane (after nodes or API servers change). */
  recost(input: ClassTableInput): void {
    const costed: CostedFlow[] = costFlows(clusterFlows(input).flows, input.shape, input.controlPlane);
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
      const s = this.classes[i + 1];
      if (s?.startUp && s.id === `${f.spec.id}${startUpSuffix}`) {
        s.cost = f.cost;
        s.cacheServed = c.cacheServed;
      }
    }
    this.setPages();
    this.baseRate.fill(0);
    this.watchers.fill(0);
    this.setBaseRates(costed.map((f) => f.spec));
  }

  /**
   * Pages per call, etcd work per request and the workload streams' per-pod rates from the classes' costs
   * (pages follow the cluster's size).
   */
  private setPages(): void {
    for (let i = 0; i < this.classes.length; i++) {
      const cost = this.classes[i]?.cost;
      const pages = cost?.pages ?? 1;
      this.pagesOf[i] = pages;
      this.etcdCoreOf[i] = cost?.etcdCoreS ?? 0;
      this.etcdBusyOf[i] = cost && cost.serviceS > 0 ? cost.etcdCoreS / cost.serviceS : 0;
      this.perPodRate[i] = (this.perPodCalls[i] ?? 0) * pages;
    }
  }

  /** Index of the class with this id (-1 when none). */
  indexOf(id: string): number {
    return this.classes.findIndex((c) => c.id === id);
  }

  /** Base rates (and open watches) from the flows' specs. */
  private setBaseRates(specs: readonly FlowSpec[]): void {
    for (const spec of specs) {
      const i = this.classes.findIndex((c) => c.id === spec.id);
      if (i < 0) continue;
      const c = this.classes[i];
      if (c?.kind === 'watch') this.watchers[i] = spec.ratePerS;
      else this.baseRate[i] = spec.ratePerS * (this.pagesOf[i] ?? 1);
    }
    this.setBaseArrivals();
  }

  /** Arrivals per step of the classes other than workloads' (base + injected rate). */
  setBaseArrivals(): void {
    const stepS = this.stepS;
    for (let i = 0; i < this.classes.length; i++)
      this.baseArrivals[i] = this.workloadClass[i]
        ? 0
        : ((this.baseRate[i] ?? 0) + (this.extraRate[i] ?? 0)) * stepS;
  }
}

const noOrigin: FlowOrigin = { workload: null, call: null, route: routeOwn };

/**
 * A cluster's flows, in the order their classes take: baseline, CoreDNS's API lookups, the change's calls
 * and their fenced and quarantined copies, the rollout controller's, then workloads added since.
 */
function clusterFlows(input: ClassTableInput): {
  flows: FlowSpec[];
  origins: Map<string, FlowOrigin>;
} {
  const { shape, config, change, identities } = input;
  const origins = new Map<string, FlowOrigin>();
  const flows = baselineFlows(shape, {
    corednsReplicas: config.dns.corednsReplicas,
    oncallUsers: config.oncallUsers,
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
  const addWorkload = (w: Workload, route: number, suffix: string, identity?: RequestIdentity): void => {
    if (!w.spec) return;
    const calls = w.spec.calls;
    changeFlows(w.spec, 1, identity).forEach((f, k) => {
      const id = `${f.id}${suffix}`;
      flows.push(suffix ? { ...f, id } : f);
      origins.set(id, { workload: w, call: calls[k] ?? null, route });
    });
  };
  addWorkload(change, routeOwn, '');
  // The same calls once more under an identity only the fence's (quarantine's) FlowSchema matches: the
  // simulator's way to switch the change's routing at run time (in a cluster, creating the FlowSchema does).
  if (identities.fence) addWorkload(change, routeFenced, fencedSuffix, identities.fence);
  if (identities.quarantine) addWorkload(change, routeQuarantined, quarantinedSuffix, identities.quarantine);
  if (identities.controller) {
    // A rollout controller's own requests: it reads the change's status every few seconds [U: 0.2/s]. Its
    // success ratio is what decides whether its rollback (a DELETE) gets through. Not on the nodes, so a
    // block of the nodes' access to the admin API does not cut it.
    flows.push({
      id: controllerFlowId,
      identity: identities.controller,
      call: { verb: 'get', resource: 'daemonsets', scope: 'object', resourceVersion: '' },
      ratePerS: 0.2,
      flowCount: 1,
      origin: 'admin',
    });
  }
  for (const w of input.workloads) if (w !== change) addWorkload(w, routeOwn, '');
  return { flows, origins };
}
