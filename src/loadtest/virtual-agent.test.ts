import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createRng } from '../core/random.js';
import type { CallResult, WatchHandle } from './kube-http.js';
import type { PlannedRequest } from './call-request.js';
import { LoadRecorder } from './load-recorder.js';
import { ManualScheduler } from './scheduler.js';
import { VirtualAgent } from './virtual-agent.js';

const identity = {
  namespace: 'ns',
  podName: 'p',
  nodeName: 'n',
  workloadName: 'w',
  workloadPath: 'apis/apps/v1/daemonsets',
};
const flush = (): Promise<void> => new Promise((r) => setImmediate(r));

/** A fake client answering every request at once with 200, counting what it was sent. */
function fakeHttp(): {
  sent: PlannedRequest[];
  watches: number;
  stops: number;
  send: (r: PlannedRequest) => Promise<CallResult>;
  watch: (r: PlannedRequest) => WatchHandle;
} {
  const fake = {
    sent: [] as PlannedRequest[],
    watches: 0,
    stops: 0,
    send: (r: PlannedRequest): Promise<CallResult> => {
      fake.sent.push(r);
      return Promise.resolve({ status: 200, bytes: 100, latencyMs: 5 });
    },
    watch: (): WatchHandle => {
      fake.watches++;
      return { stop: () => void fake.stops++, done: new Promise<CallResult>(() => undefined) };
    },
  };
  return fake;
}

describe('VirtualAgent', () => {
  it('makes a periodic call once per period from a random phase, and nothing after stop', async () => {
    const http = fakeHttp();
    const scheduler = new ManualScheduler();
    const recorder = new LoadRecorder();
    const agent = new VirtualAgent({
      identity,
      calls: [{ verb: 'list', resource: 'pods', scope: 'cluster', everySeconds: 10, resourceVersion: '' }],
      token: () => 't',
      http,
      scheduler,
      rng: createRng(1),
      recorder,
    });
    agent.start();
    for (let s = 0; s < 100; s++) {
      scheduler.advance(1_000);
      await flush();
    }
    assert.ok(http.sent.length >= 9 && http.sent.length <= 10, `sent ${http.sent.length}`);
    assert.equal(recorder.snapshot()['list pods cluster']?.requests, http.sent.length);
    agent.stop();
    const before = http.sent.length;
    scheduler.advance(60_000);
    await flush();
    assert.equal(http.sent.length, before);
    assert.equal(scheduler.pendingCount, 0);
  });

  it('keeps a watch open and closes it on stop', () => {
    const http = fakeHttp();
    const scheduler = new ManualScheduler();
    const agent = new VirtualAgent({
      identity,
      calls: [{ verb: 'watch', resource: 'pods', scope: 'node', resourceVersion: '0' }],
      token: () => 't',
      http,
      scheduler,
      rng: createRng(1),
      recorder: new LoadRecorder(),
    });
    agent.start();
    scheduler.advance(0);
    assert.equal(http.watches, 1);
    agent.stop();
    assert.equal(http.stops, 1);
  });
});
