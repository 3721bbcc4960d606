import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { SignalSample } from '../ports.js';
import { evaluateExtrapolationGate, extrapolate } from './extrapolation.js';

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
