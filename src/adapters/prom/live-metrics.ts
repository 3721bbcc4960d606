import type { MetricsSource, SignalQuery, SignalReading, SignalSample } from '../../rollout/ports.js';
import { stillRolling, type RolloutProgress } from '../rollout-progress.js';

/**
 * The MetricsSource a live rollout uses: each cluster's signals from its own source (Prometheus or its API
 * server's /metrics), and `change_ready_ratio` from the change's rollout status (ready / desired, as the
 * signal table allows), sampled at every read and kept for the window. While the workload's controller is
 * still replacing replicas there is no sample (stillRolling): the gate is inconclusive and holds, and the
 * policy's inconclusive timeout is the rollout's progress deadline.
 */
export class LiveMetricsSource implements MetricsSource {
  private readonly ready = new Map<string, SignalSample[]>();
  /** Why the last read of a cluster gave no readiness sample (shown with an inconclusive gate's reason). */
  readonly problems = new Map<string, string>();

  constructor(
    private readonly byCluster: ReadonlyMap<string, MetricsSource>,
    private readonly status: (cluster: string) => Promise<RolloutProgress | 'unreachable'>,
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
    if (s !== 'unreachable' && stillRolling(s))
      this.problems.set(
        q.cluster,
        `still rolling out: ${s.updatedReplicas} of ${s.desiredReplicas} replicas updated, ${s.readyReplicas} ready`,
      );
    else if (s !== 'unreachable' && s.desiredReplicas > 0 && (!last || last.tMs < q.nowMs)) {
      this.problems.delete(q.cluster);
      list.push({ tMs: q.nowMs, value: Math.min(1, s.readyReplicas / s.desiredReplicas) });
    }
    const fromMs = q.nowMs - q.windowS * 1000;
    while (list.length > 0 && (list[0]?.tMs ?? 0) < q.nowMs - 3600_000) list.shift();
    this.ready.set(q.cluster, list);
    const inWindow = list.filter((x) => x.tMs > fromMs && x.tMs <= q.nowMs);
    return inWindow.length > 0 ? inWindow : 'missing';
  }
}
