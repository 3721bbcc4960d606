import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createRng } from '../../core/random.js';
import { levelLimits } from '../../cost/apf-capacity.js';
import { defaultApiServerCalibration, GiB, type ApiServerCalibration } from '../../cost/calibration.js';
import { baselineFlows } from '../../cost/flows.js';
import type { RequestCost } from '../../cost/request-cost.js';
import { costFlows, residentMemoryBytes, type ControlPlaneSpec } from '../../cost/steady-state.js';
import { defaultFlowSchemas, defaultPriorityLevels } from '../../model/apf.js';
import type { ClusterShape } from '../../model/resources.js';
import { ControlPlane, gcSlowdown } from './control-plane.js';
import { buildClasses, type RequestClass } from './request-class.js';

// Reference §2.1 (600 seats, 15-s queue-wait limit, 429 + Retry-After, watch-cache re-initialisation 429s),
// §2.2 (levels, borrowing, shuffle-sharded queues), §2.4 (client-go retries up to 10 times), §4.5.
//
// Level limits at ServerCL 600 (hand-computed in src/cost/apf-capacity.test.ts):
//   workload-low: nominal 245, lendable 221 ⇒ guaranteed 24; max with borrowing 245 + 123 = 368;
//   per-flow queue 6 × 50 = 300. Guaranteed seats of the other limited levels: catch-all 13, system 50,
//   node-high 73, leader-election 25, workload-high 49, global-default 24 ⇒ Σ 234. A lone busy
//   workload-low can therefore use min(368, 600 − 234) = 366 seats (368 if the pool were ΣnominalCL = 602,
//   as upstream's allocator uses); either way ≈ 37 concurrent 10-seat LISTs per server (§4.5).
// client-go retries: a request that keeps failing is retried up to 10 times ⇒ 10/11 of failed attempts
// come back (the retryShare constant).

const limits = levelLimits(defaultPriorityLevels, 600, 10);
const levelIndex = (name: string): number => {
  const i = limits.findIndex((l) => l.name === name);
  assert.ok(i >= 0, name);
  return i;
};
const WL = levelIndex('workload-low');
const EXEMPT = levelIndex('exempt');
const CATCH_ALL = levelIndex('catch-all');
const RETRY_SHARE = 10 / 11;

/**
 * APF-only calibration: CPU and memory never bind, and a level's limit follows its demand at once (these
 * tests are about fair queuing and queue limits; the 10-s borrowing adjustment has tests of its own, in
 * borrowing.test.ts).
 */
const apfOnly: ApiServerCalibration = {
  ...defaultApiServerCalibration,
  cores: 1e9,
  memoryGiB: 1e9,
  borrowingAdjustmentS: 0,
};

const cost = (over: Partial<RequestCost> = {}): RequestCost => ({
  seats: 1,
  processedObjects: 1,
  returnedObjects: 1,
  responseBytes: 0,
  servedFrom: 'object',
  serviceS: 0.1,
  cpuCoreS: 0.1,
  memoryBytes: 0,
  etcdObjects: 0,
  etcdCoreS: 0,
  pages: 1,
  streamed: false,
  longRunning: false,
  watchEventsPerS: 0,
  ...over,
});
const cls = (
  id: string,
  level: number,
  groupKey: string,
  c: RequestCost,
  over: Partial<RequestClass> = {},
): RequestClass => ({
  id,
  origin: 'change',
  levelIndex: level,
  groupKey,
  flowCount: 1,
  cost: c,
  cacheServed: false,
  retries: true,
  relistOf: null,
  kind: 'stream',
  startUp: false,
  ...over,
});
/** A 20-s, 10-seat LIST (a cluster-wide pod LIST capped by the work estimator). */
const bigList = cost({ seats: 10, serviceS: 20, cpuCoreS: 20 });

interface Snapshot {
  readonly t: number;
  readonly retryAfterBefore: number;
  readonly arrived: number[];
  readonly succeeded: number[];
  readonly rejected: number[];
  readonly timedOut: number[];
  readonly failedDown: number[];
  readonly queueWaitS: number[];
  readonly queued: number[];
  readonly executing: number[];
}

/** Steps the control plane with 1-s steps from t = 1; `arrivals(t)` gives new requests per class. */
function runSteps(
  cp: ControlPlane,
  steps: number,
  arrivals: (t: number) => readonly number[],
  level = WL,
): Snapshot[] {
  const n = cp.classes.length;
  const blocked = new Uint8Array(n);
  const watchers = new Float64Array(n);
  const out: Snapshot[] = [];
  for (let t = 1; t <= steps; t++) {
    const retryAfterBefore = cp.retryAfterS(level);
    cp.step(t, Float64Array.from(arrivals(t)), blocked, watchers);
    out.push({
      t,
      retryAfterBefore,
      arrived: Array.from(cp.out.arrived),
      succeeded: Array.from(cp.out.succeeded),
      rejected: Array.from(cp.out.rejected),
      timedOut: Array.from(cp.out.timedOut),
      failedDown: Array.from(cp.out.failedDown),
      queueWaitS: Array.from(cp.out.queueWaitS),
      queued: Array.from(cp.queued),
      executing: Array.from(cp.executing),
    });
  }
  return out;
}
const at = (snaps: readonly Snapshot[], t: number): Snapshot => {
  const s = snaps[t - 1];
  assert.ok(s && s.t === t, `snapshot ${t}`);
  return s;
};
const v = (xs: readonly number[], i = 0): number => xs[i] ?? Number.NaN;
const near = (actual: number, expected: number, tol: number, what: string): void => {
  assert.ok(Math.abs(actual - expected) <= tol, `${what}: ${actual} not within ${tol} of ${expected}`);
};

void describe('ControlPlane: load within capacity', () => {
  void it('100 req/s of 0.1-s, 1-seat requests (10 seats ≪ 24 guaranteed): all served, no 429s, empty queue', () => {
    const cp = new ControlPlane({
      classes: [cls('small', WL, 'g', cost())],
      limits,
      calibration: apfOnly,
      apiServers: 1,
      residentBytes: 0,
      stepS: 1,
      rng: createRng(1),
    });
    const snaps = runSteps(cp, 30, () => [100]);
    for (const s of snaps) {
      assert.equal(v(s.rejected), 0, `rejected at t=${s.t}`);
      assert.equal(v(s.failedDown), 0);
      // every arrival starts within its step: 100 per step, timeouts e^(−60/0.1) ≈ 0
      near(v(s.succeeded), 100, 1e-6, `succeeded at t=${s.t}`);
      near(v(s.queued), 0, 1e-9, `queued at t=${s.t}`);
      assert.equal(v(s.queueWaitS), 0);
      assert.equal(s.retryAfterBefore, 1);
    }
    assert.equal(cp.oomKills, 0);
  });

  void it('a default baseline cluster (1,000 nodes, costFlows + buildClasses) runs without 429s or timeouts', () => {
    // Hand estimate of the largest seat users per server (3 servers): kubelet leases 1000/10 = 100/s ×
    // ~0.01 s = 1 seat; pod patches 30,000/600 = 50/s × 0.01 = 0.5; controllers 70/s × 0.01 = 0.7;
    // all ≪ the levels' guaranteed seats; resident memory a few GiB ≪ 64 GiB.
    const shape: ClusterShape = { nodes: 1000, podsPerNode: 30 };
    const spec: ControlPlaneSpec = {
      apiServers: 3,
      calibration: defaultApiServerCalibration,
      priorityLevels: defaultPriorityLevels,
      flowSchemas: defaultFlowSchemas,
    };
    const flows = baselineFlows(shape, { corednsReplicas: 4, oncallUsers: 3 });
    const costed = costFlows(flows, shape, spec);
    const classes = buildClasses(costed, limits);
    const rate = new Map(flows.map((f) => [f.id, f.ratePerS]));
    const cp = new ControlPlane({
      classes,
      limits,
      calibration: spec.calibration,
      apiServers: 3,
      residentBytes: residentMemoryBytes(shape, spec.calibration),
      stepS: 1,
      rng: createRng(1),
    });
    const n = classes.length;
    const arrivals = classes.map((c) => (c.kind === 'stream' ? (rate.get(c.id) ?? 0) : 0));
    const watchers = Float64Array.from(classes.map((c) => (c.kind === 'watch' ? (rate.get(c.id) ?? 0) : 0)));
    let arrived = 0;
    let succeeded = 0;
    for (let t = 1; t <= 60; t++) {
      cp.step(t, Float64Array.from(arrivals), new Uint8Array(n), watchers);
      for (let i = 0; i < n; i++) {
        assert.equal(v(Array.from(cp.out.rejected), i), 0, `${classes[i]?.id} rejected at t=${t}`);
        assert.ok(v(Array.from(cp.out.timedOut), i) < 1e-9, `${classes[i]?.id} timed out at t=${t}`);
        arrived += cp.out.arrived[i] ?? 0;
        succeeded += cp.out.succeeded[i] ?? 0;
      }
    }
    assert.ok(arrived > 0);
    near(succeeded, arrived, 1e-6 * arrived, 'everything offered was served');
    assert.equal(cp.oomKills, 0);
    assert.ok(cp.seatUtilization < 0.1, `seat utilization ${cp.seatUtilization}`);
  });
});

void describe('ControlPlane: one flow far over its level', () => {
  void it('concurrency is capped at the level’s borrowable seats (≈37 × 10-seat LISTs), the rest queues ≤ 15 s then gets 429', () => {
    // 10 new 20-s LISTs per second need 10 × 20 = 200 concurrent LISTs = 2,000 seats ≫ 366.
    const cp = new ControlPlane({
      classes: [cls('big', WL, 'sa/agent', bigList)],
      limits,
      calibration: apfOnly,
      apiServers: 1,
      residentBytes: 0,
      stepS: 1,
      rng: createRng(1),
    });
    const snaps = runSteps(cp, 120, () => [10]);
    for (const s of snaps) {
      const seats = v(s.executing) * 10;
      assert.ok(seats <= 368 + 1e-9, `seats in use ${seats} at t=${s.t}`);
      assert.ok(v(s.queueWaitS) <= 15 + 1e-9, `queue wait ${v(s.queueWaitS)} at t=${s.t}`);
      assert.ok(v(s.queued) <= 300 + 1e-9, `queued ${v(s.queued)} > per-flow cap at t=${s.t}`);
    }
    const last = at(snaps, 120);
    assert.ok(v(last.executing) * 10 >= 366 - 1e-6, `seats in use at the end: ${v(last.executing) * 10}`);
    near(v(last.queueWaitS), 15, 1e-9, 'queue wait at the limit');
    // Filling up: 10 LISTs start per step until 36.6 run (t ≈ 4); then ≈1.8/s start and the queue grows by
    // ≈8.2/s up to its 15-s limit of ≈1.8 × 15 ≈ 27 requests (t ≈ 7–8). No 429s before that, 429s every
    // step after it.
    for (const s of snaps.slice(0, 6)) assert.equal(v(s.rejected), 0, `429s while filling, t=${s.t}`);
    for (const s of snaps.slice(9)) assert.ok(v(s.rejected) > 0, `no 429s at t=${s.t}`);
    // Throughput ≈ seats / (seats per LIST × service time) = 36.6 / 20 ≈ 1.8 LIST/s (1.9 if seats are
    // also released by 60-s timeouts): allow 1.7 … 2.0.
    const served = v(last.succeeded) + v(last.timedOut);
    assert.ok(served >= 1.7 && served <= 2.0, `served per second ${served}`);
    // Sustained drops drive Retry-After to its 32-s cap (§2.1).
    assert.equal(cp.retryAfterS(WL), 32);
    // Retries add to the offered load: more arrives than the 10/s the clients start.
    assert.ok(v(last.arrived) > 10, `arrivals incl. retries ${v(last.arrived)}`);
  });

  void it('a burst: the queue keeps 300 (6 × 50 per flow), the rest is 429; 10/11 come back after Retry-After 1, 2, 4, 8, 16, 32 s', () => {
    const cp = new ControlPlane({
      classes: [cls('big', WL, 'sa/agent', bigList)],
      limits,
      calibration: apfOnly,
      apiServers: 1,
      residentBytes: 0,
      stepS: 1,
      rng: createRng(1),
    });
    const snaps = runSteps(cp, 40, (t) => [t === 1 ? 10_000 : 0]);
    const s1 = at(snaps, 1);
    // Step 1: 36.6 LISTs start (366 seats / 10), 300 stay queued, the rest is rejected.
    near(v(s1.queued), 300, 1e-9, 'queued after the burst');
    near(v(s1.executing) * 10, 366, 2, 'seats started');
    near(
      v(s1.succeeded) + v(s1.timedOut) + v(s1.rejected) + v(s1.queued),
      10_000,
      1e-6,
      'conservation at t=1',
    );
    assert.ok(v(s1.rejected) > 9000);
    // Retry-After: 1 s at first; each retry wave is thousands of drops ≥ 3 × retryAfter, so it doubles
    // once per retryAfter seconds: the wave rejected at t is retried at t + RA(t):
    //   t=1 (RA 1) → 2;  t=2 (RA 2) → 4;  t=4 (RA 4) → 8;  t=8 (RA 8) → 16;  t=16 (RA 16) → 32.
    const waves: Array<[number, number, number]> = [
      [1, 1, 2],
      [2, 2, 4],
      [4, 4, 8],
      [8, 8, 16],
      [16, 16, 32],
    ];
    for (const [from, ra, to] of waves) {
      assert.equal(at(snaps, from).retryAfterBefore, ra, `Retry-After at t=${from}`);
      near(
        v(at(snaps, to).arrived),
        RETRY_SHARE * v(at(snaps, from).rejected),
        1e-6,
        `retries arriving at t=${to}`,
      );
    }
    assert.equal(at(snaps, 32).retryAfterBefore, 32);
    // Nothing else arrives in between.
    const waveSteps = new Set([1, 2, 4, 8, 16, 32]);
    for (const s of snaps) if (!waveSteps.has(s.t)) assert.equal(v(s.arrived), 0, `arrivals at t=${s.t}`);
  });

  void it('requests that do not retry (origin dns) are rejected but never come back', () => {
    const cp = new ControlPlane({
      classes: [cls('dns', WL, 'sa/coredns', bigList, { origin: 'dns', retries: false })],
      limits,
      calibration: apfOnly,
      apiServers: 1,
      residentBytes: 0,
      stepS: 1,
      rng: createRng(1),
    });
    const snaps = runSteps(cp, 10, (t) => [t === 1 ? 10_000 : 0]);
    assert.ok(v(at(snaps, 1).rejected) > 9000);
    for (const s of snaps.slice(1)) assert.equal(v(s.arrived), 0);
  });

  void it('capacity is per API server: 3 servers run 3 × 36.6 LISTs', () => {
    const cp = new ControlPlane({
      classes: [cls('big', WL, 'sa/agent', bigList)],
      limits,
      calibration: apfOnly,
      apiServers: 3,
      residentBytes: 0,
      stepS: 1,
      rng: createRng(1),
    });
    const snaps = runSteps(cp, 5, (t) => [t === 1 ? 10_000 : 0]);
    const seats = v(at(snaps, 1).executing) * 10;
    assert.ok(seats >= 3 * 366 - 1e-6 && seats <= 3 * 368 + 1e-6, `seats over 3 servers ${seats}`);
    near(v(at(snaps, 1).queued), 900, 1e-9, 'per-flow queue cap × 3 servers');
  });

  void it('a Reject-type level (catch-all: 0 queues) never queues: what cannot start is rejected at once', () => {
    // 100 new 20-s requests per second need 2,000 seats ≫ catch-all's limit; queue capacity 0 × 50 = 0.
    const cp = new ControlPlane({
      classes: [cls('odd', CATCH_ALL, 'catch-all/x', cost({ serviceS: 20, cpuCoreS: 20 }))],
      limits,
      calibration: apfOnly,
      apiServers: 1,
      residentBytes: 0,
      stepS: 1,
      rng: createRng(1),
    });
    const snaps = runSteps(cp, 30, () => [100], CATCH_ALL);
    for (const s of snaps) near(v(s.queued), 0, 1e-9, `queued at t=${s.t}`);
    assert.ok(v(at(snaps, 30).rejected) > 0);
  });
});

void describe('ControlPlane: fair queuing', () => {
  const small = cost({ seats: 1, serviceS: 0.1, cpuCoreS: 0.1 });

  void it('a small flow in another flow group of the same level is served in full while a big flow is throttled', () => {
    // Big: 50 LISTs/s × 20 s × 10 seats = 10,000 seats wanted. Small: 10 GETs/s × 0.1 s = 1 seat; its
    // max-min fair share of whatever frees up each step is far above 1 seat.
    const classes = [
      cls('big', WL, 'service-accounts/agent', bigList),
      cls('small', WL, 'service-accounts/operator', small),
    ];
    const cp = new ControlPlane({
      classes,
      limits,
      calibration: apfOnly,
      apiServers: 1,
      residentBytes: 0,
      stepS: 1,
      rng: createRng(1),
    });
    const snaps = runSteps(cp, 60, () => [50, 10]);
    for (const s of snaps.slice(1)) {
      assert.ok(v(s.rejected, 0) > 0, `big flow not throttled at t=${s.t}`);
      assert.equal(v(s.rejected, 1), 0, `small flow rejected at t=${s.t}`);
      near(v(s.succeeded, 1), 10, 1e-6, `small flow served at t=${s.t}`);
      near(v(s.queued, 1), 0, 1e-9, `small flow queued at t=${s.t}`);
    }
  });

  void it('the same small flow sharing the big flow’s group (same flow key) is throttled with it', () => {
    const classes = [
      cls('big', WL, 'kube-system-service-accounts/kube-system', bigList),
      cls('small', WL, 'kube-system-service-accounts/kube-system', small),
    ];
    const cp = new ControlPlane({
      classes,
      limits,
      calibration: apfOnly,
      apiServers: 1,
      residentBytes: 0,
      stepS: 1,
      rng: createRng(1),
    });
    const snaps = runSteps(cp, 60, () => [50, 10]);
    const rejectedSmall = snaps.reduce((sum, s) => sum + v(s.rejected, 1), 0);
    assert.ok(rejectedSmall > 0, 'the small class shares the FIFO group and gets 429s');
  });

  void it('other levels keep their guaranteed seats: a node-high flow is served while workload-low is overloaded', () => {
    const NODE_HIGH = levelIndex('node-high');
    // 500 lease updates/s × 0.01 s = 5 seats ≪ node-high's 73 guaranteed seats.
    const lease = cost({ seats: 1, serviceS: 0.01, cpuCoreS: 0.01 });
    const classes = [
      cls('big', WL, 'service-accounts/agent', bigList),
      cls('lease', NODE_HIGH, 'system-node-high/n', lease, { flowCount: 5000 }),
    ];
    const cp = new ControlPlane({
      classes,
      limits,
      calibration: apfOnly,
      apiServers: 1,
      residentBytes: 0,
      stepS: 1,
      rng: createRng(1),
    });
    const snaps = runSteps(cp, 60, () => [50, 500]);
    for (const s of snaps.slice(1)) {
      assert.equal(v(s.rejected, 1), 0, `leases rejected at t=${s.t}`);
      near(v(s.succeeded, 1), 500, 1e-6, `leases served at t=${s.t}`);
    }
  });
});

void describe('ControlPlane: exempt level', () => {
  void it('an exempt class is never queued or rejected, however large the load', () => {
    // 1,000 × 20-s 10-seat requests per second: 200,000 seats — unlimited for exempt.
    const cp = new ControlPlane({
      classes: [cls('admin', EXEMPT, 'exempt/', bigList)],
      limits,
      calibration: apfOnly,
      apiServers: 1,
      residentBytes: 0,
      stepS: 1,
      rng: createRng(1),
    });
    const snaps = runSteps(cp, 30, () => [1000], EXEMPT);
    for (const s of snaps) {
      assert.equal(v(s.rejected), 0, `rejected at t=${s.t}`);
      near(v(s.queued), 0, 1e-9, `queued at t=${s.t}`);
      near(v(s.succeeded) + v(s.timedOut), 1000, 1e-6, `started at t=${s.t}`);
    }
  });
});

void describe('ControlPlane: memory, OOM kill and restart', () => {
  // One API server, 64 GiB, resident 2 GiB; a LIST holding 1 GiB for 20 s. Started requests count for
  // 1 − ½·min(1, 20 s / 1 s) = ½ of the step they start in.
  const calib: ApiServerCalibration = { ...defaultApiServerCalibration, cores: 1e9 };
  const list = (): RequestClass =>
    cls(
      'list',
      WL,
      'service-accounts/agent',
      cost({ seats: 1, serviceS: 20, cpuCoreS: 20, memoryBytes: GiB, servedFrom: 'cache' }),
      {
        cacheServed: true,
      },
    );
  const get = (): RequestClass => cls('get', WL, 'service-accounts/other', cost({ servedFrom: 'object' }));

  void it('below the limit: 100 LISTs ⇒ 2 + 100 × ½ = 52 GiB = 81.25 % of 64 GiB, no OOM', () => {
    const cp = new ControlPlane({
      classes: [list()],
      limits,
      calibration: calib,
      apiServers: 1,
      residentBytes: 2 * GiB,
      stepS: 1,
      rng: createRng(1),
    });
    runSteps(cp, 1, () => [100]);
    assert.equal(cp.oomKills, 0);
    near(cp.memoryUtilization, 52 / 64, 1e-9, 'memory utilization');
    assert.equal(cp.isDown(1), false);
  });

  void it('over the limit: 200 LISTs ⇒ 2 + 100 = 102 GiB > 64 GiB ⇒ OOM kill, down for 0.75–1.5 × restartS (45 s)', () => {
    const cp = new ControlPlane({
      classes: [list(), get()],
      limits,
      calibration: calib,
      apiServers: 1,
      residentBytes: 2 * GiB,
      stepS: 1,
      rng: createRng(1),
    });
    runSteps(cp, 1, () => [200, 0]);
    assert.equal(cp.oomKills, 1);
    assert.equal(cp.isDown(1), true);
    // Restart after 45 × (0.75 + 0.75·u), u ∈ [0, 1) ⇒ back between t = 1 + 33.75 and t = 1 + 67.5.
    assert.equal(cp.isDown(34.7), true);
    assert.equal(cp.isDown(68.5), false);
  });

  void it('while down requests fail and are retried after 1 s; after the restart cache-served requests get 429 until the watch cache is ready (30 s)', () => {
    const cp = new ControlPlane({
      classes: [list(), get()],
      limits,
      calibration: calib,
      apiServers: 1,
      residentBytes: 2 * GiB,
      stepS: 1,
      rng: createRng(1),
    });
    const n = 2;
    const blocked = new Uint8Array(n);
    const watchers = new Float64Array(n);
    cp.step(1, Float64Array.from([200, 0]), blocked, watchers);
    assert.equal(cp.oomKills, 1);

    // Find when it answers again (between 34.75 and 68.5, see above).
    let upAt = Number.NaN;
    for (let t = 2; t <= 70; t++) {
      if (!cp.isDown(t)) {
        upAt = t;
        break;
      }
    }
    assert.ok(upAt >= 34.75 && upAt <= 68.5, `back at ${upAt}`);

    // While down (t = 2 .. 4): a fresh GET fails at once and comes back next step × 10/11.
    cp.step(2, Float64Array.from([0, 11]), blocked, watchers);
    near(v(Array.from(cp.out.failedDown), 1), 11, 1e-9, 'GETs failed while down');
    cp.step(3, Float64Array.from([0, 0]), blocked, watchers);
    near(v(Array.from(cp.out.arrived), 1), 10, 1e-9, 'GET retries (11 × 10/11) one step later');
    near(v(Array.from(cp.out.failedDown), 1), 10, 1e-9, 'still failing while down');

    // Drain everything scheduled so far, then probe the re-initialising server.
    cp.forget(0);
    cp.forget(1);
    for (let t = 4; t < upAt; t++) cp.step(t, Float64Array.from([0, 0]), blocked, watchers);
    assert.equal(cp.isInitializing(upAt), true);
    cp.step(upAt, Float64Array.from([5, 5]), blocked, watchers);
    assert.equal(cp.oomKills, 1);
    near(
      v(Array.from(cp.out.rejected), 0),
      5,
      1e-9,
      'cache-served LISTs all get 429 "storage is (re)initializing"',
    );
    assert.equal(v(Array.from(cp.out.rejected), 1), 0, 'GETs are served (they fall through to etcd)');
    near(v(Array.from(cp.out.succeeded), 1), 5, 1e-6, 'GETs succeed');
    // Retry-After 1 for those 429s: 5 × 10/11 LISTs come back next step, still refused.
    cp.step(upAt + 1, Float64Array.from([0, 0]), blocked, watchers);
    near(v(Array.from(cp.out.arrived), 0), 5 * RETRY_SHARE, 1e-9, 'LIST retries after 1 s');
    near(v(Array.from(cp.out.rejected), 0), 5 * RETRY_SHARE, 1e-9, 'still initialising');

    // 30 s after coming back the cache is ready and LISTs are accepted again.
    cp.forget(0);
    for (let t = upAt + 2; t < upAt + 30; t++) cp.step(t, Float64Array.from([0, 0]), blocked, watchers);
    assert.equal(cp.isInitializing(upAt + 29), true);
    assert.equal(cp.isInitializing(upAt + 30), false);
    cp.step(upAt + 30, Float64Array.from([5, 0]), blocked, watchers);
    assert.equal(v(Array.from(cp.out.rejected), 0), 0, 'LISTs accepted once the watch cache is ready');
    near(v(Array.from(cp.out.succeeded), 0) + v(Array.from(cp.out.timedOut), 0), 5, 1e-6, 'LISTs started');
  });

  void it('an OOM kill loses at most the requests that were in the server (no double counting)', () => {
    // From idle, 200 LISTs arrive and start in step 1, then the process dies. At most those 200 can fail:
    // failedDown ≤ 200 and the client retries ≤ 200 × 10/11 ≈ 181.8.
    const cp = new ControlPlane({
      classes: [list()],
      limits,
      calibration: calib,
      apiServers: 1,
      residentBytes: 2 * GiB,
      stepS: 1,
      rng: createRng(1),
    });
    const snaps = runSteps(cp, 60, (t) => [t === 1 ? 200 : 0]);
    const s1 = at(snaps, 1);
    assert.equal(cp.oomKills, 1);
    const outcomes = v(s1.succeeded) + v(s1.rejected) + v(s1.timedOut) + v(s1.failedDown);
    assert.ok(
      outcomes <= 200 + 1e-6,
      `step 1: 200 arrived but ${outcomes} outcomes (failedDown ${v(s1.failedDown)})`,
    );
    const firstRetryWave = Math.max(...snaps.slice(1).map((s) => v(s.arrived)));
    assert.ok(
      firstRetryWave <= 200 * RETRY_SHARE + 1e-6,
      `retry wave of ${firstRetryWave} for 200 lost requests`,
    );
  });

  void it('requests lost in an OOM kill are retried after restartS (45 s), not earlier', () => {
    // checkMemory schedules lost requests' retries at calib.restartS = 45 s ⇒ first arrivals at t = 1 + 45.
    const cp = new ControlPlane({
      classes: [list()],
      limits,
      calibration: calib,
      apiServers: 1,
      residentBytes: 2 * GiB,
      stepS: 1,
      rng: createRng(1),
    });
    const snaps = runSteps(cp, 50, (t) => [t === 1 ? 200 : 0]);
    assert.equal(cp.oomKills, 1);
    const early = snaps.filter((s) => s.t >= 2 && s.t < 46 && v(s.arrived) > 0).map((s) => s.t);
    assert.deepEqual(early, [], `retries arrived at t=${early.join(',')} (expected none before t=46)`);
    assert.ok(v(at(snaps, 46).arrived) > 0, 'retries at t=46');
  });
});

void describe('ControlPlane: API servers behind a load balancer run out of memory one by one', () => {
  const list = cls(
    'list',
    WL,
    'service-accounts/agent',
    cost({ seats: 1, serviceS: 20, cpuCoreS: 20, memoryBytes: GiB, servedFrom: 'cache' }),
    { cacheServed: true },
  );
  const make = (loadImbalance: number): ControlPlane =>
    new ControlPlane({
      classes: [list],
      limits,
      calibration: { ...defaultApiServerCalibration, cores: 1e9, loadImbalance },
      apiServers: 3,
      residentBytes: 2 * GiB,
      stepS: 1,
      rng: createRng(1),
    });

  void it('balanced: all three die in the same step; unbalanced: the heaviest first, the rest later', () => {
    // 3 servers × 64 GiB; 400 LISTs of 1 GiB held for half the step ⇒ 2 + 200/3 ≈ 68.7 GiB each.
    const balanced = make(0);
    runSteps(balanced, 1, () => [400]);
    assert.equal(balanced.upCount(1), 0, 'all down together');
    // Just under the balanced limit (2 + 185/3 ≈ 63.7 GiB): only the heaviest server is past 64 GiB.
    const uneven = make(0.1);
    runSteps(uneven, 1, () => [370]);
    assert.equal(uneven.oomKills, 1);
    assert.equal(uneven.upCount(1), 2, 'one of three killed');
    // What it held is lost (about a third); the survivors keep theirs.
    const executing = uneven.executing[0] ?? 0;
    assert.ok(executing > 370 * 0.6 && executing < 370 * 0.7, `${executing}`);
  });
});

describe('gcSlowdown (the GC death spiral before an OOM kill)', () => {
  it('is exactly 1 up to 80% of the heap limit, 2× at 90%, and 20× at most near the limit', () => {
    for (const m of [0, 0.3, 0.79999, 0.8]) assert.equal(gcSlowdown(m), 1);
    assert.ok(Math.abs(gcSlowdown(0.9) - 2) < 1e-12);
    // 1 − (0.95 − 0.8)/0.2 = 0.25 ⇒ 4×; from 99% on the 0.05 floor holds it at 20×.
    assert.ok(Math.abs(gcSlowdown(0.95) - 4) < 1e-12);
    assert.ok(Math.abs(gcSlowdown(0.99) - 20) < 1e-9);
    assert.equal(gcSlowdown(0.995), 20);
    assert.equal(gcSlowdown(1.5), 20);
    assert.ok(gcSlowdown(0.85) > 1 && gcSlowdown(0.85) < gcSlowdown(0.9));
  });
});
