import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { RetryAfterTracker } from './retry-after.js';

// Reference §2.1 (DroppedRequestsTracker): Retry-After starts at 1 s; doubles when ≥ 3 × retryAfter drops
// occurred in the last retryAfter seconds, at most one bump per retryAfter seconds; decreases by 1 s per
// second when drops < retryAfter; capped at 32 s; never below 1.

/** Feeds `drops[k]` drops in the step ending at (k+1)·stepS (after `startS`) and returns Retry-After after each. */
function drive(t: RetryAfterTracker, drops: readonly number[], stepS = 1, startS = 0): number[] {
  return drops.map((d, k) => {
    t.record(d, stepS, startS + (k + 1) * stepS);
    return t.retryAfterS;
  });
}

void describe('RetryAfterTracker', () => {
  void it('starts at 1 s', () => {
    assert.equal(new RetryAfterTracker().retryAfterS, 1);
  });

  void it('stays at 1 s (never below) with no drops', () => {
    const t = new RetryAfterTracker();
    const seq = drive(t, new Array<number>(20).fill(0));
    assert.deepEqual(seq, new Array<number>(20).fill(1));
  });

  void it('threshold: 3 drops in the 1-s window double it, 2 do not', () => {
    // retryAfter 1: 3 ≥ 3×1 ⇒ 2; 2 < 3×1 and 2 ≥ 1 ⇒ neither bump nor decrease.
    const three = new RetryAfterTracker();
    three.record(3, 1, 1);
    assert.equal(three.retryAfterS, 2);
    const two = new RetryAfterTracker();
    two.record(2, 1, 1);
    assert.equal(two.retryAfterS, 1);
  });

  void it('sustained drops (100/s, 1-s steps) double it once per retryAfter seconds up to the 32 s cap', () => {
    // 100 drops/s ⇒ 100·ra drops in any ra-second window ≥ 3·ra, so it bumps whenever ra seconds have
    // passed since the last bump:
    //   t=1: 1→2 (first bump); t=3: 3−1 = 2 ≥ 2 ⇒ 4; t=7: 7−3 = 4 ≥ 4 ⇒ 8; t=15: 8 ⇒ 16;
    //   t=31: 16 ⇒ 32; t=63: 32 ≥ 32 but min(32, 64) = 32 (cap).
    const t = new RetryAfterTracker(32);
    const seq = drive(t, new Array<number>(70).fill(100));
    const expected = seq.map((_, k) => {
      const s = k + 1;
      return s < 3 ? 2 : s < 7 ? 4 : s < 15 ? 8 : s < 31 ? 16 : 32;
    });
    assert.deepEqual(seq, expected);
  });

  void it('with 10-s steps it still waits retryAfter seconds between bumps', () => {
    // 1000 drops per 10 s = 100/s. t=10: 1→2; t=20: 20−10 = 10 ≥ 2 ⇒ 4; t=30 ⇒ 8; t=40: 10 ≥ 8 ⇒ 16;
    // t=50: 50−40 = 10 < 16 ⇒ stays 16; t=60: 20 ≥ 16 ⇒ 32; t=70.. capped at 32.
    const t = new RetryAfterTracker(32);
    assert.deepEqual(drive(t, new Array<number>(8).fill(1000), 10), [2, 4, 8, 16, 16, 32, 32, 32]);
  });

  void it('honours a lower cap', () => {
    const t = new RetryAfterTracker(4);
    // t=1: 2; t=3: 4; t=7: min(4, 8) = 4.
    assert.deepEqual(drive(t, new Array<number>(10).fill(100)), [2, 2, 4, 4, 4, 4, 4, 4, 4, 4]);
  });

  void it('once drops fall below retryAfter it decreases by exactly 1 s per 1-s step and stops at 1', () => {
    // Drive to 32 (as above), then no drops for 300 s. Whenever it moves it must move by −1 per step,
    // never up, and end at 1.
    const t = new RetryAfterTracker(32);
    drive(t, new Array<number>(31).fill(100));
    assert.equal(t.retryAfterS, 32);
    const seq = drive(t, new Array<number>(300).fill(0), 1, 31);
    let prev = 32;
    for (const v of seq) {
      assert.ok(v === prev || v === prev - 1, `moved from ${prev} to ${v}`);
      assert.ok(v >= 1);
      prev = v;
    }
    assert.equal(seq.at(-1), 1);
  });

  void it('does not double when no drops occurred in the last retryAfter seconds', () => {
    // 100 drops at t = 1, 2, 3 (1-s steps): t=1 ⇒ 2, t=3 ⇒ 4 (drops at t=2..3 = 200 ≥ 3×2).
    // From t = 4 on there are no drops. At t = 7 (first time a bump is allowed, 7 − 3 = 4 ≥ 4) the last
    // 4 seconds (t = 4..7) held 0 drops < 3×4 = 12 ⇒ no bump; later windows are empty too. So Retry-After
    // must never exceed 4 again (by §2.1 it should instead decrease towards 1).
    const t = new RetryAfterTracker(32);
    assert.deepEqual(drive(t, [100, 100, 100]), [2, 2, 4]);
    const after = drive(t, new Array<number>(60).fill(0), 1, 3);
    assert.ok(
      Math.max(...after) <= 4,
      `Retry-After rose to ${Math.max(...after)} s with no drops (sequence ${after.join(',')})`,
    );
  });

  void it('after drops become rare, returns to 1 within retryAfter + (retryAfter − 1) seconds', () => {
    // Drive to 32 with 100 drops/s (t = 1..31), then 0.5 drops/s. Per §2.1: the burst leaves the 32-s
    // window by t = 31 + 32 = 63; from then the window holds 0.5·ra < ra drops ⇒ −1 s per second:
    // 32 → 1 takes 31 more seconds ⇒ Retry-After is 1 at the latest by t = 63 + 31 = 94.
    const t = new RetryAfterTracker(32);
    drive(t, new Array<number>(31).fill(100));
    assert.equal(t.retryAfterS, 32);
    const seq = drive(t, new Array<number>(63).fill(0.5), 1, 31); // t = 32 .. 94
    assert.equal(seq.at(-1), 1, `Retry-After at t=94 is ${String(seq.at(-1))} s`);
  });
});
