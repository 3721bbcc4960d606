import type { Clock } from '../../core/clock.js';
import { badInput } from '../../core/errors.js';
import type { LiveFleetFile } from '../../config/fleet.js';
import type { ClusterInfo, FleetSupplier } from '../../rollout/ports.js';
import { apiReason, isNotFound, kubeconfigPath, KubeConnection, loadKubeConfig } from './connection.js';

/** Connects to every cluster of a fleet file (no request yet): a missing context is bad input. */
export function connectFleet(
  fleet: LiveFleetFile,
  opts: { readonly fleetPath: string; readonly kubeconfig?: string | undefined; readonly clock: Clock },
): Map<string, KubeConnection> {
  const out = new Map<string, KubeConnection>();
  fleet.spec.clusters.forEach((c, i) => {
    const where = `${opts.fleetPath}: spec.clusters[${i}] (${c.name})`;
    if (!c.context) throw badInput(`${where}: context is required for a live rollout (a kubeconfig context)`);
    const target = {
      cluster: c.name,
      context: c.context,
      kubeconfig: kubeconfigPath(c.kubeconfig, opts.kubeconfig),
      where,
    };
    out.set(c.name, new KubeConnection(target, loadKubeConfig(target), opts.clock));
  });
  return out;
}

/** A cluster that did not answer when the fleet was listed: that cluster's outcome, not the fleet's. */
export interface UnreachableCluster {
  readonly name: string;
  readonly reason: string;
}

/** Longest DNS cache lifetime a Corefile configures (`cache N`, `success N TTL`, `serve_stale D`). */
export function corefileTtlS(corefile: string): number | undefined {
  let best: number | undefined;
  const take = (s: number): void => {
    if (Number.isFinite(s) && s > 0) best = Math.max(best ?? 0, s);
  };
  for (const m of corefile.matchAll(/^\s*cache\s+(\d+)/gm)) take(Number(m[1]));
  for (const m of corefile.matchAll(/^\s*success\s+\d+\s+(\d+)/gm)) take(Number(m[1]));
  let stale = 0;
  for (const m of corefile.matchAll(/^\s*serve_stale(?:\s+(\d+)([smh]?))?/gm)) {
    const n = m[1] ? Number(m[1]) * (m[2] === 'h' ? 3600 : m[2] === 'm' ? 60 : 1) : 3600;
    stale = Math.max(stale, n);
  }
  return best === undefined ? undefined : best + stale;
}

/**
 * The fleet as the file lists it, with node counts and DNS cache TTLs read from each cluster where the
 * file does not give them. A cluster that cannot be reached is left out of the list and reported in
 * `unreachable` (the rollout goes on without it).
 */
export class KubeFleetSupplier implements FleetSupplier {
  readonly unreachable: UnreachableCluster[] = [];
  private listed: ClusterInfo[] | null = null;

  constructor(
    private readonly fleet: LiveFleetFile,
    private readonly connections: ReadonlyMap<string, KubeConnection>,
  ) {}

  async listClusters(): Promise<readonly ClusterInfo[]> {
    if (this.listed) return this.listed;
    const out: ClusterInfo[] = [];
    for (const c of this.fleet.spec.clusters) {
      const conn = this.connections.get(c.name);
      if (!conn) continue;
      try {
        const nodes = c.nodes ?? (await countNodes(conn));
        const ttl = c.dnsCacheTtl ?? (await dnsTtlS(conn));
        out.push({
          name: c.name,
          nodes,
          labels: c.labels ?? {},
          ...(ttl !== undefined ? { dnsCacheTtlS: ttl } : {}),
        });
      } catch (err) {
        this.unreachable.push({ name: c.name, reason: apiReason(`${c.name}: unreachable`, err) });
      }
    }
    this.listed = out;
    return out;
  }
}

/** Node count from one small LIST: the first item plus remainingItemCount. */
async function countNodes(conn: KubeConnection): Promise<number> {
  const page = await conn.call(() =>
    conn.objects.list('v1', 'Node', undefined, undefined, undefined, undefined, undefined, undefined, 1),
  );
  return page.items.length + (page.metadata?.remainingItemCount ?? 0);
}

/** TTL from CoreDNS's and NodeLocal DNSCache's Corefiles in kube-system; undefined when neither is found. */
async function dnsTtlS(conn: KubeConnection): Promise<number | undefined> {
  let best: number | undefined;
  for (const name of ['coredns', 'node-local-dns']) {
    try {
      const cm = (await conn.call(() =>
        conn.objects.read({
          apiVersion: 'v1',
          kind: 'ConfigMap',
          metadata: { name, namespace: 'kube-system' },
        }),
      )) as unknown as { data?: Record<string, string> };
      const ttl = corefileTtlS(cm.data?.['Corefile'] ?? '');
      if (ttl !== undefined) best = Math.max(best ?? 0, ttl);
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
  }
  return best;
}
