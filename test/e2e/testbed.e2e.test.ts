import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { ensureBuilt } from '../../testbed/launcher/build.js';
import {
  counterSum,
  kubectl,
  launcher,
  logTails,
  recordedPids,
  testbedSkipReason,
  telemetryAgentManifest,
  type TestbedUp,
} from '../support/testbed.js';

// A real control plane (etcd, kube-apiserver, controller-manager, scheduler, KWOK) of 20 fake nodes with 5
// filler pods each, driven through real kubectl. The first run builds the binaries (cold: ~15 min on two
// cores), later runs reuse them.
const name = `e2e-${process.pid}`;
const skip = testbedSkipReason();
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

const agentManifest = telemetryAgentManifest({ everySeconds: 2 });

describe('testbed: a real control plane with fake nodes', { skip, timeout: 75 * 60_000 }, () => {
  let up: TestbedUp | undefined;
  let pids: number[] = [];
  let failed = false;

  before(
    async () => {
      // CI has no cache: this builds (or fails, which fails the suite; never a skip there).
      await ensureBuilt((line) => process.stderr.write(`testbed: ${line}\n`));
      up = JSON.parse(
        await launcher(['up', name, '--nodes', '20', '--pods-per-node', '5', '--seats', '60'], 10 * 60_000),
      ) as TestbedUp;
      pids = recordedPids(name);
    },
    { timeout: 70 * 60_000 },
  );

  after(async () => {
    if (failed) process.stderr.write(`${logTails(name)}\n`);
    await launcher(['down', name], 120_000).catch((err: unknown) => process.stderr.write(`${String(err)}\n`));
  });

  // Marks the suite failed when a test throws, so that `after` prints the components' logs.
  const step = (fn: () => Promise<void> | void) => async (): Promise<void> => {
    try {
      await fn();
    } catch (err) {
      failed = true;
      throw err;
    }
  };

  const must = (): TestbedUp => {
    if (!up) throw new Error('testbed did not come up');
    return up;
  };

  it(
    'prints a kubeconfig (0600) with the three contexts',
    step(() => {
      const u = must();
      assert.equal(statSync(u.kubeconfig).mode & 0o777, 0o600);
      assert.deepEqual(u.contexts, {
        admin: `${name}-admin`,
        oncall: `${name}-oncall`,
        user: `${name}-user`,
      });
      assert.match(u.server, /^https:\/\/127\.0\.0\.1:\d+$/);
    }),
  );

  it(
    'has 20 Ready nodes and 100 Running filler pods',
    step(async () => {
      const u = must();
      const nodes = await kubectl(u.kubeconfig, u.contexts.admin, ['get', 'nodes', '--no-headers']);
      assert.equal(nodes.code, 0, nodes.stderr);
      assert.equal(
        nodes.stdout
          .trim()
          .split('\n')
          .filter((l) => /\sReady\s/.test(l)).length,
        20,
      );
      const pods = await kubectl(u.kubeconfig, u.contexts.user, [
        'get',
        'pods',
        '-n',
        'filler',
        '--no-headers',
        '--field-selector=status.phase=Running',
      ]);
      assert.equal(pods.code, 0, pods.stderr);
      assert.equal(pods.stdout.trim().split('\n').length, 100);
    }),
  );

  it(
    'gives admin, plain user and on-call the rights they should have',
    step(async () => {
      const u = must();
      const created = await kubectl(u.kubeconfig, u.contexts.admin, [
        'create',
        'configmap',
        'probe',
        '-n',
        'default',
      ]);
      assert.equal(created.code, 0, created.stderr);
      const userList = await kubectl(u.kubeconfig, u.contexts.user, ['get', 'pods', '-A', '--no-headers']);
      assert.equal(userList.code, 0, userList.stderr);
      const userCreate = await kubectl(u.kubeconfig, u.contexts.user, [
        'create',
        'configmap',
        'nope',
        '-n',
        'default',
      ]);
      assert.notEqual(userCreate.code, 0);
      assert.match(userCreate.stderr, /forbidden/i);
      const whoami = await kubectl(u.kubeconfig, u.contexts.oncall, ['auth', 'whoami', '-o', 'json']);
      assert.equal(whoami.code, 0, whoami.stderr);
      const review = JSON.parse(whoami.stdout) as {
        status: { userInfo: { username: string; groups: string[] } };
      };
      assert.equal(review.status.userInfo.username, 'oncall');
      assert.ok(review.status.userInfo.groups.includes('breakglass-oncall'));
    }),
  );

  it(
    'brings an annotated DaemonSet to life: its agents load the API server, and stop when it scales to zero',
    step(async () => {
      const u = must();
      const metric = async (): Promise<number> => {
        const m = await kubectl(u.kubeconfig, u.contexts.admin, ['get', '--raw', '/metrics']);
        assert.equal(m.code, 0, m.stderr);
        // The agents authenticate as their pods' service account, which APF sends to the service-accounts flow.
        return counterSum(m.stdout, 'apiserver_flowcontrol_dispatched_requests_total', {
          flow_schema: 'service-accounts',
        });
      };
      const applied = await kubectl(u.kubeconfig, u.contexts.admin, ['apply', '-f', '-'], agentManifest);
      assert.equal(applied.code, 0, applied.stderr);
      // 20 agents listing every 2 s: ~10 requests/s once the DaemonSet's pods run.
      let before = await metric();
      let rose = 0;
      for (let i = 0; i < 60 && rose < 60; i++) {
        await sleep(2_000);
        rose = (await metric()) - before;
      }
      assert.ok(rose >= 60, `service-account requests rose by ${rose} only`);
      const lists = await kubectl(u.kubeconfig, u.contexts.admin, ['get', '--raw', '/metrics']);
      assert.ok(
        counterSum(lists.stdout, 'apiserver_request_total', {
          verb: 'LIST',
          resource: 'pods',
          scope: 'cluster',
        }) >= 60,
      );

      // A DaemonSet scales to zero by a nodeSelector no node matches.
      const patched = await kubectl(u.kubeconfig, u.contexts.admin, [
        'patch',
        'daemonset',
        'telemetry-agent',
        '-n',
        'telemetry',
        '--type=merge',
        '-p',
        '{"spec":{"template":{"spec":{"nodeSelector":{"rampart.dev/none":"true"}}}}}',
      ]);
      assert.equal(patched.code, 0, patched.stderr);
      let quiet = false;
      for (let i = 0; i < 30 && !quiet; i++) {
        await sleep(2_000);
        before = await metric();
        await sleep(4_000);
        quiet = (await metric()) - before <= 1;
      }
      assert.ok(quiet, 'agents kept calling after the DaemonSet scaled to zero');
    }),
  );

  it(
    'down stops every process',
    step(async () => {
      must();
      assert.ok(pids.length >= 6, `recorded ${pids.length} processes`);
      await launcher(['down', name], 120_000);
      const alive = pids.filter(
        (pid) => existsSync(`/proc/${pid}`) && !readFileSync(`/proc/${pid}/stat`, 'utf8').includes(') Z '),
      );
      assert.deepEqual(alive, []);
    }),
  );
});
