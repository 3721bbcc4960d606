import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ExpiryCache } from './expiry-cache.js';

// Reference §3.5 (CoreDNS cache, serve_stale) and §4.5 ("model a per-node cache whose entries expire
// uniformly over ~0–20 min after the control plane stops answering").

const close = (actual: number, expected: number, tol: number, what: string): void => {
  assert.ok(Math.abs(actual - expected) <= tol, `${what}: ${actual} not within ${tol} of ${expected}`);
};

void describe('ExpiryCache', () => {
  void it('starts full', () => {
    const c = new ExpiryCache(2, 1200);
    assert.equal(c.answeringShare, 1);
    assert.equal(c.validShareNow, 1);
    assert.equal(c.full, true);
  });

  void it('with upstream failing, drains linearly to 0 over exactly one TTL (ttl 1200 s, step 2 s ⇒ −1/600 per step)', () => {
    // 1200 / 2 = 600 expiry cohorts of 1/600 each; one expires per step and none is renewed.
    const c = new ExpiryCache(2, 1200);
    for (let k = 1; k <= 600; k++) {
      const expired = c.step(0, 1);
      close(expired, 1 / 600, 1e-12, `expired share at step ${k}`);
      close(c.answeringShare, 1 - k / 600, 1e-9, `answering share after step ${k}`);
    }
    // After 600 steps (= 1200 s) nothing answers, and it stays empty.
    close(c.answeringShare, 0, 1e-9, 'after one TTL');
    for (let k = 0; k < 50; k++) c.step(0, 1);
    assert.equal(c.answeringShare, 0);
    assert.equal(c.full, false);
  });

  void it('half drained at half the TTL (600 s)', () => {
    const c = new ExpiryCache(2, 1200);
    for (let k = 0; k < 300; k++) c.step(0, 1); // 300 × 2 s = 600 s ⇒ 1 − 300/600
    close(c.answeringShare, 0.5, 1e-9, 'answering at 600 s');
  });

  void it('with upstream answering, stays full (expiring entries are renewed)', () => {
    const c = new ExpiryCache(2, 1200);
    for (let k = 0; k < 1500; k++) {
      const expired = c.step(1, 0.5);
      assert.ok(expired > 0, 'entries keep expiring and being refreshed');
    }
    close(c.answeringShare, 1, 1e-9, 'answering');
    assert.equal(c.full, true);
  });

  void it('a 30-s TTL (stock CoreDNS / NodeLocal DNSCache, §3.7) empties within 30 s', () => {
    // step 2 s ⇒ 15 cohorts of 1/15.
    const c = new ExpiryCache(2, 30);
    for (let k = 1; k <= 15; k++) {
      c.step(0, 1);
      close(c.answeringShare, 1 - k / 15, 1e-9, `after ${2 * k} s`);
    }
  });

  void it('serve-stale keeps failed entries answering for serveStaleS, then they empty', () => {
    // ttl 1200 s, serve-stale 600 s, step 2 s: an entry expiring at step k is served stale until step
    // k + 300, so answering = 1 for k ≤ 300, then 1 − (k − 300)/600 until 0 at k = 900 (1800 s = ttl + stale).
    const c = new ExpiryCache(2, 1200, 600);
    for (let k = 1; k <= 900; k++) {
      c.step(0, 1);
      const expected = k <= 300 ? 1 : 1 - (k - 300) / 600;
      close(c.answeringShare, expected, 1e-9, `answering after step ${k}`);
    }
    // Fresh entries alone drain on the normal schedule: 0 after 600 steps.
    close(c.validShareNow, 0, 1e-9, 'valid share');
    close(c.answeringShare, 0, 1e-9, 'answering after ttl + stale');
  });

  void it('refills after a drain once upstream answers again, at the lookup rate', () => {
    // Drain fully (600 steps), then upstream answers with 0.5 lookups per entry per second: each step an
    // empty entry refills with chance 1 − e^(−0.5 × 2 × 1) = 1 − e^(−1), so after k steps the answering
    // share is 1 − e^(−k) (nothing expires: the refilled entries live another 600 steps).
    const c = new ExpiryCache(2, 1200);
    for (let k = 0; k < 600; k++) c.step(0, 0.5);
    close(c.answeringShare, 0, 1e-9, 'drained');
    for (let k = 1; k <= 5; k++) {
      c.step(1, 0.5);
      close(c.answeringShare, 1 - Math.exp(-k), 1e-9, `after ${k} refill steps`);
    }
  });

  void it('partial upstream success: entries whose refresh failed are not counted fresh (no double counting)', () => {
    // step 1 s, ttl 2 s ⇒ 2 cohorts of 1/2. Upstream answers half the queries (s = 0.5) and names are
    // asked 2·ln 2 times per second ⇒ refill chance per step 1 − e^(−2·ln2 × 1 × 0.5) = 1 − e^(−ln2) = 0.5.
    // Step 1: the cohort of 1/2 expires. Its refresh succeeds for 1/2 × 0.5 = 1/4; the other 1/4 failed.
    // Even if every other lookup in the step could refill a failed entry (chance 0.5), at most
    // 1/4 × 0.5 = 1/8 of them come back ⇒ fresh share ∈ [1/2 + 1/4, 1/2 + 1/4 + 1/8] = [0.75, 0.875].
    // It cannot be 1: a quarter of the cache failed its refresh this step.
    for (const serveStaleS of [0, 1]) {
      const c = new ExpiryCache(1, 2, serveStaleS);
      c.step(0.5, 2 * Math.LN2);
      const v = c.validShareNow;
      assert.ok(
        v >= 0.75 - 1e-9 && v <= 0.875 + 1e-9,
        `serveStale ${serveStaleS}: fresh share ${v} outside [0.75, 0.875]`,
      );
    }
  });

  void it('an empty cache does not refill while upstream keeps failing, however often names are asked for', () => {
    const c = new ExpiryCache(2, 60);
    for (let k = 0; k < 30; k++) c.step(0, 1000); // 60 s / 2 s = 30 cohorts: all expired
    close(c.answeringShare, 0, 1e-9, 'drained');
    for (let k = 0; k < 30; k++) c.step(0, 1000);
    close(c.answeringShare, 0, 1e-9, 'still empty');
  });
});
