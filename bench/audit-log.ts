/**
 * Benchmark: streams a generated 1 GB Kubernetes audit log through `rampart analyze --audit-log` (the built
 * CLI, bin/rampart.js, in a child process) and prints one JSON line
 * {"bench":"analyze-audit-1gb","wallS":…,"processS":…,"mbPerS":…,"peakRssMB":…}.
 *
 *   node --import ./scripts/register-tsx.js bench/audit-log.ts [--mb 1024]     run it (temp file, deleted after)
 *   node --import ./scripts/register-tsx.js bench/audit-log.ts --example <out>  write the tests' small example log
 *
 * Never asserts times; the issue's target is ≤ 30 s and ≤ 300 MB RSS for 1 GB.
 */
import { spawn } from 'node:child_process';
import { createWriteStream, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const rampartBin = fileURLToPath(new URL('../bin/rampart.js', import.meta.url));
const usageHook = new URL('./report-usage.js', import.meta.url).href;

/** What the generated cluster does: everything is periodic and deterministic. */
export interface AuditGenOptions {
  readonly nodes: number;
  readonly windowS: number;
  readonly startMs: number;
  readonly kubeletLeaseEveryS: number;
  readonly telemetryEveryS: number;
  /** 0 = no node-agent. */
  readonly nodeAgentEveryS: number;
  readonly malformedLines: boolean;
}

const sa = (ns: string, name: string): string => `system:serviceaccount:${ns}:${name}`;
const saGroups = (ns: string): string[] => [
  'system:serviceaccounts',
  `system:serviceaccounts:${ns}`,
  'system:authenticated',
];

let auditSeq = 0;
function event(o: {
  t: number;
  user: string;
  groups: string[];
  node?: string;
  ip: string;
  verb: string;
  uri: string;
  ref: Record<string, string>;
  stage?: string;
  agent: string;
}): string {
  auditSeq += 1;
  const ts = new Date(o.t).toISOString().replace('Z', '000Z');
  const done = new Date(o.t + 35).toISOString().replace('Z', '000Z');
  const extra = o.node
    ? {
        'authentication.kubernetes.io/node-name': [o.node],
        'authentication.kubernetes.io/pod-name': [`${o.agent}-${o.node}`],
      }
    : undefined;
  return JSON.stringify({
    kind: 'Event',
    apiVersion: 'audit.k8s.io/v1',
    level: 'Metadata',
    auditID: `00000000-0000-4000-8000-${auditSeq.toString(16).padStart(12, '0')}`,
    stage: o.stage ?? 'ResponseComplete',
    requestURI: o.uri,
    verb: o.verb,
    user: { username: o.user, uid: `uid-${o.user.length}`, groups: o.groups, ...(extra ? { extra } : {}) },
    sourceIPs: [o.ip],
    userAgent: `${o.agent}/1.0 (linux/amd64) kubernetes/v1.31.2`,
    objectRef: o.ref,
    responseStatus: { metadata: {}, code: 200 },
    requestReceivedTimestamp: ts,
    stageTimestamp: o.stage === 'RequestReceived' ? ts : done,
    annotations: {
      'authorization.k8s.io/decision': 'allow',
      'authorization.k8s.io/reason': `RBAC: allowed by ClusterRoleBinding "${o.agent}"`,
    },
  });
}

/** Audit lines of one generated window, in time order (one simulated second at a time). */
export function* auditLines(opts: AuditGenOptions): Generator<string> {
  const ip = (i: number): string => `10.${(i >> 8) & 255}.${i & 255}.${10 + (i % 200)}`;
  for (let s = 0; s < opts.windowS; s += 1) {
    const t = opts.startMs + s * 1000;
    if (s === 0) {
      const ctl = {
        user: sa('ops', 'pod-controller'),
        groups: saGroups('ops'),
        ip: '10.250.0.5',
        agent: 'pod-controller',
      };
      yield event({
        ...ctl,
        t,
        verb: 'list',
        uri: '/api/v1/pods?limit=500&resourceVersion=0',
        ref: { resource: 'pods', apiVersion: 'v1' },
      });
      yield event({
        ...ctl,
        t,
        verb: 'watch',
        uri: '/api/v1/pods?allowWatchBookmarks=true&resourceVersion=81234&watch=true',
        ref: { resource: 'pods', apiVersion: 'v1' },
        stage: 'ResponseStarted',
      });
      if (opts.malformedLines)
        yield '{"kind":"Event","apiVersion":"audit.k8s.io/v1","verb":"list","user":{"usern';
    }
    if (s % 30 === 0) {
      yield event({
        t,
        user: sa('ops', 'pod-controller'),
        groups: saGroups('ops'),
        ip: '10.250.0.5',
        agent: 'pod-controller',
        verb: 'update',
        uri: '/apis/apps/v1/namespaces/shop/deployments/cart',
        ref: { resource: 'deployments', namespace: 'shop', name: 'cart', apiGroup: 'apps', apiVersion: 'v1' },
      });
    }
    if (s % 7 === 3) {
      yield event({
        t,
        user: 'alice@example.com',
        groups: ['oncall', 'system:authenticated'],
        ip: '192.0.2.10',
        agent: 'kubectl',
        verb: 'get',
        uri: '/api/v1/namespaces/shop/pods/cart-7d9f',
        ref: { resource: 'pods', namespace: 'shop', name: 'cart-7d9f', apiVersion: 'v1' },
      });
    }
    if (opts.malformedLines && s === Math.floor(opts.windowS / 2)) yield 'this line is not JSON';
    for (let i = 0; i < opts.nodes; i += 1) {
      const node = `node-${i}`;
      if ((s + i) % opts.kubeletLeaseEveryS === 0) {
        yield event({
          t: t + (i % 1000),
          user: `system:node:${node}`,
          groups: ['system:nodes', 'system:authenticated'],
          ip: ip(i),
          agent: 'kubelet',
          verb: 'update',
          uri: `/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases/${node}`,
          ref: {
            resource: 'leases',
            namespace: 'kube-node-lease',
            name: node,
            apiGroup: 'coordination.k8s.io',
            apiVersion: 'v1',
          },
        });
      }
      if ((s + i) % opts.telemetryEveryS === 0) {
        const tel = {
          t: t + (i % 1000),
          user: sa('kube-system', 'telemetry-agent'),
          groups: saGroups('kube-system'),
          node,
          ip: ip(i),
          agent: 'telemetry-agent',
          verb: 'list',
          uri: '/api/v1/pods',
          ref: { resource: 'pods', apiVersion: 'v1' },
        };
        yield event({ ...tel, stage: 'RequestReceived' });
        yield event(tel);
      }
      if (opts.nodeAgentEveryS > 0 && (s + i) % opts.nodeAgentEveryS === 0) {
        yield event({
          t: t + (i % 1000),
          user: sa('monitoring', 'node-agent'),
          groups: saGroups('monitoring'),
          node,
          ip: ip(i),
          agent: 'node-agent',
          verb: 'list',
          uri: `/api/v1/pods?fieldSelector=spec.nodeName%3D${node}&resourceVersion=0`,
          ref: { resource: 'pods', apiVersion: 'v1' },
        });
      }
    }
  }
}

/** Writes generated windows back to back (time advancing) until the file reaches `targetBytes`. */
async function writeLog(file: string, opts: AuditGenOptions, targetBytes: number): Promise<number> {
  const out = createWriteStream(file, { highWaterMark: 1 << 20 });
  let bytes = 0;
  let window = 0;
  const write = (line: string): Promise<void> | null => {
    bytes += Buffer.byteLength(line) + 1;
    return out.write(`${line}\n`) ? null : new Promise((resolve) => out.once('drain', () => resolve()));
  };
  do {
    for (const line of auditLines({ ...opts, startMs: opts.startMs + window * opts.windowS * 1000 })) {
      const wait = write(line);
      if (wait) await wait;
      if (bytes >= targetBytes) break;
    }
    window += 1;
  } while (bytes < targetBytes);
  await new Promise<void>((resolve, reject) =>
    out.end((err?: Error | null) => (err ? reject(err) : resolve())),
  );
  return bytes;
}

async function bench(mb: number): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'rampart-audit-bench-'));
  const file = join(dir, 'audit.jsonl');
  const nodes = 500;
  try {
    const opts: AuditGenOptions = {
      nodes,
      windowS: 3600,
      startMs: Date.UTC(2024, 11, 11, 15),
      kubeletLeaseEveryS: 10,
      telemetryEveryS: 120,
      nodeAgentEveryS: 60,
      malformedLines: true,
    };
    await writeLog(file, opts, mb * 1024 * 1024);
    const size = statSync(file).size;
    const started = performance.now();
    const child = await new Promise<{ stdout: string; stderr: string }>((resolve, reject) => {
      // The built CLI, as a user runs it; the preload reports the child's peak RSS on stderr at exit.
      const p = spawn(
        process.execPath,
        [
          '--import',
          usageHook,
          rampartBin,
          'analyze',
          '--audit-log',
          file,
          '--audit-nodes',
          String(nodes),
          '--format',
          'json',
          '--fail-on',
          'never',
        ],
        { stdio: ['ignore', 'pipe', 'pipe'] },
      );
      let out = '';
      let err = '';
      p.stdout.on('data', (d: Buffer) => (out += d.toString()));
      p.stderr.on('data', (d: Buffer) => (err += d.toString()));
      p.on('error', reject);
      p.on('close', (code) =>
        code === 0
          ? resolve({ stdout: out, stderr: err })
          : reject(new Error(`rampart exited ${code}: ${err}`)),
      );
    });
    const wallS = (performance.now() - started) / 1000;
    const usage = JSON.parse(child.stderr.trim().split('\n').pop() ?? '{}') as {
      maxRssMB: number;
      processS: number;
    };
    const report = JSON.parse(child.stdout) as { audit: { lines: number } };
    const round = (x: number): number => Math.round(x * 100) / 100;
    process.stdout.write(
      `${JSON.stringify({ bench: 'analyze-audit-1gb', fileMB: round(size / 1024 / 1024), lines: report.audit.lines, wallS: round(wallS), processS: round(usage.processS), mbPerS: round(size / 1024 / 1024 / wallS), peakRssMB: round(usage.maxRssMB) })}\n`,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function example(out: string): Promise<void> {
  const opts: AuditGenOptions = {
    nodes: 40,
    windowS: 360,
    startMs: Date.UTC(2024, 11, 10, 18),
    kubeletLeaseEveryS: 120,
    telemetryEveryS: 120,
    nodeAgentEveryS: 300,
    malformedLines: true,
  };
  const stream = createWriteStream(out);
  for (const line of auditLines(opts)) stream.write(`${line}\n`);
  await new Promise<void>((resolve) => stream.end(() => resolve()));
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const args = process.argv.slice(2);
  const flag = (name: string): string | undefined => {
    const i = args.indexOf(name);
    return i >= 0 ? args[i + 1] : undefined;
  };
  const exampleOut = flag('--example');
  if (exampleOut) await example(exampleOut);
  else await bench(Number(flag('--mb') ?? 1024));
}
