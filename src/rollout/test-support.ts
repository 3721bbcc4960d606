import type {
  ActionOutcome,
  ApplyRequest,
  ChangeRef,
  ClusterClient,
  ClusterInfo,
  FenceRequest,
  FleetSupplier,
  MetricsSource,
  SignalQuery,
  SignalReading,
  SignalSample,
} from './ports.js';
import type { SignalName } from '../model/signals.js';

/**
 * In-memory ports for tests (not a simulator): healthy signals by default, with hooks to make a signal
 * bad, missing, or an action fail. Every sample is a point every `sampleEveryS` seconds in the window.
 */

export const testChange: ChangeRef = { name: 'node-telemetry', namespace: 'telemetry', kind: 'DaemonSet' };

/** A fleet of `n` clusters named c01…, growing in size, with a 20-minute node DNS cache. */
export function testFleet(n: number, nodes: (i: number) => number = (i) => 10 * 2 ** i): ClusterInfo[] {
  return Array.from({ length: n }, (_, i) => ({
    name: `c${String(i + 1).padStart(2, '0')}`,
    nodes: nodes(i),
    labels: {},
    dnsCacheTtlS: 1200,
  }));
}

/** Healthy value of each signal (bad direction away from these). */
export const healthy: Readonly<Record<SignalName, number>> = {
  apiserver_p99_latency_s: 0.2,
  apf_seat_utilization: 0.3,
  apf_queue_length: 0,
  apiserver_429_per_s: 0,
  apiserver_timeouts_per_s: 0,
  etcd_p99_latency_s: 0.02,
  coredns_servfail_ratio: 0,
  dns_cache_miss_ratio: 0.05,
  workload_error_ratio: 0.0005,
  change_ready_ratio: 1,
  change_seat_demand: 0.5,
};

export interface FakeWorldOptions {
  readonly clusters: readonly ClusterInfo[];
  /** Override a signal: a number (constant), 'missing', or undefined for the healthy default. */
  readonly signal?: (q: SignalQuery) => number | 'missing' | undefined;
  readonly applyOutcome?: (req: ApplyRequest, nowMs: number) => ActionOutcome;
  readonly rollbackOutcome?: (cluster: string) => ActionOutcome;
  readonly fenceOutcome?: (req: FenceRequest, nowMs: number) => ActionOutcome;
  readonly sampleEveryS?: number;
  /** Seats of the change's level for change_seat_demand samples. */
  readonly seats?: { readonly other: number; readonly available: number };
}

export interface FakeWorld {
  readonly fleet: FleetSupplier;
  readonly client: ClusterClient;
  readonly metrics: MetricsSource;
  readonly applies: ApplyRequest[];
  readonly rollbacks: string[];
  /** Fence requests in order: `on:<cluster>` / `off:<cluster>`. */
  readonly fences: string[];
  /** Whether the change is fenced in each cluster (after successful fence requests). */
  readonly fenced: Map<string, boolean>;
  /** Current share per cluster (0 after rollback). */
  readonly shares: Map<string, number>;
  now: number;
}

export function fakeWorld(opts: FakeWorldOptions): FakeWorld {
  const every = (opts.sampleEveryS ?? 10) * 1000;
  const nodes = new Map(opts.clusters.map((c) => [c.name, c.nodes]));
  const world: FakeWorld = {
    now: 0,
    applies: [],
    rollbacks: [],
    fences: [],
    fenced: new Map(),
    shares: new Map(),
    fleet: { listClusters: () => opts.clusters },
    client: {
      apply: (req) => {
        world.applies.push(req);
        if (!nodes.has(req.cluster)) return noCluster(req.cluster);
        const outcome = opts.applyOutcome?.(req, world.now) ?? { ok: true };
        if (outcome.ok) world.shares.set(req.cluster, req.nodeShare);
        return outcome;
      },
      rollback: (req) => {
        world.rollbacks.push(req.cluster);
        if (!nodes.has(req.cluster)) return noCluster(req.cluster);
        const outcome = opts.rollbackOutcome?.(req.cluster) ?? { ok: true };
        if (outcome.ok) world.shares.set(req.cluster, 0);
        return outcome;
      },
      fence: (req) => {
        world.fences.push(`${req.on ? 'on' : 'off'}:${req.cluster}`);
        if (!nodes.has(req.cluster)) return noCluster(req.cluster);
        const outcome = opts.fenceOutcome?.(req, world.now) ?? { ok: true };
        if (outcome.ok) world.fenced.set(req.cluster, req.on);
        return outcome;
      },
      rolloutStatus: (cluster) => {
        // ceil(share × nodes) in exact arithmetic, as the port says (0.1 × 30 nodes is 3, not 4); max
        // turns the -0 of an unapplied change into 0.
        const share = world.shares.get(cluster) ?? 0;
        const desired = Math.max(0, Math.ceil(share * (nodes.get(cluster) ?? 0) - 1e-9));
        return { desiredReplicas: desired, readyReplicas: desired };
      },
    },
    // A cluster outside the fleet has no metrics: healthy samples for it would pass any gate.
    metrics: { evaluate: (q) => (nodes.has(q.cluster) ? reading(q, opts, every, world) : 'missing') },
  };
  return world;
}

const noCluster = (cluster: string): ActionOutcome => ({ ok: false, reason: `no cluster ${cluster}` });

function reading(q: SignalQuery, opts: FakeWorldOptions, everyMs: number, world: FakeWorld): SignalReading {
  const override = opts.signal?.(q);
  if (override === 'missing') return 'missing';
  const share = world.shares.get(q.cluster) ?? 0;
  const value =
    override ?? (q.signal === 'change_seat_demand' ? healthy.change_seat_demand * share : healthy[q.signal]);
  const samples: SignalSample[] = [];
  const fromMs = q.nowMs - q.windowS * 1000;
  for (let t = Math.floor(q.nowMs / everyMs) * everyMs; t > fromMs; t -= everyMs) {
    samples.unshift(
      q.signal === 'change_seat_demand'
        ? {
            tMs: t,
            value,
            seats: {
              priorityLevel: 'workload-low',
              otherDemandSeats: opts.seats?.other ?? 50,
              availableSeats: opts.seats?.available ?? 500,
            },
          }
        : { tMs: t, value },
    );
  }
  return samples;
}
