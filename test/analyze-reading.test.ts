import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from '../src/cli/main.js';
import type { CliIo } from '../src/cli/io.js';

// analyze as CI runs it on a pull request: directories without workloads, templates, broken files, the
// one-line summary and the combined view, one flag style (--json/--sarif FILE|-).

async function rampart(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const io: CliIo = { out: (t) => void (out += t), err: (t) => void (err += t), isTty: false };
  const code = await main(['node', 'rampart', ...args], io);
  return { code, out, err };
}

const dir = (): string => mkdtempSync(join(tmpdir(), 'rampart-reading-'));
const ex = (p: string): string => `examples/analyze/${p}`;
const service = 'apiVersion: v1\nkind: Service\nmetadata: {name: web}\nspec: {ports: [{port: 80}]}\n';
const helmDaemonSet = `apiVersion: apps/v1
kind: DaemonSet
metadata:
  name: {{ include "agent.fullname" . }}
spec:
  template:
    spec:
      {{- with .Values.nodeSelector }}
      nodeSelector: {{ toYaml . | nindent 8 }}
      {{- end }}
`;

void describe('analyze reading a pull request', () => {
  void it('a directory with no workloads (only a Service, or nothing) is exit 0 with a warning', async () => {
    const d = dir();
    writeFileSync(join(d, 'svc.yaml'), service);
    const r = await rampart('analyze', d);
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, /warning: no workloads .* nothing to analyze/);
    assert.match(r.out, /skipped: Service web/);
    const empty = dir();
    assert.equal((await rampart('analyze', empty)).code, 0);
    // Profiles that yield nothing are still an error.
    assert.equal((await rampart('analyze', '--profile', join(d, 'svc.yaml'))).code, 2);
  });

  void it('an unrendered template says render it first; --skip-invalid reports and skips it', async () => {
    const d = dir();
    writeFileSync(join(d, 'ds.yaml'), helmDaemonSet);
    copyFileSync(ex('manifests/node-agent.yaml'), join(d, 'node-agent.yaml'));
    const failed = await rampart('analyze', d);
    assert.equal(failed.code, 2);
    assert.equal(failed.err.trim().split('\n').length, 1);
    assert.match(
      failed.err,
      /ds\.yaml:4: looks like an unrendered Helm or Jinja template .*render it first \(helm template/,
    );
    const skipped = await rampart('analyze', d, '--skip-invalid');
    assert.equal(skipped.code, 0, skipped.err);
    assert.match(skipped.out, /skipped \(--skip-invalid\): .*ds\.yaml:4/);
    assert.match(skipped.out, /DaemonSet monitoring\/node-agent/);
    // Broken YAML is skipped the same way, and the JSON lists it.
    writeFileSync(join(d, 'broken.yaml'), 'kind: [unclosed\n');
    const j = await rampart('analyze', d, '--skip-invalid', '--json', '-');
    const report = JSON.parse(j.out) as { invalid: { file: string; message: string }[] };
    assert.deepEqual(report.invalid.map((x) => x.file.replace(d, '')).sort(), ['/broken.yaml', '/ds.yaml']);
  });

  void it('a rendered manifest with template text in a value is read, not refused', async () => {
    const d = dir();
    const text = readFileSync(ex('manifests/node-agent.yaml'), 'utf8').replace(
      'metadata:',
      'metadata:\n  labels: {summary: "{{ $labels.instance }} is down"}',
    );
    writeFileSync(join(d, 'agent.yaml'), text);
    const r = await rampart('analyze', d);
    assert.equal(r.code, 0, r.err);
  });

  void it('the text report starts with one line per workload and shows all of them together', async () => {
    const r = await rampart('analyze', ex('manifests'), '--fleet', ex('fleet.yaml'));
    assert.equal(r.code, 1);
    const lines = r.out.split('\n');
    const summary = lines.slice(2, 7);
    assert.equal(summary.length, 5);
    for (const l of summary) assert.match(l, /^(LOW|MEDIUM|HIGH)\s+\S+ \S+\/\S+\s+O\(.+\)\s+(fits|no )/);
    assert.ok(
      summary.some((l) =>
        /telemetry-agent .*fits up to [\d,]+ nodes \(start-up burst\)\s+calls from annotation/.test(l),
      ),
    );
    assert.match(r.out, /All workloads together, per cluster/);
    assert.match(r.out, /level use: /);
    assert.match(r.out, /risk: queueing/);
  });

  void it('the same workload given twice is warned about', async () => {
    const d = dir();
    copyFileSync(ex('manifests/node-agent.yaml'), join(d, 'a.yaml'));
    copyFileSync(ex('manifests/node-agent.yaml'), join(d, 'b.yaml'));
    const r = await rampart('analyze', d);
    assert.match(r.out, /warning: DaemonSet monitoring\/node-agent is given 2 times/);
  });

  void it('a workload without calls does not borrow the cluster’s limit as its break-even', async () => {
    const d = dir();
    writeFileSync(
      join(d, 'quiet.yaml'),
      `apiVersion: apps/v1
kind: DaemonSet
metadata:
  name: quiet
  namespace: ops
  annotations:
    rampart.dev/api-profile: "[]"
spec:
  template: {spec: {containers: [{name: c, image: busybox}]}}
`,
    );
    const r = await rampart('analyze', d);
    assert.equal(r.code, 2, 'an empty calls list is refused');
    const p = await rampart('analyze', ex('manifests/node-agent.yaml'));
    assert.doesNotMatch(p.out, /no API calls known/);
  });

  void it('--json, --sarif and --output take a file or - for stdout; one of them at a time', async () => {
    const d = dir();
    const file = join(d, 'out.json');
    const written = await rampart('analyze', ex('manifests/node-agent.yaml'), '--json', file);
    assert.equal(written.code, 0, written.err);
    assert.equal((JSON.parse(readFileSync(file, 'utf8')) as { version: number }).version, 1);
    const sarif = await rampart('analyze', ex('manifests/node-agent.yaml'), '--sarif', '-');
    assert.equal((JSON.parse(sarif.out) as { version: string }).version, '2.1.0');
    const old = await rampart(
      'analyze',
      ex('manifests/node-agent.yaml'),
      '--format',
      'json',
      '--output',
      '-',
    );
    assert.equal((JSON.parse(old.out) as { version: number }).version, 1);
    const both = await rampart('analyze', ex('manifests/node-agent.yaml'), '--json', '-', '--sarif', '-');
    assert.equal(both.code, 2);
    mkdirSync(join(d, 'sub'));
  });

  void it('every command’s help lists its exit codes; the top level shows examples', async () => {
    for (const cmd of [
      ['analyze'],
      ['simulate'],
      ['compare'],
      ['schema'],
      ['breakglass', 'manifests'],
      ['breakglass', 'quarantine'],
      ['breakglass', 'fence'],
    ]) {
      const r = await rampart(...cmd, '--help');
      assert.equal(r.code, 0);
      assert.match(r.out, /Exit codes: 0 .*2 .*/s, cmd.join(' '));
    }
    const top = await rampart('--help');
    assert.match(top.out, /Examples:\n {2}rampart simulate/);
  });

  void it('an unknown field suggests the closest known one', async () => {
    const d = dir();
    const file = join(d, 'fleet.yaml');
    writeFileSync(
      file,
      'apiVersion: rampart.dev/v1alpha1\nkind: Fleet\nspec:\n  clusters:\n    - {name: a, nodes: 10, podsPerNod: 30}\n',
    );
    const r = await rampart('analyze', ex('manifests/node-agent.yaml'), '--fleet', file);
    assert.equal(r.code, 2);
    assert.match(r.err, /unknown field "podsPerNod"; did you mean "podsPerNode"\?/);
  });
});
