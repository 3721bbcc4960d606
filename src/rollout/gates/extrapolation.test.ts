import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { GiB } from '../../cost/calibration.js';
import { relistSpreadS } from '../../cost/transients.js';
import type { SignalSample, TransientContext } from '../ports.js';
import { evaluateExtrapolationGate, extrapolate, projectTransients } from './extrapolation.js';

const nowMs = 1_000_000;
const spec = { windowS: 120, maxFill: 1, staleAfterS: 120 };
const ctx = { nowMs, sinceMs: null };
const samples = (change: number, other: number, available: number, n = 6): SignalSample[] =>
  Array.from({ length: n }, (_, i) => ({
    tMs: nowMs - i * 10_000,
    value: change,
    seats: { priorityLevel: 'workload-low', otherDemandSeats: other, availableSeats: available },
  }));

void describe('extrapolation arithmetic', () => {
  void it('projects D_s / s to all nodes and adds the other demand', () => {
    const x = extrapolate(3, 0.01, 40, 245, 1);
    assert.ok(Math.abs(x.projectedChangeSeats - 300) < 1e-9);
    assert.ok(Math.abs(x.totalSeats - 340) < 1e-9);
    assert.equal(x.limitSeats, 245);
    assert.equal(x.fits, false);
  });

  void it('honours maxFill as headroom', () => {
    assert.equal(extrapolate(1, 0.1, 80, 100, 1).fits, true); // 10 + 80 = 90 ≤ 100
    assert.equal(extrapolate(1, 0.1, 80, 100, 0.8).fits, false); // 90 > 80
  });

  void it('is exact at share 1 (a direct measurement)', () => {
    const x = extrapolate(12, 1, 30, 100, 1);
    assert.equal(x.projectedChangeSeats, 12);
    assert.equal(x.totalSeats, 42);
  });
});

void describe('extrapolation gate', () => {
  void it('fails a 1% step whose projection does not fit, saying so with the numbers', () => {
    const r = evaluateExtrapolationGate(
      samples(3, 40, 245),
      spec,
      { share: 0.01, effectiveShare: null },
      ctx,
    );
    assert.equal(r.verdict, 'fail');
    assert.equal(r.signal, 'change_seat_demand');
    assert.ok(r.verdict === 'fail' && Math.abs(r.value - 340) < 1e-9 && r.threshold === 245);
    assert.equal(
      r.reason,
      'change uses 3 seats on workload-low at 1% of nodes → 300 at 100%; + 40 other demand = 340 > 245 seats the level can get',
    );
  });

  void it('passes a benign change', () => {
    const r = evaluateExtrapolationGate(
      samples(0.05, 40, 245),
      spec,
      { share: 0.01, effectiveShare: null },
      ctx,
    );
    assert.equal(r.verdict, 'pass');
    assert.ok(Math.abs((r.value ?? 0) - 45) < 1e-9);
  });

  void it('uses the share actually running when known (rounding up to whole nodes)', () => {
    // 1% of 30 nodes is one node = 3.33%: dividing by 1% would overstate the demand 3.3×.
    const r = evaluateExtrapolationGate(
      samples(1, 0, 100),
      spec,
      { share: 0.01, effectiveShare: 1 / 30 },
      ctx,
    );
    assert.equal(r.verdict, 'pass');
    assert.ok(Math.abs((r.value ?? 0) - 30) < 1e-9);
  });

  void it('uses the fewest available seats seen in the window', () => {
    const s = [...samples(10, 10, 200, 3), ...samples(10, 10, 100, 1)]; // 10 / 0.1 + 10 = 110: fits 200, not 100
    const r = evaluateExtrapolationGate(s, spec, { share: 0.1, effectiveShare: null }, ctx);
    assert.ok(r.verdict === 'fail' && r.threshold === 100);
  });

  void it('is inconclusive when missing, stale, or without level context', () => {
    assert.equal(
      evaluateExtrapolationGate('missing', spec, { share: 0.01, effectiveShare: null }, ctx).verdict,
      'inconclusive',
    );
    const stale = samples(1, 1, 100).map((s) => ({ ...s, tMs: s.tMs - 600_000 }));
    const r = evaluateExtrapolationGate(stale, spec, { share: 0.01, effectiveShare: null }, ctx);
    assert.ok(r.verdict === 'inconclusive' && r.cause === 'stale');
    const bare = [{ tMs: nowMs, value: 1 }];
    const n = evaluateExtrapolationGate(bare, spec, { share: 0.01, effectiveShare: null }, ctx);
    assert.ok(n.verdict === 'inconclusive' && n.cause === 'no-context');
  });
});

void describe('extrapolation of transients (start-up and relist LISTs)', () => {
  // One pod's start-up LISTs: 2 seat-seconds and 1 GiB·s of heap; 7,500 replicas at 100%, 25 start per s.
  const t = (over: Partial<TransientContext> = {}): TransientContext => ({
    seats: 0,
    perPodSeatSeconds: 2,
    perPodByteSeconds: GiB,
    fullReplicas: 7_500,
    podsStartPerS: 25,
    apiServers: 5,
    memoryHeadroomBytes: 40 * GiB,
    ...over,
  });
  const withTransient = (change: number, ctx: TransientContext, n = 6): SignalSample[] =>
    Array.from({ length: n }, (_, i) => ({
      tMs: nowMs - i * 10_000,
      value: change,
      seats: { priorityLevel: 'workload-high', otherDemandSeats: 20, availableSeats: 1_860, transient: ctx },
    }));

  void it('paces the rollout burst by the start rate and the relist by the replicas a restart drops', () => {
    const [burst, relist] = projectTransients(t(), 1_860);
    assert.equal(burst?.phase, 'rollout-burst');
    assert.equal(burst?.seats, 50); // 25 pods/s × 2 seat-seconds, whatever the share
    assert.equal(burst?.durationS, 300); // 7,500 pods at 25/s
    assert.equal(relist?.phase, 'restart-relist');
    assert.ok(Math.abs((relist?.listsPerS ?? 0) - 1_500 / relistSpreadS) < 1e-9); // 7,500 / 5 servers
  });

  void it('does not multiply start-up LISTs by 1/share: a 1% step starting 75 pods passes', () => {
    // 20 seats measured, all of them start-up LISTs: × 100 would be 2,000 > 1,674 and halt a benign agent.
    const r = evaluateExtrapolationGate(
      withTransient(20, t({ seats: 20 })),
      { windowS: 120, maxFill: 0.9, staleAfterS: 120 },
      { share: 0.01, effectiveShare: null },
      ctx,
    );
    assert.equal(r.verdict, 'pass', r.reason);
    assert.match(
      r.reason,
      /steady 0 seats on workload-high at 1% of nodes → 0 at 100% \(× 1\/share\), start-up LISTs 20 \(not × 1\/share\)/,
    );
    assert.match(r.reason, /rollout burst \(25 pods start\/s, for 300s\): \+ 50 seats/);
    assert.match(r.reason, /restart relist/);
    // The relist decides: 1,500 relists over 29.2 s × 2 seat-s = 103 seats, × ½ GiB / 5 servers of 40 GiB.
    assert.ok(r.fill !== undefined && Math.abs(r.fill - ((1_500 / relistSpreadS) * 2 * 0.5) / 5 / 40) < 1e-9);
  });

  void it('still multiplies the steady part by 1/share', () => {
    const r = evaluateExtrapolationGate(
      withTransient(30, t({ seats: 10 })),
      { windowS: 120, maxFill: 0.9, staleAfterS: 120 },
      { share: 0.01, effectiveShare: null },
      ctx,
    );
    assert.equal(r.verdict, 'fail'); // (30 − 10) / 1% = 2,000 + 20 > 1,674
    assert.ok(r.verdict === 'fail' && Math.abs(r.value - 2_020) < 1e-9);
  });

  void it('fails a burst whose LISTs would hold more heap than the API servers have (OOM)', () => {
    // Heavy LISTs: 40 GiB·s each; APF admits 1,860 seats at once → 1,860 / 2 × 40 GiB / 5 servers.
    const r = evaluateExtrapolationGate(
      withTransient(5, t({ seats: 5, perPodByteSeconds: 40 * GiB })),
      { windowS: 120, maxFill: 0.9, staleAfterS: 120 },
      { share: 0.01, effectiveShare: null },
      ctx,
    );
    assert.equal(r.verdict, 'fail');
    assert.match(
      r.reason,
      /rollout burst .* GiB heap per API server of 40 free × maxFill 0.9 — the API servers would be OOM-killed/,
    );
  });

  void it('lets a seat overload shorter than a request time-out pass (it only delays work)', () => {
    // 1,000 pods relisting over the backoff at 100 seat-seconds each would overload seats, but only briefly.
    const short = t({ fullReplicas: 30, podsStartPerS: 1_000, perPodSeatSeconds: 100, perPodByteSeconds: 0 });
    const r = evaluateExtrapolationGate(
      withTransient(1, { ...short, seats: 1 }),
      { windowS: 120, maxFill: 0.9, staleAfterS: 120 },
      { share: 0.5, effectiveShare: null },
      ctx,
    );
    assert.equal(r.verdict, 'pass', r.reason);
  });
});
