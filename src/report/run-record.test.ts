import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { bucketMax, displayRun } from '../compare/run-display.js';
import type { ClusterSeries, ClusterSummary, SimEvent, SimResult } from '../sim/result.js';
import { eventData } from './event-data.js';
import { decodeSeries, encodeSeries, pageData } from './html-data.js';
import { whatHappened } from './narrative.js';
import { runRecord } from './run-record.js';

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

const flat = (n: number, v: number): number[] => new Array<number>(n).fill(v);
const series = (n: number, over: Partial<ClusterSeries> = {}): ClusterSeries => ({
  seatUtilization: flat(n, 0.01),
  apiP99LatencyS: flat(n, 0.05),
  rejected429PerS: flat(n, 0),
  dnsFailureRatio: flat(n, 0),
  errorRatio: flat(n, 0),
  cpuUtilization: flat(n, 0.1),
  memoryUtilization: flat(n, 0.1),
  ...over,
});

/** A two-cluster run: the big one saturates at 600 s, DNS fails at 620 s, recovers at 3000 s. */
function run(n = 1000): SimResult {
  const ev = (tS: number, type: SimEvent['type'], clusterName?: string, detail?: string): SimEvent => ({
    tS,
    at: null,
    type,
    ...(clusterName ? { cluster: clusterName } : {}),
    ...(detail ? { detail } : {}),
  });
  const bigErrors: number[] = flat(n, 0).map((_, i) => (i >= 310 && i < 1500 ? 0.5 : 0));
  bigErrors[400] = 0.9;
  return {
    scenario: 'two',
    start: '2024-12-11T14:45:00-08:00',
    seed: 7,
    stepS: 2,
    durationS: n * 2,
    policy: null,
    events: [
      ev(100, 'rollout.started', undefined, '2 clusters over 10 min, no gates'),
      ev(100, 'rollout.cluster.applied', 'small', '50 nodes'),
      ev(500, 'rollout.cluster.applied', 'big', '5000 nodes'),
      ev(600, 'apiserver.saturated', 'big', 'API servers OOM-killed (restarting)'),
      ev(600, 'rollout.completed', undefined, '2 clusters'),
      ev(620, 'dns.failures.started', 'big', '0.1% of lookups failing'),
      ev(630, 'impact.started', undefined, '0.1% of customer requests failing'),
      ev(900, 'operator.action', undefined, 'nodes scaled to 50% on 1 cluster(s)'),
      ev(3000, 'cluster.recovered', 'big'),
      ev(3000, 'fleet.recovered', undefined, 'every impacted cluster recovered'),
    ],
    clusters: [
      cluster({ name: 'small', nodes: 50 }),
      cluster({
        name: 'big',
        nodes: 5000,
        saturated: true,
        saturatedAtS: 600,
        dnsFailureStartS: 620,
        peakErrorRatio: 0.9,
        adminLockedOutS: 1200,
        recoveredAtS: 3000,
        oomKills: 12,
        rejected429Total: 1_500_000,
      }),
    ],
    fleet: {
      impactStartS: 630,
      peakErrorRatio: 0.45,
      peakAtS: 800,
      fullRecoveryS: 3000,
      controlPlaneRecoveryS: 3000,
      clustersSaturated: 1,
      customerErrorMinutes: 12.5,
      largestUnsaturatedNodes: 50,
      smallestSaturatedNodes: 5000,
      predictedBreakEvenNodes: 1500,
    },
    series: {
      tS: flat(n, 0).map((_, i) => i * 2),
      fleetErrorRatio: bigErrors.map((x) => x / 2),
      clusters: {
        small: series(n),
        big: series(n, {
          errorRatio: bigErrors,
          rejected429PerS: flat(n, 0).map((_, i) => (i === 333 ? 999 : 1)),
        }),
      },
    },
  };
}

void describe('event data: numbers read back from the simulator’s prose', () => {
  const e = (type: SimEvent['type'], detail: string, clusterName?: string): SimEvent => ({
    tS: 0,
    at: null,
    type,
    detail,
    ...(clusterName ? { cluster: clusterName } : {}),
  });
  void it('reads gate verdicts, steps, waves, rollout starts and operator actions', () => {
    assert.deepEqual(
      eventData(
        e(
          'rollout.gate.failed',
          'change_seat_demand 9138 vs threshold 1674 (gate extrapolation, 1% of nodes): change uses 91.5 seats',
          'prod-asia-18',
        ),
      ),
      {
        kind: 'gate',
        signal: 'change_seat_demand',
        value: 9138,
        threshold: 1674,
        gate: 'extrapolation',
        nodeShare: 0.01,
        reason: 'change uses 91.5 seats',
      },
    );
    assert.deepEqual(eventData(e('rollout.step.applied', '10% of nodes (4 of 40)')), {
      kind: 'step',
      nodeShare: 0.1,
      nodes: 4,
      of: 40,
    });
    assert.deepEqual(eventData(e('rollout.wave.started', 'canary: 2 cluster(s) (a, b)')), {
      kind: 'wave',
      name: 'canary',
      clusters: 2,
    });
    assert.deepEqual(eventData(e('rollout.started', '261 clusters over 29 min, no gates')), {
      kind: 'rollout',
      clusters: 261,
      spanS: 1740,
      waves: null,
      gated: false,
    });
    assert.deepEqual(
      eventData(e('operator.action', 'traffic shifted away on 100 cluster(s) (moving traffic away)')),
      { kind: 'operator', action: 'shift-traffic', clusters: 100, note: 'moving traffic away' },
    );
    assert.deepEqual(eventData(e('admin.lockedout', 'kubectl success 8.2%')), {
      kind: 'ratio',
      ratio: 0.082,
    });
  });
  void it('keeps the prose when a detail reads differently', () => {
    assert.deepEqual(eventData(e('rollout.gate.failed', 'something else')), {
      kind: 'text',
      text: 'something else',
    });
  });
});

void describe('display series', () => {
  void it('down-sampling keeps every bucket’s peak and the fleet aggregates', () => {
    const d = displayRun(run(), 100);
    assert.equal(d.series.bucket, 10);
    assert.equal(d.series.tS.length, 100);
    const big = d.series.clusters['big'];
    assert.ok(big);
    assert.equal(Math.max(...big.errorRatio), 0.9, 'the one-sample peak survives');
    assert.equal(Math.max(...d.series.fleet.rejected429PerS), 999, '429/s are summed over clusters');
    assert.equal(Math.max(...d.series.fleet.errorRatio), 0.45);
    assert.equal(d.series.fleet.seatUtilization[0], 0.01, 'seats: the busiest cluster');
  });
  void it('bucketMax rounds to 3 significant digits; the run-length code round-trips', () => {
    assert.deepEqual(bucketMax([0.123456, 0.2, 5, 1], 2), [0.2, 5]);
    fc.assert(
      fc.property(
        fc.array(fc.oneof(fc.constant(0), fc.double({ min: -1e9, max: 1e9, noNaN: true }))),
        (xs) => {
          const clean = xs.map((x) => (Object.is(x, -0) ? 0 : x));
          assert.deepEqual(decodeSeries(encodeSeries(clean)), clean);
        },
      ),
    );
    assert.equal(encodeSeries([0, 0, 0, 0.5, 0.5, 1]), '0*3,0.5*2,1');
  });
});

void describe('run record', () => {
  const record = runRecord(run());
  void it('finds the moments a reader asks about', () => {
    const m = record.moments;
    assert.equal(m.rolloutStartS, 100);
    assert.equal(m.firstSaturationS, 600);
    assert.equal(m.firstImpactS, 600);
    assert.equal(m.firstResponseS, 900);
    assert.equal(m.detectS, 300);
    assert.equal(m.oomKills, 12);
    assert.equal(m.clustersLockedOut, 1);
    assert.equal(record.metrics.blastRadius, 1);
    assert.deepEqual(record.bands, [{ fromS: 100, toS: 600, label: 'rollout', kind: 'rollout' }]);
    assert.ok(record.marks.some((k) => k.cluster === 'big' && k.type === 'apiserver.saturated'));
    assert.ok(record.marks.some((k) => k.cluster === null && k.type === 'operator.action'));
  });
  void it('says what happened with the run’s own figures', () => {
    const text = whatHappened(record).join(' ');
    assert.match(text, /started at 14:46 with no gate on the control plane and completed at 14:55/);
    assert.match(text, /From 14:55 the API servers of 1 of 2 clusters saturated/);
    assert.match(text, /every cluster of 5,000 nodes or more, none of 50 or fewer/);
    assert.match(text, /12 OOM kills and 1\.5M requests rejected with 429/);
    assert.match(text, /12\.5 customer error-minutes/);
  });
  void it('gives the page the clusters impacted first, largest first, and the same bytes every time', () => {
    const data = pageData([record], undefined);
    assert.deepEqual(
      data.clusters.map((c) => c.name),
      ['big', 'small'],
    );
    assert.equal(data.defaultCluster, 'big');
    assert.equal(JSON.stringify(pageData([runRecord(run())], undefined)), JSON.stringify(data));
  });
});
