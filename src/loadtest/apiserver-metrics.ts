/**
 * The API server's own /metrics (Prometheus text format), reduced to what a load test reads: APF seats in
 * use and limits per priority level, rejections, queue waits, request latency by verb, and how many
 * objects LISTs touched. Only the families below are kept, so a 15,000-line scrape costs little.
 */

/** A cumulative histogram: `buckets` are [upper bound, count ≤ bound], ascending, ending with +Inf. */
export interface Histogram {
  readonly buckets: readonly (readonly [number, number])[];
  readonly sum: number;
  readonly count: number;
}

export interface LevelGauges {
  readonly executingSeats: number;
  readonly currentLimitSeats: number;
  readonly nominalLimitSeats: number;
  readonly inqueueRequests: number;
}

export interface ListObjects {
  readonly lists: number;
  /** Objects the server read (from its watch cache, or evaluated from etcd) for those LISTs. */
  readonly fetched: number;
  readonly returned: number;
}

export interface MetricsSnapshot {
  readonly levels: ReadonlyMap<string, LevelGauges>;
  /** Counters per priority level. */
  readonly rejected: ReadonlyMap<string, number>;
  readonly dispatched: ReadonlyMap<string, number>;
  /** Queue wait of requests per priority level (executed or not). */
  readonly queueWait: ReadonlyMap<string, Histogram>;
  /** Seat utilization (seats in use / current limit), time-sampled by the server: Σ and count. */
  readonly seatUtilization: ReadonlyMap<string, { readonly sum: number; readonly count: number }>;
  /** Seats the work estimator charged per request: Σ and count per level. */
  readonly estimatedSeats: ReadonlyMap<string, { readonly sum: number; readonly count: number }>;
  /** apiserver_request_duration_seconds per verb (every resource, scope and dry-run summed). */
  readonly durationByVerb: ReadonlyMap<string, Histogram>;
  /** Per resource ("pods", "apps/deployments"): LISTs served from the watch cache and from etcd. */
  readonly cacheLists: ReadonlyMap<string, ListObjects>;
  readonly storageLists: ReadonlyMap<string, ListObjects>;
  /** apiserver_resource_objects: stored objects per resource. */
  readonly resourceObjects: ReadonlyMap<string, number>;
  /** The server process: GOMAXPROCS (the cores it may use), CPU seconds so far, resident bytes. */
  readonly gomaxprocs: number | null;
  readonly cpuSeconds: number | null;
  readonly residentBytes: number | null;
}

const kept = [
  'apiserver_flowcontrol_current_executing_seats',
  'apiserver_flowcontrol_current_limit_seats',
  'apiserver_flowcontrol_nominal_limit_seats',
  'apiserver_flowcontrol_current_inqueue_requests',
  'apiserver_flowcontrol_rejected_requests_total',
  'apiserver_flowcontrol_dispatched_requests_total',
  'apiserver_flowcontrol_request_wait_duration_seconds',
  'apiserver_flowcontrol_priority_level_seat_utilization',
  'apiserver_flowcontrol_work_estimated_seats',
  'apiserver_request_duration_seconds',
  'apiserver_cache_list_total',
  'apiserver_cache_list_fetched_objects_total',
  'apiserver_cache_list_returned_objects_total',
  'apiserver_storage_list_total',
  'apiserver_storage_list_evaluated_objects_total',
  'apiserver_storage_list_returned_objects_total',
  'apiserver_resource_objects',
  'go_sched_gomaxprocs_threads',
  'process_cpu_seconds_total',
  'process_resident_memory_bytes',
];
const keptSet = new Set(kept);

/** One sample: metric name (with _bucket/_sum/_count suffix), labels, value. */
export interface Sample {
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly value: number;
}

const labelPattern = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g;

function familyOf(name: string): string {
  for (const suffix of ['_bucket', '_sum', '_count']) {
    if (name.endsWith(suffix)) {
      const base = name.slice(0, -suffix.length);
      if (keptSet.has(base)) return base;
    }
  }
  return name;
}

/** Parses the samples of the kept families from Prometheus text (other lines are skipped unparsed). */
export function parseSamples(text: string): Sample[] {
  const out: Sample[] = [];
  let start = 0;
  while (start < text.length) {
    let end = text.indexOf('\n', start);
    if (end < 0) end = text.length;
    const line = text.slice(start, end);
    start = end + 1;
    if (line === '' || line.startsWith('#')) continue;
    const brace = line.indexOf('{');
    const space = line.indexOf(' ');
    const nameEnd = brace >= 0 && (space < 0 || brace < space) ? brace : space;
    if (nameEnd <= 0) continue;
    const name = line.slice(0, nameEnd);
    if (!keptSet.has(familyOf(name))) continue;
    const labels: Record<string, string> = {};
    let rest = line.slice(nameEnd);
    if (rest.startsWith('{')) {
      const close = rest.lastIndexOf('}');
      for (const m of rest.slice(1, close).matchAll(labelPattern))
        labels[m[1]!] = m[2]!.replace(/\\(.)/g, '$1');
      rest = rest.slice(close + 1);
    }
    const value = Number(rest.trim().split(' ')[0]);
    if (Number.isNaN(value)) continue;
    out.push({ name, labels, value });
  }
  return out;
}

class HistogramBuilder {
  readonly bounds = new Map<number, number>();
  sum = 0;
  count = 0;

  build(): Histogram {
    const buckets = [...this.bounds].sort((a, b) => a[0] - b[0]);
    return { buckets, sum: this.sum, count: this.count };
  }
}

function addTo<K>(m: Map<K, number>, k: K, v: number): void {
  m.set(k, (m.get(k) ?? 0) + v);
}

function resourceKey(labels: Readonly<Record<string, string>>): string {
  const group = labels['group'] ?? '';
  const resource = labels['resource'] ?? '';
  return group === '' ? resource : `${group}/${resource}`;
}

/** Reduces a scrape to a snapshot: series summed over the labels the load test does not distinguish. */
export function snapshotOf(text: string): MetricsSnapshot {
  const gauges = new Map<string, { exec: number; limit: number; nominal: number; inqueue: number }>();
  const gauge = (level: string): { exec: number; limit: number; nominal: number; inqueue: number } => {
    let g = gauges.get(level);
    if (!g) {
      g = { exec: 0, limit: 0, nominal: 0, inqueue: 0 };
      gauges.set(level, g);
    }
    return g;
  };
  const rejected = new Map<string, number>();
  const dispatched = new Map<string, number>();
  const wait = new Map<string, HistogramBuilder>();
  const duration = new Map<string, HistogramBuilder>();
  const util = new Map<string, { sum: number; count: number }>();
  const est = new Map<string, { sum: number; count: number }>();
  const cache = new Map<string, { lists: number; fetched: number; returned: number }>();
  const storage = new Map<string, { lists: number; fetched: number; returned: number }>();
  const objects = new Map<string, number>();
  let gomaxprocs: number | null = null;
  let cpuSeconds: number | null = null;
  let residentBytes: number | null = null;
  const hist = (m: Map<string, HistogramBuilder>, k: string): HistogramBuilder => {
    let h = m.get(k);
    if (!h) {
      h = new HistogramBuilder();
      m.set(k, h);
    }
    return h;
  };
  const sumCount = (m: Map<string, { sum: number; count: number }>, k: string) => {
    let v = m.get(k);
    if (!v) {
      v = { sum: 0, count: 0 };
      m.set(k, v);
    }
    return v;
  };
  const lists = (m: Map<string, { lists: number; fetched: number; returned: number }>, k: string) => {
    let v = m.get(k);
    if (!v) {
      v = { lists: 0, fetched: 0, returned: 0 };
      m.set(k, v);
    }
    return v;
  };
  const addHist = (h: HistogramBuilder, s: Sample, base: string): void => {
    if (s.name === `${base}_bucket`) {
      const le = s.labels['le'] === '+Inf' ? Infinity : Number(s.labels['le']);
      h.bounds.set(le, (h.bounds.get(le) ?? 0) + s.value);
    } else if (s.name === `${base}_sum`) h.sum += s.value;
    else if (s.name === `${base}_count`) h.count += s.value;
  };

  for (const s of parseSamples(text)) {
    const level = s.labels['priority_level'] ?? '';
    const family = familyOf(s.name);
    switch (family) {
      case 'apiserver_flowcontrol_current_executing_seats':
        gauge(level).exec += s.value;
        break;
      case 'apiserver_flowcontrol_current_limit_seats':
        gauge(level).limit += s.value;
        break;
      case 'apiserver_flowcontrol_nominal_limit_seats':
        gauge(level).nominal += s.value;
        break;
      case 'apiserver_flowcontrol_current_inqueue_requests':
        gauge(level).inqueue += s.value;
        break;
      case 'apiserver_flowcontrol_rejected_requests_total':
        addTo(rejected, level, s.value);
        break;
      case 'apiserver_flowcontrol_dispatched_requests_total':
        addTo(dispatched, level, s.value);
        break;
      case 'apiserver_flowcontrol_request_wait_duration_seconds':
        addHist(hist(wait, level), s, family);
        break;
      case 'apiserver_flowcontrol_priority_level_seat_utilization':
        if (s.labels['phase'] !== 'executing') break;
        if (s.name.endsWith('_sum')) sumCount(util, level).sum += s.value;
        else if (s.name.endsWith('_count')) sumCount(util, level).count += s.value;
        break;
      case 'apiserver_flowcontrol_work_estimated_seats':
        if (s.name.endsWith('_sum')) sumCount(est, level).sum += s.value;
        else if (s.name.endsWith('_count')) sumCount(est, level).count += s.value;
        break;
      case 'apiserver_request_duration_seconds':
        addHist(hist(duration, s.labels['verb'] ?? ''), s, family);
        break;
      case 'apiserver_cache_list_total':
        lists(cache, resourceKey(s.labels)).lists += s.value;
        break;
      case 'apiserver_cache_list_fetched_objects_total':
        lists(cache, resourceKey(s.labels)).fetched += s.value;
        break;
      case 'apiserver_cache_list_returned_objects_total':
        lists(cache, resourceKey(s.labels)).returned += s.value;
        break;
      case 'apiserver_storage_list_total':
        lists(storage, resourceKey(s.labels)).lists += s.value;
        break;
      case 'apiserver_storage_list_evaluated_objects_total':
        lists(storage, resourceKey(s.labels)).fetched += s.value;
        break;
      case 'apiserver_storage_list_returned_objects_total':
        lists(storage, resourceKey(s.labels)).returned += s.value;
        break;
      case 'apiserver_resource_objects':
        addTo(objects, resourceKey(s.labels), s.value);
        break;
      case 'go_sched_gomaxprocs_threads':
        gomaxprocs = s.value;
        break;
      case 'process_cpu_seconds_total':
        cpuSeconds = s.value;
        break;
      case 'process_resident_memory_bytes':
        residentBytes = s.value;
        break;
      default:
        break;
    }
  }
  const levels = new Map<string, LevelGauges>();
  for (const [k, g] of gauges)
    levels.set(k, {
      executingSeats: g.exec,
      currentLimitSeats: g.limit,
      nominalLimitSeats: g.nominal,
      inqueueRequests: g.inqueue,
    });
  const built = (m: Map<string, HistogramBuilder>): Map<string, Histogram> =>
    new Map([...m].map(([k, h]) => [k, h.build()]));
  return {
    levels,
    rejected,
    dispatched,
    queueWait: built(wait),
    seatUtilization: util,
    estimatedSeats: est,
    durationByVerb: built(duration),
    cacheLists: cache,
    storageLists: storage,
    resourceObjects: objects,
    gomaxprocs,
    cpuSeconds,
    residentBytes,
  };
}

/** b − a, bucket by bucket (a counter reset, e.g. a restarted server, yields b alone). */
export function histogramDelta(a: Histogram | undefined, b: Histogram | undefined): Histogram {
  if (!b) return { buckets: [], sum: 0, count: 0 };
  if (!a || a.count > b.count) return b;
  const before = new Map(a.buckets);
  return {
    buckets: b.buckets.map(([le, c]) => [le, Math.max(0, c - (before.get(le) ?? 0))] as const),
    sum: b.sum - a.sum,
    count: b.count - a.count,
  };
}

/** Sum of histograms with the same bucket bounds (e.g. every verb but WATCH). */
export function histogramSum(hs: readonly Histogram[]): Histogram {
  const bounds = new Map<number, number>();
  let sum = 0;
  let count = 0;
  for (const h of hs) {
    for (const [le, c] of h.buckets) bounds.set(le, (bounds.get(le) ?? 0) + c);
    sum += h.sum;
    count += h.count;
  }
  return { buckets: [...bounds].sort((x, y) => x[0] - y[0]), sum, count };
}

/**
 * The q-quantile of a histogram, interpolated linearly inside its bucket as Prometheus'
 * histogram_quantile does; 0 when empty; the largest finite bound when it falls in +Inf.
 */
export function histogramQuantile(h: Histogram, q: number): number {
  const total = h.buckets.at(-1)?.[1] ?? 0;
  if (total <= 0) return 0;
  const rank = q * total;
  let prevLe = 0;
  let prevCount = 0;
  for (const [le, c] of h.buckets) {
    if (c >= rank) {
      if (le === Infinity) return prevLe;
      if (c === prevCount) return le;
      return prevLe + ((le - prevLe) * (rank - prevCount)) / (c - prevCount);
    }
    prevLe = le === Infinity ? prevLe : le;
    prevCount = c;
  }
  return prevLe;
}

/** Counter delta that tolerates a restarted server (its counters start again from zero). */
export function counterDelta(a: number | undefined, b: number | undefined): number {
  const after = b ?? 0;
  const before = a ?? 0;
  return after >= before ? after - before : after;
}

/** Every verb but the long-running ones, as the policy's p99 signal reads (verb!~"WATCH|CONNECT"). */
export function nonStreamingDuration(s: MetricsSnapshot): Histogram {
  return histogramSum(
    [...s.durationByVerb].filter(([v]) => v !== 'WATCH' && v !== 'CONNECT').map(([, h]) => h),
  );
}
