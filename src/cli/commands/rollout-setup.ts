import type { Clock } from '../../core/clock.js';
import { badInput } from '../../core/errors.js';
import { loadLiveFleet, type LiveFleetFile, type PrometheusSource } from '../../config/fleet.js';
import { loadPolicyRef } from '../../config/policy-loader.js';
import type { RolloutPolicyFile } from '../../config/policy-schema.js';
import { loadChangeManifests, type ChangeManifests } from '../../adapters/kube/change-manifests.js';
import { KubeClusterClient } from '../../adapters/kube/cluster-client.js';
import { connectFleet, KubeFleetSupplier } from '../../adapters/kube/fleet.js';
import type { KubeConnection } from '../../adapters/kube/connection.js';
import { runFiles, type RunFiles, type RunInputs } from '../../adapters/fs/run-files.js';
import { changeFlowSchemaName } from '../../adapters/change-flow.js';
import { ApiserverScrapeSource } from '../../adapters/prom/apiserver-scrape.js';
import { LiveMetricsSource } from '../../adapters/prom/live-metrics.js';
import { PrometheusMetricsSource } from '../../adapters/prom/prometheus.js';
import type { MetricsSource } from '../../rollout/ports.js';

/** Everything a live rollout runs with, built from the run's inputs (no request made yet). */
export interface LiveSetup {
  readonly inputs: RunInputs;
  readonly fleetFile: LiveFleetFile;
  readonly policy: RolloutPolicyFile;
  readonly change: ChangeManifests;
  readonly connections: Map<string, KubeConnection>;
  readonly fleet: KubeFleetSupplier;
  readonly client: KubeClusterClient;
  readonly metrics: MetricsSource;
  readonly prometheus: PrometheusMetricsSource;
  /** How each cluster's signals are read. */
  readonly sources: ReadonlyMap<string, 'prometheus' | 'apiserver'>;
  readonly files: RunFiles;
}

/** Builds the adapters for a run; every problem with the inputs is a one-line bad-input error. */
export function liveSetup(inputs: RunInputs, statePath: string, clock: Clock): LiveSetup {
  const fleetFile = loadLiveFleet(inputs.fleet);
  const policy = loadPolicyRef(inputs.policy);
  const change = loadChangeManifests(inputs.change);
  const connections = connectFleet(fleetFile, {
    fleetPath: inputs.fleet,
    kubeconfig: inputs.kubeconfig,
    clock,
  });
  const files = runFiles(statePath);
  const client = new KubeClusterClient({
    connections,
    change,
    previous: { read: () => files.readPrevious(), write: (v) => files.writePrevious(v) },
    nodeLabelKey: policy.spec.nodeSteps?.nodeLabel ?? 'rampart.dev/rollout-canary',
    policyFences: policy.spec.fence !== undefined,
  });
  const proms = new Map<string, PrometheusSource>();
  const scraped = new Set<string>();
  const sources = new Map<string, 'prometheus' | 'apiserver'>();
  fleetFile.spec.clusters.forEach((c, i) => {
    const mode = inputs.metrics ?? c.metrics ?? (c.prometheus ? 'prometheus' : undefined);
    if (mode === 'prometheus') {
      if (!c.prometheus)
        throw badInput(
          `${inputs.fleet}: spec.clusters[${i}] (${c.name}): metrics: prometheus needs prometheus: {url, selector}`,
        );
      proms.set(c.name, c.prometheus);
    } else if (mode === 'apiserver') scraped.add(c.name);
    else
      throw badInput(
        `${inputs.fleet}: spec.clusters[${i}] (${c.name}): say how to read its signals: prometheus: {url, selector} or metrics: apiserver`,
      );
    sources.set(c.name, mode);
  });
  const prometheus = new PrometheusMetricsSource(proms, client, change.ref.name);
  const scrape = new ApiserverScrapeSource(
    scraped,
    {
      scrape: (cluster) => {
        const conn = connections.get(cluster);
        return conn ? conn.scrapeMetrics() : Promise.reject(new Error(`no cluster ${cluster}`));
      },
    },
    client,
    changeFlowSchemaName(change.ref),
    () => clock.nowMs(),
  );
  const byCluster = new Map<string, MetricsSource>();
  for (const name of proms.keys()) byCluster.set(name, prometheus);
  for (const name of scraped) byCluster.set(name, scrape);
  const metrics = new LiveMetricsSource(byCluster, (cluster) => client.rolloutProgress(cluster, change.ref));
  return {
    inputs,
    fleetFile,
    policy,
    change,
    connections,
    fleet: new KubeFleetSupplier(fleetFile, connections),
    client,
    metrics,
    prometheus,
    sources,
    files,
  };
}
