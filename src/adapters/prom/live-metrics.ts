import type {
  MetricsSource,
  SignalQuery,
  SignalReading,
  SignalSample,
  WorkloadStatus,
} from '../../rollout/ports.js';

/**
 * The MetricsSource a live rollout uses: each cluster's signals from its own source (Prometheus or its API
 * server's /metrics), and `change_ready_ratio` from the change's rollout status (ready / desired, as the
 * signal table allows), sampled at every read and kept for the window.
 */
export class LiveMetricsSource implements MetricsSource {
  private readonly ready = new Map<string, SignalSample[]>();

  constructor(
    private readonly byCluster: ReadonlyMap<string, MetricsSource>,
    private readonly status: (cluster: string) => Promise<WorkloadStatus | 'unreachable'>,
  ) {}

  async evaluate(q: SignalQuery): Promise<SignalReading> {
    if (q.signal === 'change_ready_ratio') return this.readyRatio(q);
    const src = this.byCluster.get(q.cluster);
    return src ? src.evaluate(q) : 'missing';
  }

  private async readyRatio(q: SignalQuery): Promise<SignalReading> {
    if (!this.byCluster.has(q.cluster)) return 'missing';
    const list = this.ready.get(q.cluster) ?? [];
    const s = await this.status(q.cluster);
    const last = list.at(-1);
    if (s !== 'unreachable' && s.desiredReplicas > 0 && (!last || last.tMs < q.nowMs))
      list.push({ tMs: q.nowMs, value: Math.min(1, s.readyReplicas / s.desiredReplicas) });
    const fromMs = q.nowMs - q.windowS * 1000;
    while (list.length > 0 && (list[0]?.tMs ?? 0) < q.nowMs - 3600_000) list.shift();
    this.ready.set(q.cluster, list);
    const inWindow = list.filter((x) => x.tMs > fromMs && x.tMs <= q.nowMs);
    return inWindow.length > 0 ? inWindow : 'missing';
  }
}
