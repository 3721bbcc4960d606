import { readFileSync, writeFileSync } from 'node:fs';
import { snapshotOf, type MetricsSnapshot } from '../../src/loadtest/apiserver-metrics.js';
import { KubeHttp } from '../../src/loadtest/kube-http.js';
import { realScheduler } from '../../src/loadtest/scheduler.js';
import { ensureNamespace } from './cluster-setup.js';
import { parallel, type KubeJson } from './kube-client.js';

/**
 * Calibration of the cost model against a real kube-apiserver: LIST every pod of the cluster (consistent,
 * resourceVersion "", and from the watch cache, "0") at a given pod count, and measure what the server
 * spent on it: latency, bytes, resident memory growth, and the seats APF charged. Used by the calibration
 * e2e test and by `npm run bench`.
 */

/** Where the calibration LISTs come from: a service account (APF level workload-low, as an agent's). */
export const listerNamespace = 'calibration';
export const listerAccount = 'lister';

export interface ListMeasurement {
  readonly pods: number;
  /** Padding bytes per pod (0: small pods). */
  readonly paddingBytes: number;
  readonly resourceVersion: '' | '0';
  readonly runs: number;
  /** Median latency to the last byte (s), and every run's. */
  readonly latencyS: number;
  readonly latenciesS: readonly number[];
  readonly bytes: number;
  readonly bytesPerPod: number;
  /** Resident memory before the LIST and its peak while it ran (MiB); growth = peak − before (median). */
  readonly rssBeforeMiB: number;
  readonly rssGrowthMiB: number;
  /**
   * Growth for the first LIST at this size (peak over before): later ones reuse the heap it left, which Go
   * does not return to the system at once, so theirs is mostly 0.
   */
  readonly firstRssGrowthMiB: number;
  /** Seats the work estimator charged per LIST (workload-low), from the server's own metrics. */
  readonly seats: number | null;
  /** Objects the server read per LIST (watch cache, or evaluated from etcd). */
  readonly objectsRead: number | null;
  /**
   * Pods the work estimator believed there were (apiserver_resource_objects, refreshed about once a minute):
   * right after pods are added it lags, and the LIST is charged for the older, smaller count.
   */
  readonly estimatorPods: number | null;
}

/** A pod of the calibration, bound to a node that does not exist: it stays Pending, nothing acts on it. */
function calibrationPod(i: number, paddingBytes: number): Record<string, unknown> {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name: `cal-${i}`,
      labels: { app: 'calibration', 'rampart.dev/testbed': 'calibration' },
      ...(paddingBytes > 0 ? { annotations: { 'rampart.dev/padding': 'x'.repeat(paddingBytes) } } : {}),
    },
    spec: {
      nodeName: `ghost-${i % 100}`,
      automountServiceAccountToken: false,
      containers: [
        {
          name: 'app',
          image: 'registry.k8s.io/pause:3.10',
          resources: { requests: { cpu: '10m', memory: '16Mi' } },
        },
      ],
    },
  };
}

/** Creates pods `from` … `to − 1` in `namespace` (existing names are kept). */
export async function createPods(
  admin: KubeJson,
  namespace: string,
  from: number,
  to: number,
  paddingBytes: number,
): Promise<void> {
  await ensureNamespace(admin, namespace);
  const idx = Array.from({ length: Math.max(0, to - from) }, (_, k) => from + k);
  await parallel(idx, 64, async (i) => {
    await admin.must('POST', `/api/v1/namespaces/${namespace}/pods`, calibrationPod(i, paddingBytes), [409]);
  });
}

/**
 * Deletes pods `0` … `count − 1` of `namespace`, grace 0 (no kubelet will ever confirm), one request per
 * pod in parallel: a single DELETE of the collection outlives the 60 s request timeout at 5,000 pods.
 */
export async function deletePods(admin: KubeJson, namespace: string, count: number): Promise<void> {
  const idx = Array.from({ length: count }, (_, i) => i);
  await parallel(idx, 64, async (i) => {
    await admin.must(
      'DELETE',
      `/api/v1/namespaces/${namespace}/pods/cal-${i}`,
      { gracePeriodSeconds: 0 },
      [404],
    );
  });
}

/** The lister account, its right to list pods, and a token for it. */
export async function listerToken(admin: KubeJson): Promise<string> {
  await ensureNamespace(admin, listerNamespace);
  await admin.must(
    'POST',
    `/api/v1/namespaces/${listerNamespace}/serviceaccounts`,
    { metadata: { name: listerAccount } },
    [409],
  );
  const rbac = '/apis/rbac.authorization.k8s.io/v1';
  await admin.must(
    'POST',
    `${rbac}/clusterroles`,
    {
      metadata: { name: 'rampart-calibration-lister' },
      rules: [{ apiGroups: [''], resources: ['pods'], verbs: ['list'] }],
    },
    [409],
  );
  await admin.must(
    'POST',
    `${rbac}/clusterrolebindings`,
    {
      metadata: { name: 'rampart-calibration-lister' },
      roleRef: {
        apiGroup: 'rbac.authorization.k8s.io',
        kind: 'ClusterRole',
        name: 'rampart-calibration-lister',
      },
      subjects: [{ kind: 'ServiceAccount', name: listerAccount, namespace: listerNamespace }],
    },
    [409],
  );
  const tr = (await admin.must(
    'POST',
    `/api/v1/namespaces/${listerNamespace}/serviceaccounts/${listerAccount}/token`,
    { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenRequest', spec: { expirationSeconds: 7200 } },
  )) as { status?: { token?: string } };
  const token = tr.status?.token;
  if (!token) throw new Error('TokenRequest for the calibration lister answered without a token');
  return token;
}

function rssKiB(pid: number, field: 'VmRSS' | 'VmHWM'): number {
  const m = new RegExp(`${field}:\\s+(\\d+) kB`).exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) : 0;
}

/** Resets the kernel's peak-RSS mark of `pid` (clear_refs 5); false where that is not permitted. */
function resetPeak(pid: number): boolean {
  try {
    writeFileSync(`/proc/${pid}/clear_refs`, '5');
    return true;
  } catch {
    return false;
  }
}

const median = (xs: readonly number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] ?? 0;
};

/**
 * LISTs every pod `runs` times, one at a time, each measured on its own: latency to the last byte (the
 * body is streamed and discarded), bytes, RSS growth (peak over before, from the kernel's high-water mark,
 * reset before each LIST; sampled every 10 ms where it cannot be reset), and seats charged.
 */
export async function measureListAllPods(o: {
  readonly server: string;
  readonly caPem: string;
  readonly adminToken: string;
  readonly listerToken: string;
  readonly apiserverPid: number;
  readonly pods: number;
  readonly paddingBytes: number;
  readonly resourceVersion: '' | '0';
  readonly runs: number;
}): Promise<ListMeasurement> {
  const http = new KubeHttp(
    { server: o.server, caPem: o.caPem },
    { scheduler: realScheduler, maxSockets: 4 },
  );
  const scrape = async (): Promise<MetricsSnapshot | undefined> => {
    const a = await http.json('GET', '/metrics', o.adminToken, { accept: 'text/plain' });
    return a.status === 200 && typeof a.body === 'string' ? snapshotOf(a.body) : undefined;
  };
  try {
    const path = `/api/v1/pods${o.resourceVersion === '0' ? '?resourceVersion=0' : ''}`;
    // One LIST first: the first after a size change pays for growing the heap, which later ones reuse.
    const firstBase = rssKiB(o.apiserverPid, 'VmRSS');
    const firstResettable = resetPeak(o.apiserverPid);
    await http.send({ method: 'GET', path, watch: false }, o.listerToken);
    const firstGrowth = firstResettable ? Math.max(0, rssKiB(o.apiserverPid, 'VmHWM') - firstBase) / 1024 : 0;
    const before = await scrape();
    const latencies: number[] = [];
    const growth: number[] = [];
    const rssBefore: number[] = [];
    let bytes = 0;
    for (let k = 0; k < o.runs; k++) {
      await new Promise((r) => setTimeout(r, 300));
      const base = rssKiB(o.apiserverPid, 'VmRSS');
      const peakResettable = resetPeak(o.apiserverPid);
      let sampled = base;
      const sampler = peakResettable
        ? undefined
        : setInterval(() => {
            sampled = Math.max(sampled, rssKiB(o.apiserverPid, 'VmRSS'));
          }, 10);
      const r = await http.send({ method: 'GET', path, watch: false }, o.listerToken);
      if (sampler) clearInterval(sampler);
      if (r.status !== 200) throw new Error(`LIST pods answered ${r.status} ${r.error ?? ''}`);
      const peak = peakResettable ? rssKiB(o.apiserverPid, 'VmHWM') : sampled;
      latencies.push(r.latencyMs / 1000);
      growth.push(Math.max(0, peak - base) / 1024);
      rssBefore.push(base / 1024);
      bytes = r.bytes;
    }
    const after = await scrape();
    const est = (s: MetricsSnapshot | undefined) => s?.estimatedSeats.get('workload-low');
    const e0 = est(before);
    const e1 = est(after);
    const lists = (s: MetricsSnapshot | undefined) => s?.cacheLists.get('pods');
    const l0 = lists(before);
    const l1 = lists(after);
    const storage = (s: MetricsSnapshot | undefined) => s?.storageLists.get('pods');
    const s0 = storage(before);
    const s1 = storage(after);
    const cacheLists = (l1?.lists ?? 0) - (l0?.lists ?? 0);
    const objectsRead =
      cacheLists > 0
        ? ((l1?.fetched ?? 0) - (l0?.fetched ?? 0)) / cacheLists
        : (s1?.lists ?? 0) - (s0?.lists ?? 0) > 0
          ? ((s1?.fetched ?? 0) - (s0?.fetched ?? 0)) / ((s1?.lists ?? 0) - (s0?.lists ?? 0))
          : null;
    return {
      pods: o.pods,
      paddingBytes: o.paddingBytes,
      resourceVersion: o.resourceVersion,
      runs: o.runs,
      latencyS: median(latencies),
      latenciesS: latencies,
      bytes,
      bytesPerPod: Math.round(bytes / Math.max(1, o.pods)),
      rssBeforeMiB: Math.round(median(rssBefore)),
      rssGrowthMiB: Math.round(median(growth)),
      firstRssGrowthMiB: Math.round(firstGrowth),
      seats: e0 && e1 && e1.count > e0.count ? (e1.sum - e0.sum) / (e1.count - e0.count) : null,
      objectsRead,
      estimatorPods: after?.resourceObjects.get('pods') ?? null,
    };
  } finally {
    http.close();
  }
}

/** The model's figures for the same LIST (src/cost/calibration.ts), to put beside a measurement. */
export function modelFigures(
  m: Pick<ListMeasurement, 'pods' | 'bytes'>,
  calib: {
    serveSecondsPerByte: number;
    cacheScanSecondsPerObject: number;
    baseRequestS: number;
    listMemoryPerByte: number;
  },
  modelBytesPerPod: number,
): { latencyAtMeasuredBytesS: number; latencyAtModelBytesS: number; memoryMiB: number; seats: number } {
  const scan = m.pods * calib.cacheScanSecondsPerObject + calib.baseRequestS;
  return {
    latencyAtMeasuredBytesS: scan + m.bytes * calib.serveSecondsPerByte,
    latencyAtModelBytesS: scan + m.pods * modelBytesPerPod * calib.serveSecondsPerByte,
    memoryMiB: (m.bytes * calib.listMemoryPerByte) / 2 ** 20,
    seats: Math.min(10, Math.max(1, Math.ceil(m.pods / 100))),
  };
}

/** A calibration plan: pod counts of small pods, then of pods padded by `paddingBytes`. */
export interface CalibrationPlan {
  readonly smallPods: readonly number[];
  readonly paddedPods: readonly number[];
  readonly paddingBytes: number;
  readonly runs: number;
  /** Wait (≤ 90 s) until the estimator's pod count has caught up before measuring a size. */
  readonly waitForEstimator: boolean;
}

/** Waits until the server's stored-object count of pods is `count` (or `timeoutMs` passes). */
async function waitForPodCount(
  o: { server: string; caPem: string; adminToken: string },
  count: number,
  timeoutMs: number,
): Promise<void> {
  const http = new KubeHttp(
    { server: o.server, caPem: o.caPem },
    { scheduler: realScheduler, maxSockets: 2 },
  );
  try {
    const end = performance.now() + timeoutMs;
    while (performance.now() < end) {
      const a = await http.json('GET', '/metrics', o.adminToken, { accept: 'text/plain' });
      if (
        a.status === 200 &&
        typeof a.body === 'string' &&
        snapshotOf(a.body).resourceObjects.get('pods') === count
      )
        return;
      await new Promise((r) => setTimeout(r, 3_000));
    }
  } finally {
    http.close();
  }
}

/**
 * Runs a plan on a testbed brought up with no filler pods: small pods are added up to each count and
 * every pod is LISTed (RV "" and "0"); then they are deleted and padded pods are added likewise. Pods are
 * counted cluster-wide, so the testbed's own few (none without filler) do not skew the figures.
 */
export async function runCalibration(
  o: {
    readonly admin: KubeJson;
    readonly server: string;
    readonly caPem: string;
    readonly adminToken: string;
    readonly apiserverPid: () => number;
  },
  plan: CalibrationPlan,
  log: (line: string) => void,
): Promise<ListMeasurement[]> {
  const token = await listerToken(o.admin);
  const out: ListMeasurement[] = [];
  const series = [
    { ns: 'cal-small', counts: plan.smallPods, padding: 0 },
    { ns: 'cal-padded', counts: plan.paddedPods, padding: plan.paddingBytes },
  ];
  for (const s of series) {
    let have = 0;
    for (const count of s.counts) {
      const t0 = performance.now();
      await createPods(o.admin, s.ns, have, count, s.padding);
      log(`${count} pods (padding ${s.padding} B) in ${((performance.now() - t0) / 1000).toFixed(0)} s`);
      have = count;
      if (plan.waitForEstimator) await waitForPodCount(o, count, 90_000);
      for (const rv of ['', '0'] as const) {
        const m = await measureListAllPods({
          server: o.server,
          caPem: o.caPem,
          adminToken: o.adminToken,
          listerToken: token,
          apiserverPid: o.apiserverPid(),
          pods: count,
          paddingBytes: s.padding,
          resourceVersion: rv,
          runs: plan.runs,
        });
        log(
          `LIST ${count} pods rv="${rv}": ${m.latencyS.toFixed(3)} s, ${(m.bytes / 2 ** 20).toFixed(1)} MiB, +${m.rssGrowthMiB} MiB RSS (first: +${m.firstRssGrowthMiB}), ${m.seats ?? '?'} seats (estimator saw ${m.estimatorPods ?? '?'} pods)`,
        );
        out.push(m);
      }
    }
    if (have > 0) await deletePods(o.admin, s.ns, have);
  }
  return out;
}
