import { describeCall } from '../analyze/advice.js';
import { analyzeChange } from '../analyze/analyze-change.js';
import type { Scenario } from '../config/scenario.js';
import { requestCost } from '../cost/request-cost.js';
import { callReplicas, replicasFor } from '../model/api-profile.js';
import type { ClusterSummary } from '../sim/result.js';

/**
 * What the scenario (the run's input) says that the result does not: the change and its calls, what
 * its LISTs cost in the featured cluster by the cost model the simulator runs on, and the DNS set-up.
 * The postmortem's causal chain quotes these next to the run's own figures.
 */
export interface RunContext {
  readonly description: string;
  readonly change: {
    readonly name: string;
    readonly kind: string;
    readonly namespace: string;
    readonly calls: readonly string[];
  } | null;
  /** The change's load in one cluster (per API server where it says so), by the cost model. */
  readonly cost: {
    readonly cluster: string;
    readonly nodes: number;
    readonly pods: number;
    readonly apiServers: number;
    readonly replicas: number;
    /** LISTs per second of the whole change (all replicas), over all API servers. */
    readonly listsPerS: number;
    /** APF seats one of its LISTs takes (the work estimator's figure, capped per level). */
    readonly seatsPerList: number;
    readonly listResponseBytes: number;
    /** Heap the change's in-flight LISTs hold on one API server. */
    readonly listMemoryBytes: number;
    readonly memoryGiB: number;
    readonly priorityLevel: string;
    /** Seats per API server: the change's demand and what its level can get. */
    readonly changeSeatDemand: number;
    readonly seatCapacity: number;
    readonly memoryUtilization: number;
    readonly bindingResource: 'seats' | 'cpu' | 'memory';
    /** Largest node count that fits for this cluster's shape, by the cost model. */
    readonly maxSafeNodes: number | null;
  } | null;
  /** Seats per API server of the break-glass level every cluster carries; null = none. */
  readonly breakGlassSeats: number | null;
  readonly dns: {
    readonly serviceNamesNeedControlPlane: boolean;
    readonly nodeCacheTtlS: number | null;
    readonly corednsCacheTtlS: number;
  } | null;
}

/**
 * The context of a run: the featured cluster is the largest one that saturated (the one whose story the
 * postmortem tells), else the largest of the fleet.
 */
export function runContext(scenario: Scenario, clusters: readonly ClusterSummary[]): RunContext {
  const bySize = [...clusters].sort((a, b) => b.nodes - a.nodes);
  const featured = bySize.find((c) => c.saturated) ?? bySize[0];
  const config = scenario.clusters.find((c) => c.name === featured?.name) ?? scenario.clusters[0];
  const change = scenario.change;
  let cost: RunContext['cost'] = null;
  if (change && config) {
    const cp = config.controlPlane;
    const analysis = analyzeChange(
      change,
      [
        {
          name: config.name,
          nodes: config.nodes,
          podsPerNode: config.podsPerNode,
          apiServers: cp.apiServers,
          calibration: cp.calibration,
          priorityLevels: cp.priorityLevels,
          flowSchemas: cp.flowSchemas,
          corednsReplicas: config.dns.corednsReplicas,
          oncallUsers: config.oncallUsers,
        },
      ],
      { podsStartPerS: change.podsStartPerS },
    );
    const c = analysis.clusters[0];
    const replicas = replicasFor(change, config.nodes);
    const lists = change.calls.filter((k) => k.verb === 'list');
    const shape = {
      nodes: config.nodes,
      podsPerNode: config.podsPerNode,
      ...(config.objects ? { objects: config.objects } : {}),
    };
    const seatsPerList = Math.max(
      0,
      ...lists.map((k) => requestCost(k, shape, cp.calibration, cp.calibration.maxListSeats).seats),
    );
    if (c)
      cost = {
        cluster: config.name,
        nodes: config.nodes,
        pods: config.nodes * config.podsPerNode,
        apiServers: cp.apiServers,
        replicas,
        listsPerS: lists.reduce(
          (s, k) => s + (k.everySeconds ? callReplicas(k, replicas) / k.everySeconds : 0),
          0,
        ),
        seatsPerList,
        listResponseBytes: c.listResponseBytes,
        listMemoryBytes: c.listMemoryBytes,
        memoryGiB: cp.calibration.memoryGiB,
        priorityLevel: c.priorityLevel,
        changeSeatDemand: c.changeSeatDemand,
        seatCapacity: c.seatCapacity,
        memoryUtilization: c.memoryUtilization,
        bindingResource: c.bindingResource,
        maxSafeNodes: c.maxSafeNodes,
      };
  }
  return {
    description: scenario.description,
    breakGlassSeats: scenario.breakGlassSeats,
    change: change
      ? {
          name: change.name,
          kind: change.kind,
          namespace: change.namespace,
          calls: change.calls.map((k) => describeCall(k)),
        }
      : null,
    cost,
    dns: config
      ? {
          serviceNamesNeedControlPlane: config.dns.serviceNamesNeedControlPlane,
          nodeCacheTtlS: config.dns.nodeCacheEnabled ? config.dns.nodeCacheTtlS : null,
          corednsCacheTtlS: config.dns.corednsCacheTtlS,
        }
      : null,
  };
}
