import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { DelayLine } from './retry-line.js';

/** Pops `n` steps and returns what each delivered. */
const popN = (line: DelayLine, n: number): number[] => Array.from({ length: n }, () => line.pop());

void describe('DelayLine', () => {
  // stepS 1, maxDelay 10 ⇒ ceil(10/1) + 2 = 12 buckets ⇒ the longest delay is 11 steps.

  void it('add: mass arrives exactly delay/step steps later', () => {
    const line = new DelayLine(1, 10);
    line.add(5, 3);
    // pops 1 and 2 deliver nothing, pop 3 delivers 5, then nothing.
    assert.deepEqual(popN(line, 5), [0, 0, 5, 0, 0]);
  });

  void it('add: a delay of 0 (or less than half a step) still lands on the next step', () => {
    const line = new DelayLine(1, 10);
    line.add(2, 0);
    line.add(3, 0.4);
    assert.deepEqual(popN(line, 2), [5, 0]);
  });

  void it('add: delays round to the nearest step', () => {
    // stepS 2: 5.9 s / 2 = 2.95 → 3 steps; 4.9 s / 2 = 2.45 → 2 steps.
    const line = new DelayLine(2, 20);
    line.add(1, 5.9);
    line.add(10, 4.9);
    assert.deepEqual(popN(line, 4), [0, 10, 1, 0]);
  });

  void it('add: delays beyond the line are clamped to its last bucket', () => {
    const line = new DelayLine(1, 10);
    line.add(7, 100); // clamped to 11 steps
    const got = popN(line, 13);
    assert.deepEqual(got, [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 7, 0, 0]);
  });

  void it('add: zero or negative mass is ignored', () => {
    const line = new DelayLine(1, 10);
    line.add(0, 2);
    line.add(-3, 2);
    assert.equal(line.pending, 0);
    assert.deepEqual(popN(line, 3), [0, 0, 0]);
  });

  void it('spread: mass divides evenly over the steps in [from, to]', () => {
    const line = new DelayLine(1, 10);
    line.spread(6, 1, 3); // 3 steps ⇒ 2 each
    assert.deepEqual(popN(line, 4), [2, 2, 2, 0]);
  });

  void it('spread: from below one step starts at the next step; to below from collapses to one step', () => {
    const a = new DelayLine(1, 10);
    a.spread(4, 0, 0); // first = max(1, 0) = 1, last = max(1, 0) = 1
    assert.deepEqual(popN(a, 2), [4, 0]);
    const b = new DelayLine(1, 10);
    b.spread(9, 5, 2); // first 5, last = max(5, 2) = 5
    assert.deepEqual(popN(b, 6), [0, 0, 0, 0, 9, 0]);
  });

  void it('spread: the end is clamped to the line and the mass still sums to the input', () => {
    // The reflector backoff case: 0.8 s .. 30 s on a 10-s line (12 buckets): first round(0.8) = 1,
    // last min(11, 30) = 11 ⇒ 11 steps of 22/11 = 2.
    const line = new DelayLine(1, 10);
    line.spread(22, 0.8, 30);
    const got = popN(line, 12);
    assert.deepEqual(got, [2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 0]);
  });

  void it('pending: the scheduled mass, reduced as it is popped', () => {
    const line = new DelayLine(1, 10);
    line.add(5, 3);
    line.add(2, 1);
    line.spread(3, 2, 4); // 1 at steps 2, 3, 4
    assert.equal(line.pending, 10);
    line.pop(); // 2
    assert.equal(line.pending, 8);
    line.pop(); // 1
    assert.equal(line.pending, 7);
    line.pop(); // 5 + 1
    assert.equal(line.pending, 1);
    line.pop(); // 1
    assert.equal(line.pending, 0);
  });

  void it('wraps around the ring: scheduling after many pops still lands at the right step', () => {
    const line = new DelayLine(1, 10);
    popN(line, 25); // cursor has gone round the 12-bucket ring twice
    line.add(3, 5);
    line.add(4, 11);
    const got = popN(line, 12);
    assert.equal(got[4], 3);
    assert.equal(got[10], 4);
    assert.equal(
      got.reduce((s, v) => s + v, 0),
      7,
    );
  });

  void it('clear drops everything scheduled', () => {
    const line = new DelayLine(1, 10);
    line.add(5, 3);
    line.spread(4, 1, 4);
    line.clear();
    assert.equal(line.pending, 0);
    assert.deepEqual(popN(line, 12), new Array<number>(12).fill(0));
    // and it keeps working afterwards
    line.add(1, 2);
    assert.deepEqual(popN(line, 2), [0, 1]);
  });
});
