import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ClusterDns, type DnsReading } from './dns.js';
import type { DataPlaneConfig, DnsConfig } from '../../config/scenario.js';

// Reference §1.2/§4.5 (per-node caches masking the outage for ~20 min), §3.5 (CoreDNS cache), §3.6 (CoreDNS
// answers from the API), §3.7 (stock TTLs 30 s).

const stepS = 2;
const dnsConfig = (over: Partial<DnsConfig> = {}): DnsConfig => ({
  corednsReplicas: 2,
  serviceNamesNeedControlPlane: true,
  corednsCacheTtlS: 30,
  corednsQpsPerReplica: 20_000, // 40,000 QPS of CoreDNS capacity: never the limit below
  nodeCacheEnabled: true,
  nodeCacheTtlS: 1200, // ~20 min, the incident's masking window
  serveStaleS: 0,
  searchAmplification: 2,
  ...over,
});
const dataPlane: DataPlaneConfig = {
  requestsPerSPerNode: 10,
  dnsDependentRatio: 1,
  connectionReuseRatio: 0,
  dnsLookupsPerSPerNode: 20,
  namesPerNode: 50,
};
const nodes = 100;

/** Runs `steps` steps with the given API success and returns every reading. */
function run(dns: ClusterDns, steps: number, apiSuccess: number): DnsReading[] {
  return Array.from({ length: steps }, () => ({ ...dns.step(nodes, apiSuccess) }));
}

void describe('ClusterDns', () => {
  void it('with the API answering: no failures, no node-cache misses, at rest', () => {
    const dns = new ClusterDns(dnsConfig(), dataPlane, stepS, 1000);
    const readings = run(dns, 100, 1);
    for (const r of readings) {
      assert.equal(r.failureRatio, 0);
      assert.equal(r.corednsServfailRatio, 0);
      assert.ok(r.nodeCacheMissRatio < 1e-9);
    }
    // CoreDNS only sees the node caches' background refreshes: 100 nodes × 50 names / 1200 s = 4.17 QPS.
    const last = readings.at(-1);
    assert.ok(last);
    assert.ok(Math.abs(last.corednsQps - (100 * 50) / 1200) < 1e-6, `corednsQps ${last.corednsQps}`);
    assert.equal(dns.atRest, true);
  });

  void it('API outage: CoreDNS (30-s cache) fails within 30 s, but the node caches mask it and failures ramp over their TTL', () => {
    const dns = new ClusterDns(dnsConfig(), dataPlane, stepS, 1000);
    run(dns, 50, 1); // steady state first
    const out = run(dns, 650, 0); // reading k−1 is the state k steps (2k s) into the outage

    // CoreDNS's own cache: 30 s / 2 s = 15 cohorts, none renewed ⇒ it answers nothing after 15 steps.
    const at = (k: number): DnsReading => {
      const r = out[k - 1];
      assert.ok(r, `reading ${k}`);
      return r;
    };
    assert.ok(
      at(15).corednsServfailRatio > 0.999,
      `CoreDNS SERVFAIL after 30 s: ${at(15).corednsServfailRatio}`,
    );

    // The node cache: 1200 s / 2 s = 600 cohorts of 1/600. Each step one cohort expires; it is renewed
    // only as far as CoreDNS still answers (only during the first 15 steps). So after k ≥ 15 steps the
    // answering share is between 1 − k/600 (nothing renewed) and 1 − (k − 15)/600 (all renewed during the
    // first 15 steps), and the failure ratio = miss share × CoreDNS failure (= 1 by then):
    //   k = 1   (2 s):    0 — the first expiring cohort is still renewed (CoreDNS answered last step).
    //   k = 30  (60 s):   failures ≤ 30/600 = 0.05 — not at once.
    //   k = 300 (600 s):  failures ∈ [(300 − 15)/600, 300/600] = [0.475, 0.5].
    //   k = 600 (1200 s): failures ≥ (600 − 15)/600 = 0.975.
    //   k = 650 (1300 s): every cohort, including those renewed in the first 15 steps (expiring by step
    //                     615), is gone ⇒ failures = 1.
    assert.equal(at(1).failureRatio, 0);
    assert.ok(at(30).failureRatio <= 0.05 + 1e-9, `at 60 s: ${at(30).failureRatio}`);
    assert.ok(at(30).failureRatio > 0, `at 60 s some lookups fail: ${at(30).failureRatio}`);
    const mid = at(300).failureRatio;
    assert.ok(mid >= 0.475 - 1e-9 && mid <= 0.5 + 1e-9, `at 600 s: ${mid}`);
    assert.ok(at(600).failureRatio >= 0.975 - 1e-9, `at 1200 s: ${at(600).failureRatio}`);
    assert.ok(at(650).failureRatio > 0.999, `at 1300 s: ${at(650).failureRatio}`);

    // Monotone ramp: failures never fall while the API stays down.
    for (let k = 2; k <= 650; k++)
      assert.ok(at(k).failureRatio >= at(k - 1).failureRatio - 1e-12, `dip at step ${k}`);
  });

  void it('without node caches the same outage fails every lookup within CoreDNS’s 30-s TTL', () => {
    const dns = new ClusterDns(dnsConfig({ nodeCacheEnabled: false }), dataPlane, stepS, 1000);
    run(dns, 50, 1);
    const out = run(dns, 20, 0);
    // Miss ratio is 1 (no node cache); CoreDNS drains 1/15 per step ⇒ failure ≥ 1 − (15 − k)/15 …
    // after 15 steps (30 s) it answers nothing.
    const r15 = out[14];
    assert.ok(r15 && r15.failureRatio > 0.999, `after 30 s: ${r15?.failureRatio}`);
    const r5 = out[4];
    assert.ok(r5 && r5.failureRatio > 0.2, `after 10 s failures already visible: ${r5?.failureRatio}`);
  });

  void it('with serviceNamesNeedControlPlane false, an API outage causes no DNS failures and no API lookups', () => {
    const dns = new ClusterDns(dnsConfig({ serviceNamesNeedControlPlane: false }), dataPlane, stepS, 1000);
    run(dns, 50, 1);
    for (const r of run(dns, 700, 0)) {
      assert.equal(r.failureRatio, 0);
      assert.equal(r.corednsServfailRatio, 0);
      assert.equal(r.apiLookupsPerS, 0);
    }
  });

  void it('recovers once the API answers again', () => {
    const dns = new ClusterDns(dnsConfig(), dataPlane, stepS, 1000);
    run(dns, 10, 1);
    run(dns, 700, 0);
    const back = run(dns, 200, 1);
    const last = back.at(-1);
    assert.ok(last && last.failureRatio < 1e-6, `failures 400 s after recovery: ${last?.failureRatio}`);
  });
});
