import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createRng } from '../core/random.js';
import { snapshotOf } from './apiserver-metrics.js';
import type { PlannedRequest } from './call-request.js';
import type { CallResult, WatchHandle } from './kube-http.js';
import { runRamp } from './ramp.js';
import { ManualScheduler } from './scheduler.js';
import { defaultThresholds } from './step-verdict.js';

const flush = (): Promise<void> => new Promise((r) => setImmediate(r));

/** A server whose level utilization is agents / 20 and that counts every agent request. */
function fakeCluster(sched: ManualScheduler) {
  const state = { agents: 0, sent: 0, scrapes: 0, util: { sum: 0, count: 0 }, lastMs: 0 };
  const http = {
    send: (_r: PlannedRequest): Promise<CallResult> => {
      state.sent++;
      return Promise.resolve({ status: 200, bytes: 1000, latencyMs: 50 });
    },
    watch: (): WatchHandle => ({ stop: () => undefined, done: new Promise<CallResult>(() => undefined) }),
  };
  const scrape = () => {
    state.scrapes++;
    // The server samples utilization continuously: one sample per elapsed millisecond here.
    const now = sched.nowMs();
    const dt = now - state.lastMs;
    state.lastMs = now;
    state.util.sum += (dt * state.agents) / 20;
    state.util.count += dt;
    return Promise.resolve(
      snapshotOf(`apiserver_flowcontrol_current_executing_seats{priority_level="workload-low"} ${state.agents / 2}
apiserver_flowcontrol_current_limit_seats{priority_level="workload-low"} 10
apiserver_flowcontrol_priority_level_seat_utilization_sum{phase="executing",priority_level="workload-low"} ${state.util.sum}
apiserver_flowcontrol_priority_level_seat_utilization_count{phase="executing",priority_level="workload-low"} ${state.util.count}
`),
    );
  };
  return { state, http, scrape };
}

describe('runRamp', () => {
  it('ramps step by step, stops at the first step past a threshold, and stops every agent', async () => {
    const sched = new ManualScheduler();
    const c = fakeCluster(sched);
    let agentsStarted = 0;
    const done = runRamp(
      {
        scheduler: sched,
        rng: createRng(7),
        http: c.http,
        scrape: c.scrape,
        token: () => 't',
        identity: (i) => {
          agentsStarted = i + 1;
          c.state.agents = agentsStarted;
          return {
            namespace: 'n',
            podName: `p${i}`,
            nodeName: 'x',
            workloadName: 'w',
            workloadPath: 'apis/apps/v1/daemonsets',
          };
        },
        progress: () => undefined,
        stopRequested: () => false,
      },
      {
        steps: [5, 10, 20, 40],
        holdS: 20,
        warmupS: 5,
        sampleEveryS: 5,
        calls: [{ verb: 'list', resource: 'pods', scope: 'cluster', everySeconds: 2, resourceVersion: '0' }],
        priorityLevel: 'workload-low',
        thresholds: defaultThresholds,
      },
    );
    let result: Awaited<typeof done> | undefined;
    void done.then((r) => (result = r));
    for (let i = 0; i < 2000 && !result; i++) {
      sched.advance(250);
      await flush();
    }
    assert.ok(result, 'the ramp did not finish');
    assert.deepEqual(
      result.steps.map((s) => [s.agents, s.verdict]),
      [
        [5, 'ok'],
        [10, 'ok'],
        [20, 'seats'],
      ],
    );
    assert.equal(result.breakEvenAgents, 20);
    assert.equal(agentsStarted, 20);
    // 5 agents each LISTing every 2 s for the 20 s hold: about 50 requests, 2.5 per second.
    const first = result.steps[0];
    assert.ok(first && Math.abs(first.requestsPerS - 2.5) < 0.5, `${first?.requestsPerS}`);
    assert.ok(first && Math.abs((first.seatUtilization ?? 0) - 0.25) < 0.01);
    const sent = c.state.sent;
    sched.advance(60_000);
    await flush();
    assert.equal(c.state.sent, sent, 'agents kept calling after the ramp returned');
  });

  it('ends at once when asked to stop, agents stopped', async () => {
    const sched = new ManualScheduler();
    const c = fakeCluster(sched);
    let stop = false;
    const done = runRamp(
      {
        scheduler: sched,
        rng: createRng(1),
        http: c.http,
        scrape: c.scrape,
        token: () => 't',
        identity: (i) => ({
          namespace: 'n',
          podName: `p${i}`,
          nodeName: 'x',
          workloadName: 'w',
          workloadPath: 'apis/apps/v1/daemonsets',
        }),
        progress: () => undefined,
        stopRequested: () => stop,
      },
      {
        steps: [3],
        holdS: 600,
        warmupS: 5,
        sampleEveryS: 5,
        calls: [{ verb: 'list', resource: 'pods', scope: 'cluster', everySeconds: 1, resourceVersion: '' }],
        priorityLevel: 'workload-low',
        thresholds: defaultThresholds,
      },
    );
    let result: Awaited<typeof done> | undefined;
    void done.then((r) => (result = r));
    for (let i = 0; i < 100; i++) {
      sched.advance(250);
      await flush();
    }
    stop = true;
    for (let i = 0; i < 20 && !result; i++) {
      sched.advance(250);
      await flush();
    }
    assert.ok(result?.interrupted);
    assert.equal(result.steps.length, 0);
    const sent = c.state.sent;
    sched.advance(10_000);
    await flush();
    assert.equal(c.state.sent, sent);
  });
});
