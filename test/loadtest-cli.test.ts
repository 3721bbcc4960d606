import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { runCliInProcess, tempDir, writeTemp } from './support/index.js';

// rampart loadtest without a cluster: its input checks (exit 2), an unreachable cluster (exit 3) and its
// help. The runs against a real API server are in test/e2e/incident-small.e2e.test.ts.
const dir = tempDir('rampart-loadtest-');
const profile = writeTemp(
  dir,
  'agent.yaml',
  `apiVersion: apps/v1
kind: DaemonSet
metadata:
  name: telemetry-agent
  namespace: telemetry
  annotations:
    rampart.dev/api-profile: |
      - {verb: list, resource: pods, scope: cluster, everySeconds: 30}
spec:
  selector: {matchLabels: {app: a}}
  template:
    metadata: {labels: {app: a}}
    spec: {serviceAccountName: telemetry-agent, containers: [{name: a, image: a}]}
`,
);
const noProfile = writeTemp(dir, 'plain.yaml', 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\n');
const kubeconfig = (port: number): string =>
  writeTemp(
    dir,
    `kc-${port}`,
    `apiVersion: v1
kind: Config
current-context: t
clusters: [{name: c, cluster: {server: "https://127.0.0.1:${port}", insecure-skip-tls-verify: true}}]
users: [{name: u, user: {token: do-not-print-me}}]
contexts: [{name: t, context: {cluster: c, user: u}}]
`,
  );

/** A port nothing listens on (bound, then released). */
async function closedPort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const address = srv.address();
  const port = typeof address === 'object' && address ? address.port : 1;
  await new Promise<void>((r) => srv.close(() => r()));
  return port;
}

describe('rampart loadtest (no cluster)', () => {
  it('refuses bad input with one line and exit 2', async () => {
    const kc = kubeconfig(1);
    for (const [args, pattern] of [
      [['--profile', profile, '--kubeconfig', kc, '--agents', '10,5'], /--agents: steps must increase/],
      [
        ['--profile', profile, '--kubeconfig', kc, '--agents', '1', '--hold', '1s'],
        /--hold: 1s must be from 5s to 1h/,
      ],
      [['--profile', noProfile, '--kubeconfig', kc, '--agents', '1'], /no ApiProfile and no workload/],
      [
        ['--profile', profile, '--kubeconfig', join(dir, 'missing'), '--agents', '1'],
        /--kubeconfig: .* cannot be read/,
      ],
      [
        ['--profile', profile, '--kubeconfig', kc, '--context', 'other', '--agents', '1'],
        /no context named "other"/,
      ],
    ] as const) {
      const r = await runCliInProcess(['loadtest', ...args]);
      assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
      assert.match(r.stderr, pattern);
      assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
    }
  });

  it('says in one line, exit 3, that an unreachable cluster is unreachable, and never prints the token', async () => {
    const r = await runCliInProcess([
      'loadtest',
      '--profile',
      profile,
      '--kubeconfig',
      kubeconfig(await closedPort()),
      '--agents',
      '1',
    ]);
    assert.equal(r.code, 3, r.stderr);
    assert.match(r.stderr, /^rampart: cannot reach https:\/\/127\.0\.0\.1:\d+: /);
    assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
    assert.ok(!`${r.stdout}${r.stderr}`.includes('do-not-print-me'));
  });

  it('documents its thresholds, exit codes, JSON and an example in --help', async () => {
    const r = await runCliInProcess(['loadtest', '--help']);
    assert.equal(r.code, 0);
    for (const text of [
      'Exit codes: 0',
      '3 the cluster could not be reached',
      '"predictedBreakEvenAgents"',
      'Example:',
    ])
      assert.ok(r.stdout.includes(text), text);
  });
});
