import { badInput } from '../core/errors.js';
import type { Rng } from '../core/random.js';
import { loadManifests } from '../config/manifests.js';
import type { ChangeSpec } from '../model/api-profile.js';
import type { AgentIdentity } from './call-request.js';
import { KubeHttp } from './kube-http.js';
import type { ClusterCredentials } from './kubeconfig.js';
import {
  checkReachable,
  classifyChange,
  levelDrained,
  measureCall,
  nodeNames,
  poolMeasurements,
  prepareIdentity,
  readLiveCluster,
  scrapeMetrics,
} from './live-cluster.js';
import { predictBreakEven, speedFactorFor, type LiveCluster, type Prediction } from './prediction.js';
import { defaultApiServerCalibration } from '../cost/calibration.js';
import type { MeasuredCall } from './live-cluster.js';
import { runRamp, type RampResult } from './ramp.js';
import type { Scheduler } from './scheduler.js';
import type { Thresholds } from './step-verdict.js';

/** Clusters above this size are loaded only after a yes on a terminal (or --yes). */
export const confirmAboveNodes = 100;

/**
 * The change a profile file describes: an ApiProfile, or a workload manifest carrying the
 * `rampart.dev/api-profile` annotation. Exactly one such workload must be in the file.
 */
export function changeFromFile(file: string): ChangeSpec {
  const set = loadManifests([file]);
  const candidates: ChangeSpec[] = [
    ...set.profiles.map((p) => ({
      name: p.target.name,
      kind: p.target.kind,
      namespace: p.target.namespace,
      serviceAccount: p.target.serviceAccount ?? p.target.name,
      replicas: p.target.replicas ?? 1,
      calls: p.calls,
    })),
    ...set.workloads.flatMap((w) =>
      w.annotationCalls
        ? [
            {
              name: w.name,
              kind: w.kind,
              namespace: w.namespace,
              serviceAccount: w.serviceAccount,
              replicas: w.replicas,
              calls: w.annotationCalls,
            },
          ]
        : [],
    ),
  ];
  const first = candidates[0];
  if (!first)
    throw badInput(`${file}: no ApiProfile and no workload with the rampart.dev/api-profile annotation`);
  if (candidates.length > 1)
    throw badInput(
      `${file}: ${candidates.length} workloads with a profile (${candidates.map((c) => c.name).join(', ')}); give a file with one`,
    );
  return first;
}

export interface LoadtestOptions {
  readonly change: ChangeSpec;
  readonly steps: readonly number[];
  readonly holdS: number;
  readonly thresholds: Thresholds;
}

export interface LoadtestHooks {
  readonly scheduler: Scheduler;
  readonly rng: Rng;
  readonly progress: (line: string) => void;
  /** Asked before loading a cluster above {@link confirmAboveNodes} nodes; false stops before any load. */
  readonly confirm: (cluster: LiveCluster) => Promise<boolean>;
  readonly stopRequested: () => boolean;
  /** Called once the agents' identity exists, with its clean-up (a Ctrl-C handler may need to run it). */
  readonly onCleanup?: (cleanup: () => Promise<void>) => void;
}

export interface LoadtestRun {
  readonly context: string;
  readonly server: string;
  readonly cluster: LiveCluster;
  /** The level the server put the change's requests in. */
  readonly priorityLevel: string;
  readonly prediction: Prediction;
  /**
   * The same model with its request times scaled to this server's measured speed for the change's
   * dominant call (null when it could not be measured): separates "the hardware is slower than the
   * model's reference" from "the model's APF and queueing are wrong".
   */
  readonly calibrated: Prediction | null;
  /** The dominant call as measured alone before the ramp. */
  readonly measuredCall: MeasuredCall | null;
  readonly ramp: RampResult;
  /** False when the user declined at the prompt (nothing was loaded). */
  readonly confirmed: boolean;
}

/** Warm-up before a step is measured: long enough for APF to rebalance borrowing (every 10 s) and queues to fill. */
export function warmupFor(holdS: number): number {
  return Math.min(15, Math.max(2, holdS / 2));
}

/**
 * rampart loadtest end to end: checks the cluster answers, reads its size, gives the change's service
 * account its rights and a token, finds its priority level, predicts the break-even with analyze's cost
 * model, ramps the agents, and takes the identity away again (always, also after a failure).
 */
export async function runLoadtest(
  creds: ClusterCredentials,
  o: LoadtestOptions,
  hooks: LoadtestHooks,
): Promise<LoadtestRun> {
  const maxAgents = o.steps.at(-1) ?? 1;
  const http = new KubeHttp(
    {
      server: creds.server,
      ...(creds.caPem !== undefined ? { caPem: creds.caPem } : {}),
      insecureSkipTlsVerify: creds.insecureSkipTlsVerify,
      ...(creds.clientCertPem !== undefined && creds.clientKeyPem !== undefined
        ? { clientCertPem: creds.clientCertPem, clientKeyPem: creds.clientKeyPem }
        : {}),
    },
    // Every agent's request gets a connection: the agents, not the client, decide the concurrency.
    { scheduler: hooks.scheduler, maxSockets: Math.max(16, maxAgents * o.change.calls.length + 8) },
  );
  const admin = creds.token ?? '';
  try {
    await checkReachable(http, admin, creds.server);
    const cluster = await readLiveCluster(http, admin, creds.server);
    const prediction = predictBreakEven(o.change, cluster, o.thresholds);
    const base = { context: creds.context, server: creds.server, cluster, prediction };
    if (cluster.nodes > confirmAboveNodes && !(await hooks.confirm(cluster)))
      return {
        ...base,
        priorityLevel: prediction.priorityLevel,
        ramp: { steps: [], breakEvenAgents: null, interrupted: false },
        calibrated: null,
        measuredCall: null,
        confirmed: false,
      };
    const nodes = await nodeNames(http, admin, Math.min(maxAgents, 5_000));
    const identity = (i: number): AgentIdentity => ({
      namespace: o.change.namespace,
      podName: `${o.change.name}-loadtest-${i}`.slice(0, 63),
      nodeName: nodes.length > 0 ? nodes[i % nodes.length]! : `node-${i}`,
      workloadName: o.change.name,
      workloadPath: o.change.kind === 'DaemonSet' ? 'apis/apps/v1/daemonsets' : 'apis/apps/v1/deployments',
    });
    const warmupS = warmupFor(o.holdS);
    const plannedS = o.steps.length * (o.holdS + warmupS);
    const who = await prepareIdentity(http, admin, o.change, plannedS * 2 + 600);
    hooks.onCleanup?.(() => who.cleanup());
    try {
      const first = o.change.calls[0];
      const priorityLevel = first
        ? await classifyChange(http, admin, who.token, first, identity(0))
        : prediction.priorityLevel;
      const dominant = o.change.calls[prediction.dominantCall];
      const measuredBefore = dominant ? await measureCall(http, who.token, dominant, identity(0)) : null;
      hooks.progress(
        `cluster ${creds.context}: ${cluster.nodes} nodes, ${cluster.pods} pods, ${cluster.apiServers} API server(s), ${cluster.serverSeats} seats; ${o.change.namespace}/${o.change.serviceAccount} lands in ${priorityLevel}`,
      );
      const ramp = await runRamp(
        {
          scheduler: hooks.scheduler,
          rng: hooks.rng,
          http,
          scrape: () => scrapeMetrics(http, admin),
          token: () => who.token,
          identity,
          progress: hooks.progress,
          stopRequested: hooks.stopRequested,
        },
        {
          steps: o.steps,
          holdS: o.holdS,
          warmupS,
          sampleEveryS: Math.min(5, Math.max(1, o.holdS / 4)),
          calls: o.change.calls,
          priorityLevel,
          thresholds: o.thresholds,
        },
      );
      // The call is timed again once the ramp's queues have drained, and both times pooled; a cluster
      // that stopped answering has no speed to add (and would be polled for nothing).
      const measuredAfter =
        dominant &&
        measuredBefore &&
        !ramp.interrupted &&
        ramp.steps.at(-1)?.verdict !== 'unreachable' &&
        (await levelDrained(http, admin, priorityLevel, hooks))
          ? await measureCall(http, who.token, dominant, identity(0))
          : null;
      const measuredCall = poolMeasurements(measuredBefore, measuredAfter);
      const modelS = prediction.calls[prediction.dominantCall]?.serviceS ?? 0;
      const calibrated =
        measuredCall && modelS > 0
          ? predictBreakEven(
              o.change,
              cluster,
              o.thresholds,
              speedFactorFor(modelS, measuredCall.medianS, defaultApiServerCalibration.baseRequestS),
            )
          : null;
      return { ...base, priorityLevel, ramp, calibrated, measuredCall, confirmed: true };
    } finally {
      await who.cleanup();
    }
  } finally {
    http.close();
  }
}
