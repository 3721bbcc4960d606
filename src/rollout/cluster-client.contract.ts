import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ActionOutcome, Awaitable, WorkloadStatus } from './ports.js';
import {
  assertOk,
  assertOutcome,
  call,
  inWorld,
  sharedNodes,
  unknownCluster,
  until,
  type ClusterClientWorld,
} from './ports-world.contract.js';

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

/** The label a node-share step sets (any will do: the adapter labels with what it is given). */
const contractLabel = { key: 'rampart.dev/contract-step', value: 'on' };

const converged =
  (desired: number) =>
  (s: WorkloadStatus | 'unreachable'): boolean =>
    s !== 'unreachable' && s.desiredReplicas === desired && s.readyReplicas === desired;

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
