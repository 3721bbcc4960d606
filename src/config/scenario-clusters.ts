import { apiServerCalibration, type ApiServerCalibration } from '../cost/calibration.js';
import { defaultCorednsReplicas } from '../cost/break-even.js';
import { badInput } from '../core/errors.js';
import type { createRng } from '../core/random.js';
import { byCodeUnits } from '../core/order.js';
import {
  defaultFlowSchemas,
  defaultPriorityLevels,
  type FlowSchema,
  type PriorityLevel,
} from '../model/apf.js';
import type { ClusterFields, ClusterSelector, DnsMode, ScenarioFile } from './scenario-schema.js';
import type { ClusterConfig, DataPlaneConfig } from './scenario-model.js';

// Resolving a scenario's clusters: defaults, group and cluster fields merged; the rollout's order; the
// clusters an operator action names.

/**
 * Share of DNS-dependent requests on connections opened before a DNS failure (keep-alive and HTTP/2 or
 * gRPC pools), which it does not fail. Unmeasured [U]: half, between "every request looks its name up"
 * (0, the model before connection reuse) and the steady state of a pooled client (most); README
 * "Assumptions that decide the answer" shows what the choice moves.
 */
export const defaultConnectionReuseRatio = 0.5;

/**
 * Traffic a cluster can take on from clusters that shifted theirs away, as a share of its own: N+1
 * serving capacity over four regions is a third; GPU fleets run hotter [U].
 */
export const defaultSpareTrafficRatio = 0.25;

/** Merges defaults → group → cluster fields (later wins, nested objects merged field by field). */
export function resolveCluster(
  name: string,
  nodes: number,
  layers: readonly ClusterFields[],
  where: string,
): ClusterConfig {
  const pick = <K extends keyof ClusterFields>(key: K): ClusterFields[K] | undefined => {
    let v: ClusterFields[K] | undefined;
    for (const l of layers) if (l[key] !== undefined) v = l[key];
    return v;
  };
  const merged = <K extends 'apiServer' | 'dns' | 'dataPlane' | 'objects'>(
    key: K,
  ): Partial<NonNullable<ClusterFields[K]>> =>
    Object.assign({}, ...layers.map((l) => stripUndefined(l[key] ?? {}))) as Partial<
      NonNullable<ClusterFields[K]>
    >;

  const calibration: ApiServerCalibration = apiServerCalibration(stripUndefined(merged('apiServer')));
  const levels: readonly PriorityLevel[] = pick('priorityLevels') ?? defaultPriorityLevels;
  const extraSchemas: readonly FlowSchema[] = layers.flatMap((l) => l.flowSchemas ?? []);
  const flowSchemas = [
    ...defaultFlowSchemas.filter((d) => !extraSchemas.some((e) => e.name === d.name)),
    ...extraSchemas,
  ];
  for (const s of flowSchemas) {
    if (!levels.some((l) => l.name === s.priorityLevel)) {
      throw badInput(`${where}: flow schema "${s.name}" names unknown priority level "${s.priorityLevel}"`);
    }
  }
  const dns = merged('dns');
  const nodeCache = Object.assign(
    { enabled: true, ttl: 1200, serveStale: 0 },
    ...layers.map((l) => stripUndefined(l.dns?.nodeCache ?? {})),
  ) as {
    enabled: boolean;
    ttl: number;
    serveStale: number;
  };
  const dataPlane = merged('dataPlane');
  const podsPerNode = pick('podsPerNode') ?? 30;
  const objects = merged('objects') as Record<string, number>;
  const dp: DataPlaneConfig = {
    requestsPerSPerNode: dataPlane.requestsPerSPerNode ?? 10,
    dnsDependentRatio: dataPlane.dnsDependentRatio ?? 1,
    connectionReuseRatio: dataPlane.connectionReuseRatio ?? defaultConnectionReuseRatio,
    dnsLookupsPerSPerNode: dataPlane.dnsLookupsPerSPerNode ?? 20,
    namesPerNode: dataPlane.namesPerNode ?? 50,
  };
  const base = {
    name,
    nodes,
    podsPerNode,
    controlPlane: { apiServers: pick('apiServers') ?? 3, calibration, priorityLevels: levels, flowSchemas },
    dns: {
      corednsReplicas: dns.corednsReplicas ?? defaultCorednsReplicas(nodes),
      mode: dnsMode(layers),
      corednsMemoryMiB: dns.corednsMemoryMiB ?? 170,
      corednsRestartS: dns.corednsRestart ?? 10,
      corednsOnControlPlaneNodes: dns.corednsOnControlPlaneNodes ?? false,
      corednsCacheTtlS: dns.corednsCacheTtl ?? 30,
      corednsQpsPerReplica: dns.corednsQpsPerReplica ?? 20_000,
      nodeCacheEnabled: nodeCache.enabled,
      nodeCacheTtlS: nodeCache.ttl,
      serveStaleS: nodeCache.serveStale,
      searchAmplification: dns.searchAmplification ?? 2,
    },
    dataPlane: dp,
    oncallUsers: pick('oncallUsers') ?? 3,
    trafficWeight: pick('trafficWeight') ?? nodes * dp.requestsPerSPerNode,
    spareTrafficRatio: pick('spareTrafficRatio') ?? defaultSpareTrafficRatio,
  };
  return Object.keys(objects).length > 0 ? { ...base, objects } : base;
}

/**
 * The DNS mode of the last layer that sets one, `mode` or the deprecated `serviceNamesNeedControlPlane`
 * (true: api-per-miss, false: independent); stock CoreDNS (`informer`) when none does.
 */
function dnsMode(layers: readonly ClusterFields[]): DnsMode {
  let mode: DnsMode = 'informer';
  for (const l of layers) {
    const legacy = l.dns?.serviceNamesNeedControlPlane;
    if (legacy !== undefined) mode = legacy ? 'api-per-miss' : 'independent';
    if (l.dns?.mode) mode = l.dns.mode;
  }
  return mode;
}

function stripUndefined<T extends object>(o: T): { [K in keyof T]?: Exclude<T[K], undefined> } {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as {
    [K in keyof T]?: Exclude<T[K], undefined>;
  };
}

/** The rollout's cluster order: listed names first, or a named order (`random` draws from `rng`). */
export function rolloutOrder(
  order: ScenarioFile['spec'] extends { rollout?: infer R }
    ? NonNullable<R> extends { order: infer O }
      ? O
      : never
    : never,
  clusters: readonly ClusterConfig[],
  rng: ReturnType<typeof createRng>,
  where: string,
): string[] {
  const names = clusters.map((c) => c.name);
  if (Array.isArray(order)) {
    for (const n of order) if (!names.includes(n)) throw badInput(`${where}: unknown cluster "${n}"`);
    return [...order, ...names.filter((n) => !order.includes(n))];
  }
  switch (order) {
    case 'as-listed':
      return names;
    case 'smallest-first':
      return [...clusters]
        .sort((a, b) => a.nodes - b.nodes || byCodeUnits(a.name, b.name))
        .map((c) => c.name);
    case 'largest-first':
      return [...clusters]
        .sort((a, b) => b.nodes - a.nodes || byCodeUnits(a.name, b.name))
        .map((c) => c.name);
    case 'random': {
      const shuffled = [...names];
      for (let i = shuffled.length - 1; i > 0; i--) {
        const j = Math.floor(rng.next() * (i + 1));
        [shuffled[i], shuffled[j]] = [shuffled[j] as string, shuffled[i] as string];
      }
      return shuffled;
    }
    default: {
      const never: never = order;
      return never;
    }
  }
}

/** A selector's listed names must be clusters of the scenario. */
export function checkSelector(sel: ClusterSelector, clusters: readonly ClusterConfig[], where: string): void {
  const names = new Set(clusters.map((c) => c.name));
  const listed = Array.isArray(sel) ? sel : typeof sel === 'object' ? (sel.names ?? []) : [];
  for (const n of listed) if (!names.has(n)) throw badInput(`${where}: unknown cluster "${n}"`);
}
