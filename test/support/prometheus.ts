import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { freePort } from '../../testbed/launcher/ports.js';

/** Debian's Prometheus binary (`apt-get install -y prometheus`). */
export const prometheusBin = '/usr/bin/prometheus';

/**
 * Makes sure Debian's Prometheus is installed: installs it when missing and we are root. Returns why it is
 * not available (a one-line skip reason), or null when it is.
 */
export function ensurePrometheus(): string | null {
  if (existsSync(prometheusBin)) return null;
  if (process.getuid?.() === 0) {
    try {
      execFileSync('apt-get', ['install', '-y', '-q', 'prometheus'], { stdio: 'ignore', timeout: 600_000 });
    } catch {
      try {
        execFileSync('apt-get', ['update', '-q'], { stdio: 'ignore', timeout: 600_000 });
        execFileSync('apt-get', ['install', '-y', '-q', 'prometheus'], { stdio: 'ignore', timeout: 600_000 });
      } catch {
        // Reported below.
      }
    }
  }
  return existsSync(prometheusBin)
    ? null
    : 'live rollout e2e needs Debian prometheus (apt-get install -y prometheus); install it or set RAMPART_REQUIRE_TESTBED=1 to make its absence a failure';
}

/** A cluster Prometheus scrapes: its API server through an admin bearer token. */
export interface ScrapeTarget {
  readonly name: string;
  readonly kubeconfig: string;
  /** Context whose user token Prometheus uses (system:masters: scraping never queues behind the load). */
  readonly context: string;
}

interface KubeconfigDoc {
  clusters: { name: string; cluster: { server: string; 'certificate-authority-data': string } }[];
  users: { name: string; user: { token?: string } }[];
  contexts: { name: string; context: { cluster: string; user: string } }[];
}

/** A Prometheus on a loopback port with its own config and data dir, scraping every 5 s. */
export class TestPrometheus {
  private child: ChildProcess | null = null;
  readonly url: string;

  private constructor(
    readonly port: number,
    readonly dir: string,
  ) {
    this.url = `http://127.0.0.1:${port}`;
  }

  static async create(dir: string, targets: readonly ScrapeTarget[]): Promise<TestPrometheus> {
    mkdirSync(join(dir, 'data'), { recursive: true });
    const jobs = targets.map((t) => {
      const doc = parse(readFileSync(t.kubeconfig, 'utf8')) as KubeconfigDoc;
      const ctx = doc.contexts.find((c) => c.name === t.context)?.context;
      const cluster = doc.clusters.find((c) => c.name === ctx?.cluster)?.cluster;
      const token = doc.users.find((u) => u.name === ctx?.user)?.user.token;
      if (!ctx || !cluster || !token) throw new Error(`${t.kubeconfig}: no token for ${t.context}`);
      const tokenFile = join(dir, `${t.name}.token`);
      const caFile = join(dir, `${t.name}.ca`);
      writeFileSync(tokenFile, token, { mode: 0o600 });
      writeFileSync(caFile, Buffer.from(cluster['certificate-authority-data'], 'base64'));
      const host = new URL(cluster.server).host;
      return [
        `  - job_name: apiserver-${t.name}`,
        '    scheme: https',
        `    authorization: {credentials_file: ${tokenFile}}`,
        `    tls_config: {ca_file: ${caFile}}`,
        `    static_configs: [{targets: ["${host}"], labels: {cluster: "${t.name}"}}]`,
      ].join('\n');
    });
    writeFileSync(
      join(dir, 'prometheus.yml'),
      [
        'global: {scrape_interval: 5s, scrape_timeout: 4s, evaluation_interval: 5s}',
        'scrape_configs:',
        ...jobs,
        '',
      ].join('\n'),
    );
    const p = new TestPrometheus(await freePort(), dir);
    await p.start();
    return p;
  }

  /** Starts (or restarts, on the same port and data) and waits until it is ready. */
  async start(): Promise<void> {
    if (this.child) return;
    const child = spawn(
      prometheusBin,
      [
        `--config.file=${join(this.dir, 'prometheus.yml')}`,
        `--storage.tsdb.path=${join(this.dir, 'data')}`,
        `--web.listen-address=127.0.0.1:${this.port}`,
        '--storage.tsdb.retention.time=2h',
        '--log.level=warn',
      ],
      { stdio: ['ignore', 'ignore', 'pipe'] },
    );
    let log = '';
    child.stderr?.on('data', (b: Buffer) => (log = (log + b.toString()).slice(-4000)));
    this.child = child;
    const deadline = Date.now() + 60_000;
    for (;;) {
      if (child.exitCode !== null) throw new Error(`prometheus exited ${child.exitCode}: ${log}`);
      try {
        if ((await fetch(`${this.url}/-/ready`)).ok) return;
      } catch {
        // Not listening yet.
      }
      if (Date.now() > deadline) {
        // The caller may never get this instance to stop: stop it here.
        await this.stop();
        throw new Error(`prometheus not ready in 60 s: ${log}`);
      }
      await new Promise((r) => setTimeout(r, 500));
    }
  }

  /** Stops it (SIGTERM, then SIGKILL after 10 s) and waits for it to exit. */
  async stop(): Promise<void> {
    const child = this.child;
    this.child = null;
    if (!child || child.exitCode !== null) return;
    const exited = new Promise<void>((r) => child.once('exit', () => r()));
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    await exited;
    clearTimeout(timer);
  }

  /** An instant query's first value, or null (no series, or not answering). */
  async value(query: string): Promise<number | null> {
    try {
      const res = await fetch(`${this.url}/api/v1/query?query=${encodeURIComponent(query)}`);
      const body = (await res.json()) as { data?: { result?: { value: [number, string] }[] } };
      const v = body.data?.result?.[0]?.value[1];
      return v === undefined ? null : Number(v);
    } catch {
      return null;
    }
  }
}
