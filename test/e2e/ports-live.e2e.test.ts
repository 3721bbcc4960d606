import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { systemClock } from '../../src/core/clock.js';
import { loadChangeManifests } from '../../src/adapters/kube/change-manifests.js';
import { KubeClusterClient } from '../../src/adapters/kube/cluster-client.js';
import { connectFleet, KubeFleetSupplier } from '../../src/adapters/kube/fleet.js';
import type { PreviousObjects } from '../../src/adapters/fs/run-files.js';
import { changeFlowSchemaName } from '../../src/adapters/change-flow.js';
import { ApiserverScrapeSource } from '../../src/adapters/prom/apiserver-scrape.js';
import { LiveMetricsSource } from '../../src/adapters/prom/live-metrics.js';
import { PrometheusMetricsSource } from '../../src/adapters/prom/prometheus.js';
import type { MetricsSource } from '../../src/rollout/ports.js';
import {
  clusterClientContract,
  fleetSupplierContract,
  metricsSourceContract,
  type ClusterClientWorld,
  type MetricsWorld,
} from '../../src/rollout/ports.contract.js';
import { ensureBuilt } from '../../testbed/launcher/build.js';
import { ensurePrometheus, TestPrometheus } from '../support/prometheus.js';
import { grafanaDashboard } from '../../src/report/grafana.js';
import { kubectl, launcher, telemetryAgentManifest, testbedSkipReason } from '../support/testbed.js';

// The shared port contracts (src/rollout/ports.contract.ts) against the Kubernetes and Prometheus
// adapters on one 20-node testbed with a real Prometheus scraping it.
const required = process.env['CI'] === 'true' || process.env['RAMPART_REQUIRE_TESTBED'] === '1';
const testbedSkip = testbedSkipReason();
const promSkip = testbedSkip ? null : ensurePrometheus();
if (promSkip && required) throw new Error(promSkip);
const skip = testbedSkip || promSkip;
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const name = `ports-${process.pid}`;
const labelKey = 'rampart.dev/contract-step';

interface Bed {
  kubeconfig: string;
  oncall: string;
  admin: string;
  dir: string;
  fleetPath: string;
  changePath: string;
  prom: TestPrometheus;
}
let bed: Promise<Bed> | undefined;

/** One testbed and Prometheus for every contract case, brought up on first use. */
function testbed(): Promise<Bed> {
  bed ??= (async () => {
    await ensureBuilt((line) => process.stderr.write(`testbed: ${line}\n`));
    const up = JSON.parse(
      await launcher(['up', name, '--nodes', '20', '--pods-per-node', '5'], 15 * 60_000),
    ) as { kubeconfig: string; contexts: { admin: string; oncall: string } };
    const dir = mkdtempSync(join(tmpdir(), 'rampart-ports-'));
    const prom = await TestPrometheus.create(join(dir, 'prometheus'), [
      { name: 'tb', kubeconfig: up.kubeconfig, context: up.contexts.admin },
    ]);
    const fleetPath = join(dir, 'fleet.yaml');
    writeFileSync(
      fleetPath,
      `apiVersion: rampart.dev/v1alpha1\nkind: Fleet\nspec:\n  clusters:\n    - {name: tb, context: ${up.contexts.oncall}, kubeconfig: ${up.kubeconfig}, prometheus: {url: "${prom.url}", selector: 'cluster="tb"', rateWindow: 20s, step: 5s}}\n`,
    );
    const changePath = join(dir, 'change.yaml');
    writeFileSync(
      changePath,
      `apiVersion: v1\nkind: Namespace\nmetadata: {name: contract}\n---\napiVersion: apps/v1\nkind: DaemonSet\nmetadata: {name: contract-ds, namespace: contract}\nspec:\n  selector: {matchLabels: {app: contract-ds}}\n  template:\n    metadata: {labels: {app: contract-ds}}\n    spec:\n      tolerations: [{key: kwok.x-k8s.io/node, operator: Exists, effect: NoSchedule}]\n      containers: [{name: c, image: registry.example.com/contract:1}]\n`,
    );
    return {
      kubeconfig: up.kubeconfig,
      oncall: up.contexts.oncall,
      admin: up.contexts.admin,
      dir,
      fleetPath,
      changePath,
      prom,
    };
  })();
  return bed;
}

after(async () => {
  if (!bed) return;
  const b = await bed.catch(() => null);
  await b?.prom.stop();
  await launcher(['down', name], 180_000).catch((err: unknown) => process.stderr.write(`${String(err)}\n`));
  if (b) rmSync(b.dir, { recursive: true, force: true });
});

async function adapters(b: Bed) {
  const { loadLiveFleet } = await import('../../src/config/fleet.js');
  const fleet = loadLiveFleet(b.fleetPath);
  const connections = connectFleet(fleet, { fleetPath: b.fleetPath, clock: systemClock });
  const change = loadChangeManifests([b.changePath]);
  let previous: PreviousObjects = {};
  const client = new KubeClusterClient({
    connections,
    change,
    previous: { read: () => previous, write: (v) => (previous = v) },
    nodeLabelKey: labelKey,
    policyFences: true,
  });
  return { fleet, connections, change, client };
}

async function clean(b: Bed): Promise<void> {
  await kubectl(b.kubeconfig, b.admin, [
    'delete',
    'daemonset',
    '-n',
    'contract',
    'contract-ds',
    '--ignore-not-found',
    '--wait=true',
  ]);
  await kubectl(b.kubeconfig, b.admin, ['label', 'nodes', '--all', `${labelKey}-`]);
}

const clock = { settleS: 120, pollS: 3, advance: (s: number) => sleep(s * 1000) };

async function clusterWorld(): Promise<ClusterClientWorld> {
  const b = await testbed();
  await clean(b);
  const { client, change } = await adapters(b);
  return {
    ...clock,
    client,
    cluster: 'tb',
    nodes: 20,
    change: change.ref,
    breakGlassInstalled: true,
    fenceModelled: true,
    close: () => clean(b),
  };
}

async function metricsWorld(source: 'prometheus' | 'apiserver'): Promise<MetricsWorld> {
  const b = await testbed();
  await clean(b);
  const { client, change, fleet } = await adapters(b);
  const c = fleet.spec.clusters[0];
  let inner: MetricsSource;
  if (source === 'prometheus' && c?.prometheus)
    inner = new PrometheusMetricsSource(new Map([['tb', c.prometheus]]), client, change.ref.name);
  else {
    const { connections } = await adapters(b);
    inner = new ApiserverScrapeSource(
      new Set(['tb']),
      {
        scrape: (cl) => connections.get(cl)?.scrapeMetrics() ?? Promise.reject(new Error('no cluster')),
      },
      client,
      changeFlowSchemaName(change.ref),
      () => Date.now(),
      2_000,
    );
  }
  const metrics = new LiveMetricsSource(new Map([['tb', inner]]), (cl) =>
    client.rolloutProgress(cl, change.ref),
  );
  return {
    ...clock,
    // A gate window of history: the 20 s rate window and a 5 s step (a sampled signal then polls as long
    // again); the testbed and Prometheus run from the first case on.
    settleS: 30,
    metrics,
    cluster: 'tb',
    change: change.ref,
    nowMs: () => Date.now(),
    served: [
      'apf_seat_utilization',
      'apf_queue_length',
      'apiserver_429_per_s',
      'apiserver_timeouts_per_s',
      'apiserver_p99_latency_s',
    ],
    applyChange: () => client.apply({ cluster: 'tb', change: change.ref, nodeShare: 1 }),
    changeServed: ['change_ready_ratio', 'change_seat_demand'],
    close: () => clean(b),
  };
}

if (skip) {
  describe('port contracts against the Kubernetes and Prometheus adapters', () => {
    it('skipped', { skip }, () => undefined);
  });
} else {
  clusterClientContract('Kubernetes (@kubernetes/client-node) on a 20-node testbed', clusterWorld);
  metricsSourceContract('Prometheus on a 20-node testbed', () => metricsWorld('prometheus'));
  metricsSourceContract('API server /metrics scrapes on a 20-node testbed', () => metricsWorld('apiserver'));
  fleetSupplierContract('Kubernetes fleet file (node counts read from the cluster)', async () => {
    const b = await testbed();
    const { loadLiveFleet } = await import('../../src/config/fleet.js');
    const fleet = loadLiveFleet(b.fleetPath);
    const connections = connectFleet(fleet, { fleetPath: b.fleetPath, clock: systemClock });
    return {
      fleet: new KubeFleetSupplier(fleet, connections),
      clusters: [{ name: 'tb', nodes: 20 }],
      order: ['tb'],
    };
  });
  describe('the Grafana dashboard against a real Prometheus (issue 14)', () => {
    it('answers every panel query without an error, with series for every signal the API server exports', async (t) => {
      const b = await testbed();
      // Traffic in a change's own flow, so that the others-only queries have a flow to leave out and the
      // change's seat panel has series: the telemetry agent (virtual agents on every node) in its FlowSchema.
      const change = 'telemetry-agent';
      const manifest = `${telemetryAgentManifest({ everySeconds: 2 })}---
apiVersion: flowcontrol.apiserver.k8s.io/v1
kind: FlowSchema
metadata: {name: rampart-change-${change}}
spec:
  priorityLevelConfiguration: {name: workload-low}
  matchingPrecedence: 900
  distinguisherMethod: {type: ByUser}
  rules:
    - subjects: [{kind: ServiceAccount, serviceAccount: {name: telemetry-agent, namespace: telemetry}}]
      resourceRules: [{verbs: ['*'], apiGroups: ['*'], resources: ['*'], clusterScope: true, namespaces: ['*']}]
`;
      const applied = await kubectl(b.kubeconfig, b.admin, ['apply', '-f', '-'], manifest);
      assert.equal(applied.code, 0, applied.stderr);
      t.after(async () => {
        await kubectl(
          b.kubeconfig,
          b.admin,
          ['delete', '-f', '-', '--ignore-not-found', '--wait=false'],
          manifest,
        );
      });
      const flowSeen = `sum(apiserver_flowcontrol_dispatched_requests_total{flow_schema="rampart-change-${change}"})`;
      const deadline = Date.now() + 180_000;
      while ((await b.prom.value(flowSeen)) === null) {
        assert.ok(Date.now() < deadline, "the change's flow never reached Prometheus");
        await sleep(2_000);
      }
      // A minute of scrapes: every rate over Grafana's interval has two samples or more.
      await sleep(60_000);
      const dashboard = grafanaDashboard({ datasource: 'prometheus' }) as {
        panels: { title: string; targets: { expr: string }[] }[];
      };
      // Signals read from the API server's own metrics; the others need CoreDNS, kube-state-metrics or the
      // workload's own exporter, which a testbed does not run: Prometheus must still accept their queries.
      const fromApiserver = /^(apiserver_|apf_|etcd_|change_seat_demand)/;
      for (const panel of dashboard.panels)
        for (const target of panel.targets) {
          const expr = target.expr
            .replaceAll('$__rate_interval', '1m')
            .replaceAll('${change}', change)
            .replaceAll('${workload}', 'checkout');
          const res = await fetch(`${b.prom.url}/api/v1/query?query=${encodeURIComponent(expr)}`);
          const body = (await res.json()) as {
            status: string;
            error?: string;
            data?: { result?: { value: [number, string] }[] };
          };
          assert.equal(body.status, 'success', `${panel.title}: ${body.error ?? res.status}\n${expr}`);
          const values = (body.data?.result ?? []).map((r) => Number(r.value[1]));
          t.diagnostic(`${panel.title}: ${values.length} series ${values.slice(0, 3).join(', ')}`);
          if (fromApiserver.test(panel.title)) {
            assert.ok(values.length > 0, `${panel.title}: no series\n${expr}`);
            assert.ok(
              values.some(Number.isFinite),
              `${panel.title}: no finite value (${values.join(', ')})\n${expr}`,
            );
          }
        }
    });
  });
}
