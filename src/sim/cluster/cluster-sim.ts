import { badInput } from '../../core/errors.js';
import { residentMemoryBytes, watchCacheLoadSeconds } from '../../cost/steady-state.js';
import { mergeApf, type ApfChange } from './apf-change.js';
import { ClassTable } from './class-table.js';
import { ClusterStep } from './cluster-step.js';
import { serviceNames, type ClusterSimOptions, type InjectedLoad } from './cluster-state.js';
import { ControlPlane } from './control-plane.js';
import { routeFenced, routeQuarantined, Workload, type WorkloadSpec } from './workload.js';

export { changeRoute, controllerFlowId, fencedSuffix, quarantinedSuffix } from './class-table.js';
export type { ClusterSimOptions, InjectedLoad } from './cluster-state.js';

/**
 * One cluster: its API servers (ControlPlane), its DNS (ClusterDns), the data plane's errors and its
 * workloads' pods. Load from the workloads and from DNS misses enters the control plane as request
 * classes; what the control plane answers feeds back into DNS and the data plane on the next step.
 *
 * Everything outside changes the cluster through its commands (apply or delete a workload, set nodes,
 * scale API servers, block the admin API, shift traffic, route a workload, change APF objects, inject
 * load): each wakes the cluster, so a cluster at rest or replaying an orbit simulates again.
 */
export class ClusterSim extends ClusterStep {
  constructor(opts: ClusterSimOptions) {
    super(opts);
    this.settleBaseline();
  }

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

  /**
   * Takes every API server of the cluster down until `untilS` (s since the start): nothing answers, then
   * they come back together, re-initialise their watch caches and take the informers' relists.
   */
  takeApiServersDown(untilS: number): void {
    this.materialize();
    this.servers.takeDown(untilS);
    this.wake();
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
    if (!(load.ratePerS > 0) || Number.isNaN(load.untilS))
      throw badInput(`injected load on ${this.name}: a rate above 0 and an end time`);
    this.injections.push(load);
    this.applyInjections();
    this.wake();
  }

  /** Costs every class again for the current shape and API servers. */
  private recost(): void {
    this.materialize();
    const shape = this.shape();
    this.table.recost(this.tableInput());
    this.servers.recosted();
    this.servers.residentBytes = residentMemoryBytes(shape, this.cpSpec.calibration);
    this.servers.watchCacheLoadS = watchCacheLoadSeconds(shape, this.cpSpec.calibration);
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
      watchCacheLoadS: this.servers.watchCacheLoadS,
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

  /** Runs a few minutes at the baseline so queues and executing requests start at their steady state. */
  private settleBaseline(): void {
    for (let t = -300; t < 0; t += this.stepS) this.step(t);
  }
}
