import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import {
  formatBytes,
  formatCompact,
  formatCount,
  formatPercent,
  formatRunTime,
  formatRunTimeExact,
  formatSignificant,
} from './format.js';
import { parseWallClock } from './wall-clock.js';

// The five percent formatters this module replaced, verbatim: each style must give their bytes.
const old = {
  timeline: (x: number): string => `${(x * 100).toFixed(x < 0.1 && x > 0 ? 1 : 0)}%`,
  controller: (share: number): string => `${Number((share * 100).toPrecision(3))}%`,
  analyzeChange: (x: number): string =>
    x >= 10 ? `${Math.round(x * 100).toLocaleString('en-US')}%` : `${Math.round(x * 100)}%`,
  analyzeText: (x: number): string => `${Math.round(x * 100).toLocaleString('en-US')}%`,
  gateFmt: (n: number): string => {
    if (!Number.isFinite(n)) return String(n);
    if (n === 0) return '0';
    if (Math.abs(n) >= 1000) return String(Math.round(n));
    return String(Number(n.toPrecision(3)));
  },
};

const ratio = fc.oneof(
  fc.double({ min: 0, max: 1, noNaN: true }),
  fc.double({ min: 0, max: 200, noNaN: true }),
  fc.constantFrom(0, 0.001, 0.0999, 0.1, 0.5, 0.999, 1, 10, 12.345),
);

void describe('formatPercent keeps the bytes of the formatters it replaced', () => {
  void it('auto = the timeline and cluster table', () => {
    fc.assert(fc.property(ratio, (x) => formatPercent(x) === old.timeline(x)));
  });
  void it('significant = the rollout controller, the simulated rollout and the extrapolation gate', () => {
    fc.assert(
      fc.property(fc.double({ min: 0, max: 1, noNaN: true }), (x) => {
        const s = formatPercent(x, 'significant');
        return s === old.controller(x) && s === `${old.gateFmt(x * 100)}%`;
      }),
    );
  });
  void it('whole = analyze (change verdicts and the text report)', () => {
    fc.assert(
      fc.property(ratio, (x) => {
        const s = formatPercent(x, 'whole');
        return s === old.analyzeChange(x) && s === old.analyzeText(x);
      }),
    );
    // The one deliberate difference: a tiny negative difference no longer reads "-0%".
    assert.equal(formatPercent(-0.001, 'whole'), '0%');
  });
  void it('examples', () => {
    assert.equal(formatPercent(0.625647), '63%');
    assert.equal(formatPercent(0.001), '0.1%');
    assert.equal(formatPercent(0), '0%');
    assert.equal(formatPercent(0.01, 'significant'), '1%');
    assert.equal(formatPercent(12.5, 'whole'), '1,250%');
  });
});

void describe('counts, bytes, run times', () => {
  void it('formats counts, compact counts and significant digits', () => {
    assert.equal(formatCount(7497), '7,497');
    assert.equal(formatCount(-0.2), '0');
    assert.equal(formatCompact(585_000_000), '585.0M');
    assert.equal(formatCompact(1_400_000_000), '1.4G');
    assert.equal(formatCompact(950), '950');
    assert.equal(formatSignificant(9137.6), '9138');
    assert.equal(formatSignificant(0.002774), '0.00277');
  });
  void it('formats bytes in decimal units', () => {
    assert.equal(formatBytes(0), '-');
    assert.equal(formatBytes(526_000), '526 kB');
    assert.equal(formatBytes(2_040_000_000), '2.0 GB');
  });
  void it('formats run times as wall clock or offsets', () => {
    const clock = parseWallClock('2024-12-11T14:45:00-08:00');
    assert.equal(formatRunTime(clock, 1466), '15:09');
    assert.equal(formatRunTimeExact(clock, 1466), '15:09:26');
    assert.equal(formatRunTime(undefined, 60), '    +1m');
    assert.equal(formatRunTimeExact(undefined, 1466), '+24m26s');
  });
});
