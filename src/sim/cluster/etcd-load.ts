import {
  defaultEtcdCalibration,
  etcdP99S,
  etcdWriteLatencyS,
  leaseFailureShare,
  type EtcdCalibration,
} from '../../cost/etcd.js';

/**
 * etcd behind one cluster's API servers, as a fluid model (src/cost/etcd.ts has the constants and the
 * assumptions): each step, the range reads and writes the API servers answered occupy its cores
 * (utilization = core-seconds asked / cores); a write commits after the read work in flight ahead of it;
 * kubelets' lease renewals fail past their 10 s timeout, and a node whose renewals all failed over the
 * grace period (40 s) is NotReady.
 *
 * Not modelled (README "What the simulator models"): etcd's read latency slowing the API servers' LISTs
 * (their service time holds etcd's time at idle), etcd memory and OOM, leader elections, compaction and
 * "resource version too old", and what NotReady nodes lead to (taints, evictions after 5 min, endpoints
 * removed): the simulator reports them and their count, nothing acts on them.
 */
export class EtcdLoad {
  /** Core-seconds asked of etcd per second over its cores, last step (above 1: more than it can do). */
  utilization = Number.NaN;
  /** Mean write commit latency last step, and its 99th percentile. */
  writeLatencyS = Number.NaN;
  p99S = Number.NaN;
  /** Share of lease renewals failing last step, and share of nodes NotReady. */
  leaseFailure = Number.NaN;
  notReadyShare = Number.NaN;
  /**
   * The record a replay saves and restores (see StateSnapshot): mean failure share of each of the last
   * renew intervals of the grace period (a ring), then this interval's sum of failure × step and its index.
   */
  readonly state: Float64Array;
  private readonly intervals: number;

  constructor(
    private readonly stepS: number,
    private readonly calib: EtcdCalibration = defaultEtcdCalibration,
  ) {
    this.intervals = Math.max(1, Math.round(calib.nodeGracePeriodS / calib.renewIntervalS));
    this.state = new Float64Array(this.intervals + 2);
    // Fractions first (docs/perf.md, "Shape pinning").
    this.utilization = 0.5;
    this.writeLatencyS = 0.5;
    this.p99S = 0.5;
    this.leaseFailure = 0.5;
    this.notReadyShare = 0.5;
    this.utilization = 0;
    this.writeLatencyS = calib.writeBaseS;
    this.p99S = calib.writeBaseS;
    this.leaseFailure = 0;
    this.notReadyShare = 0;
  }

  /**
   * One step at `nowS`: `executing[i]` requests of class i on the API servers on average this step, each
   * costing etcd `etcdCoreOf[i]` core-seconds over its life, `etcdBusyOf[i]` cores on average at idle;
   * `slowdown` stretches their lives on a starved API server (the same etcd work over a longer time).
   */
  step(
    nowS: number,
    executing: Float64Array,
    etcdCoreOf: Float64Array,
    etcdBusyOf: Float64Array,
    slowdown: number,
  ): void {
    const calib = this.calib;
    let busy = 0;
    let work = 0;
    for (let i = 0; i < etcdBusyOf.length; i++) {
      const b = (executing[i] ?? 0) * (etcdBusyOf[i] ?? 0);
      busy += b;
      // Each request in etcd has its whole work ahead of it on average (exponential work).
      work += b * (etcdCoreOf[i] ?? 0);
    }
    const stretch = Math.max(1, slowdown);
    busy /= stretch;
    work /= stretch;
    const u = busy / calib.cores;
    this.utilization = u;
    // Past full use, etcd's cores are shared: the reads ahead of a write take u times longer.
    const inFlight = work * Math.max(1, u);
    const latency = etcdWriteLatencyS(calib, inFlight);
    this.writeLatencyS = latency;
    this.p99S = etcdP99S(calib, latency);
    const fail = leaseFailureShare(calib, latency);
    this.leaseFailure = fail;
    // The renew interval this step falls in; a new one closes the last into the ring.
    const s = this.state;
    const k = this.intervals;
    const interval = Math.floor(nowS / calib.renewIntervalS);
    if (interval !== s[k + 1]) {
      if ((s[k] ?? 0) !== 0 || !this.ringClear()) {
        for (let j = 0; j < k - 1; j++) s[j] = s[j + 1] ?? 0;
        s[k - 1] = (s[k] ?? 0) / calib.renewIntervalS;
        s[k] = 0;
      }
      s[k + 1] = interval;
    }
    s[k] = (s[k] ?? 0) + fail * this.stepS;
    // NotReady once every renewal of the grace period failed: the product of the intervals' shares.
    let share = 1;
    for (let j = 0; j < k; j++) share *= s[j] ?? 0;
    this.notReadyShare = share;
  }

  /** Whether nothing failed in the grace period (the state then stays put while etcd is healthy). */
  get atRest(): boolean {
    return this.ringClear() && (this.state[this.intervals] ?? 0) === 0;
  }

  private ringClear(): boolean {
    const s = this.state;
    for (let j = 0; j < this.intervals; j++) if ((s[j] ?? 0) !== 0) return false;
    return true;
  }
}
