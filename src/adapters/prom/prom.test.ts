import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { availableSeats, demandSeats, levelMaxSeats } from './change-demand.js';
import { histogramQuantile, parseExposition, sumOf } from './exposition.js';
import { alignedRange, PrometheusMetricsSource } from './prometheus.js';
import { signalPromQL } from '../../model/signal-promql.js';
import { hasPlaceholder, resolvePromQL } from './promql.js';
import { LiveMetricsSource } from './live-metrics.js';
import { ApiserverScrapeSource } from './apiserver-scrape.js';
import type { RolloutProgress } from '../rollout-progress.js';
import type { MetricsSource, SignalReading } from '../../rollout/ports.js';

const flow = {
  flowSchema: 'rampart-change-a',
  priorityLevel: 'workload-low',
  fenced: false,
  fenceLevel: 'f',
  handSize: 6,
};

void describe('PromQL resolution', () => {
  void it('adds the cluster selector to every series and puts the rate window in', () => {
    const q = resolvePromQL('sum(rate(apiserver_x{a="1"}[$w])) / sum(etcd_y)', 'cluster="eu"', 30);
    assert.equal(q, 'sum(rate(apiserver_x{a="1",cluster="eu"}[30s])) / sum(etcd_y{cluster="eu"})');
    assert.equal(resolvePromQL('apiserver_x[$w]', '', 60), 'apiserver_x[60s]');
  });

  void it('reads an absent 429 counter as 0 only where the server is scraped', () => {
    assert.match(
      signalPromQL('apiserver_429_per_s', 'agent') ?? '',
      / or \(0 \* max\(apiserver_flowcontrol_nominal_limit_seats\)\)$/,
    );
    assert.match(
      signalPromQL('apf_seat_utilization', 'agent') ?? '',
      /priority_level!~"exempt\|rampart-rollout-fence\|rampart-quarantine\.\*"/,
    );
  });

  void it("leaves the change's own flow out of the others-only signals, with every placeholder filled", () => {
    for (const signal of [
      'apiserver_429_per_s',
      'apiserver_timeouts_per_s',
      'apf_queue_length',
      'apiserver_p99_latency_s',
    ] as const) {
      const q = signalPromQL(signal, 'node.agent') ?? '';
      assert.match(q, /flow_schema!~"rampart-change-node\\\\\.agent\|rampart-rollout-fence-\.\*"/, signal);
      assert.equal(hasPlaceholder(q), false, `${signal}: ${q}`);
    }
    const timeouts = signalPromQL('apiserver_timeouts_per_s', 'agent') ?? '';
    assert.equal(timeouts.split(' or (0 * max(apiserver_flowcontrol_nominal_limit_seats))').length, 3);
    assert.equal(hasPlaceholder(signalPromQL('workload_error_ratio', 'agent') ?? ''), true);
  });
});

void describe('change seat demand', () => {
  void it('is executing + waiting + rejected requests times seats per request', () => {
    const parts = { execS: 0.5, waitS: 0.25, rejectedPerS: 2, executedPerS: 10, seatsPerRequest: 4 };
    // 0.5 + 0.25 + 2 × 0.05 = 0.85 requests × 4 seats
    assert.ok(
      Math.abs(
        (demandSeats(parts, flow, { otherSeats: 0, availableSeats: 10, nominalPerServer: 24 }) ?? 0) - 3.4,
      ) < 1e-9,
    );
  });

  void it('while fenced counts each request at the most its own level allows', () => {
    assert.equal(levelMaxSeats(24, 6), 4);
    assert.equal(levelMaxSeats(245, 6), 10);
    assert.equal(levelMaxSeats(3, 4), 1);
    const parts = { execS: 1, waitS: 0, rejectedPerS: 0, executedPerS: 5, seatsPerRequest: 1 };
    assert.equal(
      demandSeats(
        parts,
        { ...flow, fenced: true },
        { otherSeats: 0, availableSeats: 9, nominalPerServer: 24 },
      ),
      4,
    );
    assert.equal(
      demandSeats(
        parts,
        { ...flow, fenced: true },
        { otherSeats: 0, availableSeats: 9, nominalPerServer: null },
      ),
      null,
    );
  });

  void it("bounds a level's seats by the server's seats less the others' guaranteed ones", () => {
    assert.equal(availableSeats(836, 606, 251), 355);
    assert.equal(availableSeats(40, 606, 251), 40);
    assert.equal(availableSeats(40, undefined, 1), 40);
  });
});

void describe('exposition', () => {
  void it('parses samples and sums by label', () => {
    const e = parseExposition('# HELP x\nx{a="1",b="q\\"z"} 2\nx{a="2"} 3\ny 1\n', (n) => n === 'x');
    assert.equal(sumOf(e, 'x'), 5);
    assert.equal(
      sumOf(e, 'x', (l) => l['b'] === 'q"z'),
      2,
    );
    assert.equal(e.has('y'), false);
  });

  void it('computes a histogram quantile as Prometheus does', () => {
    const b = new Map([
      ['0.1', 50],
      ['1', 100],
      ['+Inf', 100],
    ]);
    assert.ok(Math.abs(histogramQuantile(0.99, b) - 0.982) < 1e-9);
    assert.ok(Number.isNaN(histogramQuantile(0.99, new Map([['+Inf', 0]]))));
  });
});

void describe('Prometheus source', () => {
  void it('aligns ranges on steps inside the window', () => {
    assert.deepEqual(alignedRange(100_000, 30, 5), { startS: 75, endS: 100 });
    assert.deepEqual(alignedRange(101_000, 30, 5), { startS: 75, endS: 100 });
  });

  const source = (answer: () => Promise<Response>): PrometheusMetricsSource =>
    new PrometheusMetricsSource(
      new Map([['c', { url: 'http://127.0.0.1:9', selector: 'cluster="c"', rateWindow: 20, step: 5 }]]),
      { changeFlow: () => Promise.resolve(flow) },
      'a',
      () => answer(),
    );
  const q = {
    cluster: 'c',
    signal: 'apf_queue_length' as const,
    windowS: 30,
    nowMs: 100_000,
    change: { name: 'a', namespace: 'n', kind: 'DaemonSet' },
  };

  void it('turns a matrix into samples', async () => {
    const body = {
      status: 'success',
      data: {
        resultType: 'matrix',
        result: [
          {
            metric: {},
            values: [
              [95, '1'],
              [100, '2'],
            ],
          },
        ],
      },
    };
    const r = await source(() => Promise.resolve(Response.json(body))).evaluate(q);
    assert.deepEqual(r, [
      { tMs: 95_000, value: 1 },
      { tMs: 100_000, value: 2 },
    ]);
  });

  void it('is missing (never zero) when Prometheus is down, errs, or has nothing', async () => {
    const down = source(() => Promise.reject(new Error('ECONNREFUSED')));
    assert.equal(await down.evaluate(q), 'missing');
    assert.match(down.problems.get('c|apf_queue_length') ?? '', /unreachable/);
    const err = source(() =>
      Promise.resolve(Response.json({ status: 'error', errorType: 'bad_data', error: 'parse error' })),
    );
    assert.equal(await err.evaluate(q), 'missing');
    const empty = source(() =>
      Promise.resolve(Response.json({ status: 'success', data: { resultType: 'matrix', result: [] } })),
    );
    assert.equal(await empty.evaluate(q), 'missing');
    assert.equal(await empty.evaluate({ ...q, cluster: 'unknown' }), 'missing');
  });
});

void describe('change_ready_ratio from the rollout status', () => {
  const q = {
    cluster: 'c',
    signal: 'change_ready_ratio' as const,
    windowS: 30,
    change: { name: 'a', namespace: 'n', kind: 'DaemonSet' as const },
  };
  const source = (progress: RolloutProgress[]): LiveMetricsSource => {
    let i = 0;
    return new LiveMetricsSource(new Map([['c', noOtherSignals]]), () =>
      Promise.resolve(progress[Math.min(i++, progress.length - 1)] ?? 'unreachable'),
    );
  };

  void it('has no sample while the controller is still replacing replicas, then ready / desired', async () => {
    const s = source([
      { desiredReplicas: 20, updatedReplicas: 0, readyReplicas: 0, observedCurrent: false },
      { desiredReplicas: 20, updatedReplicas: 12, readyReplicas: 11, observedCurrent: true },
      { desiredReplicas: 20, updatedReplicas: 20, readyReplicas: 18, observedCurrent: true },
    ]);
    assert.equal(await s.evaluate({ ...q, nowMs: 1_000 }), 'missing');
    assert.equal(await s.evaluate({ ...q, nowMs: 2_000 }), 'missing');
    assert.match(s.problems.get('c') ?? '', /still rolling out: 12 of 20 replicas updated, 11 ready/);
    assert.deepEqual(await s.evaluate({ ...q, nowMs: 3_000 }), [{ tMs: 3_000, value: 0.9 }]);
  });

  void it('reads pods that never become ready once every replica runs the new template', async () => {
    const s = source([{ desiredReplicas: 10, updatedReplicas: 10, readyReplicas: 2, observedCurrent: true }]);
    assert.deepEqual(await s.evaluate({ ...q, nowMs: 1_000 }), [{ tMs: 1_000, value: 0.2 }]);
  });
});

/** The cluster's other signals (not read here: readiness comes from the rollout status alone). */
const noOtherSignals: MetricsSource = { evaluate: () => Promise.resolve<SignalReading>('missing') };

void describe('API server /metrics scrapes', () => {
  const text = (rejected: number): string =>
    [
      'apiserver_flowcontrol_current_executing_seats{flow_schema="rampart-break-glass",priority_level="rampart-break-glass"} 1',
      'apiserver_flowcontrol_current_executing_seats{flow_schema="service-accounts",priority_level="workload-low"} 3',
      'apiserver_flowcontrol_current_executing_seats{flow_schema="rampart-change-a",priority_level="workload-low"} 6',
      'apiserver_flowcontrol_current_limit_seats{priority_level="rampart-break-glass"} 1',
      'apiserver_flowcontrol_current_limit_seats{priority_level="workload-low"} 18',
      `apiserver_flowcontrol_rejected_requests_total{flow_schema="rampart-change-a",priority_level="workload-low",reason="queue-full"} ${rejected * 10}`,
      `apiserver_flowcontrol_rejected_requests_total{flow_schema="service-accounts",priority_level="workload-low",reason="queue-full"} ${rejected}`,
      '',
    ].join('\n');
  const source = (): { s: ApiserverScrapeSource; tick: () => void } => {
    let nowMs = 0;
    let n = 0;
    const s = new ApiserverScrapeSource(
      new Set(['c']),
      { scrape: () => Promise.resolve({ text: text(n++ * 5), level: 'rampart-break-glass' }) },
      { changeFlow: () => Promise.resolve(flow) },
      'rampart-change-a',
      () => nowMs,
      1_000,
    );
    return { s, tick: () => (nowMs += 5_000) };
  };
  const q = (signal: 'apf_seat_utilization' | 'apiserver_429_per_s') => ({
    cluster: 'c',
    signal,
    windowS: 60,
    nowMs: 10_000,
    change: { name: 'a', namespace: 'n', kind: 'DaemonSet' as const },
  });

  void it("does not count the scrape's own seat: a one-seat level it runs on is not full", async () => {
    const { s, tick } = source();
    await s.refresh('c');
    tick();
    await s.refresh('c');
    // workload-low: 9 of 18 (the change's seats count on a level it shares); break-glass: 0 of 1.
    assert.deepEqual(await s.evaluate(q('apf_seat_utilization')), [{ tMs: 5_000, value: 0.5 }]);
  });

  void it("leaves the change's own 429s out", async () => {
    const { s, tick } = source();
    await s.refresh('c');
    tick();
    await s.refresh('c');
    // Others: 5 rejected over 5 s; the change's 50 are not counted.
    assert.deepEqual(await s.evaluate(q('apiserver_429_per_s')), [{ tMs: 5_000, value: 1 }]);
  });
});
