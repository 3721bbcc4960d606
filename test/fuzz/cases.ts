import fc from 'fast-check';
import { stringify } from 'yaml';
import { defaultPriorityLevels } from '../../src/model/apf.js';
import { derivedDoc, type Clamps } from './schema-gen.js';
import type { FuzzCase } from './support.js';

/** Tiny valid inputs every case starts from: two small clusters, minutes of simulated time. */
export const baseScenario = {
  apiVersion: 'rampart.dev/v1alpha1',
  kind: 'Scenario',
  metadata: { name: 'fuzz' },
  spec: {
    start: '2024-12-11T14:45:00-08:00',
    duration: '8m',
    step: '2s',
    sampleEvery: '30s',
    seed: 3,
    // Kubernetes' default levels written out, so that their fields are there to fuzz (a list given replaces
    // the defaults, and the default flow schemas name them).
    clusterDefaults: {
      podsPerNode: 25,
      apiServers: 3,
      priorityLevels: defaultPriorityLevels.map((l) => ({ ...l })),
    },
    fleet: {
      clusters: [
        { name: 'staging-1', nodes: 20 },
        { name: 'prod-1', nodes: 400 },
      ],
    },
    change: {
      name: 'agent',
      kind: 'DaemonSet',
      namespace: 'kube-system',
      serviceAccount: 'agent',
      calls: [{ verb: 'list', resource: 'pods', scope: 'cluster', everySeconds: 120, resourceVersion: '' }],
    },
    rollout: { start: '14:46', span: '2m', order: 'smallest-first' },
    operator: [{ at: '14:50', action: 'delete-change', clusters: 'all' }],
  },
};

export const basePolicy = {
  apiVersion: 'rampart.dev/v1alpha1',
  kind: 'RolloutPolicy',
  metadata: { name: 'fuzz-policy' },
  spec: {
    waves: { plan: 'smallest-first', canarySize: 1 },
    bake: '1m',
    baselineWindow: '1m',
    gates: [{ signal: 'apf_seat_utilization', window: '30s', threshold: { absolute: 0.8 } }],
    nodeSteps: { shares: [0.1, 1], bake: '30s' },
  },
};

export const baseFleet = {
  apiVersion: 'rampart.dev/v1alpha1',
  kind: 'Fleet',
  metadata: { name: 'fuzz-fleet' },
  spec: {
    clusters: [
      { name: 'a', nodes: 40 },
      { name: 'b', nodes: 3000, podsPerNode: 30, apiServers: 5 },
    ],
  },
};

export const baseProfile = {
  apiVersion: 'rampart.dev/v1alpha1',
  kind: 'ApiProfile',
  metadata: { name: 'agent' },
  spec: {
    target: { kind: 'DaemonSet', namespace: 'kube-system', name: 'agent' },
    calls: [{ verb: 'list', resource: 'pods', scope: 'node', everySeconds: 60, resourceVersion: '0' }],
  },
};

/** A manifest with the calls in its annotation, and the RBAC an inference would read. */
function manifest(annotation: string, replicas: unknown): string {
  const deploy = {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'ctl', namespace: 'ops', annotations: { 'rampart.dev/api-profile': annotation } },
    spec: { replicas, template: { spec: { serviceAccountName: 'ctl' } } },
  };
  const role = {
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'ClusterRole',
    metadata: { name: 'ctl' },
    rules: [{ apiGroups: [''], resources: ['pods'], verbs: ['list', 'watch'] }],
  };
  return [deploy, role].map((d) => stringify(d)).join('---\n');
}

// Scenario fields whose upper end would make a run long rather than find anything: kept small.
const scenarioClamps: Clamps = [
  [/^spec\.duration$/, 3600],
  [/^spec\.(step|sampleEvery)$/, 60],
  [/generate\.\[\]\.count$/, 4],
  [/\.nodes$|\.nodes\.(min|max)$/, 20_000],
  [/rollout\.span$/, 600],
  [/\.(at|start)$/, 3600],
];
const policyClamps: Clamps = [[/bake|timeout|spread|window|staleAfter|baselineWindow/i, 600]];

/** Text-level damage a parser must survive: cut, a stray byte, a repeated line (a duplicate key), aliases. */
const textMutation: fc.Arbitrary<(t: string) => string> = fc.oneof(
  fc.nat().map((n) => (t: string) => t.slice(0, n % Math.max(1, t.length))),
  fc
    .tuple(fc.nat(), fc.constantFrom('\t', ':', '{', '[', '&a', '*a', '"', '\u0000', '- ', '!!binary '))
    .map(([n, c]) => (t: string) => {
      const i = n % Math.max(1, t.length);
      return t.slice(0, i) + c + t.slice(i);
    }),
  fc.nat().map((n) => (t: string) => {
    const lines = t.split('\n');
    const i = n % lines.length;
    return [...lines.slice(0, i + 1), lines[i] ?? '', ...lines.slice(i + 1)].join('\n');
  }),
  fc.constant((t: string) => `${bomb}\n${t}`),
  fc.constant((t: string) => t.replace(/name: (\S+)/, 'name: *undefined-anchor')),
);
const bomb = Array.from({ length: 8 }, (_, i) => {
  const n = `l${i}`;
  return i === 0
    ? `${n}: &${n} [x, x, x, x, x, x, x, x, x]`
    : `${n}: &${n} [${Array(9)
        .fill(`*l${i - 1}`)
        .join(', ')}]`;
}).join('\n');

/** A document of a kind, valid or damaged: schema-derived values, out-of-range values, or broken text. */
function docText(kind: string, base: unknown, clamps: Clamps): fc.Arbitrary<{ text: string; label: string }> {
  return fc
    .oneof(
      { weight: 5, arbitrary: derivedDoc(kind, base, { mutate: false, clamps }) },
      { weight: 3, arbitrary: derivedDoc(kind, base, { mutate: true, clamps }) },
      {
        weight: 2,
        arbitrary: fc
          .tuple(derivedDoc(kind, base, { mutate: false, clamps }), textMutation)
          .map(([d, m]) => ({ doc: m(stringify(d.doc)), label: `${d.label} + text damage` })),
      },
    )
    .map((d) => ({
      text: typeof d.doc === 'string' ? d.doc : stringify(d.doc),
      label: d.label,
    }));
}

const scenarioCase: fc.Arbitrary<FuzzCase> = fc
  .tuple(
    docText('scenario', baseScenario, scenarioClamps),
    fc.constantFrom<readonly string[]>(
      ['--quiet'],
      ['--json', '-'],
      ['--json', 'out/result.json'],
      ['--policy', 'guarded', '--quiet'],
      ['--policy', 'naive-no-node-steps', '--json', '-'],
    ),
    fc.nat({ max: 9 }),
  )
  .map(([d, flags, which]) => {
    // Now and then the same file goes through compare (two threads when there are two jobs).
    const args =
      which === 0
        ? ['compare', 'in.yaml', '--policies', 'naive,guarded', '--seeds', '1', '--json', '-']
        : ['simulate', 'in.yaml', ...flags];
    return {
      label: `scenario ${d.label} :: ${args.join(' ')}`,
      files: { 'in.yaml': d.text },
      args,
      outputs: args.includes('out/result.json') ? ['out/result.json'] : [],
    };
  });

const policyCase: fc.Arbitrary<FuzzCase> = docText('rolloutpolicy', basePolicy, policyClamps).map((d) => ({
  label: `policy ${d.label}`,
  files: { 'scenario.yaml': stringify(baseScenario), 'policy.yaml': d.text },
  args: ['simulate', 'scenario.yaml', '--policy', './policy.yaml', '--json', '-'],
}));

const formats = fc.constantFrom('text', 'json', 'sarif');

const fleetCase: fc.Arbitrary<FuzzCase> = fc
  .tuple(docText('fleet', baseFleet, []), formats)
  .map(([d, format]) => ({
    label: `fleet ${d.label} (${format})`,
    files: { 'fleet.yaml': d.text, 'm.yaml': manifest(stringify(baseProfile.spec.calls), 3) },
    args: ['analyze', 'm.yaml', '--fleet', 'fleet.yaml', '--format', format, '--fail-on', 'never'],
  }));

const profileCase: fc.Arbitrary<FuzzCase> = fc
  .tuple(docText('api-profile', baseProfile, []), formats)
  .map(([d, format]) => ({
    label: `api-profile ${d.label} (${format})`,
    files: { 'profile.yaml': d.text },
    args: ['analyze', '--profile', 'profile.yaml', '--format', format],
  }));

/** The annotation's calls list is an API profile's `calls`: derived from that schema, then embedded. */
const manifestCase: fc.Arbitrary<FuzzCase> = fc
  .tuple(
    docText('api-profile', baseProfile, []),
    fc.oneof(
      { weight: 4, arbitrary: fc.integer({ min: 0, max: 5000 }) },
      { weight: 1, arbitrary: fc.constantFrom<unknown>(2_147_483_647, 2_147_483_648, -1, 1.5, 'x', null) },
    ),
    fc.boolean(),
    formats,
  )
  .map(([d, replicas, plainCalls, format]) => {
    // The calls of the derived profile (when it still parses as one), else its whole text: both are data.
    const callsText = plainCalls ? d.text.replace(/^[\s\S]*?calls:\n/, '') : d.text;
    return {
      label: `manifest annotation from ${d.label}, replicas ${JSON.stringify(replicas)} (${format})`,
      files: { 'm.yaml': manifest(callsText, replicas) },
      args: ['analyze', 'm.yaml', '--format', format],
    };
  });

const auditLine: fc.Arbitrary<string> = fc.oneof(
  {
    weight: 8,
    arbitrary: fc
      .record({
        verb: fc.constantFrom('get', 'list', 'watch', 'create', 'deletecollection', 'proxy', ''),
        user: fc.constantFrom(
          'system:serviceaccount:ops:ctl',
          'system:serviceaccount:kube-system:agent',
          'system:node:n1',
          'alice',
          'system:serviceaccount:',
        ),
        resource: fc.constantFrom('pods', 'nodes', 'widgets', 'leases', ''),
        group: fc.constantFrom('', 'apps', 'coordination.k8s.io'),
        stage: fc.constantFrom('ResponseComplete', 'ResponseStarted', 'RequestReceived', undefined),
        uri: fc.constantFrom(
          '/api/v1/pods',
          '/api/v1/pods?resourceVersion=0',
          '/api/v1/pods?fieldSelector=spec.nodeName%3Dn1',
          '/api/v1/namespaces/ops/pods/x',
          '%%%',
        ),
        ts: fc.oneof(
          fc
            .integer({ min: 0, max: 3_600_000 })
            .map((ms) => new Date(Date.UTC(2024, 11, 10) + ms).toISOString()),
          fc.constantFrom('not a time', '', '9999-12-31T23:59:59Z', '1970-01-01T00:00:00Z'),
        ),
        ip: fc.constantFrom('10.0.0.1', '10.0.0.2', ''),
      })
      .map((e) =>
        JSON.stringify({
          kind: 'Event',
          apiVersion: 'audit.k8s.io/v1',
          stage: e.stage,
          verb: e.verb,
          requestURI: e.uri,
          user: { username: e.user },
          sourceIPs: [e.ip],
          objectRef: { resource: e.resource, apiGroup: e.group, namespace: 'ops' },
          requestReceivedTimestamp: e.ts,
        }),
      ),
  },
  { weight: 1, arbitrary: fc.constantFrom('', 'not json', '{}', '[]', 'null', '{"verb":1}', '\u0000') },
);

const auditCase: fc.Arbitrary<FuzzCase> = fc
  .tuple(
    fc.array(auditLine, { minLength: 1, maxLength: 60 }),
    fc.constantFrom<readonly string[]>(
      [],
      ['--audit-nodes', '40'],
      ['--format', 'json'],
      ['--format', 'sarif'],
    ),
  )
  .map(([lines, flags]) => ({
    label: `audit log of ${lines.length} lines ${flags.join(' ')}`,
    files: { 'audit.jsonl': lines.join('\n') },
    args: ['analyze', '--audit-log', 'audit.jsonl', ...flags],
  }));

/** A flag's value: a valid one, or one that must be refused in one line. */
const flagValue = fc.constantFrom(
  '',
  '0',
  '1',
  '2',
  '007',
  '-1',
  '0x10',
  '1e3',
  '0b101',
  ' 3',
  '4294967296',
  'x',
);

const flagsCase: fc.Arbitrary<FuzzCase> = fc
  .tuple(
    fc.constantFrom('simulate', 'compare', 'analyze', 'breakglass'),
    fc.array(
      fc.tuple(
        fc.constantFrom(
          '--seed',
          '--seeds',
          '--parallel',
          '--json',
          '--policy',
          '--policies',
          '--format',
          '--fail-on',
          '--output',
          '--audit-nodes',
          '--fleet',
          '--seats',
          '--server-seats',
          '--no-node-steps',
          '--quiet',
          '--bogus',
        ),
        flagValue,
        fc.boolean(),
      ),
      { maxLength: 3 },
    ),
  )
  .map(([command, flags]) => {
    const rest = flags.flatMap(([f, v, joined]) =>
      f === '--no-node-steps' || f === '--quiet' ? [f] : joined ? [`${f}=${v}`] : [f, v],
    );
    const head =
      command === 'analyze'
        ? ['analyze', 'm.yaml']
        : command === 'breakglass'
          ? ['breakglass', 'manifests']
          : command === 'compare'
            ? ['compare', 'in.yaml', '--policies', 'naive']
            : ['simulate', 'in.yaml'];
    const args = [...head, ...rest];
    return {
      label: `flags ${args.join(' ')}`,
      files: {
        'in.yaml': stringify(baseScenario),
        'm.yaml': manifest(stringify(baseProfile.spec.calls), 2),
      },
      args,
    };
  });

const schemaCase: fc.Arbitrary<FuzzCase> = fc
  .constantFrom(
    'scenario',
    'fleet',
    'api-profile',
    'rolloutpolicy',
    '__proto__',
    'constructor',
    'toString',
    '',
    'x',
  )
  .map((kind) => ({ label: `schema ${kind}`, files: {}, args: ['schema', kind] }));

/** Every kind of case, with its share of a run (the default run is about 150 cases). */
export const caseKinds = {
  scenario: { arbitrary: scenarioCase, share: 0.3 },
  policy: { arbitrary: policyCase, share: 0.14 },
  fleet: { arbitrary: fleetCase, share: 0.1 },
  'api-profile': { arbitrary: profileCase, share: 0.1 },
  manifests: { arbitrary: manifestCase, share: 0.1 },
  audit: { arbitrary: auditCase, share: 0.1 },
  flags: { arbitrary: flagsCase, share: 0.12 },
  schema: { arbitrary: schemaCase, share: 0.04 },
} as const;
