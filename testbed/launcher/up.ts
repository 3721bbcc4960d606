import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ensureBuilt, type BuiltTestbed } from './build.js';
import { applyRbac, createNodesAndPods, waitReady } from './cluster-setup.js';
import { KubeJson } from './kube-client.js';
import { writeKubeconfig } from './kubeconfig.js';
import { makePki, writeTokenFile, type Identity } from './pki.js';
import { freePort } from './ports.js';
import { isRunning, startDetached, type ProcessRecord } from './processes.js';
import { runDir, testbedDir } from './paths.js';
import { readState, writeApiserverRecord, writeState, type Component, type TestbedState } from './state.js';
import { downTestbed } from './down.js';
import { splitSeats } from './args.js';

export interface UpOptions {
  readonly name: string;
  readonly nodes: number;
  readonly podsPerNode: number;
  readonly podPaddingBytes: number;
  readonly seats: number;
  readonly apiserverMemoryBytes?: number;
}

/** What `up` prints: one JSON line. */
export interface UpResult {
  readonly name: string;
  readonly kubeconfig: string;
  readonly server: string;
  readonly contexts: { readonly admin: string; readonly oncall: string; readonly user: string };
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Waits for `check`; fails at once, naming its log, when the process being waited for has exited. */
async function waitFor(
  what: string,
  proc: { rec: ProcessRecord; log: string },
  timeoutMs: number,
  check: () => Promise<boolean>,
): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    if (!isRunning(proc.rec)) {
      const last = readFileSync(proc.log, 'utf8').trim().split('\n').at(-1) ?? '';
      throw new Error(`${what} exited (${proc.log}): ${last.slice(0, 300)}`);
    }
    try {
      if (await check()) return;
    } catch {
      // Not up yet.
    }
    if (performance.now() > deadline) throw new Error(`${what} not ready after ${timeoutMs / 1000} s`);
    await sleep(250);
  }
}

/**
 * Starts a testbed: etcd, kube-apiserver (TLS, tokens, RBAC), controller-manager, scheduler, KWOK, and the
 * testbed controller (virtual agents, API server memory watchdog); then N fake nodes with K filler pods
 * each. Resolves once every node is Ready and every filler pod Running. Leftovers of an earlier testbed
 * of the same name are stopped first.
 */
export async function upTestbed(o: UpOptions, log: (line: string) => void): Promise<UpResult> {
  const built: BuiltTestbed = await ensureBuilt(log);
  const dir = runDir(o.name);
  if (readState(o.name) !== undefined) {
    log(`stopping what is left of testbed ${o.name}`);
    await downTestbed(o.name);
  }
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(join(dir, 'logs'), { recursive: true, mode: 0o700 });
  const bin = (b: string): string => join(built.binDir, b);
  const pki = makePki(dir);
  const tokens = writeTokenFile(join(dir, 'tokens.csv'));
  const caPem = readFileSync(pki.caCert, 'utf8');
  const [etcdPort, etcdPeerPort, apiPort] = [await freePort(), await freePort(), await freePort()];
  const server = `https://127.0.0.1:${apiPort}`;
  const kubeconfig = join(dir, 'kubeconfig');
  const contexts = { admin: `${o.name}-admin`, oncall: `${o.name}-oncall`, user: `${o.name}-user` };
  writeKubeconfig(kubeconfig, {
    cluster: o.name,
    server,
    caPem,
    users: [
      { context: contexts.admin, token: tokens.admin },
      { context: contexts.oncall, token: tokens.oncall },
      { context: contexts.user, token: tokens.user },
    ],
  });
  const internalKubeconfig = (id: Identity): string => {
    const file = join(dir, `${id}.kubeconfig`);
    writeKubeconfig(file, { cluster: o.name, server, caPem, users: [{ context: id, token: tokens[id] }] });
    return file;
  };

  const processes: Partial<Record<Component, ProcessRecord>> = {};
  const seats = splitSeats(o.seats);
  const apiserverArgs = [
    `--etcd-servers=http://127.0.0.1:${etcdPort}`,
    '--bind-address=127.0.0.1',
    '--advertise-address=127.0.0.1',
    `--secure-port=${apiPort}`,
    `--tls-cert-file=${pki.serverCert}`,
    `--tls-private-key-file=${pki.serverKey}`,
    `--client-ca-file=${pki.caCert}`,
    `--token-auth-file=${join(dir, 'tokens.csv')}`,
    '--authorization-mode=Node,RBAC',
    '--service-account-issuer=https://kubernetes.default.svc.cluster.local',
    `--service-account-key-file=${pki.saPub}`,
    `--service-account-signing-key-file=${pki.saKey}`,
    '--service-cluster-ip-range=10.0.0.0/24',
    `--max-requests-inflight=${seats.readonly}`,
    `--max-mutating-requests-inflight=${seats.mutating}`,
    '--profiling=false',
  ];
  const state = (): TestbedState => ({
    name: o.name,
    server,
    kubeconfig,
    processes,
    apiserverCommand: { command: bin('kube-apiserver'), args: apiserverArgs },
    ...(o.apiserverMemoryBytes !== undefined ? { apiserverMemoryBytes: o.apiserverMemoryBytes } : {}),
  });
  // Every process is recorded the moment it exists, so `down` finds it even if this process dies next.
  const start = (c: Component, command: string, args: readonly string[]): ProcessRecord => {
    const rec = startDetached(command, args, { logFile: join(dir, 'logs', `${c}.log`), cwd: dir });
    processes[c] = rec;
    writeState(state());
    return rec;
  };

  const started = performance.now();
  const etcdUrl = `http://127.0.0.1:${etcdPort}`;
  const peerUrl = `http://127.0.0.1:${etcdPeerPort}`;
  const etcd = start('etcd', bin('etcd'), [
    '--name=testbed',
    `--data-dir=${join(dir, 'etcd-data')}`,
    `--listen-client-urls=${etcdUrl}`,
    `--advertise-client-urls=${etcdUrl}`,
    `--listen-peer-urls=${peerUrl}`,
    `--initial-advertise-peer-urls=${peerUrl}`,
    `--initial-cluster=testbed=${peerUrl}`,
    // A throw-away store: no fsync, so the disk is not what the API server waits on.
    '--unsafe-no-fsync=true',
    '--quota-backend-bytes=8589934592',
    '--log-level=warn',
  ]);
  await waitFor(
    'etcd',
    { rec: etcd, log: join(dir, 'logs', 'etcd.log') },
    30_000,
    async () => (await fetch(`${etcdUrl}/health`)).ok,
  );
  const apiserver = start('apiserver', bin('kube-apiserver'), apiserverArgs);
  writeApiserverRecord(o.name, { process: apiserver, restarts: 0 });
  const admin = new KubeJson(server, caPem, tokens.admin);
  try {
    await waitFor(
      'kube-apiserver',
      { rec: apiserver, log: join(dir, 'logs', 'apiserver.log') },
      90_000,
      async () => (await admin.call('GET', '/readyz')).status === 200,
    );
    log(`apiserver ready in ${((performance.now() - started) / 1000).toFixed(1)} s at ${server}`);
    await applyRbac(admin);
    const common = (id: Identity): string[] => {
      const kc = internalKubeconfig(id);
      return [`--kubeconfig=${kc}`, `--authentication-kubeconfig=${kc}`, `--authorization-kubeconfig=${kc}`];
    };
    start('controller-manager', bin('kube-controller-manager'), [
      ...common('controllerManager'),
      '--secure-port=0',
      '--leader-elect=false',
      '--use-service-account-credentials=true',
      `--service-account-private-key-file=${pki.saKey}`,
      `--root-ca-file=${pki.caCert}`,
      `--cluster-signing-cert-file=${pki.caCert}`,
      `--cluster-signing-key-file=${pki.caKey}`,
      '--service-cluster-ip-range=10.0.0.0/24',
    ]);
    start('scheduler', bin('kube-scheduler'), [
      ...common('scheduler'),
      '--secure-port=0',
      '--leader-elect=false',
    ]);
    start('kwok', bin('kwok'), [
      `--kubeconfig=${internalKubeconfig('kwok')}`,
      `--config=${built.kwokStages}`,
      `--config=${kwokConfig(dir)}`,
      '--manage-all-nodes=false',
      '--manage-nodes-with-annotation-selector=kwok.x-k8s.io/node=fake',
      '--node-lease-duration-seconds=40',
      // A pool large enough for every fake pod (the default /24 runs out at 254).
      '--cidr=10.64.0.0/10',
      '--node-ip=10.0.0.2',
    ]);
    writeFileToken(dir, 'controller', tokens.controller);
    // tsx by absolute path: the controller runs in the state directory, where a bare `tsx` does not resolve.
    start('controller', process.execPath, [
      '--import',
      import.meta.resolve('tsx'),
      join(testbedDir, 'launcher', 'controller-main.ts'),
      o.name,
    ]);
    await createNodesAndPods(admin, o.nodes, o.podsPerNode, log, o.podPaddingBytes);
    await waitReady(admin, o.nodes, o.podsPerNode, 120_000 + o.nodes * o.podsPerNode * 20, log);
    log(`testbed ${o.name} up in ${((performance.now() - started) / 1000).toFixed(1)} s`);
  } finally {
    admin.close();
  }
  return { name: o.name, kubeconfig, server, contexts };
}

/** Writes a token the controller reads at start: mode 0600, never on a command line, where ps shows it. */
function writeFileToken(dir: string, id: string, token: string): void {
  writeFileSync(join(dir, `${id}.token`), token, { mode: 0o600 });
}

/**
 * KWOK's workers: its defaults (4 per kind) bring 1,000 nodes with 5,000 pods up in ~5 minutes and let
 * Lease heartbeats of that many nodes lag (zones went PartialDisruption); 16 each keep up on two cores.
 */
function kwokConfig(dir: string): string {
  const file = join(dir, 'kwok-config.yaml');
  writeFileSync(
    file,
    [
      'apiVersion: config.kwok.x-k8s.io/v1alpha1',
      'kind: KwokConfiguration',
      'options:',
      '  nodePlayStageParallelism: 16',
      '  podPlayStageParallelism: 16',
      '  nodeLeaseParallelism: 16',
      '',
    ].join('\n'),
  );
  return file;
}
