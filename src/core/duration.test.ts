import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { formatDurationS, parseDurationS, requireDurationS } from './duration.js';
import { ErrorCodes, RampartError } from './errors.js';

void describe('parseDurationS', () => {
  void it('parses unit durations', () => {
    assert.equal(parseDurationS('1h30m'), 5400); // 3600 + 30 × 60
    assert.equal(parseDurationS('500ms'), 0.5); // 500 × 0.001
    assert.equal(parseDurationS('90s'), 90);
    assert.equal(parseDurationS('29m'), 1740); // 29 × 60
    assert.equal(parseDurationS('2d'), 172_800); // 2 × 86,400
    assert.equal(parseDurationS('1h1m1s'), 3661);
    assert.equal(parseDurationS('1.5h'), 5400); // 1.5 × 3600
    assert.equal(parseDurationS('1m500ms'), 60.5);
  });

  void it('plain numbers (as text or number) are seconds', () => {
    assert.equal(parseDurationS('90'), 90);
    assert.equal(parseDurationS('2.5'), 2.5);
    assert.equal(parseDurationS(90), 90);
    assert.equal(parseDurationS(0), 0);
    assert.equal(parseDurationS('  25m  '), 1500); // trimmed
  });

  void it('rejects text that is not a duration', () => {
    for (const bad of ['abc', '', '10x', '1h30', 'h', '1h 30m', '-5s', 'm5', '1e3s']) {
      assert.equal(parseDurationS(bad), undefined, JSON.stringify(bad));
    }
    assert.equal(parseDurationS(Number.NaN), undefined);
    assert.equal(parseDurationS(Number.POSITIVE_INFINITY), undefined);
  });
});

void describe('requireDurationS', () => {
  void it('returns the seconds of a valid duration', () => {
    assert.equal(requireDurationS('1h30m', 'spec.duration'), 5400);
  });

  void it('throws a BAD_INPUT RampartError naming the field', () => {
    assert.throws(
      () => requireDurationS('abc', 'spec.duration'),
      (e: unknown) =>
        e instanceof RampartError &&
        e.code === ErrorCodes.badInput &&
        /spec\.duration: "abc"/.test(e.message),
    );
  });
});

void describe('formatDurationS', () => {
  void it('formats compactly', () => {
    assert.equal(formatDurationS(75), '1m15s');
    assert.equal(formatDurationS(3600), '1h');
    assert.equal(formatDurationS(5400), '1h30m');
    assert.equal(formatDurationS(3661), '1h1m1s');
    assert.equal(formatDurationS(0), '0s');
    assert.equal(formatDurationS(-90), '-1m30s');
    assert.equal(formatDurationS(59.6), '1m'); // rounds to 60 s
  });

  void it('round-trips with parseDurationS for whole seconds', () => {
    for (const s of [1, 59, 60, 61, 3599, 3600, 7325, 86_399])
      assert.equal(parseDurationS(formatDurationS(s)), s);
  });
});
