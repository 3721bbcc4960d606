import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { byCodeUnits } from '../core/order.js';
import { signalNames, type SignalName } from '../model/signals.js';
import type {
  ActionOutcome,
  Awaitable,
  ChangeRef,
  ClusterClient,
  ClusterInfo,
  FleetSupplier,
  MetricsSource,
  SignalQuery,
  SignalReading,
  SignalSample,
  WorkloadStatus,
} from './ports.js';

/**
 * The shared contract of the three rollout ports: what the executor and the controller rely on, written
 * once and run against every adapter — the simulator's, the fakes in test-support.ts, and later the
 * Kubernetes and Prometheus adapters against a testbed. Each function registers node:test cases; a test
 * file calls it with a factory that builds a fresh world per case (sync or async, since live adapters
 * answer with Promises). Waiting is in the world's own time (`advance`), bounded by its `settleS`: the
 * simulator steps, a testbed sleeps; no assertion here is about wall-clock time.
 */

/** Lets the world's time pass: simulated steps, or real waiting against a testbed. */
export interface WorldClock {
  advance(seconds: number): Awaitable<void>;
  /** World seconds within which the world converges after an action (pods start or stop, samples land). */
  readonly settleS: number;
  /** World seconds between two looks while waiting to converge (default 10). */
  readonly pollS?: number;
  /** Releases what the world holds (a namespace on a testbed). */
  close?(): Awaitable<void>;
}

/** A cluster the change was never applied to, and a ClusterClient for it. */
export interface ClusterClientWorld extends WorldClock {
  readonly client: ClusterClient;
  readonly cluster: string;
  readonly nodes: number;
  /** A DaemonSet: one pod per labelled node, so its desired replicas say which share of nodes it runs on. */
  readonly change: ChangeRef;
  /** When true, ensureBreakGlass must answer ok (the world installed break-glass); else any outcome. */
  readonly breakGlassInstalled?: boolean;
  /** When true, fence on and off must answer ok (the world models the fence level); else any outcome. */
  readonly fenceModelled?: boolean;
}

/** A healthy cluster, its metrics, and a way to start the change so that its own signals exist. */
export interface MetricsWorld extends WorldClock {
  readonly metrics: MetricsSource;
  readonly cluster: string;
  readonly change: ChangeRef;
  /** The world's clock (ms): a query's `nowMs`. */
  nowMs(): number;
  /** Signals it must answer with samples for a healthy cluster (the others may be 'missing'). */
  readonly served: readonly SignalName[];
  /** Starts the change on the cluster (all nodes); then `changeServed` must have samples too. */
  applyChange(): Awaitable<ActionOutcome>;
  readonly changeServed: readonly SignalName[];
}

/** A fleet and the clusters the world knows it holds. */
export interface FleetWorld {
  readonly fleet: FleetSupplier;
  readonly clusters: readonly { readonly name: string; readonly nodes: number }[];
  /** The order the fleet must list them in, when the world defines one (a scenario's rollout order). */
  readonly order?: readonly string[];
  close?(): Awaitable<void>;
}

/** Runs a case in a fresh world and closes it after, pass or fail. */
const inWorld =
  <W extends { close?(): Awaitable<void> }>(makeWorld: () => Awaitable<W>) =>
  (fn: (w: W) => Promise<void>) =>
  async (): Promise<void> => {
    const w = await makeWorld();
    try {
      await fn(w);
    } finally {
      await w.close?.();
    }
  };

/** A cluster name no world holds. */
export const unknownCluster = 'rampart-contract-no-such-cluster';

/**
 * ClusterClient: apply converges, is idempotent and honours node shares; rollback removes a new change
 * and restores what ran before; break-glass and fence answer with outcomes; an unknown cluster is an
 * outcome, never a throw. Shares only grow here, as the controller's steps do: a smaller share after a
 * larger one is outside the contract (the simulator shrinks to it; a node-labelling adapter may not).
 */
export function clusterClientContract(name: string, makeWorld: () => Awaitable<ClusterClientWorld>): void {
  const withWorld = inWorld(makeWorld);
  const apply = (w: ClusterClientWorld, nodeShare: number): Awaitable<ActionOutcome> =>
    call(`apply ${nodeShare}`, () =>
      w.client.apply(
        nodeShare < 1
          ? { cluster: w.cluster, change: w.change, nodeShare, nodeLabel: contractLabel }
          : { cluster: w.cluster, change: w.change, nodeShare },
      ),
    );
  const status = (w: ClusterClientWorld): Awaitable<WorkloadStatus | 'unreachable'> =>
    call('rolloutStatus', () => w.client.rolloutStatus(w.cluster, w.change));
  const readyOn = async (w: ClusterClientWorld, desired: number, what: string): Promise<void> => {
    const s = await until(w, () => status(w), converged(desired), what);
    assert.deepEqual(s, { desiredReplicas: desired, readyReplicas: desired }, what);
  };

  void describe(`ClusterClient contract: ${name}`, () => {
    void it(
      'before any apply the cluster answers, and a change never applied has no replicas',
      withWorld(async (w) => {
        const s = await status(w);
        assertStatus(s);
        assert.deepEqual(s, { desiredReplicas: 0, readyReplicas: 0 });
      }),
    );

    void it(
      'apply on all nodes is ok, and rolloutStatus converges to every node ready',
      withWorld(async (w) => {
        assertOk(await apply(w, 1), 'apply');
        await readyOn(w, w.nodes, 'all nodes ready');
      }),
    );

    void it(
      'apply is idempotent: the same request again is ok and changes nothing',
      withWorld(async (w) => {
        assertOk(await apply(w, 1), 'first apply');
        await readyOn(w, w.nodes, 'after the first apply');
        assertOk(await apply(w, 1), 'second apply');
        await w.advance(w.pollS ?? 10);
        assert.deepEqual(await status(w), { desiredReplicas: w.nodes, readyReplicas: w.nodes });
      }),
    );

    void it(
      'a node-share step runs on ceil(share × nodes) nodes (never zero), and the next step adds to it',
      withWorld(async (w) => {
        let previous = 0;
        for (const share of [0.01, 0.1, 0.5, 1]) {
          assertOk(await apply(w, share), `apply ${share}`);
          assertOk(await apply(w, share), `apply ${share} again`);
          const desired = sharedNodes(share, w.nodes);
          assert.ok(desired >= 1 && desired >= previous);
          await readyOn(w, desired, `${share} of ${w.nodes} nodes`);
          previous = desired;
        }
      }),
    );

    void it(
      'rollback of a new change removes it: no replicas left',
      withWorld(async (w) => {
        assertOk(await apply(w, 1), 'apply');
        await readyOn(w, w.nodes, 'applied');
        assertOk(
          await call('rollback', () => w.client.rollback({ cluster: w.cluster, change: w.change })),
          'rollback',
        );
        await readyOn(w, 0, 'rolled back');
      }),
    );

    void it(
      'rollback restores what ran before the rollout, from any step; a second rollback is ok too',
      withWorld(async (w) => {
        const before = await status(w);
        assertStatus(before);
        assertOk(await apply(w, 0.01), 'first step');
        await readyOn(w, sharedNodes(0.01, w.nodes), 'first step');
        assertOk(await apply(w, 0.5), 'second step');
        const rollback = (): Awaitable<ActionOutcome> =>
          call('rollback', () => w.client.rollback({ cluster: w.cluster, change: w.change }));
        assertOk(await rollback(), 'rollback');
        await readyOn(w, before.desiredReplicas, 'back to the state before the rollout');
        // The executor retries a rollback it could not confirm: one with nothing left to delete succeeds.
        assertOk(await rollback(), 'second rollback');
        assert.deepEqual(await status(w), before);
      }),
    );

    void it(
      'ensureBreakGlass and fence answer with an outcome, never a throw',
      withWorld(async (w) => {
        // Bound, as the executor calls them: an adapter's methods may use `this`.
        const ensureBreakGlass = w.client.ensureBreakGlass?.bind(w.client);
        const fence = w.client.fence?.bind(w.client);
        if (ensureBreakGlass) {
          const o = await call('ensureBreakGlass', () => ensureBreakGlass(w.cluster));
          assertOutcome(o);
          if (w.breakGlassInstalled) assertOk(o, 'ensureBreakGlass');
        }
        if (fence) {
          for (const on of [true, false]) {
            const o = await call(`fence ${on ? 'on' : 'off'}`, () =>
              fence({ cluster: w.cluster, change: w.change, on, seats: 2 }),
            );
            assertOutcome(o);
            if (w.fenceModelled) assertOk(o, `fence ${on ? 'on' : 'off'}`);
          }
        }
        // A fenced change still rolls out: the fence routes its requests, it does not stop its pods.
        if (fence && w.fenceModelled) {
          assertOk(
            await call('fence on', () => fence({ cluster: w.cluster, change: w.change, on: true, seats: 2 })),
            'fence on',
          );
          assertOk(await apply(w, 1), 'apply fenced');
          await readyOn(w, w.nodes, 'fenced change ready');
        }
      }),
    );

    void it(
      'an unknown cluster gets {ok: false, reason} from every action and no replicas, never a throw',
      withWorld(async (w) => {
        const change = w.change;
        const cluster = unknownCluster;
        assertFailed(await call('apply', () => w.client.apply({ cluster, change, nodeShare: 1 })));
        assertFailed(
          await call('apply share', () =>
            w.client.apply({ cluster, change, nodeShare: 0.1, nodeLabel: contractLabel }),
          ),
        );
        assertFailed(await call('rollback', () => w.client.rollback({ cluster, change })));
        // Bound, as the executor calls them: an adapter's methods may use `this`.
        const ensureBreakGlass = w.client.ensureBreakGlass?.bind(w.client);
        const fence = w.client.fence?.bind(w.client);
        if (ensureBreakGlass) assertFailed(await call('ensureBreakGlass', () => ensureBreakGlass(cluster)));
        if (fence) assertFailed(await call('fence', () => fence({ cluster, change, on: true, seats: 2 })));
        const s = await call('rolloutStatus', () => w.client.rolloutStatus(cluster, change));
        if (s !== 'unreachable') {
          assertStatus(s);
          assert.equal(s.desiredReplicas, 0, 'a cluster that does not exist runs nothing');
        }
      }),
    );
  });
}

/**
 * MetricsSource: every signal answers samples or 'missing' (finite values, inside the window, oldest
 * first, level context on change_seat_demand), a healthy cluster's served signals have samples, and an
 * unknown cluster never gets invented data.
 */
export function metricsSourceContract(name: string, makeWorld: () => Awaitable<MetricsWorld>): void {
  const withWorld = inWorld(makeWorld);
  const query = (w: MetricsWorld, signal: SignalName, windowS: number, cluster = w.cluster): SignalQuery => ({
    cluster,
    signal,
    windowS,
    nowMs: w.nowMs(),
    change: w.change,
  });
  const read = (w: MetricsWorld, q: SignalQuery): Awaitable<SignalReading> =>
    call(`evaluate ${q.signal}`, () => w.metrics.evaluate(q));
  /** Waits until a signal has samples over the last 2 minutes (asked anew at each look), checks them. */
  const sampled = async (w: MetricsWorld, signal: SignalName): Promise<readonly SignalSample[]> => {
    const { q, r } = await until(
      w,
      async () => {
        const q = query(w, signal, 120);
        return { q, r: await read(w, q) };
      },
      ({ r }) => r !== 'missing' && r.length > 0,
      `${signal} samples`,
    );
    assertReading(r, q);
    return r === 'missing' ? [] : r;
  };

  void describe(`MetricsSource contract: ${name}`, () => {
    void it(
      'every signal, over any window, is samples or "missing", never a throw; samples are well formed',
      withWorld(async (w) => {
        await w.advance(w.settleS);
        for (const signal of signalNames)
          for (const windowS of [30, 120, 600]) {
            const q = query(w, signal, windowS);
            assertReading(await read(w, q), q);
          }
      }),
    );

    void it(
      'a healthy cluster has samples of every served signal once the window has run',
      withWorld(async (w) => {
        await w.advance(w.settleS);
        for (const signal of w.served) await sampled(w, signal);
      }),
    );

    void it(
      'the change’s own signals once it runs; change_seat_demand carries its priority level’s seats',
      withWorld(async (w) => {
        assertOk(await call('applyChange', () => w.applyChange()), 'applyChange');
        await w.advance(w.settleS);
        for (const signal of w.changeServed) {
          const samples = await sampled(w, signal);
          if (signal === 'change_seat_demand')
            for (const s of samples) assert.ok(s.seats, 'change_seat_demand samples carry the level context');
        }
      }),
    );

    void it(
      'reading the same query twice gives the same samples',
      withWorld(async (w) => {
        await w.advance(w.settleS);
        for (const signal of w.served) {
          const q = query(w, signal, 120);
          assert.deepEqual(await read(w, q), await read(w, q), signal);
        }
      }),
    );

    void it(
      'an unknown cluster is "missing" or has no samples: never invented (healthy) data',
      withWorld(async (w) => {
        await w.advance(w.settleS);
        for (const signal of signalNames) {
          const r = await read(w, query(w, signal, 120, unknownCluster));
          assert.ok(r === 'missing' || r.length === 0, `${signal}: ${JSON.stringify(r).slice(0, 200)}`);
        }
      }),
    );
  });
}

/**
 * FleetSupplier: every cluster the world holds, once, with its name, node count and labels, in the same
 * order on every call and from every supplier over the same fleet.
 */
export function fleetSupplierContract(name: string, makeWorld: () => Awaitable<FleetWorld>): void {
  const withWorld = inWorld(makeWorld);
  const list = (w: FleetWorld): Awaitable<readonly ClusterInfo[]> =>
    call('listClusters', () => w.fleet.listClusters());

  void describe(`FleetSupplier contract: ${name}`, () => {
    void it(
      'lists every cluster once, with its name, node count and labels',
      withWorld(async (w) => {
        const clusters = await list(w);
        const names = clusters.map((c) => c.name);
        assert.equal(new Set(names).size, names.length, `each cluster once: ${names.join(', ')}`);
        assert.deepEqual([...names].sort(byCodeUnits), w.clusters.map((c) => c.name).sort(byCodeUnits));
        for (const c of clusters) assertClusterInfo(c, w.clusters.find((x) => x.name === c.name)?.nodes);
      }),
    );

    void it(
      'lists them in one order: on every call, from a second supplier, and as the world defines it',
      withWorld(async (w) => {
        const first = (await list(w)).map((c) => c.name);
        assert.deepEqual(
          (await list(w)).map((c) => c.name),
          first,
        );
        const again = await makeWorld();
        try {
          assert.deepEqual(
            (await list(again)).map((c) => c.name),
            first,
          );
        } finally {
          await again.close?.();
        }
        if (w.order) assert.deepEqual(first, [...w.order]);
      }),
    );
  });
}

/** The label a node-share step sets (any will do: the adapter labels with what it is given). */
const contractLabel = { key: 'rampart.dev/contract-step', value: 'on' };

/**
 * ceil(share × nodes) as exact arithmetic has it: 0.1 × 30 is 3.0000000000000004 in doubles, and the
 * adapters agree on 3 (the sim adapter and the controller's events subtract 1e-9 before the ceiling).
 */
export function sharedNodes(share: number, nodes: number): number {
  return Math.ceil(share * nodes - 1e-9);
}

const converged =
  (desired: number) =>
  (s: WorkloadStatus | 'unreachable'): boolean =>
    s !== 'unreachable' && s.desiredReplicas === desired && s.readyReplicas === desired;

/** Looks, then lets `pollS` pass, until `done` or `settleS` of world time have passed (then fails). */
async function until<T>(
  w: WorldClock,
  look: () => Awaitable<T>,
  done: (v: T) => boolean,
  what: string,
): Promise<T> {
  const pollS = w.pollS ?? 10;
  for (let waitedS = 0; ; waitedS += pollS) {
    const v = await look();
    if (done(v)) return v;
    if (waitedS >= w.settleS)
      assert.fail(
        `${what}: not within ${w.settleS}s of world time; last: ${JSON.stringify(v).slice(0, 300)}`,
      );
    await w.advance(pollS);
  }
}

/** Calls a port; a throw fails the test with what the contract expects instead. */
async function call<T>(what: string, fn: () => Awaitable<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    return assert.fail(`${what} threw (${message}); a port answers with data, never a throw`);
  }
}

function assertOutcome(o: ActionOutcome): void {
  if (o.ok) {
    assert.deepEqual(o, { ok: true });
    return;
  }
  assert.equal(typeof o.reason, 'string');
  assert.ok(o.reason.trim().length > 0, 'a failed outcome says why');
  assert.ok(!o.reason.includes('\n'), `one line (it becomes an event's text): ${o.reason}`);
}

function assertOk(o: ActionOutcome, what: string): void {
  assertOutcome(o);
  assert.ok(o.ok, `${what}: ${o.ok ? '' : o.reason}`);
}

function assertFailed(o: ActionOutcome): void {
  assertOutcome(o);
  assert.equal(o.ok, false, 'an action on a cluster that does not exist cannot succeed');
}

function assertStatus(s: WorkloadStatus | 'unreachable'): asserts s is WorkloadStatus {
  assert.notEqual(s, 'unreachable', 'a healthy cluster answers');
  if (s === 'unreachable') return;
  for (const n of [s.desiredReplicas, s.readyReplicas])
    assert.ok(
      Number.isSafeInteger(n) && n >= 0,
      `replica counts are whole numbers ≥ 0: ${JSON.stringify(s)}`,
    );
}

const ratioSignals: ReadonlySet<SignalName> = new Set([
  'coredns_servfail_ratio',
  'dns_cache_miss_ratio',
  'workload_error_ratio',
  'change_ready_ratio',
]);

function assertReading(r: SignalReading, q: SignalQuery): void {
  if (r === 'missing') return;
  assert.ok(r instanceof Array, `${q.signal}: samples or 'missing'`);
  let lastMs = -Infinity;
  for (const s of r) {
    const where = `${q.signal} at ${s.tMs}`;
    assert.ok(Number.isFinite(s.tMs), `${where}: a time`);
    assert.ok(s.tMs > q.nowMs - q.windowS * 1000 && s.tMs <= q.nowMs, `${where}: inside (now − window, now]`);
    assert.ok(s.tMs > lastMs, `${where}: oldest first, one sample per time`);
    lastMs = s.tMs;
    // No sample is better than a NaN one: the gates would have to tell "not measured" from a value.
    assert.ok(Number.isFinite(s.value), `${where}: a finite value, not ${s.value}`);
    assert.ok(s.value >= 0, `${where}: no signal is negative (${s.value})`);
    if (ratioSignals.has(q.signal)) assert.ok(s.value <= 1, `${where}: a ratio ≤ 1 (${s.value})`);
    if (s.seats) {
      assert.equal(q.signal, 'change_seat_demand', `${where}: level context only on change_seat_demand`);
      assert.ok(s.seats.priorityLevel.length > 0, `${where}: the level's name`);
      assert.ok(Number.isFinite(s.seats.otherDemandSeats) && s.seats.otherDemandSeats >= 0, where);
      assert.ok(Number.isFinite(s.seats.availableSeats) && s.seats.availableSeats > 0, where);
    }
  }
}

const labelKey = /^([a-z0-9]([-a-z0-9.]*[a-z0-9])?\/)?[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/;
const labelValue = /^([A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?)?$/;

function assertClusterInfo(c: ClusterInfo, nodes: number | undefined): void {
  assert.ok(typeof c.name === 'string' && c.name.length > 0, 'a name');
  assert.ok(Number.isSafeInteger(c.nodes) && c.nodes >= 0, `${c.name}: a node count`);
  assert.equal(c.nodes, nodes, `${c.name}: its node count`);
  assert.equal(typeof c.labels, 'object');
  // Policies select clusters with Kubernetes label selectors: keys and values must be valid labels.
  for (const [k, v] of Object.entries(c.labels)) {
    assert.match(k, labelKey, `${c.name}: label key ${k}`);
    assert.ok(typeof v === 'string' && v.length <= 63 && labelValue.test(v), `${c.name}: label ${k}=${v}`);
  }
  if (c.dnsCacheTtlS !== undefined)
    assert.ok(Number.isFinite(c.dnsCacheTtlS) && c.dnsCacheTtlS > 0, `${c.name}: DNS cache TTL`);
}
