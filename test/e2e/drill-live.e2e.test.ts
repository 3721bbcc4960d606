import { after, before, describe, it, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { join, resolve } from 'node:path';
import { ensureBuilt } from '../../testbed/launcher/build.js';
import type { JsonAnswer, KubeHttp } from '../../src/loadtest/kube-http.js';
import {
  kubectl,
  launcher,
  logTails,
  rampartAsync,
  testbedCredentials,
  testbedHttp,
  testbedSkipReason,
} from '../support/testbed.js';

// rampart drill live on a real kube-apiserver (testbed: 5 fake nodes): the starved service account gets
// 429s while a plain user does not, and no drill object is left — after the drill's end, Ctrl-C,
// SIGKILL followed by `drill revert`, and SIGKILL followed by a new drill once the leftovers expired.
const name = `drill-${process.pid}`;
const skip = testbedSkipReason();
const repo = resolve(import.meta.dirname, '..', '..');
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

interface Up {
  kubeconfig: string;
  contexts: { admin: string; oncall: string; user: string };
}

const victimManifest = `apiVersion: v1
kind: Namespace
metadata: {name: drill}
---
apiVersion: v1
kind: ServiceAccount
metadata: {name: victim, namespace: drill}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: drill-victim-view}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: view}
subjects: [{kind: ServiceAccount, name: victim, namespace: drill}]
`;

describe(
  'drill live on a testbed: starves one identity, reverts in every way',
  { skip, timeout: 30 * 60_000 },
  () => {
    let up: Up | undefined;
    let http: KubeHttp | undefined;
    let victimToken = '';
    let userToken = '';
    let failed = false;
    const children: ChildProcess[] = [];

    before(
      async () => {
        await ensureBuilt((line) => process.stderr.write(`testbed: ${line}\n`));
        up = JSON.parse(
          await launcher(['up', name, '--nodes', '5', '--pods-per-node', '4'], 10 * 60_000),
        ) as Up;
        const applied = await kubectl(up.kubeconfig, up.contexts.admin, ['apply', '-f', '-'], victimManifest);
        assert.equal(applied.code, 0, applied.stderr);
        const token = await kubectl(up.kubeconfig, up.contexts.admin, [
          'create',
          'token',
          'victim',
          '-n',
          'drill',
          '--duration=1h',
        ]);
        assert.equal(token.code, 0, token.stderr);
        victimToken = token.stdout.trim();
        const user = testbedCredentials(up.kubeconfig, up.contexts.user);
        userToken = user.token ?? '';
        http = testbedHttp(user);
        // The authorizer sees a new binding a moment after it is created: wait until the victim may list
        // pods, or its first LISTs get 403 (seen on CI) and the test would measure RBAC, not the drill.
        for (let i = 0; ; i++) {
          const a: JsonAnswer = await http.json('GET', '/api/v1/pods?limit=1', victimToken, {
            timeoutMs: 10_000,
          });
          if (a.status === 200) break;
          if (i >= 120) assert.fail(`the victim still cannot list pods after 60 s: ${a.status}`);
          await sleep(500);
        }
      },
      { timeout: 20 * 60_000 },
    );

    after(async () => {
      for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
      http?.close();
      if (failed) process.stderr.write(`${logTails(name)}\n`);
      await launcher(['down', name], 120_000).catch((err: unknown) =>
        process.stderr.write(`${String(err)}\n`),
      );
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
    const must = (): Up => {
      if (!up) throw new Error('testbed did not come up');
      return up;
    };
    const drillArgs = (args: readonly string[]): string[] => [
      'drill',
      ...args,
      '--kubeconfig',
      must().kubeconfig,
      '--context',
      must().contexts.admin,
    ];

    /** Drill objects on the cluster, as `kind/name` lines. */
    const drillObjects = async (): Promise<string[]> => {
      const u = must();
      const r = await kubectl(u.kubeconfig, u.contexts.admin, [
        'get',
        'flowschemas,prioritylevelconfigurations',
        '-l',
        'app.kubernetes.io/managed-by=rampart-drill',
        '-o',
        'name',
      ]);
      assert.equal(r.code, 0, r.stderr);
      return r.stdout.split('\n').filter((l) => l !== '');
    };
    const waitForObjects = async (): Promise<string[]> => {
      for (let i = 0; i < 120; i++) {
        const objs = await drillObjects();
        if (objs.length === 2) return objs;
        await sleep(500);
      }
      throw new Error('the drill did not create its objects within 60 s');
    };

    /** Rounds of concurrent LISTs as one identity; counts of 200s and 429s. */
    const burst = async (token: string): Promise<{ ok: number; throttled: number }> => {
      const h = http;
      if (!h) throw new Error('no client');
      let ok = 0;
      let throttled = 0;
      for (let round = 0; round < 5; round++) {
        const answers: JsonAnswer[] = await Promise.all(
          Array.from({ length: 16 }, (): Promise<JsonAnswer> =>
            h.json('GET', '/api/v1/pods', token, { timeoutMs: 20_000 }),
          ),
        );
        for (const a of answers) {
          if (a.status === 200) ok++;
          else if (a.status === 429) throttled++;
          else assert.fail(`unexpected status ${a.status}: ${JSON.stringify(a.body).slice(0, 200)}`);
        }
      }
      return { ok, throttled };
    };

    /** Starts the drill as its own process (bin/rampart.js); stdout and stderr collected. */
    const spawnDrill = (args: readonly string[]): { child: ChildProcess; output: () => string } => {
      const child = spawn(process.execPath, [join(repo, 'bin/rampart.js'), ...drillArgs(args)], {
        cwd: repo,
        stdio: ['ignore', 'pipe', 'pipe'],
        env: { ...process.env, CI: 'true' },
      });
      children.push(child);
      let out = '';
      child.stdout?.on('data', (b: Buffer) => (out += b.toString()));
      child.stderr?.on('data', (b: Buffer) => (out += b.toString()));
      return { child, output: () => out };
    };
    const exited = (child: ChildProcess): Promise<number | null> =>
      child.exitCode !== null || child.signalCode !== null
        ? Promise.resolve(child.exitCode)
        : new Promise((r) => child.on('close', (code) => r(code)));

    it(
      'during the drill the starved service account gets 429s and a plain user none; at its end nothing remains',
      step(async (t) => {
        const base = await burst(victimToken);
        assert.equal(base.throttled, 0, 'no 429s for the victim before the drill');
        const drill = spawnDrill(['live', '--starve', 'drill/victim', '--for', '40s']);
        const objs = await waitForObjects();
        assert.deepEqual(objs.sort(), [
          'flowschema.flowcontrol.apiserver.k8s.io/rampart-drill-sa-drill-victim',
          'prioritylevelconfiguration.flowcontrol.apiserver.k8s.io/rampart-drill-starved',
        ]);
        // The API server picks configuration changes up asynchronously: give it a moment.
        await sleep(3_000);
        const victim = await burst(victimToken);
        const user = await burst(userToken);
        const code = await exited(drill.child);
        const output = drill.output();
        assert.equal(code, 0, output);
        t.diagnostic(
          `victim ${victim.throttled} of ${victim.ok + victim.throttled} LISTs got 429; user ${user.throttled} of ${user.ok + user.throttled}; the drill counted ${/(\d[\d,]*) requests of it got 429/.exec(output)?.[1] ?? '?'}`,
        );
        assert.ok(victim.throttled > 0, `the starved account got no 429 (${JSON.stringify(victim)})`);
        assert.equal(user.throttled, 0, `the plain user got 429s (${JSON.stringify(user)})`);
        assert.match(output, /starving service account drill\/victim on .* until /);
        assert.match(output, /rampart drill revert --context/);
        const counted = /(\d[\d,]*) requests of it got 429/.exec(output);
        assert.ok(counted?.[1], output);
        assert.ok(Number(counted[1].replaceAll(',', '')) >= victim.throttled, output);
        assert.deepEqual(await drillObjects(), []);
        const afterwards = await burst(victimToken);
        assert.equal(afterwards.throttled, 0, 'no 429s for the victim after the drill');
      }),
    );

    it(
      'Ctrl-C ends the drill early and reverts (exit 130)',
      step(async () => {
        const drill = spawnDrill(['live', '--starve', 'group:drill-group', '--for', '10m']);
        const objs = await waitForObjects();
        assert.equal(objs.length, 2);
        drill.child.kill('SIGINT');
        const code = await exited(drill.child);
        assert.equal(code, 130, drill.output());
        assert.match(drill.output(), /stopping early, reverting/);
        assert.deepEqual(await drillObjects(), []);
      }),
    );

    it(
      'after SIGKILL the objects stay, with their expiry; drill revert removes them',
      step(async () => {
        const drill = spawnDrill(['live', '--starve', 'drill/victim', '--for', '10m']);
        await waitForObjects();
        drill.child.kill('SIGKILL');
        await exited(drill.child);
        const u = must();
        const fs = await kubectl(u.kubeconfig, u.contexts.admin, [
          'get',
          'flowschema',
          'rampart-drill-sa-drill-victim',
          '-o',
          'jsonpath={.metadata.annotations}',
        ]);
        assert.equal(fs.code, 0, fs.stderr);
        assert.match(fs.stdout, /rampart\.dev\/drill-expires/);
        assert.match(fs.stdout, /rampart drill revert --context/);
        // Another drill refuses while the crashed one has not expired.
        const refused = await rampartAsync(
          drillArgs(['live', '--starve', 'drill/victim', '--for', '5s']),
          60_000,
        );
        assert.equal(refused.code, 2, refused.stderr);
        assert.match(refused.stderr, /a drill holds .* rampart drill revert/);
        const revert = await rampartAsync(drillArgs(['revert']), 60_000);
        assert.equal(revert.code, 0, revert.stderr);
        assert.match(
          revert.stdout,
          /removed FlowSchema rampart-drill-sa-drill-victim, PriorityLevelConfiguration rampart-drill-starved/,
        );
        assert.deepEqual(await drillObjects(), []);
        const again = await rampartAsync(drillArgs(['revert']), 60_000);
        assert.equal(again.code, 0, again.stderr);
        assert.match(again.stdout, /nothing to revert/);
      }),
    );

    it(
      'after SIGKILL, the next drill removes the expired leftovers first and reverts its own',
      step(async () => {
        const drill = spawnDrill(['live', '--starve', 'drill/victim', '--for', '8s']);
        await waitForObjects();
        drill.child.kill('SIGKILL');
        await exited(drill.child);
        assert.equal((await drillObjects()).length, 2);
        // Until the crashed drill's objects expired (8 s after it created them).
        await sleep(9_000);
        const next = await rampartAsync(
          drillArgs(['live', '--starve', 'group:drill-group', '--for', '2s']),
          60_000,
        );
        assert.equal(next.code, 0, next.stderr);
        assert.match(
          next.stderr,
          /removed FlowSchema rampart-drill-sa-drill-victim, left by a drill that did not finish/,
        );
        assert.deepEqual(await drillObjects(), []);
      }),
    );

    it(
      'refuses to starve its own user, system:masters or everyone',
      step(async () => {
        const masters = await rampartAsync(drillArgs(['live', '--starve', 'group:system:masters']), 60_000);
        assert.equal(masters.code, 2);
        assert.match(masters.stderr, /exempt/);
        const u = must();
        const own = await rampartAsync(
          [
            'drill',
            'live',
            '--starve',
            'group:breakglass-oncall',
            '--kubeconfig',
            u.kubeconfig,
            '--context',
            u.contexts.oncall,
            '--for',
            '5s',
          ],
          60_000,
        );
        assert.equal(own.code, 2, own.stderr);
        assert.match(own.stderr, /the drill's own user/);
        assert.deepEqual(await drillObjects(), []);
      }),
    );
  },
);
