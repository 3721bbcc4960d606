import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { parseDurationS } from './duration.js';
import { RampartError } from './errors.js';
import {
  clockTimeAt,
  isoAt,
  offsetLabel,
  parseWallClock,
  resolveScenarioTimeS,
  type WallClock,
} from './wall-clock.js';

// The incident's anchor (§1.3 times are PST = UTC−8): 2024-12-11 15:16 PST = 23:16 UTC.
const startIso = '2024-12-11T15:16:00-08:00';
const startMs = Date.UTC(2024, 11, 11, 23, 16, 0);
const clock = (): WallClock => {
  const c = parseWallClock(startIso);
  assert.ok(c);
  return c;
};
const resolve = (v: string | number): number =>
  resolveScenarioTimeS(v, clock(), 'spec.operator[0].at', parseDurationS);
const resolveNoStart = (v: string | number): number =>
  resolveScenarioTimeS(v, undefined, 'spec.operator[0].at', parseDurationS);

void describe('parseWallClock', () => {
  void it('parses an ISO timestamp with a negative offset', () => {
    assert.deepEqual(parseWallClock(startIso), { startMs, offsetMinutes: -480, iso: startIso });
  });

  void it('parses Z and a positive half-hour offset', () => {
    const z = parseWallClock('2024-12-11T23:16:00Z');
    assert.equal(z?.startMs, startMs);
    assert.equal(z?.offsetMinutes, 0);
    const ist = parseWallClock('2024-12-12T04:46:00+05:30'); // 04:46 − 5:30 = 23:16 UTC the day before
    assert.equal(ist?.startMs, startMs);
    assert.equal(ist?.offsetMinutes, 330); // 5 × 60 + 30
  });

  void it('accepts fractional seconds', () => {
    const c = parseWallClock('2024-12-11T15:16:00.250-08:00');
    assert.equal(c?.startMs, startMs + 250);
    assert.equal(c?.offsetMinutes, -480);
  });

  void it('accepts surrounding whitespace (it matches and stores the trimmed text)', () => {
    // parseWallClock trims before matching and keeps iso.trim(), so padded input is meant to be accepted.
    const c = parseWallClock('  2024-12-11T15:16:00-08:00 ');
    assert.equal(c?.startMs, startMs);
    assert.equal(c?.iso, startIso);
  });

  void it('rejects timestamps without a zone and non-timestamps', () => {
    assert.equal(parseWallClock('2024-12-11T15:16:00'), undefined);
    assert.equal(parseWallClock('15:16'), undefined);
    assert.equal(parseWallClock('yesterday'), undefined);
    assert.equal(parseWallClock('2024-13-45T99:99:00Z'), undefined);
  });
});

void describe('clockTimeAt / isoAt / offsetLabel', () => {
  void it('reads times in the scenario’s own offset', () => {
    const c = clock();
    assert.equal(clockTimeAt(c, 0), '15:16:00');
    assert.equal(clockTimeAt(c, 660), '15:27:00'); // + 11 min
    assert.equal(clockTimeAt(c, 24 * 60 + 30), '15:40:30');
    assert.equal(isoAt(c, 0), '2024-12-11T15:16:00-08:00');
    assert.equal(isoAt(c, 3600), '2024-12-11T16:16:00-08:00');
    assert.equal(offsetLabel(c), 'UTC-08:00');
  });

  void it('crosses midnight in local time', () => {
    // 15:16 + 9 h = 00:16 the next local day (still 08:16 UTC on the 12th).
    assert.equal(clockTimeAt(clock(), 9 * 3600), '00:16:00');
    assert.equal(isoAt(clock(), 9 * 3600), '2024-12-12T00:16:00-08:00');
  });

  void it('labels a UTC start as UTC (not "UTCZ")', () => {
    // offsetLabel documents a `UTC-08:00` style label; for offset 0 that is "UTC" or "UTC+00:00".
    const z = parseWallClock('2024-12-11T23:16:00Z');
    assert.ok(z);
    assert.ok(['UTC', 'UTC+00:00'].includes(offsetLabel(z)), `label ${offsetLabel(z)}`);
  });

  void it('writes UTC ISO times with Z and labels positive offsets', () => {
    const z = parseWallClock('2024-12-11T23:16:00Z');
    assert.ok(z);
    assert.equal(isoAt(z, 0), '2024-12-11T23:16:00Z');
    const ist = parseWallClock('2024-12-12T04:46:00+05:30');
    assert.ok(ist);
    assert.equal(offsetLabel(ist), 'UTC+05:30');
    assert.equal(clockTimeAt(ist, 60), '04:47:00');
  });
});

void describe('resolveScenarioTimeS', () => {
  void it('a wall-clock HH:MM in the start’s offset: 15:27 is 11 min after 15:16', () => {
    assert.equal(resolve('15:27'), 660); // (15·3600 + 27·60) − (15·3600 + 16·60) = 660
    assert.equal(resolve('15:27:30'), 690);
    assert.equal(resolve('15:16'), 0);
  });

  void it('a wall-clock time earlier than the start means the next day', () => {
    // 15:00 − 15:16 = −960 s ⇒ −960 + 86,400 = 85,440
    assert.equal(resolve('15:00'), 85_440);
  });

  void it('duration offsets with or without +', () => {
    assert.equal(resolve('+25m'), 1500);
    assert.equal(resolve('25m'), 1500);
    assert.equal(resolve('1500'), 1500);
    assert.equal(resolve(1500), 1500);
    assert.equal(resolve('+1h30m'), 5400);
  });

  void it('an ISO timestamp, in any zone', () => {
    assert.equal(resolve('2024-12-11T15:40:00-08:00'), 1440); // 24 min
    assert.equal(resolve('2024-12-11T23:40:00Z'), 1440); // the same instant in UTC
    assert.equal(resolve('2024-12-11T15:00:00-08:00'), -960); // before the start: negative, not wrapped
  });

  void it('wall-clock and ISO times need a start; bad text is rejected with the field name', () => {
    assert.throws(
      () => resolveNoStart('15:27'),
      (e: unknown) =>
        e instanceof RampartError && /spec\.operator\[0\]\.at: wall-clock time "15:27"/.test(e.message),
    );
    assert.throws(() => resolveNoStart('2024-12-11T15:40:00-08:00'), RampartError);
    assert.throws(
      () => resolve('soon'),
      (e: unknown) => e instanceof RampartError && /"soon" is not a time/.test(e.message),
    );
    // offsets never need a start
    assert.equal(resolveNoStart('+25m'), 1500);
  });
});

void describe('impossible times', () => {
  void it('refuses a date or a time of day that does not exist', () => {
    for (const iso of [
      '2024-02-30T14:45:00-08:00',
      '2023-02-29T00:00:00Z',
      '2024-13-01T00:00:00Z',
      '2024-04-31T00:00:00Z',
      '2024-12-11T24:00:00Z',
      '2024-12-11T14:60:00Z',
      '2024-12-11T14:45:60Z',
      '2024-12-11T14:45:00+24:00',
    ])
      assert.equal(parseWallClock(iso), undefined, iso);
    assert.ok(parseWallClock('2024-02-29T14:45:00-08:00'), 'a leap day exists');
    const clock = parseWallClock('2024-12-11T14:45:00-08:00');
    for (const t of ['25:99', '24:00', '14:60', '14:59:60'])
      assert.throws(
        () => resolveScenarioTimeS(t, clock, 'spec.rollout.start', parseDurationS),
        /spec\.rollout\.start: ".*" is not a time of day/,
      );
    assert.equal(resolveScenarioTimeS('23:59:59', clock, 'f', parseDurationS), 9 * 3600 + 14 * 60 + 59);
  });
});
