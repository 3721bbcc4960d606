import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { LoadRecorder } from './load-recorder.js';

describe('LoadRecorder', () => {
  it('counts statuses and bytes and gives quantiles within a bucket (±10%)', () => {
    const r = new LoadRecorder();
    for (let i = 1; i <= 100; i++)
      r.record('list pods cluster', { status: i <= 90 ? 200 : 429, bytes: 10, latencyMs: i * 10 });
    const s = r.snapshot()['list pods cluster'];
    assert.ok(s);
    assert.equal(s.requests, 100);
    assert.deepEqual(s.byStatus, { '200': 90, '429': 10 });
    assert.equal(s.bytes, 1000);
    assert.ok(Math.abs(s.p50S - 0.5) / 0.5 < 0.1, `p50 ${s.p50S}`);
    assert.ok(Math.abs(s.p99S - 0.99) / 0.99 < 0.1, `p99 ${s.p99S}`);
    r.reset();
    assert.deepEqual(r.snapshot(), {});
  });
});
