import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCliInProcess, type CliRun } from './support/index.js';

/** Runs the CLI in this process, from the repository root (the example paths are relative to it). */
const rampart = (...args: string[]): Promise<CliRun> => runCliInProcess(args);

interface JsonReport {
  verdict: string;
  perApiServer: boolean;
  workloads: {
    kind: string;
    namespace: string;
    name: string;
    source: string;
    scaling: string;
    maxSafeNodes: number | null;
    dominantCall: { verb: string; resource: string; summary: string } | null;
    fix: string | null;
    flags: string[];
    verdict: string;
    clusters: {
      name: string;
      nodes: number;
      seatDemand: number;
      seatCapacity: number;
      utilization: number;
      verdict: string;
    }[];
  }[];
  skipped: { kind: string; name: string; file: string; line: number }[];
  audit: { malformed: number; firstMalformedLine: number; lines: number } | null;
}

const json = (stdout: string): JsonReport => JSON.parse(stdout) as JsonReport;
const ex = (p: string): string => `examples/analyze/${p}`;
const fleet = ['--fleet', ex('fleet.yaml')];
let tmp = '';

before(() => {
  tmp = mkdtempSync(join(tmpdir(), 'rampart-analyze-cli-'));
});
after(() => rmSync(tmp, { recursive: true, force: true }));

void describe('rampart analyze (CLI, in process)', () => {
  void it('manifest with annotation: incident agent is high on the fleet, exit 1, text names the fix', async () => {
    const r = await rampart('analyze', ex('manifests/telemetry-agent.yaml'), ...fleet);
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stdout, /HIGH\s+DaemonSet kube-system\/telemetry-agent\s+\(calls from annotation/);
    assert.match(r.stdout, /O\(N²\)/);
    assert.match(r.stdout, /fieldSelector=spec\.nodeName with resourceVersion=0/);
    assert.match(r.stdout, /per API server/);
    assert.match(r.stdout, /verdict: HIGH \(fails --fail-on high\)/);
    assert.equal(r.stderr, '');
  });

  void it('the same agent on the 40-node staging fleet is low, exit 0', async () => {
    const r = await rampart(
      'analyze',
      ex('manifests/telemetry-agent.yaml'),
      '--fleet',
      ex('fleet-staging.yaml'),
      '--format',
      'json',
    );
    assert.equal(r.code, 0, r.stderr);
    const report = json(r.stdout);
    assert.equal(report.verdict, 'low');
    assert.equal(report.workloads[0]?.clusters[0]?.nodes, 40);
  });

  void it('medium: exit 0 at --fail-on high, 1 at --fail-on medium, 0 at never', async () => {
    const args = ['analyze', ex('manifests/telemetry-agent.yaml'), '--fleet', ex('fleet-regional.yaml')];
    const high = await rampart(...args);
    assert.equal(high.code, 0, high.stderr);
    assert.match(high.stdout, /verdict: MEDIUM \(below --fail-on high\)/);
    assert.equal((await rampart(...args, '--fail-on', 'medium')).code, 1);
    assert.equal((await rampart(...args, '--fail-on', 'never')).code, 0);
  });

  void it('JSON has the documented shape for a directory of manifests', async () => {
    const r = await rampart('analyze', ex('manifests'), ...fleet, '--format', 'json', '--fail-on', 'never');
    assert.equal(r.code, 0, r.stderr);
    const report = json(r.stdout);
    assert.equal(report.verdict, 'high');
    assert.equal(report.perApiServer, true);
    const byName = new Map(report.workloads.map((w) => [w.name, w]));
    assert.equal(byName.get('telemetry-agent')?.verdict, 'high');
    assert.equal(byName.get('node-agent')?.verdict, 'low');
    assert.equal(byName.get('pod-controller')?.verdict, 'low');
    assert.deepEqual(byName.get('mesh-proxy')?.flags, ['watch-fan-out']);
    assert.equal(byName.get('log-shipper')?.source, 'rbac-inferred');
    for (const w of report.workloads) {
      for (const k of [
        'kind',
        'namespace',
        'name',
        'source',
        'scaling',
        'maxSafeNodes',
        'dominantCall',
        'verdict',
        'clusters',
      ] as const) {
        assert.ok(k in w, `workload field ${k}`);
      }
      assert.equal(w.clusters.length, 4);
      for (const c of w.clusters) {
        for (const k of ['name', 'nodes', 'seatDemand', 'seatCapacity', 'utilization', 'verdict'] as const)
          assert.ok(k in c, `cluster field ${k}`);
      }
    }
    assert.deepEqual(
      report.skipped.map((s) => [s.kind, s.name]),
      [['Service', 'log-shipper-metrics']],
    );
  });

  void it('without --fleet, reports against the default 10 … 10,000-node ladder', async () => {
    const r = await rampart('analyze', ex('manifests/telemetry-agent.yaml'), '--format', 'json');
    assert.equal(r.code, 1);
    const nodes = json(r.stdout).workloads[0]?.clusters.map((c) => c.nodes) ?? [];
    assert.equal(nodes[0], 10);
    assert.equal(nodes.at(-1), 10_000);
  });

  void it('API profile input wins over the annotation', async () => {
    const r = await rampart(
      'analyze',
      ex('manifests/telemetry-agent.yaml'),
      '--profile',
      ex('profiles/telemetry-agent.yaml'),
      ...fleet,
      '--format',
      'json',
    );
    assert.equal(r.code, 1);
    assert.equal(json(r.stdout).workloads[0]?.source, 'profile');
  });

  void it('a profile alone is analyzed as a workload', async () => {
    const r = await rampart(
      'analyze',
      '--profile',
      ex('profiles/metrics-aggregator.yaml'),
      ...fleet,
      '--format',
      'json',
    );
    assert.equal(r.code, 0, r.stderr);
    const w = json(r.stdout).workloads[0];
    assert.deepEqual(
      [w?.kind, w?.name, w?.source, w?.verdict],
      ['Deployment', 'metrics-aggregator', 'profile', 'low'],
    );
  });

  void it('audit log input: every service account is a workload; malformed lines are reported', async () => {
    const r = await rampart(
      'analyze',
      '--audit-log',
      ex('audit/staging-audit.jsonl'),
      '--audit-nodes',
      '40',
      ...fleet,
      '--format',
      'json',
    );
    assert.equal(r.code, 1, r.stderr);
    const report = json(r.stdout);
    assert.deepEqual(report.audit && [report.audit.malformed, report.audit.firstMalformedLine], [2, 3]);
    const tel = report.workloads.find((w) => w.name === 'telemetry-agent');
    assert.deepEqual(
      [tel?.kind, tel?.source, tel?.verdict, tel?.scaling],
      ['DaemonSet', 'audit', 'high', 'O(N²)'],
    );
    assert.equal(report.workloads.find((w) => w.name === 'pod-controller')?.verdict, 'low');
    const text = await rampart(
      'analyze',
      '--audit-log',
      ex('audit/staging-audit.jsonl'),
      '--audit-nodes',
      '40',
      '--fleet',
      ex('fleet-staging.yaml'),
    );
    assert.equal(text.code, 0);
    assert.match(
      text.stdout,
      /2 malformed line\(s\), the first at examples\/analyze\/audit\/staging-audit\.jsonl:3/,
    );
  });

  void it('audit log with a manifest: the audit wins over the annotation', async () => {
    const r = await rampart(
      'analyze',
      ex('manifests/telemetry-agent.yaml'),
      '--audit-log',
      ex('audit/staging-audit.jsonl'),
      ...fleet,
      '--format',
      'json',
    );
    assert.equal(r.code, 1);
    const report = json(r.stdout);
    assert.equal(report.workloads.length, 1);
    assert.equal(report.workloads[0]?.source, 'audit');
  });

  void it('RBAC inference path: marked rbac-inferred in text', async () => {
    const r = await rampart('analyze', ex('manifests/log-shipper.yaml'), ...fleet);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /DaemonSet logging\/log-shipper\s+\(calls from rbac-inferred/);
    assert.match(r.stdout, /inferred from RBAC/);
    assert.match(r.stdout, /skipped: Service log-shipper-metrics/);
  });

  void it('SARIF 2.1.0 has the schema shape, with the workload file and line', async () => {
    const r = await rampart('analyze', ex('manifests'), ...fleet, '--format', 'sarif');
    assert.equal(r.code, 1);
    const sarif = JSON.parse(r.stdout) as {
      $schema: string;
      version: string;
      runs: {
        tool: {
          driver: {
            name: string;
            version: string;
            rules: { id: string; shortDescription: { text: string } }[];
          };
        };
        results: {
          ruleId: string;
          ruleIndex: number;
          level: string;
          message: { text: string };
          locations: {
            physicalLocation: { artifactLocation: { uri: string }; region: { startLine: number } };
          }[];
        }[];
      }[];
    };
    assert.equal(sarif.version, '2.1.0');
    assert.match(sarif.$schema, /sarif-schema-2\.1\.0\.json$/);
    assert.equal(sarif.runs.length, 1);
    const run = sarif.runs[0];
    assert.ok(run);
    assert.equal(run.tool.driver.name, 'rampart');
    assert.match(run.tool.driver.version, /^\d+\.\d+\.\d+/);
    const ruleIds = run.tool.driver.rules.map((x) => x.id);
    assert.equal(new Set(ruleIds).size, ruleIds.length);
    for (const res of run.results) {
      assert.ok(ruleIds.includes(res.ruleId));
      assert.equal(ruleIds[res.ruleIndex], res.ruleId);
      assert.ok(['error', 'warning', 'note', 'none'].includes(res.level));
      assert.ok(res.message.text.length > 0);
      const loc = res.locations[0]?.physicalLocation;
      assert.ok(loc && !loc.artifactLocation.uri.startsWith('/') && loc.region.startLine >= 1);
      assert.ok(existsSync(loc.artifactLocation.uri), loc.artifactLocation.uri);
    }
    const tel = run.results.find((x) => x.ruleId === 'rampart/control-plane-saturation');
    const file = ex('manifests/telemetry-agent.yaml');
    const dsLine = readFileSync(file, 'utf8').split('\n').indexOf('kind: DaemonSet');
    assert.equal(tel?.level, 'error');
    assert.equal(tel?.locations[0]?.physicalLocation.artifactLocation.uri, file);
    assert.equal(
      tel?.locations[0]?.physicalLocation.region.startLine,
      dsLine,
      'the apiVersion line just above kind',
    );
    const fan = run.results.find(
      (x) => x.ruleId === 'rampart/watch-fan-out' && x.message.text.includes('mesh-proxy'),
    );
    assert.equal(fan?.level, 'note');
    assert.equal(
      fan?.locations[0]?.physicalLocation.artifactLocation.uri,
      ex('manifests/endpoints-watcher.yaml'),
    );
  });

  void it('rampart schema prints the fleet and api-profile JSON Schemas', async () => {
    for (const kind of ['fleet', 'api-profile']) {
      const r = await rampart('schema', kind);
      assert.equal(r.code, 0, r.stderr);
      const schema = JSON.parse(r.stdout) as { type: string; properties: Record<string, unknown> };
      assert.equal(schema.type, 'object');
      assert.ok('spec' in schema.properties);
    }
  });

  void it('--output writes the report atomically and prints one line', async () => {
    const out = join(tmp, 'reports', 'analyze.sarif');
    const r = await rampart(
      'analyze',
      ex('manifests/node-agent.yaml'),
      ...fleet,
      '--format',
      'sarif',
      '--output',
      out,
    );
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /verdict low; report written to/);
    assert.equal((JSON.parse(readFileSync(out, 'utf8')) as { version: string }).version, '2.1.0');
    assert.deepEqual(readdirSync(join(tmp, 'reports')), ['analyze.sarif'], 'no temp file left behind');
  });
});

void describe('rampart analyze: bad input exits 2 with one line naming file:line', () => {
  const bad = (name: string, text: string): string => {
    const p = join(tmp, name);
    writeFileSync(p, text);
    return p;
  };
  const expectBad = async (args: string[], pattern: RegExp): Promise<void> => {
    const r = await rampart('analyze', ...args);
    assert.equal(r.code, 2, `exit code; stderr: ${r.stderr}`);
    assert.equal(r.stdout, '');
    assert.match(r.stderr, pattern);
    assert.equal(r.stderr.trim().split('\n').length, 1, `one line: ${r.stderr}`);
    assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
  };

  const fleetHead = 'apiVersion: rampart.dev/v1alpha1\nkind: Fleet\nspec:\n  clusters:\n    - name: a\n';
  const badFleets: { name: string; file: string; cluster: string; expect: RegExp }[] = [
    {
      name: 'a fleet with an unknown field',
      file: 'fleet.yaml',
      cluster: '      nodes: 10\n      podPerNode: 30\n',
      expect: /fleet\.yaml:7:\d+: spec\.clusters\[0\]\.podPerNode: unknown field/,
    },
    {
      name: 'a fleet with an impossible node count',
      file: 'fleet-nodes.yaml',
      cluster: '      nodes: 75000000\n',
      expect: /fleet-nodes\.yaml:6:\d+: spec\.clusters\[0\]\.nodes: at most 100,000 nodes/,
    },
  ];
  for (const c of badFleets) {
    void it(c.name, async () => {
      const f = bad(c.file, fleetHead + c.cluster);
      await expectBad([ex('manifests/node-agent.yaml'), '--fleet', f], c.expect);
    });
  }

  void it('malformed YAML in a manifest', async () => {
    const f = bad('broken.yaml', 'apiVersion: apps/v1\nkind: DaemonSet\nmetadata:\n  name: [oops\n');
    await expectBad([f], /broken\.yaml:\d+:\d+: malformed YAML/);
  });

  void it('a bad call in the annotation', async () => {
    const f = bad(
      'ann.yaml',
      'apiVersion: apps/v1\nkind: DaemonSet\nmetadata:\n  name: a\n  annotations:\n    rampart.dev/api-profile: |\n      - {verb: lisst, resource: pods, scope: cluster, everySeconds: 5}\n',
    );
    await expectBad([f], /ann\.yaml:7:\d+: annotation rampart\.dev\/api-profile: \[0\]\.verb: /);
  });

  void it('a profile with a wrong kind of value', async () => {
    const f = bad(
      'p.yaml',
      'apiVersion: rampart.dev/v1alpha1\nkind: ApiProfile\nmetadata: {name: a}\nspec:\n  target: {kind: DaemonSet, name: a}\n  calls:\n    - {verb: list, resource: pods, scope: cluster, everySeconds: -5}\n',
    );
    await expectBad(['--profile', f], /p\.yaml:7:\d+: spec\.calls\[0\]\.everySeconds: /);
  });

  void it('a missing file, nothing to analyze, and flag errors', async () => {
    await expectBad([join(tmp, 'nope.yaml')], /nope\.yaml: cannot read/);
    await expectBad([], /nothing to analyze/);
    await expectBad(
      [ex('manifests/node-agent.yaml'), '--audit-nodes', '40'],
      /--audit-nodes needs --audit-log/,
    );
  });

  void it('an unknown --format or --fail-on value (commander adds a usage hint line)', async () => {
    for (const [flag, value] of [
      ['--format', 'xml'],
      ['--fail-on', 'low'],
      ['--audit-nodes', '0'],
    ] as const) {
      const r = await rampart('analyze', ex('manifests/node-agent.yaml'), flag, value);
      assert.equal(r.code, 2, r.stderr);
      assert.match(r.stderr, new RegExp(`${flag} .*argument '${value}' is invalid`));
    }
  });

  void it('an audit log with no usable line', async () => {
    const f = bad('audit.jsonl', 'not json\n{"also": "not an event"}\n');
    await expectBad(
      ['--audit-log', f],
      /audit\.jsonl:1: no service-account API requests found in the audit log; 2 malformed line\(s\)/,
    );
  });
});
