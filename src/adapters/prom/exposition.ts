/** One sample of the Prometheus text exposition format. */
export interface ExpositionSample {
  readonly labels: Readonly<Record<string, string>>;
  readonly value: number;
}

/** Samples by metric name. */
export type Exposition = Map<string, ExpositionSample[]>;

const line = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)/;
const label = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g;

/** Parses the text format, keeping only metrics `keep` accepts (an API server's /metrics is large). */
export function parseExposition(text: string, keep: (name: string) => boolean): Exposition {
  const out: Exposition = new Map();
  for (const raw of text.split('\n')) {
    if (raw.length === 0 || raw.startsWith('#')) continue;
    const m = line.exec(raw);
    if (!m?.[1] || !keep(m[1])) continue;
    const labels: Record<string, string> = {};
    for (const l of (m[2] ?? '').matchAll(label))
      if (l[1]) labels[l[1]] = (l[2] ?? '').replace(/\\(.)/g, '$1');
    const value = Number(m[3]);
    if (Number.isNaN(value) && m[3] !== 'NaN') continue;
    let list = out.get(m[1]);
    if (!list) out.set(m[1], (list = []));
    list.push({ labels, value });
  }
  return out;
}

/** Sum of a metric's samples whose labels pass `match`. */
export function sumOf(
  e: Exposition,
  name: string,
  match: (l: Readonly<Record<string, string>>) => boolean = () => true,
): number {
  let s = 0;
  for (const x of e.get(name) ?? []) if (match(x.labels)) s += x.value;
  return s;
}

/** Sums by one label. */
export function sumBy(e: Exposition, name: string, by: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const x of e.get(name) ?? []) {
    const k = x.labels[by] ?? '';
    out.set(k, (out.get(k) ?? 0) + x.value);
  }
  return out;
}

/**
 * histogram_quantile over bucket increments (`le` → count), linear within the bucket as Prometheus does;
 * NaN when there were no observations.
 */
export function histogramQuantile(q: number, buckets: ReadonlyMap<string, number>): number {
  const sorted = [...buckets]
    .map(([le, c]) => ({ le: le === '+Inf' ? Infinity : Number(le), c }))
    .filter((b) => !Number.isNaN(b.le))
    .sort((a, b) => a.le - b.le);
  const total = sorted.at(-1)?.c ?? 0;
  if (!(total > 0)) return Number.NaN;
  const rank = q * total;
  let prevLe = 0;
  let prevC = 0;
  for (const b of sorted) {
    if (b.c >= rank) {
      if (b.le === Infinity) return prevLe;
      return prevLe + ((b.le - prevLe) * (rank - prevC)) / Math.max(1e-12, b.c - prevC);
    }
    prevLe = b.le;
    prevC = b.c;
  }
  return prevLe;
}
