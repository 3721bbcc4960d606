import type { CallResult } from './kube-http.js';

// Log-spaced latency buckets: 0.5 ms × 1.1^i reaches ~2 minutes at i = 130, each bucket ±5% wide — enough
// for p50/p99 without keeping a sample per request.
const firstBucketMs = 0.5;
const growth = 1.1;
const bucketCount = 131;
const logGrowth = Math.log(growth);

/** Counts of one key (a call of a profile) since the recorder started or was reset. */
export interface CallStats {
  readonly requests: number;
  /** Requests by HTTP status; 0 = no answer. */
  readonly byStatus: Readonly<Record<string, number>>;
  readonly bytes: number;
  /** Latency quantiles in seconds (upper edge of the bucket); 0 when nothing was recorded. */
  readonly p50S: number;
  readonly p99S: number;
}

class Series {
  requests = 0;
  bytes = 0;
  readonly byStatus = new Map<number, number>();
  readonly buckets = new Float64Array(bucketCount);

  add(r: CallResult): void {
    this.requests++;
    this.bytes += r.bytes;
    this.byStatus.set(r.status, (this.byStatus.get(r.status) ?? 0) + 1);
    const i = r.latencyMs <= firstBucketMs ? 0 : Math.ceil(Math.log(r.latencyMs / firstBucketMs) / logGrowth);
    this.buckets[Math.min(bucketCount - 1, i)]! += 1;
  }

  quantileS(q: number): number {
    if (this.requests === 0) return 0;
    const target = q * this.requests;
    let seen = 0;
    for (let i = 0; i < bucketCount; i++) {
      seen += this.buckets[i]!;
      if (seen >= target) return (firstBucketMs * growth ** i) / 1000;
    }
    return (firstBucketMs * growth ** (bucketCount - 1)) / 1000;
  }

  stats(): CallStats {
    const byStatus: Record<string, number> = {};
    for (const [code, n] of [...this.byStatus].sort((a, b) => a[0] - b[0])) byStatus[String(code)] = n;
    return {
      requests: this.requests,
      byStatus,
      bytes: this.bytes,
      p50S: this.quantileS(0.5),
      p99S: this.quantileS(0.99),
    };
  }
}

/**
 * What the agents saw, per key (e.g. `list pods cluster`): request count, status codes, bytes and latency
 * quantiles. Constant memory per key whatever the request count.
 */
export class LoadRecorder {
  private readonly series = new Map<string, Series>();

  record(key: string, result: CallResult): void {
    let s = this.series.get(key);
    if (!s) {
      s = new Series();
      this.series.set(key, s);
    }
    s.add(result);
  }

  /** Stats per key, keys in code-unit order. */
  snapshot(): Record<string, CallStats> {
    const out: Record<string, CallStats> = {};
    for (const key of [...this.series.keys()].sort()) out[key] = this.series.get(key)!.stats();
    return out;
  }

  /** Forgets everything recorded (the start of a new load step). */
  reset(): void {
    this.series.clear();
  }
}
