import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { loadManifests } from '../src/config/manifests.js';
import { loadApiProfiles } from '../src/config/api-profile.js';
import { loadFleet } from '../src/config/fleet.js';
import { addLine, readAuditLog, auditWindowS, type AuditSummary } from '../src/analyze/audit-log.js';
import { auditCalls, auditReplicas } from '../src/analyze/audit-workloads.js';
import { inferCallsFromRbac } from '../src/analyze/rbac-infer.js';
import { resolveWorkloads } from '../src/analyze/workloads.js';
import { RampartError } from '../src/core/errors.js';
import { byCodeUnits } from '../src/core/order.js';

const ex = (p: string): string => `examples/analyze/${p}`;
let tmp = '';
const write = (name: string, text: string): string => {
  const p = join(tmp, name);
  writeFileSync(p, text);
  return p;
};
/** Line (1-based) of the first line of a file containing `needle`. */
const lineOf = (file: string, needle: string): number =>
  readFileSync(file, 'utf8')
    .split('\n')
    .findIndex((l) => l.includes(needle)) + 1;

before(() => {
  tmp = mkdtempSync(join(tmpdir(), 'rampart-analyze-inputs-'));
});
after(() => rmSync(tmp, { recursive: true, force: true }));

void describe('manifests', () => {
  void it('reads workloads, RBAC, skipped kinds and the workload line from a directory', () => {
    const m = loadManifests([ex('manifests')]);
    assert.deepEqual(m.workloads.map((w) => w.name).sort(), [
      'log-shipper',
      'mesh-proxy',
      'node-agent',
      'pod-controller',
      'telemetry-agent',
    ]);
    const tel = m.workloads.find((w) => w.name === 'telemetry-agent');
    const file = ex('manifests/telemetry-agent.yaml');
    assert.equal(tel?.location.file, file);
    assert.equal(
      tel?.location.line,
      lineOf(file, 'kind: DaemonSet') - 1,
      'the line where the DaemonSet document starts',
    );
    assert.deepEqual(tel?.annotationCalls, [
      { verb: 'list', resource: 'pods', scope: 'cluster', everySeconds: 120, resourceVersion: '' },
    ]);
    assert.deepEqual(
      m.skipped.map((s) => `${s.kind}/${s.name}`),
      ['Service/log-shipper-metrics'],
    );
    assert.ok(m.roles.some((r) => r.kind === 'ClusterRole' && r.name === 'log-shipper'));
    assert.ok(m.serviceAccounts.some((s) => s.namespace === 'kube-system' && s.name === 'telemetry-agent'));
  });

  void it('reads replicas and service accounts of every workload kind', () => {
    const file = write(
      'kinds.yaml',
      [
        'apiVersion: batch/v1\nkind: CronJob\nmetadata: {name: nightly, namespace: batch}\nspec:\n  schedule: "@daily"\n  jobTemplate:\n    spec:\n      parallelism: 4\n      template:\n        spec: {serviceAccountName: reporter}',
        'apiVersion: apps/v1\nkind: StatefulSet\nmetadata: {name: db}\nspec: {replicas: 3, template: {spec: {}}}',
        'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: cfg}',
      ].join('\n---\n'),
    );
    const m = loadManifests([file]);
    assert.deepEqual(
      m.workloads.map((w) => [w.kind, w.namespace, w.name, w.serviceAccount, w.replicas, w.location.line]),
      [
        ['CronJob', 'batch', 'nightly', 'reporter', 4, 1],
        ['StatefulSet', 'default', 'db', 'default', 3, 12],
      ],
    );
    assert.equal(m.skipped[0]?.kind, 'ConfigMap');
  });

  void it('points annotation errors at the manifest line of the bad call', () => {
    const file = write(
      'bad-annotation.yaml',
      'apiVersion: apps/v1\nkind: DaemonSet\nmetadata:\n  name: a\n  annotations:\n    rampart.dev/api-profile: |\n      - verb: watch\n        resource: pods\n        scope: cluster\n      - verb: list\n        resource: pods\n        scope: cluster\n',
    );
    assert.throws(
      () => loadManifests([file]),
      (err: unknown) => {
        assert.ok(err instanceof RampartError);
        assert.match(
          err.message,
          new RegExp(
            `^${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:10:\\d+: annotation rampart.dev/api-profile: \\[1\\]\\.everySeconds: everySeconds is required`,
          ),
        );
        return true;
      },
    );
  });

  void it('skips empty documents (a leading, doubled or trailing ---, comments only), as kubectl does', () => {
    const file = write(
      'helm-output.yaml',
      '---\n# Source: chart/templates/ds.yaml\napiVersion: apps/v1\nkind: DaemonSet\nmetadata: {name: agent}\nspec: {template: {spec: {}}}\n---\n---\n# Source: chart/templates/empty.yaml\n---\napiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web}\nspec: {replicas: 2, template: {spec: {}}}\n---\n',
    );
    const m = loadManifests([file]);
    assert.deepEqual(
      m.workloads.map((w) => [w.kind, w.name, w.location.line]),
      [
        ['DaemonSet', 'agent', 3],
        ['Deployment', 'web', 11],
      ],
    );
    assert.deepEqual(m.skipped, []);
  });

  void it('reads the items of a List (kubectl get -o yaml) and of a typed list, at their own lines', () => {
    const file = write(
      'kubectl-get.yaml',
      [
        'apiVersion: v1',
        'kind: List',
        'items:',
        '  - apiVersion: apps/v1',
        '    kind: DaemonSet',
        '    metadata: {name: agent, namespace: monitoring}',
        '    spec: {template: {spec: {serviceAccountName: agent}}}',
        '  - apiVersion: v1',
        '    kind: ServiceAccount',
        '    metadata: {name: agent, namespace: monitoring}',
        '---',
        'apiVersion: apps/v1',
        'kind: DeploymentList',
        'items:',
        '  - apiVersion: apps/v1',
        '    kind: Deployment',
        '    metadata: {name: web}',
        '    spec: {replicas: 3, template: {spec: {}}}',
        '',
      ].join('\n'),
    );
    const m = loadManifests([file]);
    assert.deepEqual(
      m.workloads.map((w) => [w.kind, w.name, w.serviceAccount, w.replicas, w.location.line]),
      [
        ['DaemonSet', 'agent', 'agent', 1, 4],
        ['Deployment', 'web', 'default', 3, 15],
      ],
    );
    assert.ok(m.serviceAccounts.some((a) => a.namespace === 'monitoring' && a.name === 'agent'));
    const bad = write(
      'bad-item.yaml',
      'apiVersion: v1\nkind: List\nitems:\n  - apiVersion: apps/v1\n    kind: DaemonSet\n    metadata: {name: a}\n    spec: 5\n',
    );
    assert.throws(() => loadManifests([bad]), /bad-item\.yaml:7:11: spec: /);
  });

  void it('reads a folded (>) annotation whose calls were folded over lines', () => {
    const file = write(
      'folded.yaml',
      'apiVersion: apps/v1\nkind: DaemonSet\nmetadata:\n  name: a\n  annotations:\n    rampart.dev/api-profile: >\n      - {verb: list, resource: pods, scope: node, resourceVersion: "0",\n      everySeconds: 60}\n\n      - {verb: get, resource: nodes, scope: object, everySeconds: 300}\nspec: {template: {spec: {}}}\n',
    );
    const calls = loadManifests([file]).workloads[0]?.annotationCalls ?? [];
    assert.deepEqual(
      calls.map((c) => [c.verb, c.resource, c.everySeconds]),
      [
        ['list', 'pods', 60],
        ['get', 'nodes', 300],
      ],
    );
  });

  void it('reads kubectl get -o json output in a directory, its annotation a string with \\n escapes', () => {
    const dir = join(tmp, 'json-dir');
    mkdirSync(dir);
    const list = {
      apiVersion: 'v1',
      kind: 'List',
      items: [
        {
          apiVersion: 'apps/v1',
          kind: 'DaemonSet',
          metadata: {
            name: 'agent',
            annotations: {
              'rampart.dev/api-profile':
                '- {verb: list, resource: pods, scope: cluster, everySeconds: 60}\n- {verb: watch, resource: nodes, scope: cluster}\n',
            },
          },
          spec: { template: { spec: {} } },
        },
      ],
    };
    writeFileSync(join(dir, 'daemonsets.json'), JSON.stringify(list, null, 2));
    const m = loadManifests([dir]);
    assert.deepEqual(
      m.workloads.map((w) => [w.name, (w.annotationCalls ?? []).map((c) => `${c.verb} ${c.resource}`)]),
      [['agent', ['list pods', 'watch nodes']]],
    );
  });

  void it('rejects a document without kind with file:line', () => {
    const file = write(
      'nokind.yaml',
      'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n---\napiVersion: v1\nmetadata: {name: b}\n',
    );
    assert.throws(() => loadManifests([file]), /nokind\.yaml:5:1: kind: /);
  });
});

void describe('API profiles and fleets', () => {
  void it('loads a profile with its target and calls', () => {
    const [p] = loadApiProfiles(ex('profiles/telemetry-agent.yaml'));
    assert.deepEqual(p?.target, { kind: 'DaemonSet', namespace: 'kube-system', name: 'telemetry-agent' });
    assert.equal(p?.calls[0]?.everySeconds, 120);
  });

  void it('rejects unknown fields and resources with file:line:col', () => {
    const f1 = write(
      'typo.yaml',
      'apiVersion: rampart.dev/v1alpha1\nkind: ApiProfile\nmetadata: {name: a}\nspec:\n  target: {kind: DaemonSet, name: a}\n  calls:\n    - {verb: list, resource: podz, scope: cluster, everySeconds: 5}\n',
    );
    assert.throws(
      () => loadApiProfiles(f1),
      /typo\.yaml:7:\d+: spec\.calls\[0\]\.resource: unknown resource/,
    );
    const f2 = write(
      'fleet-typo.yaml',
      'apiVersion: rampart.dev/v1alpha1\nkind: Fleet\nspec:\n  clusters:\n    - {name: a, nodes: 10, apiservers: 3}\n',
    );
    assert.throws(
      () => loadFleet(f2),
      /fleet-typo\.yaml:5:\d+: spec\.clusters\[0\]\.apiservers: unknown field "apiservers"/,
    );
  });

  void it('fills fleet defaults: 30 pods per node, 3 API servers', () => {
    const fleet = loadFleet(ex('fleet.yaml'));
    assert.deepEqual(
      fleet.spec.clusters.find((c) => c.name === 'staging'),
      { name: 'staging', nodes: 40, podsPerNode: 30, apiServers: 3 },
    );
    assert.equal(fleet.spec.clusters.find((c) => c.name === 'prod-big')?.apiServers, 5);
  });

  void it('rejects duplicate cluster names', () => {
    const f = write(
      'dup.yaml',
      'apiVersion: rampart.dev/v1alpha1\nkind: Fleet\nspec:\n  clusters:\n    - {name: a, nodes: 10}\n    - {name: a, nodes: 20}\n',
    );
    assert.throws(
      () => loadFleet(f),
      /dup\.yaml:6:\d+: spec\.clusters\[1\]\.name: duplicate cluster name "a"/,
    );
  });
});

void describe('RBAC inference', () => {
  void it('infers an informer per resource granted list/watch cluster-wide', () => {
    const m = loadManifests([ex('manifests/log-shipper.yaml')]);
    const inf = inferCallsFromRbac('logging', 'log-shipper', m);
    assert.deepEqual(inf.calls, [
      { verb: 'watch', resource: 'namespaces', scope: 'cluster', resourceVersion: '0' },
      { verb: 'watch', resource: 'pods', scope: 'cluster', resourceVersion: '0' },
    ]);
    assert.match(
      inf.notes[0] ?? '',
      /inferred from RBAC \(ClusterRoleBinding log-shipper → ClusterRole log-shipper\)/,
    );
  });

  void it('scopes RoleBinding grants to the namespace, polls list-only grants, skips resourceNames', () => {
    const file = write(
      'rbac.yaml',
      [
        'apiVersion: rbac.authorization.k8s.io/v1\nkind: Role\nmetadata: {name: r, namespace: team}\nrules:\n  - {apiGroups: [""], resources: [configmaps], verbs: [list]}\n  - {apiGroups: [""], resources: [secrets], verbs: [get, list, watch], resourceNames: [one]}\n  - {apiGroups: [apps], resources: [deployments], verbs: ["*"]}',
        'apiVersion: rbac.authorization.k8s.io/v1\nkind: RoleBinding\nmetadata: {name: rb, namespace: team}\nroleRef: {kind: Role, name: r}\nsubjects: [{kind: ServiceAccount, name: bot}]',
        'apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRoleBinding\nmetadata: {name: missing}\nroleRef: {kind: ClusterRole, name: nowhere}\nsubjects: [{kind: ServiceAccount, name: bot, namespace: team}]',
      ].join('\n---\n'),
    );
    const inf = inferCallsFromRbac('team', 'bot', loadManifests([file]));
    assert.deepEqual(
      inf.calls,
      [
        { verb: 'watch', resource: 'deployments', scope: 'namespace', resourceVersion: '0' },
        { verb: 'list', resource: 'configmaps', scope: 'namespace', resourceVersion: '', everySeconds: 60 },
      ].sort((a, b) => byCodeUnits(a.resource, b.resource)),
    );
    assert.ok(inf.notes.some((n) => n.includes('ClusterRole nowhere, which is not among the manifests')));
    assert.deepEqual(inferCallsFromRbac('other', 'bot', loadManifests([file])).calls, []);
  });
});

void describe('audit log', () => {
  let audit: AuditSummary;
  before(async () => {
    audit = await readAuditLog(ex('audit/staging-audit.jsonl'));
  });

  void it('streams, counts malformed lines and aggregates per service account', () => {
    assert.equal(audit.malformed, 2);
    assert.equal(audit.firstMalformedLine, 3);
    assert.equal(audit.nodes.size, 40);
    assert.deepEqual([...audit.users.keys()].sort(), [
      'system:serviceaccount:kube-system:telemetry-agent',
      'system:serviceaccount:monitoring:node-agent',
      'system:serviceaccount:ops:pod-controller',
    ]);
    assert.ok(auditWindowS(audit) > 300 && auditWindowS(audit) <= 360);
    const tel = audit.users.get('system:serviceaccount:kube-system:telemetry-agent');
    assert.equal(tel?.sources.size, 40);
    const rows = [...(tel?.rows.values() ?? [])];
    assert.equal(rows.length, 1, 'RequestReceived events are not counted twice');
    assert.deepEqual(
      { ...rows[0] },
      { verb: 'list', resource: 'pods', scope: 'cluster', resourceVersion: '', count: 120 },
    );
    const agent = [
      ...(audit.users.get('system:serviceaccount:monitoring:node-agent')?.rows.values() ?? []),
    ][0];
    assert.equal(agent?.scope, 'node');
    assert.equal(agent?.resourceVersion, '0');
  });

  void it('derives per-replica rates: count / window / replicas (replicas = --audit-nodes for per-node users)', () => {
    const tel = audit.users.get('system:serviceaccount:kube-system:telemetry-agent');
    assert.ok(tel);
    const rep = auditReplicas(tel, audit, null, 40);
    assert.deepEqual([rep.perNode, rep.replicas], [true, 40]);
    const seen = auditReplicas(tel, audit, null, undefined);
    assert.deepEqual(
      [seen.perNode, seen.replicas],
      [true, 40],
      'without --audit-nodes: the nodes seen in the log',
    );
    const { calls } = auditCalls(tel, audit, rep.replicas);
    const every = calls[0]?.everySeconds ?? 0;
    assert.ok(every > 115 && every < 125, `every ${every} s`);
    const ctl = audit.users.get('system:serviceaccount:ops:pod-controller');
    assert.ok(ctl);
    const ctlRep = auditReplicas(ctl, audit, null, 40);
    assert.deepEqual([ctlRep.perNode, ctlRep.replicas], [false, 1]);
    const ctlCalls = auditCalls(ctl, audit, 1);
    assert.ok(ctlCalls.calls.some((c) => c.verb === 'watch' && c.resource === 'pods'));
    assert.ok(
      !ctlCalls.calls.some((c) => c.verb === 'list'),
      'the informer start-up LIST is covered by its watch',
    );
  });

  void it('reads scope and resourceVersion from objectRef and the request URI', () => {
    const s: AuditSummary = {
      file: 'x',
      lines: 0,
      counted: 0,
      malformed: 0,
      firstMalformedLine: null,
      ignored: 0,
      unknownResources: new Map(),
      firstMs: Infinity,
      lastMs: -Infinity,
      nodes: new Set(),
      users: new Map(),
    };
    const ev = (
      verb: string,
      uri: string,
      ref: Record<string, string>,
      user = 'system:serviceaccount:a:b',
    ): string =>
      JSON.stringify({
        verb,
        requestURI: uri,
        objectRef: ref,
        user: { username: user },
        sourceIPs: ['10.0.0.1'],
        requestReceivedTimestamp: '2024-12-11T15:00:00Z',
        stage: 'ResponseComplete',
      });
    const lines = [
      ev('list', '/api/v1/pods?resourceVersion=12345', { resource: 'pods' }),
      ev('list', '/api/v1/pods?resourceVersion=12345&limit=500', { resource: 'pods' }),
      ev('list', '/api/v1/namespaces/x/pods?fieldSelector=metadata.name%3Dp', {
        resource: 'pods',
        namespace: 'x',
      }),
      ev('deletecollection', '/api/v1/namespaces/x/events', { resource: 'events', namespace: 'x' }),
      ev('get', '/apis/discovery.k8s.io/v1/namespaces/x/endpointslices/s', {
        resource: 'endpointslices',
        apiGroup: 'discovery.k8s.io',
        namespace: 'x',
        name: 's',
      }),
      // A custom resource is costed (by an assumed per-node count, issue 15 §2), no longer dropped; a name
      // in no group the cost model knows still is.
      ev('list', '/apis/example.com/v1/widgets', { resource: 'widgets', apiGroup: 'example.com' }),
      ev('list', '/api/v1/gadgets', { resource: 'gadgets' }),
      ev('get', '/api/v1/nodes/n1', { resource: 'nodes', name: 'n1' }, 'system:node:n1'),
    ];
    for (const l of lines) assert.equal(addLine(s, l), true);
    assert.equal(addLine(s, '{"verb": "get"}'), false, 'no user: not an audit event');
    const rows = [...(s.users.get('system:serviceaccount:a:b')?.rows.values() ?? [])].map(
      (r) => `${r.verb} ${r.resource} ${r.scope} "${r.resourceVersion}"`,
    );
    assert.deepEqual(rows.sort(), [
      'delete events namespace ""',
      'get endpointslices object ""',
      'list pods cluster ""',
      'list pods cluster "0"',
      'list pods object ""',
      'list widgets.example.com cluster ""',
    ]);
    assert.deepEqual([...s.unknownResources.entries()], [['gadgets', 1]]);
    assert.deepEqual([...s.nodes], ['n1']);
    assert.equal(s.ignored, 2);
  });

  void it('reads a gzipped (rotated) audit log as the plain one, and names a truncated one', async () => {
    const text = readFileSync(ex('audit/staging-audit.jsonl'));
    const gz = write('audit.log.gz', '');
    writeFileSync(gz, gzipSync(text));
    const fromGz = await readAuditLog(gz);
    assert.equal(fromGz.file, gz);
    assert.deepEqual({ ...fromGz, file: audit.file }, audit);
    const cut = write('cut.log.gz', '');
    writeFileSync(cut, gzipSync(text).subarray(0, 2000));
    await assert.rejects(
      readAuditLog(cut),
      /cut\.log\.gz: cannot read audit log \(a damaged or truncated gzip file\)/,
    );
  });

  void it('reports an unreadable audit log as bad input', async () => {
    await assert.rejects(
      readAuditLog(join(tmp, 'none.jsonl')),
      /none\.jsonl: cannot read audit log \(no such file\)/,
    );
  });
});

void describe('where calls come from', () => {
  void it('prefers audit > profile > annotation > RBAC inference', async () => {
    const manifests = loadManifests([ex('manifests')]);
    const profiles = loadApiProfiles(ex('profiles/telemetry-agent.yaml'));
    const audit = await readAuditLog(ex('audit/staging-audit.jsonl'));
    const source = (ws: ReturnType<typeof resolveWorkloads>, name: string): string | undefined =>
      ws.find((w) => w.name === name)?.source;
    const plain = resolveWorkloads({ manifests, profiles: [], audit: null });
    assert.equal(source(plain, 'telemetry-agent'), 'annotation');
    assert.equal(source(plain, 'log-shipper'), 'rbac-inferred');
    const withProfile = resolveWorkloads({ manifests, profiles, audit: null });
    assert.equal(source(withProfile, 'telemetry-agent'), 'profile');
    const withAudit = resolveWorkloads({ manifests, profiles, audit, auditNodes: 40 });
    assert.equal(source(withAudit, 'telemetry-agent'), 'audit');
    assert.equal(source(withAudit, 'node-agent'), 'audit');
    assert.equal(source(withAudit, 'mesh-proxy'), 'annotation');
    assert.equal(withAudit.length, 5, 'with manifests, only their workloads are analyzed');
  });

  void it('analyzes profiles without a manifest and, with no manifests, every service account of the log', async () => {
    const audit = await readAuditLog(ex('audit/staging-audit.jsonl'));
    const ws = resolveWorkloads({
      manifests: null,
      profiles: loadApiProfiles(ex('profiles/metrics-aggregator.yaml')),
      audit,
    });
    assert.deepEqual(
      ws.map((w) => `${w.kind} ${w.namespace}/${w.name} ${w.source}`),
      [
        'Deployment monitoring/metrics-aggregator profile',
        'DaemonSet kube-system/telemetry-agent audit',
        'DaemonSet monitoring/node-agent audit',
        'Deployment ops/pod-controller audit',
      ],
    );
    assert.equal(ws[1]?.location.file, ex('audit/staging-audit.jsonl'));
  });

  void it('rejects two profiles for one workload', () => {
    const p = loadApiProfiles(ex('profiles/telemetry-agent.yaml'));
    assert.throws(
      () => resolveWorkloads({ manifests: null, profiles: [...p, ...p], audit: null }),
      /a second ApiProfile for DaemonSet kube-system\/telemetry-agent/,
    );
  });
});
