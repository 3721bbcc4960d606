import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { comparePolicy, runMetrics, type RunMetrics } from './compare.js';
import type { ClusterSummary, SimEvent, SimResult } from '../sim/result.js';

const cluster = (over: Partial<ClusterSummary>): ClusterSummary => ({
  name: 'c',
  nodes: 100,
  saturated: false,
  peakSeatUtilization: 0,
  peakApiP99LatencyS: 0,
  rejected429Total: 0,
  saturatedAtS: null,
  dnsFailureStartS: null,
  peakErrorRatio: 0,
  adminLockedOutS: 0,
  recoveredAtS: null,
  oomKills: 0,
  peakMemoryUtilization: 0,
  peakCpuUtilization: 0,
  peakEtcdUtilization: 0,
  peakEtcdP99LatencyS: 0,
  peakNodesNotReady: 0,
  ...over,
});

function result(events: Omit<SimEvent, 'at'>[], clusters: ClusterSummary[], errorMinutes = 0): SimResult {
  return {
    scenario: 's',
    start: null,
    seed: 3,
    stepS: 2,
    durationS: 10_000,
    policy: 'p',
    events: events.map((e) => ({ ...e, at: null })),
    clusters,
    fleet: {
      impactStartS: null,
      peakErrorRatio: 0,
      peakAtS: null,
      fullRecoveryS: null,
      controlPlaneRecoveryS: null,
      clustersSaturated: clusters.filter((c) => c.saturated).length,
      customerErrorMinutes: errorMinutes,
      largestUnsaturatedNodes: null,
      smallestSaturatedNodes: null,
      predictedBreakEvenNodes: null,
    },
    series: { tS: [], fleetErrorRatio: [], clusters: {} },
  };
}

void describe('compare metrics', () => {
  void it('scores a run that saturated a cluster, halted and recovered', () => {
    const m = runMetrics(
      result(
        [
          { tS: 100, type: 'rollout.started' },
          {
            tS: 400,
            type: 'rollout.gate.failed',
            cluster: 'b',
            detail: 'apf_seat_utilization 0.95 vs threshold 0.9',
          },
          { tS: 400, type: 'rollout.halted', detail: 'gate-failed: …' },
        ],
        [
          cluster({ name: 'a' }),
          cluster({
            name: 'b',
            saturated: true,
            saturatedAtS: 350,
            dnsFailureStartS: 380,
            recoveredAtS: 900,
            adminLockedOutS: 120,
          }),
        ],
        0.5,
      ),
    );
    assert.deepEqual(m, {
      seed: 3,
      blastRadius: 1,
      customerErrorMinutes: 0.5,
      detectS: 50,
      recoverS: 550,
      lockoutMinutes: 2,
      rolloutDurationS: 300,
      completed: false,
      halted: true,
      haltedAtS: 400,
      haltReason: 'b: apf_seat_utilization 0.95 vs threshold 0.9',
    });
  });

  void it('null where a metric does not apply: nothing saturated, never halted, not recovered', () => {
    const quiet = runMetrics(
      result(
        [
          { tS: 0, type: 'rollout.started' },
          { tS: 50, type: 'rollout.completed' },
        ],
        [cluster({})],
      ),
    );
    assert.equal(quiet.detectS, null);
    assert.equal(quiet.recoverS, 0);
    assert.equal(quiet.rolloutDurationS, 50);
    assert.equal(quiet.completed, true);
    const stuck = runMetrics(
      result([{ tS: 0, type: 'rollout.started' }], [cluster({ saturated: true, saturatedAtS: 10 })]),
    );
    assert.equal(stuck.detectS, null);
    assert.equal(stuck.recoverS, null);
    assert.equal(stuck.rolloutDurationS, null);
  });

  void it('aggregates seeds: means over the seeds that define a metric, worst case, shares', () => {
    const base: RunMetrics = {
      seed: 1,
      blastRadius: 0,
      customerErrorMinutes: 0,
      detectS: null,
      recoverS: 0,
      lockoutMinutes: 0,
      rolloutDurationS: 100,
      completed: true,
      halted: false,
      haltedAtS: null,
      haltReason: null,
    };
    const p = comparePolicy('x', [
      base,
      {
        ...base,
        seed: 2,
        blastRadius: 3,
        detectS: 30,
        rolloutDurationS: 200,
        completed: false,
        halted: true,
      },
      {
        ...base,
        seed: 3,
        blastRadius: 1,
        detectS: 10,
        recoverS: null,
        rolloutDurationS: null,
        completed: false,
      },
    ]);
    assert.equal(p.seeds, 3);
    assert.equal(p.blastRadius, 1.33333);
    assert.equal(p.detectS, 20);
    assert.equal(p.recoverS, 0);
    assert.equal(p.rolloutDurationS, 150);
    assert.deepEqual(p.worst, {
      blastRadius: 3,
      customerErrorMinutes: 0,
      detectS: 30,
      recoverS: 0,
      lockoutMinutes: 0,
      rolloutDurationS: 200,
    });
    assert.equal(p.completed, 0.333333);
    assert.equal(p.halted, 0.333333);
    assert.equal(comparePolicy('none', []).blastRadius, null);
  });
});
