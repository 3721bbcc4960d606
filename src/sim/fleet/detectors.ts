import type { ClusterReadings } from '../cluster/readings.js';
import type { SimEventType } from '../result.js';

/** Sustained conditions, so one noisy step does not flap an event. */
const saturationHoldS = 60;
const recoveryHoldS = 300;
const lockoutWindowS = 60;
/** A lock-out is a lasting inability to act: kubectl failing for two minutes, not a restart's blip. */
const lockoutHoldS = 120;
/** Access counts as restored only when kubectl works for five minutes straight: enough to act on. */
const restoreHoldS = 300;
/** API requests one kubectl command makes (discovery, the read, the write, a follow-up get) [U]. */
const requestsPerCommand = 4;
/** DNS failure / error ratio below which a cluster counts as healthy. */
export const healthyRatio = 0.001;

const noEvents: readonly DetectedEvent[] = Object.freeze([]);

/** `events` with `e` added (a new list when `events` is the shared empty one). */
function withEvent(events: readonly DetectedEvent[], e: DetectedEvent): readonly DetectedEvent[] {
  if (events === noEvents) return [e];
  (events as DetectedEvent[]).push(e);
  return events;
}

export interface DetectedEvent {
  readonly tS: number;
  readonly type: SimEventType;
  readonly detail?: string;
}

/**
 * Turns one cluster's per-step readings into its events: saturation (an API server out of seats with
 * sustained 429s, out of CPU, or OOM-killed), DNS failures, on-call lock-out and recovery. Each state
 * change is dated at the onset of the condition that confirmed it.
 */
export class ClusterDetector {
  saturatedNow = false;
  everSaturated = false;
  saturatedAtS: number | null = null;
  dnsFailureStartS: number | null = null;
  recoveredAtS: number | null = null;
  lockedOut = false;
  private closedLockoutS = 0;
  private lockStartS = 0;
  private lastS = 0;
  impacted = false;
  private satOnsetS: number | null = null;
  private clearOnsetS: number | null = null;
  private healthyOnsetS: number | null = null;
  // Fractions: NaN, then 1 in the constructor (docs/perf.md, "Shape pinning").
  private oncallOk = Number.NaN;
  private oncallDone = Number.NaN;
  private lockOnsetS: number | null = null;
  /** True when a step of full on-call success would leave oncallOk as it is (see update). */
  private oncallAtRest = true;
  private restoreOnsetS: number | null = null;
  /** Whether the API servers ran out of memory (OOM-killed) since the onset of the overload. */
  private oomInHold = false;
  /** Nodes NotReady now (at least one), and the peaks of the etcd readings (etcd-load.ts). */
  notReadyNow = false;
  peakNodesNotReady = Number.NaN;
  peakEtcdUtilization = Number.NaN;
  peakEtcdP99S = Number.NaN;

  constructor() {
    this.oncallOk = 1;
    this.oomInHold = true;
    this.oomInHold = false;
    this.oncallDone = 1;
    this.peakNodesNotReady = this.peakEtcdUtilization = this.peakEtcdP99S = 0.5;
    this.peakNodesNotReady = this.peakEtcdUtilization = this.peakEtcdP99S = 0;
    this.notReadyNow = true;
    this.notReadyNow = false;
    // Nullable times and flags first set mid-run get another value once (docs/perf.md, "Shape pinning").
    this.saturatedAtS = this.dnsFailureStartS = this.recoveredAtS = 0;
    this.satOnsetS = this.clearOnsetS = this.healthyOnsetS = this.lockOnsetS = this.restoreOnsetS = 0;
    this.saturatedAtS = this.dnsFailureStartS = this.recoveredAtS = null;
    this.satOnsetS = this.clearOnsetS = this.healthyOnsetS = this.lockOnsetS = this.restoreOnsetS = null;
    this.saturatedNow = this.everSaturated = this.lockedOut = this.impacted = true;
    this.saturatedNow = this.everSaturated = this.lockedOut = this.impacted = false;
    this.idle = false;
    this.idle = true;
  }

  /** Feeds one step; returns the events it confirms. */
  update(tS: number, dtS: number, r: ClusterReadings): readonly DetectedEvent[] {
    // Most steps confirm nothing: share one empty list rather than allocating one per cluster and step.
    let events: readonly DetectedEvent[] = noEvents;
    // 429s the rollout fence or a quarantine hands the change are them working, not the cluster overloaded.
    const rejected = r.rejected429 - r.containedRejected429;
    const arrived = r.othersArrived + rejected;
    const overloaded =
      r.down ||
      r.cpuUtilization >= 1 ||
      r.memoryUtilization >= 1 ||
      (arrived > 0 && rejected / arrived >= 0.01);

    if (overloaded) {
      this.clearOnsetS = null;
      if (this.satOnsetS === null) this.oomInHold = false;
      this.satOnsetS ??= tS;
      if (r.down || r.memoryUtilization >= 1) this.oomInHold = true;
      if (!this.saturatedNow && tS - this.satOnsetS >= saturationHoldS) {
        this.saturatedNow = true;
        this.impacted = true;
        this.recoveredAtS = null;
        if (!this.everSaturated) this.saturatedAtS = this.satOnsetS;
        this.everSaturated = true;
        events = withEvent(events, {
          tS: this.satOnsetS,
          type: 'apiserver.saturated',
          detail: cause(r, this.oomInHold),
        });
      }
    } else {
      this.satOnsetS = null;
      this.clearOnsetS ??= tS;
      if (this.saturatedNow && tS - this.clearOnsetS >= recoveryHoldS) {
        this.saturatedNow = false;
        events = withEvent(events, { tS: this.clearOnsetS, type: 'apiserver.recovered' });
      }
    }

    if (r.dnsFailureRatio >= healthyRatio && this.dnsFailureStartS === null) {
      this.dnsFailureStartS = tS;
      this.impacted = true;
      events = withEvent(events, {
        tS,
        type: 'dns.failures.started',
        detail: `${pct(r.dnsFailureRatio)} of lookups failing`,
      });
    }

    // On-call kubectl: smoothed share of requests answered over about a minute.
    const a = Math.min(1, dtS / lockoutWindowS);
    if (!Number.isNaN(r.oncallSuccess)) {
      const before = this.oncallOk;
      this.oncallOk += a * (r.oncallSuccess - this.oncallOk);
      // The power is costly and the share mostly sits at 1: recompute it only when the share moved.
      if (this.oncallOk !== before) this.oncallDone = commandSuccess(this.oncallOk);
    }
    // Whether a step where every on-call request succeeds would leave the smoothed share as it is (it
    // stops short of 1 once the remaining gap is below what one step can add).
    this.oncallAtRest = this.oncallOk + a * (1 - this.oncallOk) === this.oncallOk;
    this.lastS = tS;
    if (!this.lockedOut && this.oncallDone < 0.5) {
      this.lockOnsetS ??= tS;
      if (tS - this.lockOnsetS >= lockoutHoldS) {
        this.lockedOut = true;
        this.restoreOnsetS = null;
        this.lockStartS = this.lockOnsetS;
        events = withEvent(events, {
          tS: this.lockOnsetS,
          type: 'admin.lockedout',
          detail: `kubectl success ${pct(this.oncallDone)}`,
        });
      }
    } else if (!this.lockedOut) this.lockOnsetS = null;
    if (this.lockedOut && this.oncallDone >= 0.9) {
      this.restoreOnsetS ??= tS;
      if (tS - this.restoreOnsetS >= restoreHoldS) {
        this.lockedOut = false;
        this.lockOnsetS = null;
        // Locked out from the onset until access came back (the hold only confirms it stayed back).
        this.closedLockoutS += this.restoreOnsetS - this.lockStartS;
        events = withEvent(events, { tS: this.restoreOnsetS, type: 'admin.access.restored' });
      }
    } else if (this.lockedOut) this.restoreOnsetS = null;

    const healthy =
      !overloaded && r.dnsFailureRatio < healthyRatio && r.errorRatio < healthyRatio && !this.lockedOut;
    if (this.impacted && this.recoveredAtS === null) {
      if (healthy) {
        this.healthyOnsetS ??= tS;
        if (tS - this.healthyOnsetS >= recoveryHoldS && !this.saturatedNow) {
          this.recoveredAtS = this.healthyOnsetS;
          events = withEvent(events, { tS: this.healthyOnsetS, type: 'cluster.recovered' });
        }
      } else this.healthyOnsetS = null;
    }
    if (this.recoveredAtS !== null && !healthy && (overloaded || r.dnsFailureRatio >= healthyRatio)) {
      // Relapsed (e.g. a relist storm on recovery): it is not recovered until it settles again.
      this.recoveredAtS = null;
      this.healthyOnsetS = null;
    }
    events = this.etcdEvents(tS, r, events);
    this.idle = this.isIdle();
    return events;
  }

  /** Peaks of the etcd readings, and NotReady nodes appearing or gone (a method of its own: rarely any). */
  private etcdEvents(
    tS: number,
    r: ClusterReadings,
    events: readonly DetectedEvent[],
  ): readonly DetectedEvent[] {
    this.peakEtcdUtilization = Math.max(this.peakEtcdUtilization, r.etcdUtilization);
    this.peakEtcdP99S = Math.max(this.peakEtcdP99S, r.etcdP99S);
    this.peakNodesNotReady = Math.max(this.peakNodesNotReady, r.nodesNotReady);
    const notReady = r.nodesNotReady >= 1;
    if (notReady === this.notReadyNow) return events;
    this.notReadyNow = notReady;
    return withEvent(
      events,
      notReady
        ? {
            tS,
            type: 'nodes.notready',
            detail: `${Math.round(r.nodesNotReady)} nodes: lease renewals failing past their timeout, etcd write p99 ${r.etcdP99S.toFixed(1)} s (etcd at ${pct(r.etcdUtilization)} of its cores)`,
          }
        : { tS, type: 'nodes.ready' },
    );
  }

  /** Seconds on-call was locked out so far (a lock-out still open counts up to the last step). */
  get lockedOutTotalS(): number {
    if (!this.lockedOut) return this.closedLockoutS;
    return this.closedLockoutS + (this.restoreOnsetS ?? this.lastS) - this.lockStartS;
  }

  /**
   * True when no condition is building up, so unchanged readings cannot produce an event. Kept up to date
   * by update (the only place its inputs change): the fleet asks for every cluster at rest every step.
   */
  idle = true;

  private isIdle(): boolean {
    return (
      !this.saturatedNow &&
      !this.notReadyNow &&
      this.satOnsetS === null &&
      !this.lockedOut &&
      this.lockOnsetS === null &&
      // (A healthy streak counts only towards a recovery not yet confirmed; once it is, it is history.)
      (!this.impacted || this.recoveredAtS !== null) &&
      this.oncallDone > 0.999
    );
  }

  /**
   * True when idle with on-call's smoothed share where full success leaves it: then quiet readings (isQuiet)
   * leave every field that matters as it is, so they need not be fed.
   */
  get settled(): boolean {
    return this.oncallAtRest && this.idle;
  }

  /** Share of on-call kubectl commands that work: every request a command makes must get through. */
  get oncallSuccess(): number {
    return this.oncallDone;
  }
}

/**
 * Readings an idle, settled detector takes in without changing anything (see ClusterDetector.settled):
 * nothing overloaded, no DNS or customer errors, no 429s, and on-call's requests (if any) all answered.
 */
export function isQuiet(r: ClusterReadings): boolean {
  return (
    !r.down &&
    r.cpuUtilization < 1 &&
    r.memoryUtilization < 1 &&
    r.rejected429 === 0 &&
    r.nodesNotReady < 1 &&
    r.dnsFailureRatio < healthyRatio &&
    r.errorRatio < healthyRatio &&
    (Number.isNaN(r.oncallSuccess) || r.oncallSuccess === 1)
  );
}

/**
 * Share of commands whose every request gets through: p^requestsPerCommand. Squared twice for the four
 * requests rather than through Math.pow, which costs several times as much and runs every step of every
 * overloaded cluster.
 */
function commandSuccess(p: number): number {
  if (requestsPerCommand !== 4) return p ** requestsPerCommand;
  const p2 = p * p;
  return p2 * p2;
}

/**
 * What ran out: memory (an OOM crash loop — a restarted server's "storage initializing" 429s and relist
 * storm are its symptoms, not spent seats), else CPU, else seats.
 */
function cause(r: ClusterReadings, oom: boolean): string {
  if (oom || r.down || r.memoryUtilization >= 1) return 'memory: API servers OOM-killed, crash loop';
  if (r.cpuUtilization >= 1) return `CPU ${pct(r.cpuUtilization)}, seats ${pct(r.seatUtilization)}`;
  return `seats ${pct(r.seatUtilization)}, 429s ${Math.round(r.rejected429)}/step`;
}

/** Formats a ratio as a percentage for details. */
export function pct(x: number): string {
  return `${(x * 100).toFixed(x < 0.1 ? 1 : 0)}%`;
}
