import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  analyzeWorkloads,
  ladderTargets,
  resolveWorkloads,
  type WorkloadReport,
} from '../src/analyze/index.js';
import { loadManifests } from '../src/config/manifests.js';
import { loadProfileLibrary } from '../src/config/profile-library.js';

/**
 * The published manifests of widely used agents (test/fixtures/agents, each with its source), analyzed
 * on the default size ladder from their RBAC alone and with the shipped profile library (issue 15 §2).
 */
const fixture = (name: string): string => `test/fixtures/agents/${name}.yaml`;
const library = loadProfileLibrary('profiles');
const ladder = ladderTargets();

function analyze(name: string, withLibrary: boolean): WorkloadReport[] {
  const workloads = resolveWorkloads({
    manifests: loadManifests([fixture(name)]),
    profiles: [],
    audit: null,
    library: withLibrary ? library : [],
  });
  return analyzeWorkloads(workloads, ladder);
}

function only(reports: WorkloadReport[], name: string): WorkloadReport {
  const r = reports.find((x) => x.workload.name === name);
  assert.ok(r, `a workload named ${name}`);
  return r;
}

const atNodes = (r: WorkloadReport, nodes: number): string | undefined =>
  r.clusters.find((c) => c.nodes === nodes)?.verdict;

void describe('agents from RBAC alone: inferred, and saying which assumption decides', () => {
  void it('Fluent Bit: every node assumed to watch all pods; a node field selector would make it LOW', () => {
    const r = only(analyze('fluent-bit', false), 'fluent-bit');
    assert.equal(r.confidence, 'inferred');
    assert.equal(r.workload.source, 'rbac-inferred');
    assert.equal(r.verdict, 'high');
    const a = r.assumption;
    assert.ok(a);
    assert.match(a.text, /assumes every replica watches pods cluster-wide/);
    assert.equal(a.alternative?.call?.scope, 'node');
    assert.match(a.alternative?.condition ?? '', /field selector on its node/);
    assert.equal(a.alternative?.verdict, 'low', 'computed: the node-scoped variant fits the ladder');
    assert.ok((a.alternative?.maxSafeNodes ?? 0) > 10_000);
    // The fix is a condition: the agent may already do it.
    assert.match(r.fix ?? '', /^if it watches pods cluster-wide \(assumed from RBAC\): /);
  });

  void it('kube-proxy: the built-in system:node-proxier is known, so it is not "no calls"', () => {
    const r = only(analyze('kube-proxy', false), 'kube-proxy');
    assert.equal(r.confidence, 'inferred');
    const resources = r.workload.calls.map((c) => `${c.verb} ${c.resource}`);
    assert.ok(resources.includes('watch endpointslices'));
    assert.ok(resources.includes('watch services'));
    assert.ok(resources.includes('create events'));
    assert.match(r.workload.notes[0] ?? '', /system:node-proxier \(built-in\)/);
    // The largest start-up LIST is of all nodes; kube-proxy reads only its own Node.
    assert.match(r.assumption?.text ?? '', /watches nodes cluster-wide/);
    assert.match(r.assumption?.alternative?.condition ?? '', /only its own Node/);
    assert.ok((r.assumption?.alternative?.maxSafeNodes ?? 0) > (r.maxSafeNodes ?? 0));
  });

  void it('calico-node: a cluster-wide informer agent, its custom resources costed and named on one line', () => {
    const r = only(analyze('calico-node', false), 'calico-node');
    assert.equal(r.confidence, 'inferred');
    assert.ok(r.workload.calls.some((c) => c.resource === 'ipamblocks.crd.projectcalico.org'));
    const crNotes = r.workload.notes.filter((n) => n.includes('custom resources'));
    assert.equal(crNotes.length, 1);
    assert.match(crNotes[0] ?? '', /virtualmachineinstancemigrations\.kubevirt\.io assumed 1 per node/);
    const fanOut = r.notes.filter((n) => n.startsWith('O(N²) watch fan-out'));
    assert.equal(fanOut.length, 1, 'a dozen fan-out findings collapse into one line');
    assert.match(r.assumption?.text ?? '', /watches pods cluster-wide/);
  });

  void it('kube-state-metrics: legacy extensions grants read as apps, reviews per scrape', () => {
    const r = only(analyze('kube-state-metrics', false), 'kube-state-metrics');
    const calls = r.workload.calls;
    assert.equal(calls.filter((c) => c.verb === 'watch' && c.resource === 'daemonsets').length, 1);
    assert.ok(
      calls.some((c) => c.verb === 'create' && c.resource === 'tokenreviews' && c.everySeconds === 30),
    );
    assert.equal(r.confidence, 'inferred');
    assert.equal(r.verdict, 'low');
    assert.match(r.assumption?.text ?? '', /^LOW \(O\(N\), fits up to [\d,]+ nodes\) assumes/);
  });
});

void describe('agents with the profile library: declared, and rated by what the profile calls imply', () => {
  void it('Fluent Bit is LOW at every size of the ladder', () => {
    const r = only(analyze('fluent-bit', true), 'fluent-bit');
    assert.equal(r.confidence, 'declared');
    assert.equal(r.workload.source, 'library');
    assert.equal(r.assumption, null);
    assert.equal(r.verdict, 'low');
    assert.match(r.workload.notes[0] ?? '', /library profile fluent-bit \(profiles\/fluent-bit\.yaml:\d+\)/);
  });

  void it('kube-proxy is LOW up to 5,000 nodes; at 7,500 at most MEDIUM, for its relist after a restart', () => {
    const r = only(analyze('kube-proxy', true), 'kube-proxy');
    assert.equal(r.confidence, 'declared');
    for (const n of [10, 50, 100, 500, 1_000, 2_500, 5_000]) assert.equal(atNodes(r, n), 'low', `${n} nodes`);
    const big = r.clusters.find((c) => c.nodes === 7_500);
    assert.notEqual(big?.verdict, 'high');
    if (big?.verdict !== 'low')
      assert.match(big?.reasons.join('; ') ?? '', /relist storm after an API server restarts/);
    assert.ok((r.maxSafeNodes ?? 0) > 10_000);
  });

  void it('calico-node without Typha is rated by its start-up burst', () => {
    const r = only(analyze('calico-node', true), 'calico-node');
    assert.equal(r.confidence, 'declared');
    assert.match(r.workload.notes[0] ?? '', /library profile calico-node \(/);
    assert.equal(r.verdict, 'high');
    assert.equal(r.decidingPhase, 'rollout-burst');
    assert.ok((r.maxSafeNodes ?? 0) < 2_500);
  });

  void it('calico-node alongside Typha takes the Typha profile; both are LOW', () => {
    const reports = analyze('calico-typha', true);
    const node = only(reports, 'calico-node');
    const typha = only(reports, 'calico-typha');
    assert.match(node.workload.notes[0] ?? '', /library profile calico-node-typha/);
    assert.equal(node.verdict, 'low');
    assert.equal(typha.confidence, 'declared');
    assert.equal(typha.verdict, 'low');
  });

  void it('kube-state-metrics is declared and LOW (a single replica)', () => {
    const r = only(analyze('kube-state-metrics', true), 'kube-state-metrics');
    assert.equal(r.confidence, 'declared');
    assert.equal(r.verdict, 'low');
    assert.ok(r.workload.calls.length >= 25);
  });
});
