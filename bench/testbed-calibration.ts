/**
 * `npm run bench` (not with --quick): LIST all pods on a real kube-apiserver at ~1k, 5k and 20k small
 * pods and at 1k, 5k and 20k pods padded to ~15 KB, resourceVersion "" and "0", one JSON line per
 * measurement with the model's figures beside it (docs/calibration.md reads them). Brings up a testbed
 * of its own and takes it down, also on failure; skipped with one line where Go is missing.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { defaultApiServerCalibration } from '../src/cost/calibration.js';
import { findResource } from '../src/model/resources.js';
import { ensureBuilt, goAvailable } from '../testbed/launcher/build.js';
import { modelFigures, runCalibration } from '../testbed/launcher/calibrate.js';
import { KubeJson } from '../testbed/launcher/kube-client.js';
import { readApiserverRecord } from '../testbed/launcher/state.js';

const name = `bench-cal-${process.pid}`;
const root = join(import.meta.dirname, '..');
const log = (line: string): void => void process.stderr.write(`testbed-calibration: ${line}\n`);
const small = (process.env['RAMPART_BENCH_PODS'] ?? '1000,5000,20000').split(',').map(Number);
const padded = (process.env['RAMPART_BENCH_PADDED_PODS'] ?? '1000,5000,20000').split(',').map(Number);

function launcher(args: string[]): string {
  const r = spawnSync(
    process.execPath,
    ['--import', 'tsx', join(root, 'testbed/launcher/main.ts'), ...args],
    {
      cwd: root,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  if (r.status !== 0) throw new Error(`testbed ${args.join(' ')} exited ${r.status}`);
  return r.stdout;
}

if (!goAvailable()) {
  log('skipped: Go ≥ 1.26 is needed to build kube-apiserver (see testbed/README.md)');
  process.exit(0);
}
await ensureBuilt(log);
try {
  const up = JSON.parse(launcher(['up', name, '--nodes', '3', '--pods-per-node', '0'])) as {
    kubeconfig: string;
    server: string;
  };
  const kc = parse(readFileSync(up.kubeconfig, 'utf8')) as {
    clusters: { cluster: { 'certificate-authority-data': string } }[];
    users: { name: string; user: { token: string } }[];
  };
  const caPem = Buffer.from(kc.clusters[0]?.cluster['certificate-authority-data'] ?? '', 'base64').toString();
  const token = kc.users.find((u) => u.name.endsWith('-admin'))?.user.token ?? '';
  const admin = new KubeJson(up.server, caPem, token, 64);
  const started = performance.now();
  try {
    const ms = await runCalibration(
      {
        admin,
        server: up.server,
        caPem,
        adminToken: token,
        apiserverPid: () => readApiserverRecord(name)?.process.pid ?? 0,
      },
      { smallPods: small, paddedPods: padded, paddingBytes: 12_000, runs: 3, waitForEstimator: true },
      log,
    );
    const podBytes = findResource('pods')?.bytesPerObject ?? 20_000;
    for (const m of ms) {
      const model = modelFigures(m, defaultApiServerCalibration, podBytes);
      process.stdout.write(
        `${JSON.stringify({
          bench: 'testbed-list-all-pods',
          pods: m.pods,
          padded: m.paddingBytes > 0,
          resourceVersion: m.resourceVersion,
          latencyS: round(m.latencyS),
          latencySRuns: m.latenciesS.map(round),
          bytesPerPod: m.bytesPerPod,
          responseMiB: round(m.bytes / 2 ** 20),
          rssBeforeMiB: m.rssBeforeMiB,
          rssGrowthMiB: m.rssGrowthMiB,
          firstRssGrowthMiB: m.firstRssGrowthMiB,
          seats: m.seats,
          estimatorPods: m.estimatorPods,
          objectsRead: m.objectsRead,
          modelLatencyS: round(model.latencyAtMeasuredBytesS),
          modelLatencyAtModelPodSizeS: round(model.latencyAtModelBytesS),
          modelMemoryMiB: Math.round(model.memoryMiB),
          modelSeats: model.seats,
        })}\n`,
      );
    }
    log(`done in ${((performance.now() - started) / 1000).toFixed(0)} s`);
  } finally {
    admin.close();
  }
} finally {
  try {
    launcher(['down', name]);
  } catch (err) {
    log(String(err));
  }
}

function round(x: number): number {
  return Math.round(x * 1000) / 1000;
}
