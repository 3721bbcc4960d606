import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import type { SimResult } from '../../src/sim/result.js';
import { repoRoot, runCli, tempDir } from '../support/index.js';

// Wall-clock anchors of the published timeline (reference §1.3), as seconds since the scenario start (14:45 PST).
const startPst = 14 * 3600 + 45 * 60;
const pst = (hhmm: string): number => {
  const [h, m] = hhmm.split(':').map(Number);
  return (h ?? 0) * 3600 + (m ?? 0) * 60 - startPst;
};

describe('rampart simulate scenarios/incident-2024-12-11.yaml (end to end)', () => {
  let result: SimResult;
  let stdout: string;

  before(() => {
    const out = join(tempDir(), 'incident.json');
    const run = runCli(['simulate', 'scenarios/incident-2024-12-11.yaml', '--json', out]);
    assert.equal(run.code, 0, run.stderr);
    stdout = run.stdout;
    result = JSON.parse(readFileSync(out, 'utf8')) as SimResult;
  });

  it('prints a timeline, a per-cluster table and the size threshold', () => {
    assert.match(stdout, /Timeline/);
    assert.match(stdout, /rollout\.started/);
    assert.match(stdout, /apiserver\.saturated/);
    assert.match(stdout, /admin\.lockedout/);
    assert.match(stdout, /fleet\.recovered/);
    assert.match(stdout, /Size threshold: no cluster below [\d,]+ nodes saturated/);
    assert.match(stdout, /times UTC-08:00/);
  });

  it('has the documented JSON shape', () => {
    assert.equal(result.start, '2024-12-11T14:45:00-08:00');
    assert.equal(typeof result.seed, 'number');
    for (const key of [
      'impactStartS',
      'peakErrorRatio',
      'peakAtS',
      'fullRecoveryS',
      'controlPlaneRecoveryS',
      'clustersSaturated',
      'customerErrorMinutes',
    ]) {
      assert.ok(key in result.fleet, key);
    }
    const first = result.clusters[0];
    assert.ok(first);
    for (const key of [
      'name',
      'nodes',
      'saturated',
      'peakSeatUtilization',
      'peakApiP99LatencyS',
      'rejected429Total',
      'saturatedAtS',
      'dnsFailureStartS',
      'peakErrorRatio',
      'adminLockedOutS',
      'recoveredAtS',
    ]) {
      assert.ok(key in first, key);
    }
    const n = result.series.tS.length;
    assert.ok(n >= result.durationS / 60 - 1, 'one-minute resolution or finer');
    for (const s of Object.values(result.series.clusters)) {
      for (const arr of [
        s.seatUtilization,
        s.apiP99LatencyS,
        s.rejected429PerS,
        s.dnsFailureRatio,
        s.errorRatio,
      ])
        assert.equal(arr.length, n);
    }
    for (const type of [
      'rollout.started',
      'rollout.cluster.applied',
      'rollout.completed',
      'apiserver.saturated',
      'apiserver.recovered',
      'dns.failures.started',
      'impact.started',
      'admin.lockedout',
      'admin.access.restored',
      'operator.action',
      'cluster.recovered',
      'fleet.recovered',
    ]) {
      assert.ok(
        result.events.some((e) => e.type === type),
        `event ${type}`,
      );
    }
    assert.ok(
      result.events.every((e, i, a) => i === 0 || (a[i - 1]?.tS ?? 0) <= e.tS),
      'events sorted by time',
    );
    assert.ok(
      result.events.every((e) => e.at?.endsWith('-08:00')),
      'wall-clock times in the scenario zone',
    );
  });

  it('customer impact starts within 10 minutes of 15:16 PST and peaks between 15:30 and 15:55', () => {
    const f = result.fleet;
    assert.ok(f.impactStartS !== null);
    assert.ok(Math.abs(f.impactStartS - pst('15:16')) <= 600, `impact at ${f.impactStartS}`);
    assert.ok(
      f.peakAtS !== null && f.peakAtS >= pst('15:30') && f.peakAtS <= pst('15:55'),
      `peak at ${f.peakAtS}`,
    );
  });

  it('DNS failures ramp up over at least 10 minutes after each cluster saturates (cache masking)', () => {
    const tS = result.series.tS;
    const saturated = result.clusters.filter((c) => c.saturated);
    assert.ok(saturated.length >= 10);
    let deep = 0;
    for (const c of saturated) {
      const s = result.series.clusters[c.name];
      assert.ok(s && c.saturatedAtS !== null);
      // Before any remediation (the first operator action on serving clusters is at 16:33).
      const window = tS
        .map((t, i) => ({ t, v: s.dnsFailureRatio[i] ?? 0 }))
        .filter((p) => p.t >= (c.saturatedAtS ?? 0) && p.t < pst('16:30'));
      const peak = Math.max(...window.map((p) => p.v));
      assert.ok(peak > 0, `${c.name}: some DNS failures`);
      if (peak > 0.5) deep++;
      // Clusters just over the threshold crash-loop with gaps of service that keep refreshing the
      // caches; where failures do build up, they take the caches' lifetime to do so.
      if (peak < 0.25) continue;
      const reach = window.find((p) => p.v >= 0.9 * peak);
      assert.ok(
        reach && reach.t - (c.saturatedAtS ?? 0) >= 600,
        `${c.name}: 90% of peak DNS failures only ${(reach?.t ?? 0) - (c.saturatedAtS ?? 0)} s after saturation`,
      );
      const early = window.find((p) => p.t >= (c.saturatedAtS ?? 0) + 120);
      assert.ok(early && early.v < 0.5 * peak, `${c.name}: caches hide most failures at first`);
    }
    // Clusters just above the threshold get short windows of service as their API servers come back one
    // by one, enough to refresh node caches now and then; the rest lose most of their DNS.
    assert.ok(
      deep >= 0.75 * saturated.length,
      `${deep} of ${saturated.length} saturated clusters lose most of their DNS`,
    );
  });

  it('clusters below the stated size threshold never saturate', () => {
    const f = result.fleet;
    assert.ok(f.smallestSaturatedNodes !== null);
    const below = result.clusters.filter((c) => c.nodes < (f.smallestSaturatedNodes ?? 0));
    assert.ok(below.length > 100, 'most of the fleet is small');
    assert.ok(below.every((c) => !c.saturated && c.peakErrorRatio < 0.001));
    assert.ok(result.clusters.find((c) => c.name === 'staging-us-west')?.saturated === false);
  });

  it('on-call kubectl is locked out in every saturated cluster until remediation lowers the load', () => {
    for (const c of result.clusters.filter((x) => x.saturated)) {
      const locked = result.events.filter((e) => e.cluster === c.name && e.type === 'admin.lockedout');
      const restored = result.events.filter(
        (e) => e.cluster === c.name && e.type === 'admin.access.restored',
      );
      assert.ok(locked.length > 0, `${c.name} locked out`);
      const lastRestore = restored.at(-1);
      assert.ok(
        lastRestore && lastRestore.tS >= pst('16:33'),
        `${c.name}: access restored only by remediation`,
      );
      // Saturation happened 15:09–15:21 and remediation began 16:33 at the earliest.
      assert.ok(c.adminLockedOutS >= 60 * 60, `${c.name}: locked out ${c.adminLockedOutS} s`);
    }
  });

  it('recovery follows the remediation and the fleet is fully recovered within 30 minutes of 19:38 PST', () => {
    const f = result.fleet;
    assert.ok(f.fullRecoveryS !== null);
    assert.ok(
      f.fullRecoveryS <= pst('19:38') + 1800 && f.fullRecoveryS >= pst('19:00'),
      `full recovery ${f.fullRecoveryS}`,
    );
    const firstRecovery = Math.min(
      ...result.clusters.filter((c) => c.recoveredAtS !== null).map((c) => c.recoveredAtS ?? Infinity),
    );
    assert.ok(firstRecovery >= pst('16:33'), 'no saturated cluster recovers before its remediation');
    for (const c of result.clusters.filter((x) => x.saturated))
      assert.ok(c.recoveredAtS !== null, `${c.name} recovered`);
  });
});

describe('rampart simulate scenarios/staging.yaml', () => {
  it('shows no saturation on the 40-node staging cluster (why staging missed it)', () => {
    const run = runCli(['simulate', 'scenarios/staging.yaml', '--json', '-']);
    assert.equal(run.code, 0, run.stderr);
    const r = JSON.parse(run.stdout) as SimResult;
    assert.equal(r.fleet.clustersSaturated, 0);
    assert.equal(r.fleet.impactStartS, null);
    assert.equal(r.clusters[0]?.peakErrorRatio, 0);
    assert.ok((r.clusters[0]?.peakSeatUtilization ?? 1) < 0.05);
    assert.ok(readFileSync(join(repoRoot, 'scenarios/staging.yaml'), 'utf8').includes('nodes: 40'));
  });
});
