import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parse } from 'yaml';
import { ensureBuilt } from '../../testbed/launcher/build.js';
import {
  killRampartChildren,
  kubectl,
  launcher,
  rampartAsync,
  testbedSkipReason,
} from '../support/testbed.js';

// The operator's side of a live rollout on one 20-node testbed, read through the API server's own /metrics
// (no Prometheus): `plan` resolves every signal and changes nothing; a rollout holding on a gate the cluster
// cannot answer (no CoreDNS on a testbed) pauses, `status` says so, `approve <cluster>` lets it past and the
// rollout completes; no credential from the kubeconfig is written to the state, its sidecars or stdout.
const repo = resolve(import.meta.dirname, '..', '..');
const fixtures = join(repo, 'test', 'fixtures', 'live');
const skip = testbedSkipReason();
const name = `live-cli-${process.pid}`;
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

interface Up {
  kubeconfig: string;
  contexts: { admin: string; oncall: string };
}

/** The bearer tokens and client keys of a kubeconfig: what must never appear in Rampart's files. */
function secretsOf(kubeconfig: string): string[] {
  const doc = parse(readFileSync(kubeconfig, 'utf8')) as {
    users?: { user?: { token?: string; 'client-key-data'?: string } }[];
  };
  return (doc.users ?? [])
    .flatMap((u) => [u.user?.token, u.user?.['client-key-data']])
    .filter((s): s is string => typeof s === 'string' && s.length >= 8);
}

describe(
  'rampart rollout plan, status and approve against a real API server',
  { skip, timeout: 30 * 60_000 },
  () => {
    let up: Up | undefined;
    let dir = '';
    const must = (): Up => {
      if (!up) throw new Error('testbed did not come up');
      return up;
    };

    before(
      async () => {
        await ensureBuilt((line) => process.stderr.write(`testbed: ${line}\n`));
        dir = mkdtempSync(join(tmpdir(), 'rampart-live-cli-'));
        up = JSON.parse(
          await launcher(['up', name, '--nodes', '20', '--pods-per-node', '5'], 15 * 60_000),
        ) as Up;
        writeFileSync(
          join(dir, 'fleet.yaml'),
          [
            'apiVersion: rampart.dev/v1alpha1',
            'kind: Fleet',
            'spec:',
            '  clusters:',
            `    - {name: tb, context: ${up.contexts.oncall}, kubeconfig: ${up.kubeconfig}, metrics: apiserver}`,
            '',
          ].join('\n'),
        );
        // One step on every node, a short bake, and a gate the testbed cannot answer: it holds for approval.
        writeFileSync(
          join(dir, 'policy.yaml'),
          [
            'apiVersion: rampart.dev/v1alpha1',
            'kind: RolloutPolicy',
            'metadata: {name: approve-past-dns}',
            'spec:',
            '  waves: {plan: auto, canarySize: 1}',
            '  bake: 10s',
            '  gates:',
            '    - {signal: change_ready_ratio, window: 10s, aggregate: last, threshold: {absolute: 0.95}}',
            '    - {signal: coredns_servfail_ratio, window: 10s, threshold: {absolute: 0.05}}',
            '  inconclusive: {timeout: 20m, then: halt-and-rollback}',
            '  breakGlass: true',
            '',
          ].join('\n'),
        );
      },
      { timeout: 20 * 60_000 },
    );

    after(async () => {
      killRampartChildren();
      await launcher(['down', name], 180_000).catch((err: unknown) =>
        process.stderr.write(`${String(err)}\n`),
      );
      if (dir) rmSync(dir, { recursive: true, force: true });
    });

    it('plan prints the waves, node steps and every signal source, and changes nothing', async () => {
      const u = must();
      const fleet = join(dir, 'fleet.yaml');
      const change = join(fixtures, 'node-agent.yaml');
      const policy = join(fixtures, 'guarded-testbed.yaml');
      const text = await rampartAsync(
        ['rollout', 'plan', '--fleet', fleet, '--change', change, '--policy', policy],
        120_000,
      );
      assert.equal(text.code, 0, text.stderr);
      assert.match(text.stdout, /^Plan: DaemonSet node-agent\/node-agent/m);
      assert.match(text.stdout, /tb: 1 → 2 → 20 nodes; signals from apiserver/);
      assert.match(
        text.stdout,
        /tb apf_seat_utilization: from successive scrapes of the API server's \/metrics/,
      );
      assert.match(text.stdout, /extrapolation gate: change_seat_demand over 30s/);
      const json = await rampartAsync(
        ['rollout', 'plan', '--fleet', fleet, '--change', change, '--policy', policy, '--json'],
        120_000,
      );
      assert.equal(json.code, 0, json.stderr);
      const plan = JSON.parse(json.stdout) as {
        waves: { clusters: string[] }[];
        clusters: { name: string; nodes: number; steps: number[]; source: string }[];
      };
      assert.deepEqual(
        plan.waves.flatMap((w) => w.clusters),
        ['tb'],
      );
      assert.deepEqual(plan.clusters[0]?.steps, [1, 2, 20]);
      assert.equal(plan.clusters[0]?.nodes, 20, 'node count read from the cluster');
      assert.equal(plan.clusters[0]?.source, 'apiserver');
      const ds = await kubectl(u.kubeconfig, u.contexts.admin, [
        'get',
        'daemonset',
        '-n',
        'node-agent',
        'node-agent',
        '--ignore-not-found',
        '-o',
        'name',
      ]);
      assert.equal(ds.code, 0, ds.stderr);
      assert.equal(ds.stdout.trim(), '', 'plan applied nothing');
    });

    it('a gate the cluster cannot answer pauses the rollout; status shows it; approve lets it complete', async () => {
      const u = must();
      const state = join(dir, 'rollout.json');
      const started = Date.now();
      const run = rampartAsync(
        [
          'rollout',
          'run',
          '--fleet',
          join(dir, 'fleet.yaml'),
          '--change',
          join(fixtures, 'node-agent.yaml'),
          '--policy',
          join(dir, 'policy.yaml'),
          '--state',
          state,
          '--interval',
          '2s',
          '--yes',
          '--report',
          join(dir, 'rollout.html'),
        ],
        20 * 60_000,
      );
      let paused = '';
      for (let i = 0; i < 300 && paused === ''; i++) {
        await sleep(2_000);
        const s = await rampartAsync(['rollout', 'status', '--state', state, '--json'], 300_000);
        if (s.code !== 0) continue;
        const st = JSON.parse(s.stdout) as { status: { kind: string; detail?: string }; running: boolean };
        if (st.status.kind === 'paused') {
          assert.ok(st.running, 'status sees the running process');
          paused = st.status.detail ?? '';
        }
      }
      assert.match(paused, /tb at 100%/, 'paused on the gate the testbed cannot answer');
      const text = await rampartAsync(['rollout', 'status', '--state', state], 300_000);
      assert.equal(text.code, 0, text.stderr);
      assert.match(text.stdout, /under approve-past-dns: paused/);
      const wrong = await rampartAsync(['rollout', 'approve', 'nope', '--state', state], 300_000);
      assert.equal(wrong.code, 2);
      assert.match(wrong.stderr, /nope is not waiting for approval \(waiting: tb\)/);
      const ok = await rampartAsync(['rollout', 'approve', 'tb', '--state', state, '--by', 'e2e'], 300_000);
      assert.equal(ok.code, 0, ok.stderr);
      const done = await run;
      assert.equal(done.code, 0, `completed after approval: ${done.stderr}\n${done.stdout.slice(-2000)}`);
      assert.match(done.stdout, /rollout completed/);
      assert.match(done.stdout, /tb: .*Rampart's requests: \d+ \(\d+ via break-glass/);
      // The report of the whole rollout, written when it ended: the cluster, the outcome, the approval,
      // and Rampart's own requests, from the journal beside the state.
      assert.match(done.stdout, new RegExp(`HTML report written to ${join(dir, 'rollout.html')}`));
      const html = readFileSync(join(dir, 'rollout.html'), 'utf8');
      assert.match(html, /data-cluster="tb"/);
      assert.match(html, /<div class="k">Outcome<\/div><div class="v">completed<\/div>/);
      assert.match(html, /approved by e2e/);
      assert.match(html, /Rampart&#39;s requests<\/div><div class="v">[1-9][\d,]*<\/div>/);
      assert.doesNotMatch(html.replace(/<script>[\s\S]*?<\/script>/g, ''), /NaN/);
      const again = await rampartAsync(
        ['rollout', 'report', '--state', state, '--report', join(dir, 'again.html')],
        300_000,
      );
      assert.equal(again.code, 0, again.stderr);
      assert.match(readFileSync(join(dir, 'again.html'), 'utf8'), /data-cluster="tb"/);
      process.stderr.write(
        `\nlive CLI figures: plan → paused → approved → completed in ${Math.round((Date.now() - started) / 1000)} s\n`,
      );
      const ds = await kubectl(u.kubeconfig, u.contexts.admin, [
        'get',
        'daemonset',
        '-n',
        'node-agent',
        'node-agent',
        '-o',
        'jsonpath={.status.desiredNumberScheduled}',
      ]);
      assert.equal(ds.stdout.trim(), '20');
      // Nothing Rampart wrote carries a credential of the kubeconfig.
      const secrets = secretsOf(u.kubeconfig);
      assert.ok(secrets.length > 0, 'the kubeconfig has tokens to look for');
      const written = readdirSync(dir)
        .filter((f) => f.startsWith('rollout.'))
        .map((f) => readFileSync(join(dir, f), 'utf8'));
      assert.ok(written.length >= 4, 'state, its sidecars (the journal among them) and the report');
      for (const text of [...written, done.stdout, done.stderr])
        for (const s of secrets) assert.ok(!text.includes(s), 'no kubeconfig credential written');
      const after = await rampartAsync(['rollout', 'status', '--state', state, '--json'], 300_000);
      assert.equal(after.code, 0);
      assert.equal((JSON.parse(after.stdout) as { status: { kind: string } }).status.kind, 'completed');
    });
  },
);
