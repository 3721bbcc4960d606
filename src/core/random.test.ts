import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createRng, type Rng } from './random.js';

const draws = (rng: Rng, n: number): number[] => Array.from({ length: n }, () => rng.next());

void describe('createRng', () => {
  void it('same seed ⇒ same sequence', () => {
    assert.deepEqual(draws(createRng(42), 1000), draws(createRng(42), 1000));
  });

  void it('different seeds ⇒ different sequences', () => {
    const a = draws(createRng(1), 20);
    const b = draws(createRng(2), 20);
    assert.notDeepEqual(a, b);
    // not merely shifted or mostly equal: at most a chance coincidence
    assert.ok(a.filter((v, i) => v === b[i]).length <= 1);
  });

  void it('remembers its seed', () => {
    assert.equal(createRng(1234).seed, 1234);
  });

  void it('next() is in [0, 1) and roughly uniform', () => {
    const xs = draws(createRng(7), 20_000);
    for (const x of xs) assert.ok(x >= 0 && x < 1, `out of range: ${x}`);
    // Mean of U[0,1) is 0.5 with σ/√n = 0.2887/√20000 ≈ 0.002; allow 5σ ≈ 0.01.
    const mean = xs.reduce((s, x) => s + x, 0) / xs.length;
    assert.ok(Math.abs(mean - 0.5) < 0.01, `mean ${mean}`);
    // Each tenth holds 2,000 ± ~42 (σ = √(20000·0.1·0.9)); allow ±250.
    const bins = new Array<number>(10).fill(0);
    for (const x of xs) bins[Math.floor(x * 10)] = (bins[Math.floor(x * 10)] ?? 0) + 1;
    for (const b of bins) assert.ok(Math.abs(b - 2000) < 250, `bin count ${b}`);
  });

  void it('seed 0 still produces a non-degenerate stream', () => {
    const xs = draws(createRng(0), 100);
    assert.ok(new Set(xs).size > 95);
  });

  void it('uniform(min, max) maps next() onto [min, max)', () => {
    const a = createRng(9);
    const b = createRng(9);
    for (let i = 0; i < 100; i++) {
      const u = a.uniform(10, 20);
      const x = b.next();
      assert.ok(u >= 10 && u < 20);
      assert.ok(Math.abs(u - (10 + 10 * x)) < 1e-12);
    }
  });
});

void describe('Rng.fork', () => {
  void it('the same label gives the same stream (reproducible)', () => {
    assert.deepEqual(draws(createRng(5).fork('cluster-a'), 200), draws(createRng(5).fork('cluster-a'), 200));
  });

  void it('different labels give different streams, and differ from the parent', () => {
    const parent = draws(createRng(5), 50);
    const a = draws(createRng(5).fork('cluster-a'), 50);
    const b = draws(createRng(5).fork('cluster-b'), 50);
    assert.notDeepEqual(a, b);
    assert.notDeepEqual(a, parent);
    assert.notDeepEqual(b, parent);
  });

  void it('the same label under different seeds gives different streams', () => {
    assert.notDeepEqual(draws(createRng(5).fork('x'), 20), draws(createRng(6).fork('x'), 20));
  });

  void it('forking does not consume or shift the parent stream (adding a cluster does not shift others)', () => {
    const plain = createRng(11);
    const forked = createRng(11);
    forked.fork('new-cluster');
    forked.fork('another');
    assert.deepEqual(draws(forked, 100), draws(plain, 100));
  });

  void it('a fork does not depend on how far the parent has advanced', () => {
    const early = createRng(3).fork('c');
    const late = createRng(3);
    draws(late, 37);
    assert.deepEqual(draws(late.fork('c'), 50), draws(early, 50));
  });

  void it('forks of forks are reproducible and distinct', () => {
    const a = draws(createRng(8).fork('fleet').fork('c1'), 30);
    const b = draws(createRng(8).fork('fleet').fork('c1'), 30);
    const c = draws(createRng(8).fork('fleet').fork('c2'), 30);
    assert.deepEqual(a, b);
    assert.notDeepEqual(a, c);
  });
});
