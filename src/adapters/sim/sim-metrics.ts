import type { MetricsSource, SignalQuery, SignalReading, SignalSample } from '../../rollout/ports.js';
import type { SignalRecorder } from './signal-recorder.js';

/**
 * The rollout's MetricsSource over a simulated fleet: answers like a Prometheus range query over the
 * recorder's buckets, with the same signal names and meanings as the live adapter (src/rollout/signals.ts).
 * Signals the policy does not use are 'missing'.
 */
export class SimMetricsSource implements MetricsSource {
  private readonly index = new Map<string, number>();
  /** Last reading per cluster and signal, reused while the window covers the same buckets. */
  private readonly cache = new Map<string, { first: number; last: number; reading: SignalReading }>();

  constructor(private readonly recorder: SignalRecorder) {
    recorder.fleet.clusters.forEach((c, i) => this.index.set(c.name, i));
  }

  evaluate(q: SignalQuery): SignalReading {
    const i = this.index.get(q.cluster);
    if (i === undefined || !this.recorder.records(q.signal)) return 'missing';
    const { first, last } = this.recorder.range(q.nowMs - q.windowS * 1000, q.nowMs);
    const key = `${i}|${q.signal}`;
    const hit = this.cache.get(key);
    if (hit && hit.first === first && hit.last === last) return hit.reading;
    const points = this.recorder.points(i, q.signal, first, last);
    let reading: SignalSample[];
    if (q.signal === 'change_seat_demand') {
      const priorityLevel = this.recorder.changeLevel(i) ?? 'unknown';
      reading = points.map((p) => ({
        tMs: p.tMs,
        value: p.value,
        seats: {
          priorityLevel,
          otherDemandSeats: p.otherSeats,
          availableSeats: p.availableSeats,
          transient: p.transient,
        },
      }));
    } else {
      reading = points.map((p) => ({ tMs: p.tMs, value: p.value }));
    }
    this.cache.set(key, { first, last, reading });
    return reading;
  }
}
