import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { SignalSample } from '../ports.js';
import type { ThresholdGateSpec } from '../policy.js';
import { evaluateThresholdGate } from './threshold.js';
import { aggregate, windowSamples } from './samples.js';
import { combineVerdicts } from './types.js';

const nowMs = 600_000;
const gate = (over: Partial<ThresholdGateSpec> = {}): ThresholdGateSpec => ({
  name: 'apf_seat_utilization',
  signal: 'apf_seat_utilization',
  windowS: 60,
  aggregate: 'mean',
  absolute: 0.9,
  relative: null,
  timing: 'continuous',
  staleAfterS: 120,
  minSamples: 1,
  ...over,
});
/** Points every 10 s ending at `endMs`. */
const series = (values: readonly number[], endMs = nowMs): SignalSample[] =>
  values.map((value, i) => ({ tMs: endMs - (values.length - 1 - i) * 10_000, value }));
const ctx = { nowMs, sinceMs: null };

void describe('threshold gate', () => {
  void it('passes under the absolute limit and reports value and limit', () => {
    const r = evaluateThresholdGate(series([0.4, 0.5, 0.6]), gate(), null, ctx);
    assert.equal(r.verdict, 'pass');
    assert.equal(r.value, 0.5);
    assert.equal(r.threshold, 0.9);
  });

  void it('fails over the absolute limit with the numbers in the reason', () => {
    const r = evaluateThresholdGate(series([0.95, 0.97]), gate(), null, ctx);
    assert.equal(r.verdict, 'fail');
    assert.equal(r.threshold, 0.9);
    assert.match(r.reason, /apf_seat_utilization mean over 60s = 0\.96 > 0\.9 \(absolute\)/);
  });

  void it('fails relative to the baseline: baseline × factor + margin', () => {
    const g = gate({ signal: 'apiserver_p99_latency_s', absolute: 5, relative: { factor: 3, margin: 0.25 } });
    const r = evaluateThresholdGate(series([1, 1]), g, 0.2, ctx);
    assert.equal(r.verdict, 'fail');
    assert.ok(r.verdict === 'fail' && Math.abs(r.threshold - 0.85) < 1e-9);
    assert.match(r.reason, /baseline 0\.2 × 3 \+ 0\.25/);
    const ok = evaluateThresholdGate(series([0.5]), g, 0.2, ctx);
    assert.equal(ok.verdict, 'pass');
    assert.ok(Math.abs((ok.threshold ?? 0) - 0.85) < 1e-9, 'the stricter limit is reported');
  });

  void it('treats readiness as lower-is-bad', () => {
    const g = gate({ signal: 'change_ready_ratio', absolute: 0.95, aggregate: 'last' });
    assert.equal(evaluateThresholdGate(series([0.2, 0.99]), g, null, ctx).verdict, 'pass');
    const r = evaluateThresholdGate(series([1, 0.5]), g, null, ctx);
    assert.equal(r.verdict, 'fail');
    assert.match(r.reason, /0\.5 < 0\.95/);
  });

  void it('is inconclusive when the signal is missing, never a healthy zero', () => {
    const r = evaluateThresholdGate('missing', gate(), null, ctx);
    assert.equal(r.verdict, 'inconclusive');
    assert.ok(r.verdict === 'inconclusive' && r.cause === 'missing');
    assert.equal(evaluateThresholdGate([], gate(), null, ctx).verdict, 'inconclusive');
  });

  void it('is inconclusive on stale data', () => {
    const r = evaluateThresholdGate(series([0.1, 0.1], nowMs - 300_000), gate(), null, ctx);
    assert.ok(r.verdict === 'inconclusive' && r.cause === 'stale');
    assert.match(r.reason, /stale data \(newest sample 5m old, limit 2m\)/);
  });

  void it('is inconclusive with too few samples in the window', () => {
    const r = evaluateThresholdGate(series([0.1]), gate({ minSamples: 3 }), null, ctx);
    assert.ok(r.verdict === 'inconclusive' && r.cause === 'too-few-samples');
  });

  void it('is inconclusive without a baseline for a relative limit, but still fails on the absolute one', () => {
    const g = gate({ relative: { factor: 2, margin: 0 } });
    const r = evaluateThresholdGate(series([0.5]), g, null, ctx);
    assert.ok(r.verdict === 'inconclusive' && r.cause === 'no-baseline');
    assert.equal(evaluateThresholdGate(series([0.99]), g, null, ctx).verdict, 'fail');
  });

  void it('ignores non-finite samples and samples before sinceMs', () => {
    const samples = [
      ...series([0.99, 0.99], nowMs - 20_000),
      { tMs: nowMs - 5_000, value: Number.NaN },
      { tMs: nowMs, value: 0.1 },
    ];
    const r = evaluateThresholdGate(samples, gate(), null, { nowMs, sinceMs: nowMs - 10_000 });
    assert.equal(r.verdict, 'pass');
    assert.equal(r.value, 0.1);
  });
});

void describe('samples', () => {
  void it('aggregates mean, max, min, last', () => {
    assert.equal(aggregate([1, 3, 2], 'mean'), 2);
    assert.equal(aggregate([1, 3, 2], 'max'), 3);
    assert.equal(aggregate([1, 3, 2], 'min'), 1);
    assert.equal(aggregate([1, 3, 2], 'last'), 2);
  });

  void it('keeps only the window and sorts by time', () => {
    const w = windowSamples(
      [
        { tMs: nowMs, value: 3 },
        { tMs: nowMs - 70_000, value: 1 },
        { tMs: nowMs - 30_000, value: 2 },
      ],
      { nowMs, windowS: 60, staleAfterS: 120, minSamples: 1, sinceMs: null },
    );
    assert.ok(w.ok);
    assert.deepEqual(
      w.samples.map((s) => s.value),
      [2, 3],
    );
  });

  void it('combines verdicts: fail beats inconclusive beats pass', () => {
    assert.equal(combineVerdicts(['pass', 'inconclusive', 'fail']), 'fail');
    assert.equal(combineVerdicts(['pass', 'inconclusive']), 'inconclusive');
    assert.equal(combineVerdicts([]), 'pass');
  });
});
