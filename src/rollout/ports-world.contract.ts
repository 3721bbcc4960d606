import assert from 'node:assert/strict';
import type {
  ActionOutcome,
  Awaitable,
  ChangeRef,
  ClusterClient,
  FleetSupplier,
  MetricsSource,
} from './ports.js';
import type { SignalName } from '../model/signals.js';

// The worlds the port contracts run in, and what the three contracts share (ports.contract.ts).

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
export const inWorld =
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
 * ceil(share × nodes) as exact arithmetic has it: 0.1 × 30 is 3.0000000000000004 in doubles, and the
 * adapters agree on 3 (the sim adapter and the controller's events subtract 1e-9 before the ceiling).
 */
export function sharedNodes(share: number, nodes: number): number {
  return Math.ceil(share * nodes - 1e-9);
}

/** Looks, then lets `pollS` pass, until `done` or `settleS` of world time have passed (then fails). */
export async function until<T>(
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
export async function call<T>(what: string, fn: () => Awaitable<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    return assert.fail(`${what} threw (${message}); a port answers with data, never a throw`);
  }
}

/** An outcome is {ok: true} or {ok: false} with a one-line reason. */
export function assertOutcome(o: ActionOutcome): void {
  if (o.ok) {
    assert.deepEqual(o, { ok: true });
    return;
  }
  assert.equal(typeof o.reason, 'string');
  assert.ok(o.reason.trim().length > 0, 'a failed outcome says why');
  assert.ok(!o.reason.includes('\n'), `one line (it becomes an event's text): ${o.reason}`);
}

export function assertOk(o: ActionOutcome, what: string): void {
  assertOutcome(o);
  assert.ok(o.ok, `${what}: ${o.ok ? '' : o.reason}`);
}
