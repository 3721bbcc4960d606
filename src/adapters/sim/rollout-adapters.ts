import type { Rng } from '../../core/random.js';
import { breakEvenNodes, breakEvenSearchLimit } from '../../cost/break-even.js';
import { changeFlows } from '../../cost/flows.js';
import { fenceApf, fenceLevelName, rampartIdentity } from '../../apf/breakglass.js';
import type { FlowSchema, PriorityLevel, RequestIdentity } from '../../model/apf.js';
import { simBreakGlass, switchableRoute } from '../../sim/fleet/apf-extras.js';
import type { RolloutPolicyFile } from '../../config/policy-schema.js';
import type {
  ActionOutcome,
  ApplyRequest,
  ClusterClient,
  ClusterInfo,
  FenceRequest,
  FleetSupplier,
  RollbackRequest,
  WorkloadStatus,
} from '../../rollout/ports.js';
import type { FleetSim } from '../../sim/fleet/fleet-sim.js';
import type { ClusterApfExtras } from '../../sim/fleet/apf-extras.js';
import type { ClusterConfig, Scenario } from '../../config/scenario.js';
import type { SignalRecorder } from './signal-recorder.js';

/**
 * The rollout ports over a simulated fleet: the fleet as the scenario lists it, and a ClusterClient whose
 * every action is an API request that must get through the cluster's API servers like any other.
 */

/** Seats the simulated break-glass level reserves per API server: `rampart breakglass manifests`' default. */
export const simBreakGlassSeats = 20;

/** Label a scenario cluster carries with its size class, for policy selectors. */
export const sizeClassLabel = 'rampart.dev/size-class';

/** small < 300 nodes ≤ medium < 1,500 ≤ large: a cluster's size class (scenarios have no labels of their own). */
export function sizeClass(nodes: number): 'small' | 'medium' | 'large' {
  return nodes < 300 ? 'small' : nodes < 1500 ? 'medium' : 'large';
}

/**
 * A scenario cluster as the fleet lists it: its size class, `rampart.dev/stage=staging` when its name
 * starts with "staging", and the longest time its node DNS caches can hide a broken upstream.
 */
export function clusterInfo(c: ClusterConfig): ClusterInfo {
  const labels: Record<string, string> = { [sizeClassLabel]: sizeClass(c.nodes) };
  if (c.name.startsWith('staging')) labels['rampart.dev/stage'] = 'staging';
  const dnsCacheTtlS =
    c.dns.nodeCacheEnabled && c.dns.nodeCacheTtlS > 0
      ? c.dns.nodeCacheTtlS + c.dns.serveStaleS
      : c.dns.corednsCacheTtlS;
  return { name: c.name, nodes: c.nodes, labels, dnsCacheTtlS };
}

/** The fleet in the scenario's rollout order (its pipeline's order), else as listed. */
export function simFleetSupplier(scenario: Scenario, opts: { preflight?: boolean } = {}): FleetSupplier {
  const byName = new Map(scenario.clusters.map((c) => [c.name, c]));
  const order = scenario.rollout?.order ?? scenario.clusters.map((c) => c.name);
  const preflight = opts.preflight ? preflightBreakEven(scenario) : null;
  const list = order.flatMap((n) => {
    const c = byName.get(n);
    if (!c) return [];
    const info = clusterInfo(c);
    return [preflight ? { ...info, breakEvenNodes: preflight(c) } : info];
  });
  return { listClusters: () => list };
}

/**
 * The preflight a live `rampart rollout` gets from analyze: the change's break-even nodes in a cluster's
 * shape from the cost model, the worst of its three phases (the function analyze's verdicts and
 * simulate's summary use), once per distinct shape.
 */
function preflightBreakEven(scenario: Scenario): ((c: ClusterConfig) => number | null) | null {
  const change = scenario.change;
  if (!change) return null;
  const memo = new Map<string, number | null>();
  return (c) => {
    const key = JSON.stringify([c.podsPerNode, c.controlPlane, c.objects ?? null, c.oncallUsers]);
    const known = memo.get(key);
    if (known !== undefined) return known;
    const be = breakEvenNodes(
      {
        podsPerNode: c.podsPerNode,
        controlPlane: c.controlPlane,
        ...(c.objects ? { objects: c.objects } : {}),
        oncallUsers: c.oncallUsers,
      },
      (nodes) => changeFlows(change, change.kind === 'DaemonSet' ? nodes : change.replicas),
      breakEvenSearchLimit,
      { podsStartPerS: change.podsStartPerS },
    ).maxSafeNodes;
    memo.set(key, be);
    return be;
  };
}

/**
 * APF objects a policy adds to every cluster: Rampart's own request class always (its success decides
 * whether a rollback gets through), with `breakGlass` the reserved level for on-call and Rampart, and with
 * `fence` the level the change is routed to while it rolls out. Installed when the fleet is built: in the
 * simulator they exist before the first apply, as they must; the fence only routes while it is on.
 */
export function policyApfExtras(
  policy: RolloutPolicyFile,
  change?: { readonly namespace: string; readonly serviceAccount: string },
): ClusterApfExtras {
  const levels: PriorityLevel[] = [];
  const schemas: FlowSchema[] = [];
  let fenceIdentity: RequestIdentity | undefined;
  if (policy.spec.breakGlass) {
    const add = simBreakGlass(simBreakGlassSeats);
    levels.push(add.priorityLevel);
    schemas.push(add.flowSchema);
  }
  if (policy.spec.fence && change) {
    const sa = { namespace: change.namespace, name: change.serviceAccount };
    const route = switchableRoute(
      fenceApf({ serviceAccount: sa, seats: policy.spec.fence.seats }),
      change,
      'rampart.dev:fenced',
    );
    levels.push(route.addition.priorityLevel);
    schemas.push(route.addition.flowSchema);
    fenceIdentity = route.identity;
  }
  return {
    controllerIdentity: rampartIdentity,
    ...(levels.length > 0 ? { priorityLevels: levels, flowSchemas: schemas } : {}),
    ...(fenceIdentity ? { fenceIdentity } : {}),
  };
}

/**
 * ClusterClient over a FleetSim. Apply and rollback are API requests: each gets through with the
 * probability that Rampart's own requests are being answered in that cluster right now (smoothed over
 * ~30 s, zero while no API server is up), drawn from a seeded stream; otherwise the outcome says why and
 * the executor retries. Status reads fail the same way while the API servers are down.
 */
export class SimClusterClient implements ClusterClient {
  private readonly index = new Map<string, number>();

  constructor(
    private readonly fleet: FleetSim,
    private readonly recorder: SignalRecorder,
    private readonly rng: Rng,
    /** Simulated time of the current tick (s). */
    private readonly nowS: () => number,
  ) {
    fleet.clusters.forEach((c, i) => this.index.set(c.name, i));
  }

  apply(req: ApplyRequest): ActionOutcome {
    const through = this.request(req.cluster, 'apply');
    if (through.ok) this.fleet.applyChange(req.cluster, req.nodeShare);
    return through;
  }

  rollback(req: RollbackRequest): ActionOutcome {
    const through = this.request(req.cluster, 'delete');
    if (through.ok) this.fleet.deleteChange(req.cluster);
    return through;
  }

  rolloutStatus(cluster: string): WorkloadStatus | 'unreachable' {
    const c = this.fleet.cluster(cluster);
    if (!c || c.cp.isDown(this.nowS())) return 'unreachable';
    return { desiredReplicas: c.desiredReplicas(), readyReplicas: Math.floor(c.change.ready + 1e-9) };
  }

  fence(req: FenceRequest): ActionOutcome {
    const c = this.fleet.cluster(req.cluster);
    if (!c) return { ok: false, reason: `no cluster ${req.cluster}` };
    if (!c.controlPlane.priorityLevels.some((l) => l.name === fenceLevelName))
      return { ok: false, reason: 'the rollout fence is not modelled in this fleet' };
    // Creating or deleting a FlowSchema is an API write like any other.
    const through = this.request(req.cluster, req.on ? 'fence' : 'unfence');
    if (through.ok) this.fleet.fenceChange(req.cluster, req.on);
    return through;
  }

  ensureBreakGlass(cluster: string): ActionOutcome {
    const c = this.fleet.cluster(cluster);
    if (!c) return { ok: false, reason: `no cluster ${cluster}` };
    return c.controlPlane.priorityLevels.some((l) => l.name === 'rampart-break-glass')
      ? { ok: true }
      : { ok: false, reason: 'break-glass priority level not installed' };
  }

  private request(cluster: string, verb: string): ActionOutcome {
    const i = this.index.get(cluster);
    const c = i === undefined ? undefined : this.fleet.clusters[i];
    if (i === undefined || !c) return { ok: false, reason: `no cluster ${cluster}` };
    if (c.cp.isDown(this.nowS()))
      return { ok: false, reason: `${verb}: connection refused (API servers restarting)` };
    const chance = this.recorder.controllerSuccess[i] ?? 1;
    // A healthy API answers: no draw, so healthy runs consume nothing from the stream.
    if (chance >= 0.999 || this.rng.next() < chance) return { ok: true };
    return {
      ok: false,
      reason: `${verb} did not get through (${Math.round(chance * 100)}% of Rampart's requests answered)`,
    };
  }
}
