import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import {
  counterDelta,
  histogramDelta,
  histogramQuantile,
  histogramSum,
  snapshotOf,
  type Histogram,
  type MetricsSnapshot,
} from '../../src/loadtest/apiserver-metrics.js';
import { KubeHttp } from '../../src/loadtest/kube-http.js';
import { resolveCredentials, type ClusterCredentials } from '../../src/loadtest/kubeconfig.js';
import { realScheduler } from '../../src/loadtest/scheduler.js';
import { goAvailable } from '../../testbed/launcher/build.js';
import { cacheRoot, runDir } from '../../testbed/launcher/paths.js';

const repo = resolve(import.meta.dirname, '..', '..');

/**
 * Whether the testbed tests must run: on CI (CI=true, as .ci/run has it) or when RAMPART_REQUIRE_TESTBED=1.
 * Then a missing Go or a failed build fails them; elsewhere a missing Go (or RAMPART_SKIP_TESTBED=1, for
 * the fast tests only) skips them with this reason.
 */
export function testbedSkipReason(): string | false {
  const required = process.env['CI'] === 'true' || process.env['RAMPART_REQUIRE_TESTBED'] === '1';
  if (required) return false;
  if (process.env['RAMPART_SKIP_TESTBED'] === '1') return 'testbed tests skipped (RAMPART_SKIP_TESTBED=1)';
  if (goAvailable()) return false;
  return 'testbed tests need Go ≥ 1.26 on PATH (they build kube-apiserver, etcd and KWOK once, ~15 min); install Go or set RAMPART_REQUIRE_TESTBED=1 to make its absence a failure';
}

/** Runs the launcher (`npm run testbed -- …`) and resolves with its stdout; rejects with its stderr tail. */
export function launcher(args: readonly string[], timeoutMs: number): Promise<string> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', join(repo, 'testbed/launcher/main.ts'), ...args],
      {
        cwd: repo,
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let out = '';
    let err = '';
    child.stdout.on('data', (b: Buffer) => (out += b.toString()));
    child.stderr.on('data', (b: Buffer) => {
      err += b.toString();
      if (process.env['RAMPART_TESTBED_VERBOSE'] === '1') process.stderr.write(b);
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('close', (code) => {
      clearTimeout(timer);
      if (code === 0) resolvePromise(out);
      else reject(new Error(`testbed ${args.join(' ')} exited ${code}: ${err.slice(-2000)}`));
    });
  });
}

/** kubectl against a testbed context; resolves with stdout and the exit code (never rejects on exit code). */
export function kubectl(
  kubeconfig: string,
  context: string,
  args: readonly string[],
  stdin?: string,
): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolvePromise) => {
    const child = execFile(
      'kubectl',
      ['--kubeconfig', kubeconfig, '--context', context, ...args],
      { timeout: 60_000, maxBuffer: 256 * 2 ** 20 },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
        resolvePromise({ code, stdout, stderr });
      },
    );
    if (stdin !== undefined) child.stdin?.end(stdin);
  });
}

/** Sum of a Prometheus counter's samples whose labels include every `labels` pair. */
export function counterSum(metrics: string, name: string, labels: Readonly<Record<string, string>>): number {
  let sum = 0;
  for (const line of metrics.split('\n')) {
    if (!line.startsWith(`${name}{`)) continue;
    const close = line.lastIndexOf('}');
    const labelText = line.slice(name.length + 1, close);
    if (Object.entries(labels).every(([k, v]) => labelText.includes(`${k}="${v}"`)))
      sum += Number(line.slice(close + 1).trim());
  }
  return sum;
}

/** Pids recorded for a testbed (to check afterwards that none survived `down`). */
export function recordedPids(name: string): number[] {
  const file = join(runDir(name), 'state.json');
  if (!existsSync(file)) return [];
  const state = JSON.parse(readFileSync(file, 'utf8')) as { processes: Record<string, { pid: number }> };
  return Object.values(state.processes).map((p) => p.pid);
}

/** The last lines of each component log of a testbed (printed when a test fails). */
export function logTails(name: string): string {
  const dir = join(runDir(name), 'logs');
  if (!existsSync(dir)) return '';
  return ['apiserver', 'controller', 'kwok', 'controller-manager', 'scheduler', 'etcd']
    .map((c) => {
      const f = join(dir, `${c}.log`);
      return existsSync(f) ? `--- ${c}\n${readFileSync(f, 'utf8').split('\n').slice(-15).join('\n')}` : '';
    })
    .join('\n');
}

/**
 * Testbed e2e files that measure (calibration, the incident) take turns: they would otherwise load the
 * same two cores at once and measure each other. Resolves with a release function; a lock left by a dead
 * process is taken over.
 */
export async function acquireTestbedLock(timeoutMs: number): Promise<() => void> {
  const file = join(cacheRoot(), 'e2e-measure.lock');
  mkdirSync(cacheRoot(), { recursive: true });
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    try {
      writeFileSync(file, String(process.pid), { flag: 'wx' });
      return () => {
        if (existsSync(file) && readFileSync(file, 'utf8') === String(process.pid))
          rmSync(file, { force: true });
      };
    } catch {
      const holder = Number(existsSync(file) ? readFileSync(file, 'utf8') : NaN);
      if (!Number.isInteger(holder) || !existsSync(`/proc/${holder}`)) {
        rmSync(file, { force: true });
        continue;
      }
      if (performance.now() > deadline) throw new Error(`testbed lock held by pid ${holder} for too long`);
      await new Promise((r) => setTimeout(r, 2_000));
    }
  }
}

/** Runs bin/rampart.js without blocking the test's event loop; resolves with its code and output. */
const running = new Set<ChildProcess>();

/**
 * Kills (SIGKILL) every `rampartAsync` child still running: for a test's `after`, so a case that failed
 * while a rollout ran in the background does not leave it running against a testbed being taken down.
 */
export function killRampartChildren(): void {
  for (const c of running) c.kill('SIGKILL');
  running.clear();
}

export function rampartAsync(
  args: readonly string[],
  timeoutMs: number,
): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolvePromise) => {
    const child = spawn(process.execPath, [join(repo, 'bin/rampart.js'), ...args], {
      cwd: repo,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, CI: 'true' },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (b: Buffer) => (stdout += b.toString()));
    child.stderr.on('data', (b: Buffer) => {
      stderr += b.toString();
      if (process.env['RAMPART_TESTBED_VERBOSE'] === '1') process.stderr.write(b);
    });
    running.add(child);
    // SIGINT first, as a user's Ctrl-C: the command stops its agents and removes what it created.
    const timer = setTimeout(() => child.kill('SIGINT'), timeoutMs);
    child.on('close', (code) => {
      running.delete(child);
      clearTimeout(timer);
      resolvePromise({ code: code ?? -1, stdout, stderr });
    });
  });
}

/** Latencies and outcomes of repeated probes. */
export interface ProbeStats {
  readonly n: number;
  readonly ok: number;
  /** HTTP 429s (direct probes) or kubectl failures mentioning "Too many requests". */
  readonly throttled: number;
  readonly p50S: number;
  readonly p99S: number;
  readonly maxS: number;
}

export function probeStats(samples: readonly { ok: boolean; throttled: boolean; s: number }[]): ProbeStats {
  const sorted = samples.map((x) => x.s).sort((a, b) => a - b);
  const q = (p: number): number => sorted[Math.min(sorted.length - 1, Math.ceil(p * sorted.length) - 1)] ?? 0;
  return {
    n: samples.length,
    ok: samples.filter((x) => x.ok).length,
    throttled: samples.filter((x) => x.throttled).length,
    p50S: q(0.5),
    p99S: q(0.99),
    maxS: sorted.at(-1) ?? 0,
  };
}

/** kubectl run again and again (one at a time) for `durationMs`: what a person typing would get. */
export async function kubectlProbes(
  kubeconfig: string,
  context: string,
  args: readonly string[],
  durationMs: number,
  pauseMs = 500,
): Promise<ProbeStats> {
  const samples: { ok: boolean; throttled: boolean; s: number }[] = [];
  const end = performance.now() + durationMs;
  while (performance.now() < end) {
    const t0 = performance.now();
    const r = await kubectl(kubeconfig, context, ['--request-timeout=20s', ...args]);
    samples.push({
      ok: r.code === 0,
      throttled: /too many requests/i.test(r.stderr),
      s: (performance.now() - t0) / 1000,
    });
    await new Promise((res) => setTimeout(res, pauseMs));
  }
  return probeStats(samples);
}

/** A testbed's identities as the load test reads them: server, CA and each context's token. */
export function testbedCredentials(kubeconfig: string, context: string): ClusterCredentials {
  return resolveCredentials([{ file: kubeconfig, text: readFileSync(kubeconfig, 'utf8') }], context);
}

/** A small HTTPS client for a testbed identity (probes and /metrics), never buffering large bodies. */
export function testbedHttp(creds: ClusterCredentials): KubeHttp {
  return new KubeHttp(
    { server: creds.server, ...(creds.caPem !== undefined ? { caPem: creds.caPem } : {}) },
    { scheduler: realScheduler, maxSockets: 16 },
  );
}

/** Direct HTTP probes (no kubectl start-up in the latency): GETs of `paths` in turn for `durationMs`. */
export async function httpProbes(
  http: KubeHttp,
  token: string,
  paths: readonly string[],
  durationMs: number,
  pauseMs = 200,
): Promise<ProbeStats> {
  const samples: { ok: boolean; throttled: boolean; s: number }[] = [];
  const end = performance.now() + durationMs;
  for (let i = 0; performance.now() < end; i++) {
    const t0 = performance.now();
    const a = await http.json('GET', paths[i % paths.length]!, token, { timeoutMs: 20_000 });
    samples.push({ ok: a.status === 200, throttled: a.status === 429, s: (performance.now() - t0) / 1000 });
    await new Promise((res) => setTimeout(res, pauseMs));
  }
  return probeStats(samples);
}

/** One /metrics scrape as the load test reduces it; undefined when the server did not answer. */
export async function scrape(http: KubeHttp, adminToken: string): Promise<MetricsSnapshot | undefined> {
  const a = await http.json('GET', '/metrics', adminToken, { accept: 'text/plain', timeoutMs: 15_000 });
  return a.status === 200 && typeof a.body === 'string' ? snapshotOf(a.body) : undefined;
}

/** Rejections per priority level between two scrapes (levels without any are left out). */
export function rejectionsByLevel(a: MetricsSnapshot, b: MetricsSnapshot): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [level, v] of b.rejected) {
    const d = counterDelta(a.rejected.get(level), v);
    if (d > 0) out[level] = d;
  }
  return out;
}

/** Requests dispatched per priority level between two scrapes. */
export function dispatchedByLevel(a: MetricsSnapshot, b: MetricsSnapshot): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [level, v] of b.dispatched) {
    const d = counterDelta(a.dispatched.get(level), v);
    if (d > 0) out[level] = d;
  }
  return out;
}

/** The server's p99 (s) between two scrapes over the verbs given (e.g. everything but LIST and WATCH). */
export function serverP99(a: MetricsSnapshot, b: MetricsSnapshot, verbs: (verb: string) => boolean): number {
  const pick = (s: MetricsSnapshot): Histogram =>
    histogramSum([...s.durationByVerb].filter(([v]) => verbs(v)).map(([, h]) => h));
  return histogramQuantile(histogramDelta(pick(a), pick(b)), 0.99);
}

/** The testbed's API server record (pid, restarts by the memory watchdog). */
export function apiserverRecord(name: string): { pid: number; restarts: number } | undefined {
  const file = join(runDir(name), 'apiserver.json');
  if (!existsSync(file)) return undefined;
  const rec = JSON.parse(readFileSync(file, 'utf8')) as { process: { pid: number }; restarts: number };
  return { pid: rec.process.pid, restarts: rec.restarts };
}

/** Resident memory of a process in bytes (0 when it is gone). */
export function residentBytes(pid: number): number {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) * 1024 : 0;
  } catch {
    return 0;
  }
}

/** What `npm run testbed -- up` prints: the testbed's kubeconfig, server and context names. */
export interface TestbedUp {
  readonly name: string;
  readonly kubeconfig: string;
  readonly server: string;
  readonly contexts: { readonly admin: string; readonly oncall: string; readonly user: string };
}

/**
 * The incident's telemetry agent as the testbed's tests apply it: its namespace, service account, read
 * access to pods, and a DaemonSet whose `rampart.dev/api-profile` LISTs every pod of the cluster each
 * `everySeconds` (the testbed's agents controller makes those calls for each Running pod). Documents are
 * separated by `---\n`, the DaemonSet last.
 */
export function telemetryAgentManifest(opts: { everySeconds: number; nodeSelector?: string }): string {
  return `apiVersion: v1
kind: Namespace
metadata: {name: telemetry}
---
apiVersion: v1
kind: ServiceAccount
metadata: {name: telemetry-agent, namespace: telemetry}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: telemetry-agent}
rules: [{apiGroups: [""], resources: [pods], verbs: [get, list, watch]}]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: telemetry-agent}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: telemetry-agent}
subjects: [{kind: ServiceAccount, name: telemetry-agent, namespace: telemetry}]
---
apiVersion: apps/v1
kind: DaemonSet
metadata:
  name: telemetry-agent
  namespace: telemetry
  annotations:
    rampart.dev/api-profile: |
      - {verb: list, resource: pods, scope: cluster, everySeconds: ${opts.everySeconds}, resourceVersion: ""}
spec:
  selector: {matchLabels: {app: telemetry-agent}}
  template:
    metadata: {labels: {app: telemetry-agent}}
    spec:
      serviceAccountName: telemetry-agent
      nodeSelector: ${opts.nodeSelector ?? '{}'}
      tolerations: [{key: kwok.x-k8s.io/node, operator: Exists, effect: NoSchedule}]
      containers: [{name: agent, image: registry.example.com/telemetry-agent:1.0}]
`;
}
