import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  analyzeWorkloads,
  fleetTargets,
  imageMatches,
  inferCallsFromRbac,
  ladderTargets,
  normalizeImage,
  resolveWorkloads,
} from '../src/analyze/index.js';
import type { AnalysisReport } from '../src/analyze/run-analysis.js';
import { loadApiProfiles } from '../src/config/api-profile.js';
import { bootstrapClusterRole } from '../src/config/bootstrap-roles.js';
import { loadFleet } from '../src/config/fleet.js';
import { loadManifests } from '../src/config/manifests.js';
import { loadProfileLibrary } from '../src/config/profile-library.js';
import { requestCost } from '../src/cost/request-cost.js';
import { defaultApiServerCalibration } from '../src/cost/calibration.js';
import { findResource } from '../src/model/resources.js';
import { formatJson } from '../src/report/analyze-json.js';
import { formatSarif } from '../src/report/analyze-sarif.js';
import { formatText } from '../src/report/analyze-text.js';

let tmp = '';
const write = (name: string, text: string): string => {
  const p = join(tmp, name);
  writeFileSync(p, text);
  return p;
};
before(() => {
  tmp = mkdtempSync(join(tmpdir(), 'rampart-analyze-rbac-'));
});
after(() => rmSync(tmp, { recursive: true, force: true }));

const sa = (ns: string, name: string): string =>
  `apiVersion: v1\nkind: ServiceAccount\nmetadata: {name: ${name}, namespace: ${ns}}`;
const crb = (name: string, role: string, ns: string, account: string): string =>
  `apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRoleBinding\nmetadata: {name: ${name}}\nroleRef: {kind: ClusterRole, name: ${role}}\nsubjects: [{kind: ServiceAccount, name: ${account}, namespace: ${ns}}]`;
const role = (name: string, rules: string): string =>
  `apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadata: {name: ${name}}\nrules:\n${rules}`;
const deployment = (name: string, ns: string, replicas: number, image = 'example.com/x:1'): string =>
  `apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: ${name}, namespace: ${ns}}\nspec:\n  replicas: ${replicas}\n  template:\n    spec:\n      serviceAccountName: ${name}\n      containers: [{name: main, image: "${image}"}]`;
const daemonSet = (name: string, ns: string, image: string, labels = '{}'): string =>
  `apiVersion: apps/v1\nkind: DaemonSet\nmetadata: {name: ${name}, namespace: ${ns}}\nspec:\n  template:\n    metadata: {labels: ${labels}}\n    spec:\n      serviceAccountName: ${name}\n      containers: [{name: main, image: "${image}"}]`;

void describe('RBAC inference: built-in roles, create grants, groups, custom resources', () => {
  void it('knows the bootstrap ClusterRoles, composed as the aggregation controller does', () => {
    const proxier = bootstrapClusterRole('system:node-proxier');
    assert.ok(proxier?.rules.some((r) => r.resources.includes('endpointslices')));
    const edit = bootstrapClusterRole('edit')?.rules ?? [];
    assert.ok(
      edit.some((r) => r.resources.includes('pods') && r.verbs.includes('watch')),
      'edit ⊇ view',
    );
    assert.ok(bootstrapClusterRole('admin')?.rules.some((r) => r.resources.includes('rolebindings')));
    assert.equal(bootstrapClusterRole('no-such-role'), undefined);
  });

  void it('cluster-admin ("*") names what cannot be costed and computes the verdict if it watched pods', () => {
    const file = write(
      'admin.yaml',
      [
        sa('ops', 'bot'),
        crb('bot', 'cluster-admin', 'ops', 'bot'),
        daemonSet('bot', 'ops', 'example.com/bot:1'),
      ].join('\n---\n'),
    );
    const [w] = resolveWorkloads({ manifests: loadManifests([file]), profiles: [], audit: null });
    assert.ok(w);
    assert.ok(
      w.notes.some((n) => /cluster-admin \(built-in\) allow listing and watching every resource/.test(n)),
    );
    const [r] = analyzeWorkloads([w], ladderTargets());
    assert.equal(r?.confidence, 'inferred');
    assert.match(
      r?.assumption?.text ?? '',
      /assumes its "\*" grant \(ClusterRole cluster-admin \(built-in\)\) reads nothing/,
    );
    assert.match(
      r?.assumption?.text ?? '',
      /if every replica watches pods cluster-wide \(an informer\), it is O\(N²\)/,
    );
    assert.equal(r?.assumption?.alternative?.verdict, 'high');
  });

  void it('a Deployment with lease, review and event grants: leader election, reviews per scrape, events', () => {
    const file = write(
      'ctl.yaml',
      [
        role(
          'ctl',
          '  - {apiGroups: [coordination.k8s.io], resources: [leases], verbs: [get, create, update]}\n  - {apiGroups: [authentication.k8s.io], resources: [tokenreviews], verbs: [create]}\n  - {apiGroups: [authorization.k8s.io], resources: [subjectaccessreviews], verbs: [create]}\n  - {apiGroups: [events.k8s.io], resources: [events], verbs: [create, patch]}\n  - {apiGroups: [extensions], resources: [ingresses], verbs: [list, watch]}',
        ),
        crb('ctl', 'ctl', 'ops', 'ctl'),
      ].join('\n---\n'),
    );
    const inf = inferCallsFromRbac('ops', 'ctl', loadManifests([file]), { kind: 'Deployment' });
    const summary = inf.calls.map(
      (c) =>
        `${c.verb} ${c.resource} ${c.scope} ${c.everySeconds ?? '-'}${c.replicas ? ` ${c.replicas}` : ''}`,
    );
    assert.deepEqual(summary, [
      'watch ingresses cluster -',
      'create events object 60',
      'update leases object 2 leader',
      'get leases object 2',
      'create subjectaccessreviews object 30',
      'create tokenreviews object 30',
    ]);
    const ds = inferCallsFromRbac('ops', 'ctl', loadManifests([file]), { kind: 'DaemonSet' });
    assert.ok(ds.calls.some((c) => c.resource === 'leases' && c.everySeconds === 10 && !c.replicas));
    assert.match(inf.basis[2]?.assumes ?? '', /leader renews its Lease every 2 s/);
  });

  void it('a multi-replica Deployment: the deciding alternative is leader-only', () => {
    const file = write(
      'multi.yaml',
      [
        role('op', '  - {apiGroups: [""], resources: [pods], verbs: [list, watch]}'),
        crb('op', 'op', 'ops', 'op'),
        deployment('op', 'ops', 5),
      ].join('\n---\n'),
    );
    const ws = resolveWorkloads({ manifests: loadManifests([file]), profiles: [], audit: null });
    const [r] = analyzeWorkloads(ws, ladderTargets());
    assert.match(r?.assumption?.alternative?.condition ?? '', /only its elected leader/);
    assert.equal(r?.assumption?.alternative?.call?.replicas, 'leader');
  });

  void it('legacy groups cost as their current equivalents; custom resources by rule or assumed count', () => {
    assert.equal(findResource('extensions/daemonsets')?.name, 'daemonsets');
    assert.equal(findResource('extensions/ingresses')?.group, 'networking.k8s.io');
    assert.equal(findResource('endpoints')?.name, 'endpoints');
    const cep = findResource('cilium.io/ciliumendpoints');
    assert.equal(cep?.name, 'ciliumendpoints.cilium.io');
    assert.equal(cep?.custom?.assumed, false);
    assert.equal(cep?.count({ nodes: 100, podsPerNode: 30 }), 3_000, 'one per pod');
    assert.equal(findResource('ciliumnodes.cilium.io')?.count({ nodes: 100, podsPerNode: 30 }), 100);
    const unknown = findResource('widgets.example.com');
    assert.equal(unknown?.custom?.assumed, true);
    assert.match(unknown?.custom?.rule ?? '', /assumed 1 per node/);
    assert.equal(findResource('apps.k8s.io/deployments'), undefined, 'a typo in a Kubernetes group');
    assert.equal(findResource('tokenreviews')?.stored, false);
  });

  void it('a fleet file gives object counts (fleet default, then per cluster); costs follow them', () => {
    const f = write(
      'fleet.yaml',
      'apiVersion: rampart.dev/v1alpha1\nkind: Fleet\nspec:\n  objects: {cilium.io/ciliumendpoints: 1000}\n  clusters:\n    - {name: a, nodes: 100}\n    - {name: b, nodes: 100, objects: {ciliumendpoints.cilium.io: 187500, pods: 5000}}\n',
    );
    const [a, b] = fleetTargets(loadFleet(f));
    assert.deepEqual(a?.objects, { 'ciliumendpoints.cilium.io': 1000 });
    assert.deepEqual(b?.objects, { 'ciliumendpoints.cilium.io': 187500, pods: 5000 });
    const call = {
      verb: 'list',
      resource: 'ciliumendpoints.cilium.io',
      scope: 'cluster',
      resourceVersion: '0',
      everySeconds: 60,
    } as const;
    const cost = requestCost(
      call,
      { nodes: 100, podsPerNode: 30, objects: b?.objects ?? {} },
      defaultApiServerCalibration,
      10,
    );
    assert.equal(cost.returnedObjects, 187_500);
    const bad = write(
      'bad.yaml',
      'apiVersion: rampart.dev/v1alpha1\nkind: Fleet\nspec:\n  clusters:\n    - {name: a, nodes: 1, objects: {podz: 3}}\n',
    );
    assert.throws(() => loadFleet(bad), /bad\.yaml:5:\d+: .*unknown resource "podz"/);
  });

  void it('a review is a create that writes nothing', () => {
    const c = requestCost(
      { verb: 'create', resource: 'tokenreviews', scope: 'object', resourceVersion: '', everySeconds: 30 },
      { nodes: 10, podsPerNode: 30 },
      defaultApiServerCalibration,
      10,
    );
    assert.equal(c.etcdObjects, 0);
  });
});

void describe('profile library', () => {
  void it('matches images as Docker resolves them, with or without a tag in the pattern', () => {
    assert.equal(normalizeImage('fluent-bit:2'), 'docker.io/library/fluent-bit:2');
    assert.equal(normalizeImage('fluent/fluent-bit'), 'docker.io/fluent/fluent-bit:latest');
    assert.equal(normalizeImage('quay.io/calico/node:v3'), 'quay.io/calico/node:v3');
    assert.ok(imageMatches('*/fluent-bit', 'cr.fluentbit.io/fluent/fluent-bit:3.0.4'));
    assert.ok(imageMatches('*/fluent-bit', 'fluent-bit'));
    assert.ok(imageMatches('*/fluent-bit:*', 'fluent/fluent-bit:1.3.11'));
    assert.ok(imageMatches('*/calico/node', 'docker.io/calico/node@sha256:abc'));
    assert.ok(!imageMatches('*/fluent-bit', 'fluent/fluent-bit-plugin:1'));
    assert.ok(!imageMatches('*/calico/node', 'docker.io/calico/typha:master'));
  });

  void it('a declared profile wins: annotation and targeted profile over the library, library over RBAC', () => {
    const lib = loadProfileLibrary('profiles');
    const file = write(
      'fb.yaml',
      [
        daemonSet('fluent-bit', 'logging', 'fluent/fluent-bit:2.2'),
        daemonSet('other', 'logging', 'example.com/other:1', '{app.kubernetes.io/name: fluent-bit}'),
      ].join('\n---\n'),
    );
    const profile = write(
      'p.yaml',
      'apiVersion: rampart.dev/v1alpha1\nkind: ApiProfile\nmetadata: {name: p}\nspec:\n  target: {kind: DaemonSet, namespace: logging, name: fluent-bit}\n  calls: [{verb: watch, resource: pods, scope: node}]\n',
    );
    const m = loadManifests([file]);
    const plain = resolveWorkloads({ manifests: m, profiles: [], audit: null, library: lib });
    assert.deepEqual(
      plain.map((w) => `${w.name} ${w.source}`),
      ['fluent-bit library', 'other library'],
      'by image, and by label',
    );
    const targeted = resolveWorkloads({
      manifests: m,
      profiles: loadApiProfiles(profile),
      audit: null,
      library: lib,
    });
    assert.equal(targeted[0]?.source, 'profile');
    const none = resolveWorkloads({ manifests: m, profiles: [], audit: null });
    assert.equal(none[0]?.source, 'rbac-inferred');
    const annotated = write(
      'fb-annotated.yaml',
      'apiVersion: apps/v1\nkind: DaemonSet\nmetadata:\n  name: fb\n  annotations:\n    rampart.dev/api-profile: "[{verb: watch, resource: pods, scope: node}]"\nspec:\n  template:\n    spec:\n      containers: [{name: main, image: fluent/fluent-bit:2}]\n',
    );
    const a = resolveWorkloads({
      manifests: loadManifests([annotated]),
      profiles: [],
      audit: null,
      library: lib,
    });
    assert.equal(a[0]?.source, 'annotation');
  });

  void it('a profile naming the workload with another kind still describes it (declared beats inferred)', () => {
    const file = write('kind.yaml', deployment('agent', 'ops', 2));
    const profile = write(
      'kind-p.yaml',
      'apiVersion: rampart.dev/v1alpha1\nkind: ApiProfile\nmetadata: {name: p}\nspec:\n  target: {kind: DaemonSet, namespace: ops, name: agent}\n  calls: [{verb: get, resource: configmaps, scope: object, everySeconds: 60}]\n',
    );
    const ws = resolveWorkloads({
      manifests: loadManifests([file]),
      profiles: loadApiProfiles(profile),
      audit: null,
    });
    assert.equal(ws.length, 1);
    assert.equal(ws[0]?.source, 'profile');
    assert.match(ws[0]?.notes.join(' ') ?? '', /targets DaemonSet ops\/agent; it describes this Deployment/);
  });

  void it('two equally specific profiles for one container are an error naming both; alongside is more specific', () => {
    mkdirSync(join(tmp, 'lib'), { recursive: true });
    const p = (name: string, match: string): string =>
      `apiVersion: rampart.dev/v1alpha1\nkind: ApiProfile\nmetadata: {name: ${name}}\nspec:\n  match: ${match}\n  calls: [{verb: watch, resource: pods, scope: node}]\n`;
    write('lib/a.yaml', p('a', '{images: ["*/agent"]}'));
    write('lib/b.yaml', p('b', '{images: ["*/agent:*"]}'));
    const m = loadManifests([write('ag.yaml', daemonSet('ag', 'x', 'example.com/agent:1'))]);
    assert.throws(
      () =>
        resolveWorkloads({
          manifests: m,
          profiles: [],
          audit: null,
          library: loadProfileLibrary(join(tmp, 'lib')),
        }),
      /library profiles a \(.*a\.yaml:\d+\) and b \(.*b\.yaml:\d+\) both match container main/,
    );
    write('lib/b.yaml', p('b', '{images: ["*/agent"], alongside: {images: ["*/aggregator"]}}'));
    const alone = resolveWorkloads({
      manifests: m,
      profiles: [],
      audit: null,
      library: loadProfileLibrary(join(tmp, 'lib')),
    });
    assert.match(alone[0]?.notes[0] ?? '', /library profile a /);
    const both = loadManifests([
      write(
        'ag2.yaml',
        [
          daemonSet('ag', 'x', 'example.com/agent:1'),
          deployment('agg', 'x', 1, 'example.com/aggregator:1'),
        ].join('\n---\n'),
      ),
    ]);
    const withAgg = resolveWorkloads({
      manifests: both,
      profiles: [],
      audit: null,
      library: loadProfileLibrary(join(tmp, 'lib')),
    });
    assert.match(withAgg[0]?.notes[0] ?? '', /library profile b /);
  });

  void it('rejects a profile with both target and match, and a match profile given with --profile', () => {
    const both = write(
      'both.yaml',
      'apiVersion: rampart.dev/v1alpha1\nkind: ApiProfile\nmetadata: {name: p}\nspec:\n  target: {kind: DaemonSet, name: a}\n  match: {images: ["*/a"]}\n  calls: [{verb: watch, resource: pods, scope: node}]\n',
    );
    assert.throws(() => loadApiProfiles(both), /both\.yaml:\d+:\d+: .*either target .* or match/);
    const lib = write(
      'lib.yaml',
      'apiVersion: rampart.dev/v1alpha1\nkind: ApiProfile\nmetadata: {name: p}\nspec:\n  match: {images: ["*/a"]}\n  calls: [{verb: watch, resource: pods, scope: node}]\n',
    );
    assert.throws(
      () => loadApiProfiles(lib),
      /lib\.yaml:1: ApiProfile p has match, not target: pass it with --profile-library/,
    );
  });
});

void describe('reports say how much is known', () => {
  void it('text, JSON and SARIF carry the confidence and the deciding assumption', () => {
    const ws = resolveWorkloads({
      manifests: loadManifests(['test/fixtures/agents/kube-state-metrics.yaml']),
      profiles: [],
      audit: null,
    });
    const workloads = analyzeWorkloads(ws, ladderTargets([100, 1_000]));
    const report: AnalysisReport = {
      verdict: 'low',
      sizes: { source: 'ladder', file: null, clusters: ladderTargets([100, 1_000]) },
      workloads,
      combined: null,
      warnings: [],
      skipped: [],
      invalid: [],
      audit: null,
    };
    const text = formatText(report, 'high');
    assert.match(text, /\(calls from rbac-inferred, confidence inferred; /);
    assert.match(text, /\n {2}assumes {8}LOW \(O\(N\), /);
    const json = JSON.parse(formatJson(report)) as {
      workloads: { confidence: string; assumption: { text: string } }[];
    };
    assert.equal(json.workloads[0]?.confidence, 'inferred');
    assert.match(json.workloads[0]?.assumption.text ?? '', /assumes every replica watches pods cluster-wide/);
    const sarif = JSON.parse(formatSarif(report, '0.0.0', process.cwd())) as {
      runs: { results: { ruleId: string; level: string; message: { text: string } }[] }[];
    };
    const note = sarif.runs[0]?.results.find((r) => r.ruleId === 'rampart/inferred-calls');
    assert.equal(note?.level, 'note', 'a low verdict from RBAC alone is still reported, as a note');
    assert.match(note?.message.text ?? '', /Inferred from RBAC: LOW/);
  });
});
