import { after, before, describe, it, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { KubeHttp } from '../../src/loadtest/kube-http.js';
import type { ClusterCredentials } from '../../src/loadtest/kubeconfig.js';
import { ensureBuilt } from '../../testbed/launcher/build.js';
import { runDir } from '../../testbed/launcher/paths.js';
import {
  acquireTestbedLock,
  apiserverRecord,
  httpProbes,
  kubectl,
  kubectlProbes,
  launcher,
  logTails,
  rampartAsync,
  rejectionsByLevel,
  dispatchedByLevel,
  residentBytes,
  scrape,
  serverP99,
  testbedCredentials,
  testbedHttp,
  testbedSkipReason,
  type ProbeStats,
  telemetryAgentManifest,
  type TestbedUp,
} from '../support/testbed.js';

// The 2024-12-11 incident at small scale on a real kube-apiserver: 300 fake nodes, 600 filler pods padded
// to ~14 KB of JSON each (real pods are ~20 KB; KWOK's bare ones ~6 KB), 30 seats on two cores. The
// telemetry agent of scenarios/incident-2024-12-11.yaml — every replica LISTs every pod — runs as a
// DaemonSet whose pods get virtual agents with their own service-account tokens. Its period is 30 s
// instead of the scenario's 120 s: the cluster is 25× smaller than the incident's, and a LIST here is
// that much cheaper, so a shorter period puts 100% of the nodes well past what 30 seats serve while 1%
// (3 nodes) stays far below.
const name = `inc-${process.pid}`;
// Its regimes are sized for one machine's speed: on a quiet machine (CI's, or this one idle) 300 agents
// LISTing every 30 s do not overload the 30-seat server, so the seats-only and memory cases find nothing to
// show. Until the load is sized from the measured break-even, it is a
// measurement run on demand (RAMPART_MEASURE=1), like the calibration bench, not a CI gate.
const skip =
  process.env['RAMPART_MEASURE'] === '1'
    ? testbedSkipReason()
    : 'the incident-small measurement runs on demand: RAMPART_MEASURE=1 (its load is sized for one machine)';
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const agentPeriodS = 30;
const seats = 30;

const agentManifest = (nodeSelector: string): string =>
  telemetryAgentManifest({ everySeconds: agentPeriodS, nodeSelector });

const fmt = (p: ProbeStats): string =>
  `${p.ok}/${p.n} ok (${((100 * p.ok) / Math.max(1, p.n)).toFixed(1)}%), ${p.throttled} throttled, p50 ${p.p50S.toFixed(2)} s, p99 ${p.p99S.toFixed(2)} s`;

describe('the incident, small, on a real kube-apiserver', { skip, timeout: 60 * 60_000 }, () => {
  let up: TestbedUp | undefined;
  let failed = false;
  let release: (() => void) | undefined;
  let work = '';
  let admin: ClusterCredentials | undefined;
  let http: KubeHttp | undefined;
  const results: Record<string, unknown> = {};
  // The API server's resident size with 1% and with 100% of the agents (seats only): the memory limit of
  // the second regime goes between them.
  let rssLight = 0;
  let rssHeavy = 0;
  const sampleRss = async (seconds: number): Promise<number> => {
    let max = 0;
    for (let i = 0; i < seconds * 2; i++) {
      max = Math.max(max, residentBytes(apiserverRecord(name)?.pid ?? 0));
      await sleep(500);
    }
    return max;
  };

  before(
    async () => {
      release = await acquireTestbedLock(40 * 60_000);
      await ensureBuilt((line) => process.stderr.write(`testbed: ${line}\n`));
      up = JSON.parse(
        await launcher(
          [
            'up',
            name,
            '--nodes',
            '300',
            '--pods-per-node',
            '2',
            '--pod-padding',
            '8000',
            '--seats',
            String(seats),
          ],
          15 * 60_000,
        ),
      ) as TestbedUp;
      work = mkdtempSync(join(tmpdir(), 'rampart-incident-'));
      admin = testbedCredentials(up.kubeconfig, up.contexts.admin);
      http = testbedHttp(admin);
      // The change's namespace, account and rights exist before anything runs (loadtest then leaves them).
      const setup = await kubectl(
        up.kubeconfig,
        up.contexts.admin,
        ['apply', '-f', '-'],
        agentManifest('{}').split('---\n').slice(0, 4).join('---\n'),
      );
      assert.equal(setup.code, 0, setup.stderr);
    },
    { timeout: 45 * 60_000 },
  );

  after(async () => {
    if (failed) process.stderr.write(`${logTails(name)}\n`);
    process.stderr.write(`incident-small results: ${JSON.stringify(results)}\n`);
    http?.close();
    await launcher(['down', name], 120_000).catch((err: unknown) => process.stderr.write(`${String(err)}\n`));
    if (work) rmSync(work, { recursive: true, force: true });
    release?.();
  });

  const step =
    (fn: (t: TestContext) => Promise<void>) =>
    async (t: TestContext): Promise<void> => {
      try {
        await fn(t);
      } catch (err) {
        failed = true;
        throw err;
      }
    };
  const must = (): { u: TestbedUp; h: KubeHttp; token: string } => {
    if (!up || !http || !admin?.token) throw new Error('testbed did not come up');
    return { u: up, h: http, token: admin.token };
  };
  const note = (t: TestContext, key: string, value: unknown): void => {
    results[key] = value;
    t.diagnostic(`${key}: ${typeof value === 'string' ? value : JSON.stringify(value)}`);
  };
  const apply = async (yaml: string): Promise<void> => {
    const { u } = must();
    const r = await kubectl(u.kubeconfig, u.contexts.admin, ['apply', '-f', '-'], yaml);
    assert.equal(r.code, 0, r.stderr);
  };
  /** Running agents of the DaemonSet, as the testbed controller last reported them. */
  const agentCount = (): number => {
    try {
      const a = JSON.parse(readFileSync(join(runDir(name), 'agents.json'), 'utf8')) as {
        agents: Record<string, number>;
      };
      return a.agents['DaemonSet telemetry/telemetry-agent'] ?? 0;
    } catch {
      return 0;
    }
  };
  const waitAgents = async (atLeast: number, atMost: number, timeoutMs: number): Promise<number> => {
    const end = performance.now() + timeoutMs;
    let n = agentCount();
    while ((n < atLeast || n > atMost) && performance.now() < end) {
      await sleep(2_000);
      n = agentCount();
    }
    return n;
  };
  /** User and on-call at the same time: kubectl (success as a person sees it) and direct GETs (latency). */
  const probeEveryone = async (
    durationMs: number,
  ): Promise<{ user: ProbeStats; oncall: ProbeStats; userHttp: ProbeStats; oncallHttp: ProbeStats }> => {
    const { u } = must();
    const userCreds = testbedCredentials(u.kubeconfig, u.contexts.user);
    const oncallCreds = testbedCredentials(u.kubeconfig, u.contexts.oncall);
    const h = must().h;
    const paths = [
      '/api/v1/namespaces/default/pods',
      '/api/v1/namespaces/filler/pods?limit=20',
      '/apis/apps/v1/daemonsets',
    ];
    const [user, oncall, userHttp, oncallHttp] = await Promise.all([
      kubectlProbes(u.kubeconfig, u.contexts.user, ['get', 'pods', '-n', 'default'], durationMs),
      kubectlProbes(u.kubeconfig, u.contexts.oncall, ['get', 'pods', '-n', 'default'], durationMs),
      httpProbes(h, userCreds.token ?? '', paths, durationMs, 500),
      httpProbes(h, oncallCreds.token ?? '', paths, durationMs, 500),
    ]);
    return { user, oncall, userHttp, oncallHttp };
  };

  /**
   * After quarantining the agent: windows of ~8 s until one where every level but the quarantine rejects
   * nothing, the user's and on-call's requests see no 429 and a p99 ≤ 2 s, and the server's p99 of
   * everything but LIST/WATCH (the agents only LIST) is ≤ 2 s. Returns seconds from `since` to that
   * window's end, or null after `limitS`.
   */
  const timeToRecover = async (
    t: TestContext,
    since: number,
    limitS: number,
    label: string,
  ): Promise<number | null> => {
    const { h, token, u } = must();
    const userTok = testbedCredentials(u.kubeconfig, u.contexts.user).token ?? '';
    const oncallTok = testbedCredentials(u.kubeconfig, u.contexts.oncall).token ?? '';
    const paths = ['/api/v1/namespaces/default/pods', '/apis/apps/v1/daemonsets'];
    while ((performance.now() - since) / 1000 < limitS) {
      const restartsBefore = apiserverRecord(name)?.restarts ?? 0;
      const a = await scrape(h, token);
      const [pu, po] = await Promise.all([
        httpProbes(h, userTok, paths, 8_000, 250),
        httpProbes(h, oncallTok, paths, 8_000, 250),
      ]);
      const b = await scrape(h, token);
      const restarted = (apiserverRecord(name)?.restarts ?? 0) !== restartsBefore;
      const elapsed = (performance.now() - since) / 1000;
      if (!a || !b || restarted) {
        t.diagnostic(
          `${label} +${elapsed.toFixed(0)} s: server ${restarted ? 'restarted' : 'did not answer /metrics'}`,
        );
        continue;
      }
      const rejected = rejectionsByLevel(a, b);
      const others = Object.entries(rejected).filter(([l]) => l !== 'rampart-quarantine');
      const p99 = serverP99(a, b, (v) => v !== 'LIST' && v !== 'WATCH' && v !== 'CONNECT');
      t.diagnostic(
        `${label} +${elapsed.toFixed(0)} s: rejected ${JSON.stringify(rejected)}, user ${fmt(pu)}, on-call ${fmt(po)}, server p99 (not LIST) ${p99.toFixed(2)} s`,
      );
      const ok =
        others.length === 0 &&
        pu.throttled + po.throttled === 0 &&
        pu.ok === pu.n &&
        po.ok === po.n &&
        Math.max(pu.p99S, po.p99S) <= 2 &&
        p99 <= 2;
      if (ok) return elapsed;
    }
    return null;
  };

  it(
    'rampart loadtest on this cluster: measured break-even within 2x of analyze',
    step(async (t) => {
      const { u } = must();
      const profile = join(work, 'telemetry-agent.yaml');
      writeFileSync(profile, agentManifest('{}').split('---\n').at(-1) ?? '');
      const out = join(work, 'loadtest.json');
      const started = performance.now();
      const r = await rampartAsync(
        [
          'loadtest',
          '--profile',
          profile,
          '--kubeconfig',
          u.kubeconfig,
          '--context',
          u.contexts.admin,
          '--agents',
          '4,6,10,16,25,40,64,100,160,256,320,400,500,640',
          '--hold',
          '10s',
          '--json',
          out,
          '--yes',
        ],
        15 * 60_000,
      );
      note(t, 'loadtest wall s', Math.round((performance.now() - started) / 1000));
      t.diagnostic(r.stdout);
      assert.ok(r.code === 0 || r.code === 1, `exit ${r.code}: ${r.stderr.slice(-500)}`);
      const json = JSON.parse(readFileSync(out, 'utf8')) as Record<string, unknown>;
      assert.deepEqual(Object.keys(json).sort(), [
        'breakEvenAgents',
        'cluster',
        'predictedBreakEvenAgents',
        'steps',
      ]);
      const steps = json['steps'] as Record<string, unknown>[];
      for (const s of steps)
        assert.deepEqual(Object.keys(s).sort(), [
          'agents',
          'p50S',
          'p99S',
          'rejectedRatio',
          'requestsPerS',
          'seatsInUse',
          'seatsLimit',
          'verdict',
        ]);
      const cluster = json['cluster'] as { nodes: number; pods: number };
      assert.equal(cluster.nodes, 300);
      const measured = json['breakEvenAgents'] as number | null;
      const predicted = json['predictedBreakEvenAgents'] as number | null;
      note(t, 'loadtest', { measured, predicted, steps: steps.map((s) => [s['agents'], s['verdict']]) });
      assert.equal(r.code, measured === null ? 0 : 1);
      assert.ok(measured !== null, 'the ramp to 640 agents never broke a threshold');
      assert.ok(predicted !== null);
      const ratio = measured / predicted;
      note(t, 'measured/predicted break-even (analyze as is)', ratio.toFixed(2));
      // analyze's calibration is a big control-plane VM's (§4.3: 18.3 s for a 2 GB LIST); this server is
      // two shared cores. The command also predicts with the model's request times scaled to this server's
      // measured speed for the same LIST: that ratio tests the model's APF and queueing, the first its
      // hardware assumptions too (README "What a real API server did").
      assert.match(r.stdout, /measured \/ predicted: \d/);
      const calibrated = /measured \/ predicted at measured speed: ([\d.]+)/.exec(r.stdout);
      assert.ok(calibrated?.[1], 'no prediction at the measured speed');
      const calRatio = Number(calibrated[1]);
      note(t, 'measured/predicted break-even (model at measured speed)', calRatio.toFixed(2));
      assert.ok(
        calRatio >= 0.5 && calRatio <= 2,
        `measured ${measured} vs the model at this server's speed: ratio ${calRatio} (analyze as is: ${ratio.toFixed(2)})`,
      );
    }),
  );

  it(
    'seats only: 1% of nodes is fine, 100% overloads only its own level; break-glass keeps on-call working; quarantine restores everyone within a minute',
    step(async (t) => {
      const { u, h, token } = must();
      // 1% of the nodes: three of them labelled as canaries.
      const label = await kubectl(u.kubeconfig, u.contexts.admin, [
        'label',
        'node',
        'node-00000',
        'node-00001',
        'node-00002',
        'rampart.dev/canary=true',
      ]);
      assert.equal(label.code, 0, label.stderr);
      await apply(agentManifest('{rampart.dev/canary: "true"}'));
      assert.equal(await waitAgents(3, 3, 90_000), 3);
      rssLight = await sampleRss(agentPeriodS);
      let a = await scrape(h, token);
      const canary = await probeEveryone(15_000);
      let b = await scrape(h, token);
      assert.ok(a && b);
      note(t, '1% rejections by level', rejectionsByLevel(a, b));
      note(t, '1% user kubectl', fmt(canary.user));
      note(t, '1% on-call kubectl', fmt(canary.oncall));
      assert.deepEqual(rejectionsByLevel(a, b), {});

      // 100% of the nodes.
      await apply(agentManifest('{}'));
      note(t, 'agents at 100%', await waitAgents(295, 400, 180_000));
      // Queues fill for up to 15 s before the first time-outs.
      rssHeavy = await sampleRss(20);
      note(t, 'RSS MiB at 1% / 100%', [Math.round(rssLight / 2 ** 20), Math.round(rssHeavy / 2 ** 20)]);
      a = await scrape(h, token);
      const full = await probeEveryone(25_000);
      b = await scrape(h, token);
      assert.ok(a && b);
      const rejected = rejectionsByLevel(a, b);
      note(t, '100% rejections by level', rejected);
      note(t, '100% dispatched by level', dispatchedByLevel(a, b));
      note(t, '100% user kubectl', fmt(full.user));
      note(t, '100% on-call kubectl', fmt(full.oncall));
      note(t, '100% user GET', fmt(full.userHttp));
      note(t, '100% on-call GET', fmt(full.oncallHttp));
      note(
        t,
        '100% server p99 not LIST',
        serverP99(a, b, (v) => !['LIST', 'WATCH', 'CONNECT'].includes(v)).toFixed(2),
      );
      assert.ok(
        (rejected['workload-low'] ?? 0) > 0,
        `the agents' level rejected nothing: ${JSON.stringify(rejected)}`,
      );
      assert.deepEqual(Object.keys(rejected), ['workload-low'], 'APF let the damage out of the agents level');

      // Break-glass: reserved seats for the on-call group.
      const bg = await rampartAsync(
        [
          'breakglass',
          'manifests',
          '--group',
          'breakglass-oncall',
          '--seats',
          '3',
          '--server-seats',
          String(seats),
        ],
        60_000,
      );
      assert.equal(bg.code, 0, bg.stderr);
      await apply(bg.stdout);
      await sleep(5_000);
      a = await scrape(h, token);
      const glass = await probeEveryone(25_000);
      b = await scrape(h, token);
      assert.ok(a && b);
      note(t, 'break-glass on-call kubectl', fmt(glass.oncall));
      note(t, 'break-glass on-call GET', fmt(glass.oncallHttp));
      note(t, 'break-glass user kubectl', fmt(glass.user));
      note(t, 'break-glass dispatched by level', dispatchedByLevel(a, b));
      assert.ok(
        (dispatchedByLevel(a, b)['rampart-break-glass'] ?? 0) > 0,
        'on-call did not land in rampart-break-glass',
      );
      assert.ok(glass.oncall.ok / glass.oncall.n >= 0.99, `on-call kubectl ${fmt(glass.oncall)}`);

      // Quarantine the agent's service account.
      const q = await rampartAsync(
        ['breakglass', 'quarantine', '--serviceaccount', 'telemetry/telemetry-agent'],
        60_000,
      );
      assert.equal(q.code, 0, q.stderr);
      const since = performance.now();
      await apply(q.stdout);
      const recovered = await timeToRecover(t, since, 90, 'seats-only quarantine');
      note(t, 'seats-only: recovered after quarantine (s)', recovered);
      assert.ok(recovered !== null && recovered <= 60, `not recovered within a minute (${recovered})`);
    }),
  );

  it(
    'memory exhausted: restarts lock everyone out, break-glass alone does not help; quarantine brings the server back',
    step(async (t) => {
      const { u } = must();
      // Between what the server holds with a few agents and with all of them: past it the watchdog kills
      // it, as the OOM killer would; a restarted server grows back to it as the agents come back.
      const limitMiB = Math.round((rssLight + rssHeavy) / 2 / 2 ** 20);
      note(t, 'memory limit MiB', limitMiB);
      assert.ok(
        rssHeavy - rssLight > 40 * 2 ** 20,
        'the agents did not grow the server: no room for a limit',
      );
      await launcher(['limit', name, '--apiserver-memory', `${limitMiB}Mi`], 60_000);
      const del = await kubectl(u.kubeconfig, u.contexts.admin, [
        'delete',
        'flowschema',
        'rampart-quarantine-telemetry-telemetry-agent',
      ]);
      assert.equal(del.code, 0, del.stderr);
      const restarts0 = apiserverRecord(name)?.restarts ?? 0;
      const locked = await probeEveryone(60_000);
      const restarts = (apiserverRecord(name)?.restarts ?? 0) - restarts0;
      note(t, 'memory: restarts in 60 s', restarts);
      note(t, 'memory: on-call kubectl (break-glass applied)', fmt(locked.oncall));
      note(t, 'memory: user kubectl', fmt(locked.user));
      note(t, 'memory: on-call GET', fmt(locked.oncallHttp));
      note(t, 'memory: user GET', fmt(locked.userHttp));
      assert.ok(restarts >= 1, 'the API server never ran out of memory: the regime was not reached');

      // Quarantine again: applied as soon as the server takes it.
      const q = await rampartAsync(
        ['breakglass', 'quarantine', '--serviceaccount', 'telemetry/telemetry-agent'],
        60_000,
      );
      assert.equal(q.code, 0, q.stderr);
      const tryFrom = performance.now();
      let applied = false;
      while (!applied && performance.now() - tryFrom < 120_000) {
        const r = await kubectl(u.kubeconfig, u.contexts.oncall, ['apply', '-f', '-'], q.stdout);
        applied = r.code === 0;
        if (!applied) await sleep(1_000);
      }
      note(t, 'memory: quarantine applied after (s)', Math.round((performance.now() - tryFrom) / 1000));
      assert.ok(applied, 'on-call could not apply the quarantine within 2 minutes');
      const since = performance.now();
      const recovered = await timeToRecover(t, since, 90, 'memory quarantine');
      note(t, 'memory: recovered after quarantine (s)', recovered);
      note(t, 'memory: restarts in all', apiserverRecord(name)?.restarts ?? 0);
      assert.ok(recovered !== null && recovered <= 60, `not recovered within a minute (${recovered})`);
    }),
  );
});
