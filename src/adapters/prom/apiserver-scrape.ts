import type { SignalName } from '../../model/signals.js';
import { fenceLevelName } from '../../apf/breakglass.js';
import type { MetricsSource, SignalQuery, SignalReading, SignalSample } from '../../rollout/ports.js';
import type { ChangeFlow, ChangeFlowResolver } from '../change-flow.js';
import { availableSeats as levelAvailable, demandSeats } from './change-demand.js';
import { histogramQuantile, parseExposition, sumBy, sumOf, type Exposition } from './exposition.js';

/** Reads an API server's /metrics text through the cluster's own credentials (the kube adapter does). */
export interface MetricsScraper {
  /** The /metrics text, and the priority level that served the scrape (null: unknown). */
  scrape(cluster: string): Promise<{ readonly text: string; readonly level: string | null }>;
}

interface Scrape {
  readonly tMs: number;
  readonly e: Exposition;
  /** The level that served this scrape: its executing seats include the scrape itself. */
  readonly level: string | null;
}

const kept = (n: string): boolean =>
  n.startsWith('apiserver_flowcontrol_') ||
  n === 'apiserver_request_total' ||
  n === 'etcd_request_duration_seconds_bucket';

/** Signals this source computes; the others (DNS, workload errors) need a Prometheus that scrapes them. */
export const scrapedSignals: readonly SignalName[] = [
  'apf_seat_utilization',
  'apf_queue_length',
  'apiserver_429_per_s',
  'apiserver_timeouts_per_s',
  'apiserver_p99_latency_s',
  'etcd_p99_latency_s',
  'change_seat_demand',
];

/**
 * MetricsSource for clusters without Prometheus: scrapes the API server's own /metrics (at most once per
 * `minIntervalMs` per cluster) and builds each window from successive scrapes — counters as the rate
 * between two scrapes, gauges as read. With one API server behind the endpoint the figures are that
 * server's; behind a load balancer each scrape sees one of them (say so in the fleet file).
 */
export class ApiserverScrapeSource implements MetricsSource {
  private readonly scrapes = new Map<string, Scrape[]>();
  private readonly inflight = new Map<string, Promise<void>>();
  readonly problems = new Map<string, string>();

  constructor(
    private readonly clusters: ReadonlySet<string>,
    private readonly scraper: MetricsScraper,
    private readonly flows: ChangeFlowResolver,
    /** The change's flow schema (`rampart-change-<change>`): the others-only signals leave it out. */
    private readonly changeFlowSchema: string,
    private readonly now: () => number,
    private readonly minIntervalMs = 5_000,
    private readonly keepMs = 20 * 60_000,
  ) {}

  /** Takes a scrape if the last one is old enough; a failed scrape leaves a gap (missing data). */
  async refresh(cluster: string): Promise<void> {
    const running = this.inflight.get(cluster);
    if (running) return running;
    const list = this.scrapes.get(cluster) ?? [];
    const last = list.at(-1);
    const nowMs = this.now();
    if (last && nowMs - last.tMs < this.minIntervalMs) return;
    const p = (async () => {
      try {
        const { text, level } = await this.scraper.scrape(cluster);
        list.push({ tMs: this.now(), e: parseExposition(text, kept), level });
        while (list.length > 2 && (list[0]?.tMs ?? 0) < nowMs - this.keepMs) list.shift();
        this.scrapes.set(cluster, list);
        this.problems.delete(cluster);
      } catch (err) {
        this.problems.set(cluster, `scrape of /metrics failed (${(err as Error).message.split('\n')[0]})`);
      }
    })();
    this.inflight.set(cluster, p);
    try {
      await p;
    } finally {
      this.inflight.delete(cluster);
    }
  }

  async evaluate(q: SignalQuery): Promise<SignalReading> {
    if (!this.clusters.has(q.cluster) || !scrapedSignals.includes(q.signal)) return 'missing';
    await this.refresh(q.cluster);
    const list = this.scrapes.get(q.cluster) ?? [];
    const fromMs = q.nowMs - q.windowS * 1000;
    const flow =
      q.signal === 'change_seat_demand' ? await this.flows.changeFlow(q.cluster).catch(() => null) : null;
    if (q.signal === 'change_seat_demand' && !flow) return 'missing';
    const samples: SignalSample[] = [];
    for (let i = 1; i < list.length; i++) {
      const a = list[i - 1];
      const b = list[i];
      if (!a || !b || b.tMs <= fromMs || b.tMs > q.nowMs) continue;
      const s = sampleOf(q.signal, a, b, flow, this.changeFlowSchema);
      if (s && Number.isFinite(s.value) && s.value >= 0) samples.push(s);
    }
    return samples.length > 0 ? samples : 'missing';
  }
}

/** Rate of a counter sum between two scrapes; null across a restart (the counter went down). */
function rate(
  a: Scrape,
  b: Scrape,
  name: string,
  match?: (l: Readonly<Record<string, string>>) => boolean,
): number | null {
  const dt = (b.tMs - a.tMs) / 1000;
  const d = sumOf(b.e, name, match) - sumOf(a.e, name, match);
  return dt > 0 && d >= 0 ? d / dt : null;
}

function quantileBetween(
  a: Scrape,
  b: Scrape,
  name: string,
  skip?: (l: Readonly<Record<string, string>>) => boolean,
): number {
  const inc = new Map<string, number>();
  const add = (e: Exposition, sign: number): void => {
    for (const x of e.get(name) ?? []) {
      if (skip?.(x.labels)) continue;
      const le = x.labels['le'] ?? '';
      inc.set(le, (inc.get(le) ?? 0) + sign * x.value);
    }
  };
  add(b.e, 1);
  add(a.e, -1);
  return histogramQuantile(0.99, inc);
}

type Labels = Readonly<Record<string, string>>;

/** The signal table's `flow_schema!~"rampart-change-<change>|rampart-rollout-fence-.*"`. */
const othersOnly =
  (changeFlowSchema: string) =>
  (l: Labels): boolean => {
    const fs = l['flow_schema'] ?? '';
    return fs !== changeFlowSchema && !fs.startsWith(`${fenceLevelName}-`);
  };

/** Levels only the change uses (the fence, a quarantine), and exempt, whose tiny limit a scrape fills. */
const changeOnlyLevel = (pl: string): boolean =>
  pl === 'exempt' || pl === fenceLevelName || pl.startsWith('rampart-quarantine');

function sampleOf(
  signal: SignalName,
  a: Scrape,
  b: Scrape,
  flow: ChangeFlow | null,
  changeFlowSchema: string,
): SignalSample | null {
  const tMs = b.tMs;
  const others = othersOnly(changeFlowSchema);
  switch (signal) {
    case 'apf_seat_utilization': {
      const exec = sumBy(b.e, 'apiserver_flowcontrol_current_executing_seats', 'priority_level');
      const limit = sumBy(b.e, 'apiserver_flowcontrol_current_limit_seats', 'priority_level');
      // The scrape is a request too (one seat) executing while the server writes the figures: on a small
      // level (break-glass has a seat or two) it alone would read as full.
      if (b.level !== null) exec.set(b.level, Math.max(0, (exec.get(b.level) ?? 0) - 1));
      let worst = Number.NaN;
      for (const [pl, l] of limit)
        if (l > 0 && !changeOnlyLevel(pl))
          worst = Math.max(Number.isNaN(worst) ? 0 : worst, (exec.get(pl) ?? 0) / l);
      return { tMs, value: worst };
    }
    case 'apf_queue_length':
      return {
        tMs,
        value: sumOf(b.e, 'apiserver_flowcontrol_current_inqueue_requests', others),
      };
    case 'apiserver_429_per_s': {
      const r = rate(a, b, 'apiserver_flowcontrol_rejected_requests_total', others);
      return r === null ? null : { tMs, value: r };
    }
    case 'apiserver_timeouts_per_s': {
      // The change's resources are not known from its manifest: every 504 counts (errs towards holding).
      const t = rate(a, b, 'apiserver_request_total', (l) => l['code'] === '504');
      const queued = rate(
        a,
        b,
        'apiserver_flowcontrol_rejected_requests_total',
        (l) => l['reason'] === 'time-out' && others(l),
      );
      return t === null ? null : { tMs, value: t + (queued ?? 0) };
    }
    // apiserver_request_duration_seconds has no flow label: APF's per-flow queue wait + execution, as the
    // signal table's query (an upper bound of the others' p99).
    case 'apiserver_p99_latency_s': {
      const skip = (l: Labels): boolean => !others(l);
      return {
        tMs,
        value:
          quantileBetween(a, b, 'apiserver_flowcontrol_request_wait_duration_seconds_bucket', skip) +
          quantileBetween(a, b, 'apiserver_flowcontrol_request_execution_seconds_bucket', skip),
      };
    }
    case 'etcd_p99_latency_s':
      return { tMs, value: quantileBetween(a, b, 'etcd_request_duration_seconds_bucket') };
    case 'change_seat_demand': {
      if (!flow) return null;
      const fs = (l: Readonly<Record<string, string>>): boolean => l['flow_schema'] === flow.flowSchema;
      const onLevel = (l: Readonly<Record<string, string>>): boolean =>
        l['priority_level'] === flow.priorityLevel && l['flow_schema'] !== flow.flowSchema;
      const availableSeats = levelAvailable(
        sumOf(
          b.e,
          'apiserver_flowcontrol_upper_limit_seats',
          (l) => l['priority_level'] === flow.priorityLevel,
        ),
        sumOf(b.e, 'apiserver_flowcontrol_nominal_limit_seats'),
        sumOf(
          b.e,
          'apiserver_flowcontrol_lower_limit_seats',
          (l) => l['priority_level'] !== flow.priorityLevel,
        ),
      );
      if (!(availableSeats > 0)) return null;
      const seatsSum = rate(a, b, 'apiserver_flowcontrol_work_estimated_seats_sum', fs);
      const seatsCount = rate(a, b, 'apiserver_flowcontrol_work_estimated_seats_count', fs);
      const nominal = (b.e.get('apiserver_flowcontrol_nominal_limit_seats') ?? []).find(
        (x) => x.labels['priority_level'] === flow.priorityLevel,
      )?.value;
      const value = demandSeats(
        {
          execS: rate(a, b, 'apiserver_flowcontrol_request_execution_seconds_sum', fs) ?? 0,
          executedPerS: rate(a, b, 'apiserver_flowcontrol_request_execution_seconds_count', fs) ?? 0,
          waitS: rate(a, b, 'apiserver_flowcontrol_request_wait_duration_seconds_sum', fs) ?? 0,
          rejectedPerS: rate(a, b, 'apiserver_flowcontrol_rejected_requests_total', fs) ?? 0,
          seatsPerRequest: seatsSum !== null && seatsCount ? seatsSum / seatsCount : null,
        },
        flow,
        { otherSeats: 0, availableSeats, nominalPerServer: nominal ?? null },
      );
      if (value === null) return null;
      const otherDemandSeats =
        sumOf(b.e, 'apiserver_flowcontrol_current_executing_seats', onLevel) +
        sumOf(b.e, 'apiserver_flowcontrol_current_inqueue_seats', onLevel);
      return { tMs, value, seats: { priorityLevel: flow.priorityLevel, otherDemandSeats, availableSeats } };
    }
    case 'change_ready_ratio':
    case 'coredns_servfail_ratio':
    case 'dns_cache_miss_ratio':
    case 'workload_error_ratio':
      return null;
    default: {
      const never: never = signal;
      return never;
    }
  }
}
