import type { ApiCall } from '../model/api-profile.js';
import { findResource } from '../model/resources.js';
import type { Rng } from '../core/random.js';
import type { AgentIdentity } from './call-request.js';
import type { KubeHttp } from './kube-http.js';
import { LoadRecorder, type CallStats } from './load-recorder.js';
import type { Scheduler } from './scheduler.js';
import {
  counterDelta,
  histogramDelta,
  histogramQuantile,
  nonStreamingDuration,
  type MetricsSnapshot,
} from './apiserver-metrics.js';
import { judgeStep, type StepJudgement, type StepMeasurement, type Thresholds } from './step-verdict.js';
import { VirtualAgent } from './virtual-agent.js';

/** Everything a ramp touches outside itself, injected (tests drive it with a manual clock and fakes). */
export interface RampDeps {
  readonly scheduler: Scheduler;
  readonly rng: Rng;
  readonly http: Pick<KubeHttp, 'send' | 'watch'>;
  /** One scrape of the API server's /metrics; undefined when it did not answer. */
  readonly scrape: () => Promise<MetricsSnapshot | undefined>;
  /** The change's bearer token (its service account's). */
  readonly token: () => string;
  /** Identity of the i-th agent (0-based): a pod name and a real node to stand on. */
  readonly identity: (i: number) => AgentIdentity;
  readonly progress: (line: string) => void;
  /** True once the user asked to stop (Ctrl-C): the ramp ends at the next check. */
  readonly stopRequested: () => boolean;
}

export interface RampOptions {
  readonly steps: readonly number[];
  readonly holdS: number;
  /** Before measuring a step: queues fill and borrowing between levels settles (the server adjusts every 10 s). */
  readonly warmupS: number;
  /** Seconds between /metrics scrapes within a step. */
  readonly sampleEveryS: number;
  readonly calls: readonly ApiCall[];
  /** The APF priority level the change's requests land in (as the server classified them). */
  readonly priorityLevel: string;
  readonly thresholds: Thresholds;
}

/** One step's result: the measurement, the server's view of the level, and the verdict. */
export interface StepResult extends StepMeasurement, StepJudgement {
  readonly requestsPerS: number;
  readonly rejectedRatio: number;
  /** 429s the server gave the change's level in the window (its own count, from every client there). */
  readonly levelRejected: number;
  /** p99 of the level's queue wait in the window. */
  readonly queueWaitP99S: number;
  /** Seats the work estimator charged per request of the level, mean over the window. */
  readonly estimatedSeatsPerRequest: number | null;
  /** API server CPU (cores, mean over the window) and its largest resident size; null when not exported. */
  readonly serverCpuCores: number | null;
  readonly serverRssBytes: number | null;
  /** Per resource listed by the change: objects the server read and returned per LIST in the window. */
  readonly listObjects: Readonly<Record<string, { fetched: number; returned: number; lists: number }>>;
  readonly calls: Readonly<Record<string, CallStats>>;
}

export interface RampResult {
  readonly steps: readonly StepResult[];
  /** Agents of the first step that broke a threshold; null when none did. */
  readonly breakEvenAgents: number | null;
  readonly interrupted: boolean;
}

/** Stats of the agents' calls merged: requests, statuses, bytes; latency quantiles of the busiest call. */
function mergeStats(calls: Readonly<Record<string, CallStats>>): {
  requests: number;
  rejected: number;
  unanswered: number;
  p50S: number;
  p99S: number;
} {
  let requests = 0;
  let rejected = 0;
  let unanswered = 0;
  let p50S = 0;
  let p99S = 0;
  for (const s of Object.values(calls)) {
    requests += s.requests;
    rejected += s.byStatus['429'] ?? 0;
    unanswered += s.byStatus['0'] ?? 0;
    // Quantiles do not add; the worst call's are what the change's owner must live with.
    p50S = Math.max(p50S, s.p50S);
    p99S = Math.max(p99S, s.p99S);
  }
  return { requests, rejected, unanswered, p50S, p99S };
}

/** The resources the change LISTs, keyed as the server's metrics name them (`group/resource`, core: `resource`). */
const listedResources = (calls: readonly ApiCall[]): string[] => [
  ...new Set(
    calls
      .filter((c) => c.verb === 'list')
      .map((c) => {
        const r = findResource(c.resource);
        return r ? (r.group === '' ? r.name : `${r.group}/${r.name}`) : c.resource;
      }),
  ),
];

/** What the server's metrics say about one window: level gauges (averaged over samples) and deltas. */
function serverView(
  first: MetricsSnapshot,
  last: MetricsSnapshot,
  samples: readonly MetricsSnapshot[],
  level: string,
  calls: readonly ApiCall[],
  windowS: number,
): Omit<
  StepResult,
  keyof StepMeasurement | keyof StepJudgement | 'requestsPerS' | 'rejectedRatio' | 'calls'
> & {
  serverP99S: number;
  seatsInUse: number;
  seatsLimit: number;
  seatUtilization: number | null;
} {
  const mean = (f: (s: MetricsSnapshot) => number): number =>
    samples.length === 0 ? 0 : samples.reduce((a, s) => a + f(s), 0) / samples.length;
  const u0 = first.seatUtilization.get(level);
  const u1 = last.seatUtilization.get(level);
  const du = u0 && u1 && u1.count > u0.count ? (u1.sum - u0.sum) / (u1.count - u0.count) : null;
  const e0 = first.estimatedSeats.get(level);
  const e1 = last.estimatedSeats.get(level);
  const de =
    e1 && e1.count - (e0?.count ?? 0) > 0 ? (e1.sum - (e0?.sum ?? 0)) / (e1.count - (e0?.count ?? 0)) : null;
  const listObjects: Record<string, { fetched: number; returned: number; lists: number }> = {};
  for (const r of listedResources(calls)) {
    // Cache-served and etcd-served LISTs are counted apart; a call's LISTs are in one or the other.
    const key = r;
    // A LIST served from the watch cache is counted by the cache and again by the storage layer (1.36), so
    // the cache's counts are used when it served any; else the storage layer's (etcd: objects evaluated).
    const cacheA = first.cacheLists.get(key);
    const cacheB = last.cacheLists.get(key);
    const fromCache = counterDelta(cacheA?.lists, cacheB?.lists) > 0;
    const a = fromCache ? cacheA : first.storageLists.get(key);
    const b = fromCache ? cacheB : last.storageLists.get(key);
    const lists = counterDelta(a?.lists, b?.lists);
    const fetched = counterDelta(a?.fetched, b?.fetched);
    const returned = counterDelta(a?.returned, b?.returned);
    listObjects[r] = {
      lists,
      fetched: lists > 0 ? fetched / lists : 0,
      returned: lists > 0 ? returned / lists : 0,
    };
  }
  const wait = histogramDelta(first.queueWait.get(level), last.queueWait.get(level));
  const rss = samples.map((s) => s.residentBytes).filter((x): x is number => x !== null);
  return {
    serverCpuCores:
      first.cpuSeconds !== null &&
      last.cpuSeconds !== null &&
      windowS > 0 &&
      last.cpuSeconds >= first.cpuSeconds
        ? (last.cpuSeconds - first.cpuSeconds) / windowS
        : null,
    serverRssBytes: rss.length > 0 ? Math.max(...rss) : null,
    serverP99S: histogramQuantile(
      histogramDelta(nonStreamingDuration(first), nonStreamingDuration(last)),
      0.99,
    ),
    seatsInUse: mean((s) => s.levels.get(level)?.executingSeats ?? 0),
    seatsLimit: mean((s) => s.levels.get(level)?.currentLimitSeats ?? 0),
    seatUtilization: du,
    levelRejected: counterDelta(first.rejected.get(level), last.rejected.get(level)),
    queueWaitP99S: histogramQuantile(wait, 0.99),
    estimatedSeatsPerRequest: de,
    listObjects,
  };
}

/**
 * Ramps virtual agents of a change step by step (each step adds agents to those already running), holds
 * each step, and judges it from what the agents saw and what the API server's own metrics say. Stops at
 * the first step that breaks a threshold, when the cluster stops answering, or when asked to; every agent
 * is stopped before it returns, whatever happens.
 */
export async function runRamp(deps: RampDeps, o: RampOptions): Promise<RampResult> {
  const recorder = new LoadRecorder();
  const agents: VirtualAgent[] = [];
  const steps: StepResult[] = [];
  const sleep = (s: number): Promise<void> =>
    new Promise((resolve) => {
      deps.scheduler.after(s * 1000, resolve);
    });
  // Sleeps in short slices so that Ctrl-C ends a long hold promptly.
  const wait = async (s: number): Promise<boolean> => {
    let left = s;
    while (left > 0) {
      if (deps.stopRequested()) return false;
      const slice = Math.min(left, 1);
      await sleep(slice);
      left -= slice;
    }
    return !deps.stopRequested();
  };
  let interrupted = false;
  let breakEven: number | null = null;
  try {
    for (const target of o.steps) {
      while (agents.length < target) {
        const agent = new VirtualAgent({
          identity: deps.identity(agents.length),
          calls: o.calls,
          token: deps.token,
          http: deps.http,
          scheduler: deps.scheduler,
          rng: deps.rng.fork(`agent-${agents.length}`),
          recorder,
          dryRunWrites: true,
        });
        agents.push(agent);
        agent.start();
      }
      deps.progress(`${target} agents: warming up ${o.warmupS} s, then measuring ${o.holdS} s`);
      if (!(await wait(o.warmupS))) {
        interrupted = true;
        break;
      }
      recorder.reset();
      const started = deps.scheduler.nowMs();
      let scrapes = 0;
      let failedScrapes = 0;
      const samples: MetricsSnapshot[] = [];
      const take = async (): Promise<void> => {
        scrapes++;
        const s = await deps.scrape();
        if (s) samples.push(s);
        else failedScrapes++;
      };
      await take();
      let stopped = false;
      for (;;) {
        const elapsed = (deps.scheduler.nowMs() - started) / 1000;
        const left = o.holdS - elapsed;
        if (left <= 0.05) break;
        if (!(await wait(Math.min(o.sampleEveryS, left)))) {
          stopped = true;
          break;
        }
        await take();
      }
      if (stopped) {
        interrupted = true;
        break;
      }
      const windowS = (deps.scheduler.nowMs() - started) / 1000;
      const calls = recorder.snapshot();
      const a = mergeStats(calls);
      const first = samples[0];
      const last = samples.at(-1);
      const server =
        first && last && samples.length >= 2
          ? serverView(first, last, samples, o.priorityLevel, o.calls, windowS)
          : {
              serverP99S: 0,
              seatsInUse: 0,
              seatsLimit: 0,
              seatUtilization: null,
              levelRejected: 0,
              queueWaitP99S: 0,
              estimatedSeatsPerRequest: null,
              serverCpuCores: null,
              serverRssBytes: null,
              listObjects: {},
            };
      // Too few scrapes to compare counts as a failed scrape: the window had no server view.
      const measurement: StepMeasurement = {
        agents: target,
        windowS,
        requests: a.requests,
        rejected: a.rejected,
        unanswered: a.unanswered,
        p50S: a.p50S,
        p99S: a.p99S,
        serverP99S: server.serverP99S,
        seatsInUse: server.seatsInUse,
        seatsLimit: server.seatsLimit,
        seatUtilization: server.seatUtilization,
        failedScrapes: samples.length >= 2 ? failedScrapes : Math.max(failedScrapes, 1),
        scrapes,
      };
      const judged = judgeStep(measurement, o.thresholds);
      const result: StepResult = {
        ...measurement,
        ...server,
        ...judged,
        requestsPerS: windowS > 0 ? a.requests / windowS : 0,
        rejectedRatio: a.requests > 0 ? a.rejected / a.requests : 0,
        calls,
      };
      steps.push(result);
      deps.progress(
        `${target} agents: ${result.requestsPerS.toFixed(1)} req/s, p99 ${result.p99S.toFixed(2)} s, 429 ${(result.rejectedRatio * 100).toFixed(1)}%, seats ${result.seatsInUse.toFixed(1)}/${result.seatsLimit.toFixed(1)}: ${judged.verdict}${judged.reasons.length > 0 ? ` (${judged.reasons.join('; ')})` : ''}`,
      );
      if (judged.verdict !== 'ok') {
        breakEven = target;
        break;
      }
    }
  } finally {
    for (const agent of agents) agent.stop();
  }
  return { steps, breakEvenAgents: breakEven, interrupted };
}
