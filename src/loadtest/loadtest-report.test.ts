import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { loadtestJson, loadtestText } from './loadtest-report.js';
import type { StepResult } from './ramp.js';
import type { LoadtestRun } from './run-loadtest.js';

const step = (agents: number, verdict: StepResult['verdict']): StepResult => ({
  agents,
  windowS: 60,
  requests: 100,
  rejected: verdict === 'rejected' ? 10 : 0,
  unanswered: 0,
  p50S: 0.12345,
  p99S: 0.5,
  serverP99S: 0.4,
  seatsInUse: 2.345,
  seatsLimit: 10,
  seatUtilization: 0.23,
  failedScrapes: 0,
  scrapes: 12,
  verdict,
  reasons: verdict === 'ok' ? [] : ['429 ratio 10.0% > 1.0%'],
  requestsPerS: 1.6667,
  rejectedRatio: verdict === 'rejected' ? 0.1 : 0,
  levelRejected: 0,
  queueWaitP99S: 0,
  estimatedSeatsPerRequest: 1,
  serverCpuCores: 0.5,
  serverRssBytes: 500 * 2 ** 20,
  listObjects: { pods: { lists: 100, fetched: 600, returned: 600 } },
  calls: {},
});

const prediction = {
  breakEvenAgents: 40,
  speedFactor: 1,
  priorityLevel: 'workload-low',
  levelSeats: 17,
  calls: [
    {
      call: 'list pods cluster',
      priorityLevel: 'workload-low',
      seats: 2,
      processedObjects: 600,
      returnedObjects: 600,
      serviceS: 0.1,
    },
  ],
  dominantCall: 0,
};
const run: LoadtestRun = {
  context: 'staging',
  server: 'https://127.0.0.1:6443',
  cluster: { nodes: 300, pods: 600, apiServers: 1, serverSeats: 30, objects: new Map(), cores: 2 },
  priorityLevel: 'workload-low',
  prediction,
  calibrated: { ...prediction, breakEvenAgents: 10, speedFactor: 4 },
  measuredCall: { medianS: 0.4, bytes: 8_000_000, samples: 3 },
  ramp: { steps: [step(10, 'ok'), step(20, 'rejected')], breakEvenAgents: 20, interrupted: false },
  confirmed: true,
};

describe('loadtest report', () => {
  it('writes exactly the documented JSON shape', () => {
    const json = loadtestJson(run);
    assert.deepEqual(json, {
      cluster: { nodes: 300, pods: 600 },
      steps: [
        {
          agents: 10,
          requestsPerS: 1.667,
          p50S: 0.1235,
          p99S: 0.5,
          rejectedRatio: 0,
          seatsInUse: 2.35,
          seatsLimit: 10,
          verdict: 'ok',
        },
        {
          agents: 20,
          requestsPerS: 1.667,
          p50S: 0.1235,
          p99S: 0.5,
          rejectedRatio: 0.1,
          seatsInUse: 2.35,
          seatsLimit: 10,
          verdict: 'rejected',
        },
      ],
      breakEvenAgents: 20,
      predictedBreakEvenAgents: 40,
    });
  });

  it('prints the break-even beside the prediction with their ratios', () => {
    const text = loadtestText(run);
    assert.match(text, /measured break-even: 20 agents \(held at 10\); LIST pods: 600 read, 600 returned/);
    assert.match(text, /analyze predicts: +40 agents/);
    assert.match(text, /measured \/ predicted: 0\.50/);
    assert.match(text, /measured \/ predicted at measured speed: 2\.00/);
  });
});
