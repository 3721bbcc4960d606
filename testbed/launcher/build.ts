import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { cacheRoot, testbedDir } from './paths.js';

/** The binaries a testbed runs, by the name `up` starts them under. */
export const binaries = [
  'etcd',
  'kube-apiserver',
  'kube-controller-manager',
  'kube-scheduler',
  'kwok',
] as const;
export type Binary = (typeof binaries)[number];

/** Thrown when the Go toolchain is missing: tests turn it into a skip, or a failure when CI requires it. */
export class GoMissingError extends Error {
  constructor() {
    super('go is not on PATH: install Go ≥ 1.26 to build the testbed (see testbed/README.md)');
    this.name = 'GoMissingError';
  }
}

/** Built binaries and what they were built from. */
export interface BuiltTestbed {
  readonly binDir: string;
  readonly key: string;
  /** KWOK's stage definitions (node heartbeat with leases, pods to Running), taken from its module. */
  readonly kwokStages: string;
  /** Seconds this call spent building (0 when the cache had them). */
  readonly buildS: number;
}

const kwokDir = join(testbedDir, 'kwok');
// Bump when the build commands change in a way that changes the binaries.
const recipe = 'r1';

function requiredVersion(goMod: string, module: string): string {
  const m = new RegExp(`^(?:require)?\\s*${module.replace(/[./]/g, '\\$&')} (v\\S+)`, 'm').exec(goMod);
  if (!m?.[1]) throw new Error(`${module} is not required in testbed's go.mod`);
  return m[1];
}

export function goAvailable(): boolean {
  return spawnSync('go', ['version'], { stdio: 'ignore' }).status === 0;
}

/**
 * The cache key: the three versions for people, plus a hash of both modules' go.mod/go.sum, the Go
 * version and the recipe, so any change to what goes into the binaries builds a new set.
 */
export function buildKey(): string {
  const main = readFileSync(join(testbedDir, 'go.mod'), 'utf8');
  const kwok = readFileSync(join(kwokDir, 'go.mod'), 'utf8');
  const goVersion = spawnSync('go', ['env', 'GOVERSION'], { encoding: 'utf8' }).stdout.trim();
  const h = createHash('sha256');
  for (const f of ['go.mod', 'go.sum', 'kwok/go.mod', 'kwok/go.sum', 'cmd/etcd/main.go'])
    h.update(readFileSync(join(testbedDir, f)));
  h.update(goVersion).update(recipe);
  const k8s = requiredVersion(main, 'k8s.io/kubernetes');
  const etcd = requiredVersion(main, 'go.etcd.io/etcd/server/v3');
  const kwokV = requiredVersion(kwok, 'sigs.k8s.io/kwok');
  return `k8s-${k8s}_etcd-${etcd}_kwok-${kwokV}_${h.digest('hex').slice(0, 10)}`;
}

function run(cmd: string, args: readonly string[], cwd: string, log: (line: string) => void): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, {
      cwd,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, CGO_ENABLED: '0' },
    });
    let tail = '';
    const take = (b: Buffer): void => {
      tail = (tail + b.toString()).slice(-4000);
    };
    child.stdout.on('data', take);
    child.stderr.on('data', take);
    child.on('error', reject);
    child.on('close', (code) => {
      if (code === 0) resolve();
      else {
        log(tail);
        reject(new Error(`${cmd} ${args.slice(0, 2).join(' ')} … failed (exit ${code}) in ${cwd}`));
      }
    });
  });
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Takes the build lock (a directory: mkdir is atomic); waits while another live build holds it. */
async function lock(dir: string): Promise<() => void> {
  const lockDir = `${dir}.lock`;
  for (;;) {
    try {
      mkdirSync(lockDir);
      writeFileSync(join(lockDir, 'pid'), String(process.pid));
      return () => rmSync(lockDir, { recursive: true, force: true });
    } catch {
      const holder = Number(readFileSyncOr(join(lockDir, 'pid')));
      if (!holder || !alive(holder)) rmSync(lockDir, { recursive: true, force: true });
      else await sleep(1_000);
    }
  }
}

function readFileSyncOr(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return '';
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/**
 * Builds the binaries into `<cache>/<key>/bin` unless that set is complete already. Several callers at
 * once (parallel test files) share one build through a lock. Go's own build and module caches make a
 * rebuild after a key change fast.
 */
export async function ensureBuilt(log: (line: string) => void = () => undefined): Promise<BuiltTestbed> {
  if (!goAvailable()) throw new GoMissingError();
  const key = buildKey();
  const dir = join(cacheRoot(), key);
  const binDir = join(dir, 'bin');
  const kwokStages = join(dir, 'kwok-stages.yaml');
  const complete = (): boolean => existsSync(join(dir, 'complete'));
  if (complete()) return { binDir, key, kwokStages, buildS: 0 };
  mkdirSync(cacheRoot(), { recursive: true });
  const unlock = await lock(dir);
  try {
    if (complete()) return { binDir, key, kwokStages, buildS: 0 };
    const started = performance.now();
    const tmp = join(dir, `bin.tmp-${process.pid}`);
    rmSync(tmp, { recursive: true, force: true });
    mkdirSync(tmp, { recursive: true });
    const main = readFileSync(join(testbedDir, 'go.mod'), 'utf8');
    const k8s = requiredVersion(main, 'k8s.io/kubernetes');
    const minor = /^v1\.(\d+)\./.exec(k8s)?.[1] ?? '0';
    // The version the binaries report (kubectl version, /version): a module build has no git tree to read.
    const versionFlags = `-X k8s.io/component-base/version.gitVersion=${k8s} -X k8s.io/component-base/version.gitMajor=1 -X k8s.io/component-base/version.gitMinor=${minor}`;
    const flags = ['build', '-trimpath', `-ldflags=-s -w ${versionFlags}`, '-o', `${tmp}/`];
    log(`building etcd, kube-apiserver, kube-controller-manager, kube-scheduler (${k8s}) into ${binDir}`);
    await run(
      'go',
      [
        ...flags,
        './cmd/etcd',
        'k8s.io/kubernetes/cmd/kube-apiserver',
        'k8s.io/kubernetes/cmd/kube-controller-manager',
        'k8s.io/kubernetes/cmd/kube-scheduler',
      ],
      testbedDir,
      log,
    );
    log('building kwok');
    await run('go', [...flags, 'sigs.k8s.io/kwok/cmd/kwok'], kwokDir, log);
    writeFileSync(join(dir, 'kwok-stages.yaml'), kwokStageText());
    rmSync(binDir, { recursive: true, force: true });
    renameSync(tmp, binDir);
    const buildS = (performance.now() - started) / 1000;
    writeFileSync(join(dir, 'complete'), `${JSON.stringify({ key, buildS })}\n`);
    log(`built in ${buildS.toFixed(0)} s`);
    return { binDir, key, kwokStages, buildS };
  } finally {
    unlock();
  }
}

// The stages kwokctl's default cluster uses: nodes initialised and kept Ready by Lease heartbeats, pods
// moved to Running/Ready, deleted pods removed. Read from the KWOK module itself, so they match its version.
const kwokStageFiles = [
  'kustomize/stage/node/fast/node-initialize.yaml',
  'kustomize/stage/node/heartbeat-with-lease/node-heartbeat-with-lease.yaml',
  'kustomize/stage/pod/fast/pod-ready.yaml',
  'kustomize/stage/pod/fast/pod-complete.yaml',
  'kustomize/stage/pod/fast/pod-delete.yaml',
];

function kwokStageText(): string {
  const moduleDir = spawnSync('go', ['list', '-m', '-f', '{{.Dir}}', 'sigs.k8s.io/kwok'], {
    cwd: kwokDir,
    encoding: 'utf8',
  }).stdout.trim();
  if (!moduleDir) throw new Error('sigs.k8s.io/kwok is not in the module cache after the build');
  return kwokStageFiles.map((f) => readFileSync(join(moduleDir, f), 'utf8').trim()).join('\n---\n') + '\n';
}
