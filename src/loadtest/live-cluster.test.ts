import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { JsonAnswer } from './kube-http.js';
import { levelDrained, poolMeasurements, type MeasuredCall } from './live-cluster.js';
import { ManualScheduler } from './scheduler.js';

const measured = (timesS: number[]): MeasuredCall => ({
  medianS: [...timesS].sort((a, b) => a - b)[Math.floor(timesS.length / 2)] ?? 0,
  bytes: 1_000 * timesS.length,
  samples: timesS.length,
  timesS,
});

const metrics = (executing: number, inqueue: number): string =>
  [
    `apiserver_flowcontrol_current_executing_seats{flow_schema="service-accounts",priority_level="workload-low"} ${executing}`,
    'apiserver_flowcontrol_current_limit_seats{priority_level="workload-low"} 20',
    `apiserver_flowcontrol_current_inqueue_requests{flow_schema="service-accounts",priority_level="workload-low"} ${inqueue}`,
  ].join('\n');

/** A server whose /metrics answers are given in turn (the last one repeats); counts the scrapes. */
function server(answers: (string | null)[]): {
  http: { json: () => Promise<JsonAnswer> };
  scrapes: () => number;
} {
  let n = 0;
  return {
    http: {
      json: () => {
        const text = answers[Math.min(n++, answers.length - 1)];
        return Promise.resolve(text === null ? { status: 503, body: '' } : { status: 200, body: text });
      },
    },
    scrapes: () => n,
  };
}

/** Runs `levelDrained` on a manual clock, advancing it a second at a time until it answers. */
async function drained(answers: (string | null)[], maxS: number): Promise<{ ok: boolean; scrapes: number }> {
  const scheduler = new ManualScheduler();
  const s = server(answers);
  let result: boolean | undefined;
  const p = levelDrained(s.http, 'token', 'workload-low', { scheduler }, maxS).then((r) => (result = r));
  while (result === undefined) {
    await new Promise((r) => setImmediate(r));
    scheduler.advance(1_000);
  }
  await p;
  return { ok: result, scrapes: s.scrapes() };
}

describe('the call measured alone, before and after the ramp', () => {
  it('pools every sample and takes their median: one slow instant does not decide the speed', () => {
    const before = measured([0.32, 0.33, 0.35]);
    const after = measured([0.1, 0.11, 0.12]);
    const pooled = poolMeasurements(before, after);
    assert.deepEqual(pooled?.timesS, [0.32, 0.33, 0.35, 0.1, 0.11, 0.12]);
    assert.equal(pooled?.samples, 6);
    assert.equal(pooled?.medianS, 0.32);
    assert.equal(pooled?.bytes, 3_000);
  });

  it('keeps what was measured when the other measurement is missing, and nothing from nothing', () => {
    assert.deepEqual(poolMeasurements(measured([0.2, 0.3, 0.4]), null), measured([0.2, 0.3, 0.4]));
    assert.equal(poolMeasurements(null, null), null);
  });

  it('waits for the level to drain: no queue and at most a tenth of its seats', async () => {
    const r = await drained([metrics(20, 40), metrics(12, 0), metrics(2, 0)], 30);
    assert.deepEqual(r, { ok: true, scrapes: 3 });
  });

  it('gives up when the level never drains or /metrics stops answering', async () => {
    const busy = await drained([metrics(20, 5)], 10);
    assert.equal(busy.ok, false);
    assert.ok(busy.scrapes >= 10 && busy.scrapes <= 11, `${busy.scrapes} scrapes`);
    assert.equal((await drained([null], 5)).ok, false);
  });
});
