import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import type { SimResult } from '../src/sim/result.js';
import { runCliInProcess, tempDir, writeTemp } from './support/index.js';

// Issue 17 §3 end to end through `rampart simulate --json`: a LIST's limit (pages from etcd, one page's
// heap), etcd's write latency under read load and the nodes it makes NotReady, a change with no calls.

const dir = tempDir('rampart-paging-');

function scenario(
  name: string,
  opts: { call: string; apiServer?: string; replicas?: number; apiServers?: number },
): string {
  return writeTemp(
    dir,
    `${name}.yaml`,
    `apiVersion: rampart.dev/v1alpha1
kind: Scenario
metadata: {name: ${name}}
spec:
  duration: 20m
  clusterDefaults:
    apiServer: {${opts.apiServer ?? ''}}
  fleet:
    clusters:
      - {name: c5000, nodes: 5000, podsPerNode: 30, apiServers: ${opts.apiServers ?? 3}}
  change:
    name: agent
    kind: ${opts.replicas ? `Deployment\n    replicas: ${opts.replicas}` : 'DaemonSet'}
    namespace: monitoring
    serviceAccount: agent
    calls:${opts.call ? `\n      - ${opts.call}` : ' []'}
  rollout: {start: 2m, span: 1m}
`,
  );
}

async function simulate(file: string): Promise<SimResult> {
  const out = join(dir, `${file.split('/').pop() ?? 'x'}.json`);
  const run = await runCliInProcess(['simulate', file, '--json', out]);
  assert.equal(run.code, 0, run.stderr);
  return JSON.parse(readFileSync(out, 'utf8')) as SimResult;
}

void describe('simulate: paged LISTs and etcd', () => {
  void it('a per-node agent listing every pod: unpaged crash-loops the API servers on memory, pages do not', async () => {
    const list = '{verb: list, resource: pods, scope: cluster, everySeconds: 300';
    const unpaged = (await simulate(scenario('unpaged', { call: `${list}}` }))).clusters[0];
    const paged = (await simulate(scenario('paged', { call: `${list}, limit: 500}` }))).clusters[0];
    assert.ok(unpaged && paged);
    assert.ok(unpaged.oomKills > 0, `unpaged: ${unpaged.oomKills} OOM kills`);
    assert.equal(paged.oomKills, 0, 'a page holds a page of heap');
    assert.ok(paged.peakMemoryUtilization < 0.5, `paged memory ${paged.peakMemoryUtilization}`);
    // Pages are served from etcd: it carries the reads the watch cache served before (the unpaged run's
    // etcd has only writes, the retried ones after each restart included).
    assert.ok(paged.peakEtcdUtilization > 0.5, `paged etcd ${paged.peakEtcdUtilization}`);
    assert.ok(paged.peakEtcdUtilization > 2 * unpaged.peakEtcdUtilization, JSON.stringify([paged, unpaged]));
  });

  void it('without the consistent-read cache, unpaged LISTs from etcd hold writes until nodes go NotReady; pages do not', async () => {
    const apiServer = 'consistentListFromCache: false, memoryGiB: 2048, cores: 256';
    const list = '{verb: list, resource: pods, scope: cluster, everySeconds: 60';
    const unpaged = await simulate(
      scenario('etcd-unpaged', { call: `${list}}`, apiServer, replicas: 400, apiServers: 5 }),
    );
    const paged = await simulate(
      scenario('etcd-paged', { call: `${list}, limit: 500}`, apiServer, replicas: 400, apiServers: 5 }),
    );
    const u = unpaged.clusters[0];
    const p = paged.clusters[0];
    assert.ok(u && p);
    assert.ok(u.peakNodesNotReady > 0, `unpaged: ${u.peakNodesNotReady} NotReady`);
    assert.ok(u.peakEtcdP99LatencyS > 10, `unpaged etcd p99 ${u.peakEtcdP99LatencyS}`);
    const down = unpaged.events.find((e) => e.type === 'nodes.notready');
    assert.ok(down?.detail?.includes('lease renewals failing'), JSON.stringify(down));
    assert.equal(p.peakNodesNotReady, 0);
    assert.ok(p.peakEtcdP99LatencyS < 1, `paged etcd p99 ${p.peakEtcdP99LatencyS}`);
    assert.ok(!paged.events.some((e) => e.type === 'nodes.notready'));
  });

  void it('a change with no API calls rolls out and costs nothing', async () => {
    const r = await simulate(scenario('no-calls', { call: '' }));
    assert.equal(r.fleet.clustersSaturated, 0);
    assert.ok(r.events.some((e) => e.type === 'rollout.completed'));
    assert.equal(r.clusters[0]?.peakNodesNotReady, 0);
  });
});
