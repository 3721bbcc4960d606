import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { signalNames, type SignalName } from '../model/signals.js';
import type { Awaitable, SignalQuery, SignalReading, SignalSample } from './ports.js';
import { assertOk, call, inWorld, unknownCluster, until, type MetricsWorld } from './ports-world.contract.js';

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
    // The cases that only read share one world, settled once: settling a live world is real waiting.
    let shared: Promise<MetricsWorld> | null = null;
    const withSettled = (fn: (w: MetricsWorld) => Promise<void>) => async (): Promise<void> => {
      shared ??= (async () => {
        const w = await makeWorld();
        await w.advance(w.settleS);
        return w;
      })();
      await fn(await shared);
    };
    after(async () => {
      const w = await shared?.catch(() => null);
      await w?.close?.();
    });

    void it(
      'every signal, over any window, is samples or "missing", never a throw; samples are well formed',
      withSettled(async (w) => {
        for (const signal of signalNames)
          for (const windowS of [30, 120, 600]) {
            const q = query(w, signal, windowS);
            assertReading(await read(w, q), q);
          }
      }),
    );

    void it(
      'a healthy cluster has samples of every served signal once the window has run',
      withSettled(async (w) => {
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
      withSettled(async (w) => {
        for (const signal of w.served) {
          const q = query(w, signal, 120);
          assert.deepEqual(await read(w, q), await read(w, q), signal);
        }
      }),
    );

    void it(
      'an unknown cluster is "missing" or has no samples: never invented (healthy) data',
      withSettled(async (w) => {
        for (const signal of signalNames) {
          const r = await read(w, query(w, signal, 120, unknownCluster));
          assert.ok(r === 'missing' || r.length === 0, `${signal}: ${JSON.stringify(r).slice(0, 200)}`);
        }
      }),
    );
  });
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
