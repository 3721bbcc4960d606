import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { runCliInProcess, tempDir, writeTemp } from './support/index.js';

// Issue 17 §3 in `rampart analyze`: a LIST's limit, protobuf and WatchList costed as the server serves
// them (reference §2.3), and the note on what a limit does.

const dir = tempDir('rampart-analyze-paging-');
const fleet = writeTemp(
  dir,
  'fleet.yaml',
  `apiVersion: rampart.dev/v1alpha1
kind: Fleet
metadata: {name: f}
spec:
  clusters:
    - {name: big, nodes: 5000, podsPerNode: 30, apiServers: 3}
`,
);

interface ClusterRow {
  readonly memoryUtilization: number;
  readonly listResponseBytes: number;
  readonly listPages: number;
  readonly etcdUtilization: number;
  readonly phaseUtilization: { readonly rolloutBurst: number };
  readonly bindingResource: string;
}
interface Workload {
  readonly notes: readonly string[];
  readonly maxSafeNodes: number | null;
  readonly clusters: readonly ClusterRow[];
}

async function analyze(name: string, call: string): Promise<Workload> {
  const profile = writeTemp(
    dir,
    `${name}.yaml`,
    `apiVersion: rampart.dev/v1alpha1
kind: ApiProfile
metadata: {name: ${name}}
spec:
  target: {kind: DaemonSet, namespace: monitoring, name: ${name}, serviceAccount: agent}
  calls:
    - ${call}
`,
  );
  const run = await runCliInProcess([
    'analyze',
    '--profile',
    profile,
    '--fleet',
    fleet,
    '--fail-on',
    'never',
    '--format',
    'json',
  ]);
  assert.equal(run.code, 0, run.stderr);
  const report = JSON.parse(run.stdout) as { workloads: Workload[] };
  const w = report.workloads[0];
  assert.ok(w);
  return w;
}

void describe('analyze: limit, protobuf, WatchList', () => {
  void it('a limit pages a consistent LIST from etcd: one page of heap, 300 pages, etcd busy, and a note', async () => {
    const list = '{verb: list, resource: pods, scope: cluster, everySeconds: 300';
    const whole = await analyze('whole', `${list}}`);
    const paged = await analyze('paged', `${list}, limit: 500}`);
    const w = whole.clusters[0];
    const p = paged.clusters[0];
    assert.ok(w && p);
    assert.equal(w.listPages, 1);
    assert.equal(p.listPages, 300); // 150,000 pods / 500
    assert.equal(p.listResponseBytes, w.listResponseBytes, 'LIST size is the whole LIST');
    assert.ok(
      p.memoryUtilization < w.memoryUtilization / 10,
      `${p.memoryUtilization} vs ${w.memoryUtilization}`,
    );
    assert.equal(w.etcdUtilization < 0.01, true, 'the watch cache serves the unpaged LIST');
    assert.ok(p.etcdUtilization > 1, `paged: etcd at ${p.etcdUtilization}`);
    assert.ok(paged.notes.some((n) => n.startsWith('limit=500 pages the LIST') && n.includes('etcd')));
    assert.ok(!whole.notes.some((n) => n.includes('limit=')));
  });

  void it('with resourceVersion=0 the limit is ignored, and the note says so', async () => {
    const list = '{verb: list, resource: pods, scope: cluster, everySeconds: 300, resourceVersion: "0"';
    const whole = await analyze('rv0', `${list}}`);
    const paged = await analyze('rv0-limit', `${list}, limit: 500}`);
    assert.deepEqual(paged.clusters, whole.clusters);
    assert.ok(paged.notes.some((n) => n.startsWith('limit=500 with resourceVersion=0 bounds nothing')));
  });

  void it('protobuf responses are smaller, so the agent fits a larger cluster', async () => {
    const list = '{verb: list, resource: pods, scope: cluster, everySeconds: 300, resourceVersion: "0"';
    const json = await analyze('json', `${list}}`);
    const pb = await analyze('pb', `${list}, contentType: protobuf}`);
    assert.ok((pb.clusters[0]?.listResponseBytes ?? 0) < (json.clusters[0]?.listResponseBytes ?? 0) / 2);
    assert.ok((pb.maxSafeNodes ?? 0) > (json.maxSafeNodes ?? 0));
  });

  void it("WatchList streams the informer's initial state: its start-up burst no longer runs out of memory", async () => {
    const informer = await analyze('informer', '{verb: watch, resource: pods, scope: cluster}');
    const streamed = await analyze(
      'watchlist',
      '{verb: watch, resource: pods, scope: cluster, sendInitialEvents: true}',
    );
    assert.ok((streamed.maxSafeNodes ?? 0) > (informer.maxSafeNodes ?? 0));
    assert.ok(
      (streamed.clusters[0]?.phaseUtilization.rolloutBurst ?? 0) <
        (informer.clusters[0]?.phaseUtilization.rolloutBurst ?? 0),
    );
  });
});
