import type { SignalName } from '../../model/signals.js';
import type { TransientContext } from '../../rollout/ports.js';
import {
  changeSeats,
  changeTransients,
  clusterPlan,
  type ClusterPlan,
} from '../../sim/cluster/change-seats.js';
import type { ClusterSim } from '../../sim/cluster/cluster-sim.js';
import type { FleetSim } from '../../sim/fleet/fleet-sim.js';

/**
 * Per-cluster history of the rollout signals, the simulator's stand-in for Prometheus. Every step's
 * readings are folded into fixed buckets (default 10 s, like a scrape interval) and kept in a ring of
 * about an hour. A bucket's value is the mean of its steps (a rate or avg_over_time); API-server signals
 * skip the steps when no API server answered (a dead target yields no sample, never a healthy zero).
 *
 * The API-server signals a gate judges harm by leave the change's own requests out (src/model/signals.ts
 * says which signal excludes what): latency, queue length, 429s and time-outs are those of every other
 * flow, and seat utilization skips the levels only the change uses (its fence). The change's own cost is
 * judged by change_seat_demand (extrapolation) and by seat utilization of the levels it shares.
 */

/** Slots of one bucket row. change_seat_demand carries its level context in three slots. */
const slot = {
  p99: 0,
  seatUtil: 1,
  queue: 2,
  rejected: 3,
  timeouts: 4,
  servfail: 5,
  miss: 6,
  error: 7,
  ready: 8,
  desired: 9,
  changeSeats: 10,
  otherSeats: 11,
  availableSeats: 12,
  transientSeats: 13,
  perPodSeatSeconds: 14,
  perPodByteSeconds: 15,
  fullReplicas: 16,
  podsStartPerS: 17,
  apiServers: 18,
  memoryHeadroom: 19,
  etcdP99: 20,
} as const;
const width = 21;

/** The bucket slot holding each recorded signal's value. */
const signalSlot: Readonly<Record<SignalName, number | null>> = {
  apiserver_p99_latency_s: slot.p99,
  apf_seat_utilization: slot.seatUtil,
  apf_queue_length: slot.queue,
  apiserver_429_per_s: slot.rejected,
  apiserver_timeouts_per_s: slot.timeouts,
  etcd_p99_latency_s: slot.etcdP99,
  coredns_servfail_ratio: slot.servfail,
  dns_cache_miss_ratio: slot.miss,
  workload_error_ratio: slot.error,
  change_ready_ratio: slot.ready,
  change_seat_demand: slot.changeSeats,
};

/** One recorded point: the bucket's end time and its value(s); NaN where nothing was measured. */
export interface RecordedPoint {
  readonly tMs: number;
  readonly value: number;
  /** change_seat_demand only: the level's other demand and the seats it can get (cluster totals). */
  readonly otherSeats: number;
  readonly availableSeats: number;
  /** change_seat_demand only: the transient LISTs' part of `value` and what paces them (TransientContext). */
  readonly transient: TransientContext;
}

export interface SignalRecorderOptions {
  /** Signals to compute (the rest stay missing): the policy's gates, plus change_seat_demand for steps. */
  readonly signals: ReadonlySet<SignalName>;
  /** Bucket length; rounded to whole steps. */
  readonly bucketS?: number;
  /** History kept. */
  readonly keepS?: number;
}

/** Seconds over which the controller's recent request success is smoothed (a DELETE's odds). */
const successWindowS = 30;

/** Records the fleet's signals step by step; read back per cluster and signal over a window. */
export class SignalRecorder {
  readonly bucketSteps: number;
  readonly capacity: number;
  private readonly times: Float64Array;
  private readonly rows: Float64Array[];
  private readonly acc: Float64Array[];
  private readonly counts: Float64Array[];
  private readonly plan: ClusterPlan[];
  /** The cluster's classesVersion each plan was made for (a rebuilt class table moves the indexes). */
  private readonly planVersion: Float64Array;
  private readonly want: Readonly<Record<SignalName, boolean>>;
  /** Sequence number of the newest bucket (-1 before the first one closes). */
  private seq = -1;
  private inBucket = 0;
  private readonly p99Version: Float64Array;
  private readonly p99Last: Float64Array;
  /** Smoothed share of the controller's requests answered, per cluster. */
  readonly controllerSuccess: Float64Array;
  /** Clusters whose signals are recorded (1) — a cluster the rollout is done with is never read again. */
  readonly active: Uint8Array;
  /** The last recorded step's contributions, reused when a cluster skipped a quiet step. */
  private readonly lastStep: Float64Array[];
  private readonly lastMask: Uint8Array[];
  /** Cluster state version the last values were measured at (-1: never). */
  private readonly measuredVersion: Float64Array;

  constructor(
    readonly fleet: FleetSim,
    opts: SignalRecorderOptions,
  ) {
    const stepS = fleet.scenario.stepS;
    this.bucketSteps = Math.max(1, Math.round((opts.bucketS ?? 10) / stepS));
    this.capacity = Math.ceil((opts.keepS ?? 3600) / (this.bucketSteps * stepS)) + 1;
    const n = fleet.clusters.length;
    this.times = new Float64Array(this.capacity);
    this.rows = fleet.clusters.map(() => new Float64Array(this.capacity * width).fill(Number.NaN));
    this.acc = fleet.clusters.map(() => new Float64Array(width));
    this.counts = fleet.clusters.map(() => new Float64Array(width));
    this.plan = fleet.clusters.map(clusterPlan);
    this.planVersion = Float64Array.from(fleet.clusters, (c) => c.classesVersion);
    this.want = Object.fromEntries(
      (Object.keys(signalSlot) as SignalName[]).map((s) => [s, opts.signals.has(s)]),
    ) as Record<SignalName, boolean>;
    this.p99Version = new Float64Array(n).fill(-1);
    this.p99Last = new Float64Array(n);
    this.controllerSuccess = new Float64Array(n).fill(1);
    this.active = new Uint8Array(n).fill(1);
    this.lastStep = fleet.clusters.map(() => new Float64Array(width));
    this.lastMask = fleet.clusters.map(() => new Uint8Array(width));
    this.measuredVersion = new Float64Array(n).fill(-1);
  }

  /** Folds the step that just ran at `tS` into the current bucket; closes the bucket when it is full. */
  record(tS: number): void {
    const { fleet } = this;
    const dt = fleet.scenario.stepS;
    const a = Math.min(1, dt / successWindowS);
    for (let i = 0; i < fleet.clusters.length; i++) {
      const c = fleet.clusters[i];
      const acc = this.acc[i];
      const cnt = this.counts[i];
      const last = this.lastStep[i];
      const mask = this.lastMask[i];
      if (c && this.planVersion[i] !== c.classesVersion) {
        this.planVersion[i] = c.classesVersion;
        this.plan[i] = clusterPlan(c);
      }
      const plan = this.plan[i];
      if (!c || !acc || !cnt || !last || !mask || !plan) continue;
      const ok = c.successRatio(c.controllerClass);
      if (!Number.isNaN(ok)) this.controllerSuccess[i] = (this.controllerSuccess[i] ?? 1) * (1 - a) + ok * a;
      else if (c.readings.down) this.controllerSuccess[i] = (this.controllerSuccess[i] ?? 1) * (1 - a);
      if (!this.active[i]) continue;
      // A skipped (quiet) step left every reading as it was: count the last measured values again.
      if (this.measuredVersion[i] !== c.version) {
        this.measuredVersion[i] = c.version;
        this.measure(c, plan, tS, last, mask);
      }
      for (let k = 0; k < width; k++) {
        if (!mask[k]) continue;
        acc[k] = (acc[k] ?? 0) + (last[k] ?? 0);
        cnt[k] = (cnt[k] ?? 0) + 1;
      }
    }
    this.inBucket += 1;
    if (this.inBucket >= this.bucketSteps) this.close(tS);
  }

  /** One step's value of every wanted signal into `v`; `mask` marks the slots measured this step. */
  private measure(c: ClusterSim, plan: ClusterPlan, tS: number, v: Float64Array, mask: Uint8Array): void {
    const want = this.want;
    const r = c.readings;
    const dt = this.fleet.scenario.stepS;
    mask.fill(0);
    const put = (k: number, x: number): void => {
      v[k] = x;
      mask[k] = 1;
    };
    if (!r.down) {
      const cp = c.cp;
      if (want.apf_seat_utilization) {
        let worst = 0;
        cp.levelSeatUtilization.forEach((u, l) => {
          if (u > worst && !plan.ownLevels[l]) worst = u;
        });
        put(slot.seatUtil, worst);
      }
      if (want.apf_queue_length || want.apiserver_429_per_s || want.apiserver_timeouts_per_s) {
        // Others only: the change queueing in (or rejected by) its own fence is the fence working.
        let queued = 0;
        let rejected = 0;
        let timedOut = 0;
        const { out } = cp;
        for (let k = 0; k < c.classes.length; k++) {
          if (plan.isChange[k]) continue;
          queued += cp.queued[k] ?? 0;
          rejected += out.rejected[k] ?? 0;
          timedOut += out.timedOut[k] ?? 0;
        }
        if (want.apf_queue_length) put(slot.queue, queued);
        if (want.apiserver_429_per_s) put(slot.rejected, rejected / dt);
        if (want.apiserver_timeouts_per_s) put(slot.timeouts, timedOut / dt);
      }
      if (want.change_seat_demand && plan.level >= 0 && (c.change.ready > 0 || c.change.deleting)) {
        const s = changeSeats(c, plan, tS);
        if (s) {
          put(slot.changeSeats, s.mine);
          put(slot.otherSeats, s.others);
          put(slot.availableSeats, s.available);
          put(slot.transientSeats, s.transient);
          const t = changeTransients(c, plan, tS);
          put(slot.perPodSeatSeconds, t.perPodSeatSeconds);
          put(slot.perPodByteSeconds, t.perPodByteSeconds);
          put(slot.fullReplicas, t.fullReplicas);
          put(slot.podsStartPerS, t.podsStartPerS);
          put(slot.apiServers, t.apiServers);
          put(slot.memoryHeadroom, t.memoryHeadroomBytes);
        }
      }
    }
    // etcd answers the API servers whether or not they are up (src/sim/cluster/etcd-load.ts).
    if (want.etcd_p99_latency_s) put(slot.etcdP99, r.etcdP99S);
    const dns = c.dns.reading;
    if (want.coredns_servfail_ratio) put(slot.servfail, dns.corednsServfailRatio);
    if (want.dns_cache_miss_ratio) put(slot.miss, dns.nodeCacheMissRatio);
    if (want.workload_error_ratio) put(slot.error, r.errorRatio);
    if (want.change_ready_ratio) {
      const desired = c.desiredReplicas();
      if (desired > 0) {
        put(slot.ready, Math.min(c.change.ready, desired));
        put(slot.desired, desired);
      }
    }
  }

  private close(tS: number): void {
    this.inBucket = 0;
    this.seq += 1;
    const at = this.seq % this.capacity;
    this.times[at] = tS * 1000;
    const { fleet } = this;
    for (let i = 0; i < fleet.clusters.length; i++) {
      const c = fleet.clusters[i];
      const row = this.rows[i];
      const acc = this.acc[i];
      const cnt = this.counts[i];
      if (!c || !row || !acc || !cnt) continue;
      const base = at * width;
      for (let k = 0; k < width; k++)
        row[base + k] = (cnt[k] ?? 0) > 0 ? (acc[k] ?? 0) / (cnt[k] ?? 1) : Number.NaN;
      // Readiness is ready / desired over the bucket (avg_over_time of each, as the live query divides).
      row[base + slot.ready] =
        (cnt[slot.desired] ?? 0) > 0 ? (acc[slot.ready] ?? 0) / (acc[slot.desired] ?? 1) : Number.NaN;
      // p99 is costly (a bisection over the classes' latency mixture): once per bucket, from the last step,
      // and only when the cluster's state moved since it was last computed.
      if (this.want.apiserver_p99_latency_s && !c.readings.down) {
        if (this.p99Version[i] !== c.version) {
          this.p99Version[i] = c.version;
          const plan = this.plan[i];
          this.p99Last[i] = plan ? c.p99LatencyExcludingS(plan.isChange) : c.p99LatencyS();
        }
        row[base + slot.p99] = this.p99Last[i] ?? Number.NaN;
      }
      acc.fill(0);
      cnt.fill(0);
    }
  }

  /** Name of the priority level the change's requests land on in a cluster (null when none). */
  changeLevel(clusterIndex: number): string | null {
    const plan = this.plan[clusterIndex];
    const c = this.fleet.clusters[clusterIndex];
    return plan && c && plan.level >= 0 ? (c.limits[plan.level]?.name ?? null) : null;
  }

  /** True when the recorder computes this signal (every one it has a slot for). */
  records(signal: SignalName): boolean {
    return this.want[signal] && signalSlot[signal] !== null;
  }

  /** Sequence number of the newest closed bucket (-1 when none), for callers that cache readings. */
  get newest(): number {
    return this.seq;
  }

  /**
   * Sequence numbers of the buckets with fromMs < tMs ≤ toMs (first > last when none): cheap, so a
   * caller can cache the points it built for a range.
   */
  range(fromMs: number, toMs: number): { readonly first: number; readonly last: number } {
    const oldest = Math.max(0, this.seq - this.capacity + 1);
    let last = this.seq;
    while (last >= oldest && (this.times[last % this.capacity] ?? 0) > toMs) last--;
    let first = last + 1;
    while (first - 1 >= oldest && (this.times[(first - 1) % this.capacity] ?? 0) > fromMs) first--;
    return { first, last };
  }

  /** Points of one cluster's signal over a bucket range, oldest first, skipping unmeasured buckets. */
  points(clusterIndex: number, signal: SignalName, first: number, last: number): RecordedPoint[] {
    const s = signalSlot[signal];
    const row = this.rows[clusterIndex];
    const out: RecordedPoint[] = [];
    if (s === null || !row) return out;
    for (let q = Math.max(first, this.seq - this.capacity + 1); q <= last; q++) {
      const at = q % this.capacity;
      const value = row[at * width + s] ?? Number.NaN;
      if (Number.isNaN(value)) continue;
      out.push({
        tMs: this.times[at] ?? 0,
        value,
        otherSeats: row[at * width + slot.otherSeats] ?? Number.NaN,
        availableSeats: row[at * width + slot.availableSeats] ?? Number.NaN,
        transient: {
          seats: row[at * width + slot.transientSeats] ?? Number.NaN,
          perPodSeatSeconds: row[at * width + slot.perPodSeatSeconds] ?? Number.NaN,
          perPodByteSeconds: row[at * width + slot.perPodByteSeconds] ?? Number.NaN,
          fullReplicas: row[at * width + slot.fullReplicas] ?? Number.NaN,
          podsStartPerS: row[at * width + slot.podsStartPerS] ?? Number.NaN,
          apiServers: row[at * width + slot.apiServers] ?? Number.NaN,
          memoryHeadroomBytes: row[at * width + slot.memoryHeadroom] ?? Number.NaN,
        },
      });
    }
    return out;
  }
}
