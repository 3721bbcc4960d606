import { defaultApiServerCalibration, GiB } from '../../cost/calibration.js';
import { relistSpreadS } from '../../cost/transients.js';
import type { SignalReading, TransientContext } from '../ports.js';
import type { ExtrapolationSpec } from '../policy.js';
import { aggregate, windowSamples } from './samples.js';
import type { GateContext } from './threshold.js';
import { fmt, type GateResult } from './types.js';
import { formatPercent } from '../../core/format.js';

/** The node-subset step being judged. */
export interface StepShare {
  /** The step's planned share of nodes (0 < share ≤ 1). */
  readonly share: number;
  /** Share of the cluster's nodes actually running the change (ready / nodes), when known. */
  readonly effectiveShare: number | null;
}

/**
 * Projects the change's steady-state seat demand at a node share s to all nodes: D_s / s. The steady cost
 * is linear in replicas, and each replica's cost already reflects this cluster's size because D_s is
 * measured here. Pure arithmetic, exported for tests and reports.
 */
export function extrapolate(
  measuredSeats: number,
  share: number,
  otherSeats: number,
  availableSeats: number,
  maxFill: number,
): {
  projectedChangeSeats: number;
  totalSeats: number;
  limitSeats: number;
  fits: boolean;
} {
  const projectedChangeSeats = measuredSeats / share;
  const totalSeats = projectedChangeSeats + otherSeats;
  const limitSeats = maxFill * availableSeats;
  return { projectedChangeSeats, totalSeats, limitSeats, fits: totalSeats <= limitSeats };
}

/** One transient at 100% of nodes: its seats on top of the steady state, its heap per server, how long. */
export interface TransientProjection {
  readonly phase: 'rollout-burst' | 'restart-relist';
  /** LISTs starting per second, and the seats and heap per API server they hold at once (Little's law). */
  readonly listsPerS: number;
  readonly seats: number;
  readonly heapBytesPerServer: number;
  readonly durationS: number;
}

/**
 * The two transients of a change whose pods LIST when they start (informers), each by its own law:
 * - rollout burst: pods start at the controller's pace whatever the share, so start-up LISTs run at
 *   podsStartPerS × one pod's LIST seat-seconds — the same at 100% as at 1% once a step outlasts a LIST;
 * - restart relist: when an API server restarts, the informers it served (replicas / servers) relist over
 *   the reflector's backoff (cost/transients.ts relistSpreadS): proportional to all replicas, not paced.
 * APF admits at most the level's seats at once, so the heap the LISTs hold is capped at what those seats
 * admit; the rest queue (counted as seats).
 */
export function projectTransients(t: TransientContext, availableSeats: number): TransientProjection[] {
  if (!(t.perPodSeatSeconds > 0) || !(t.fullReplicas > 0)) return [];
  const servers = Math.max(1, t.apiServers);
  const bytesPerSeat = t.perPodByteSeconds / t.perPodSeatSeconds;
  const project = (phase: TransientProjection['phase'], listsPerS: number, durationS: number) => {
    const seats = listsPerS * t.perPodSeatSeconds;
    const admitted = Math.min(seats, availableSeats);
    return { phase, listsPerS, seats, heapBytesPerServer: (admitted * bytesPerSeat) / servers, durationS };
  };
  const out: TransientProjection[] = [];
  if (t.podsStartPerS > 0)
    out.push(project('rollout-burst', t.podsStartPerS, t.fullReplicas / t.podsStartPerS));
  out.push(project('restart-relist', t.fullReplicas / servers / relistSpreadS, relistSpreadS));
  return out;
}

/** A seat overload shorter than a request time-out only delays work (cost/transients.ts decidingLoad). */
const requestTimeoutS = defaultApiServerCalibration.requestTimeoutS;

/**
 * Fails a partial step when the change, extrapolated to 100% of nodes, would not fit: its steady-state
 * demand (× 1/share) plus the level's other demand against maxFill × the seats the level can get; and,
 * when the adapter tells transient LISTs apart, the rollout burst and the restart relist (projectTransients)
 * against the same seats — for longer than a request time-out — and against the API servers' heap.
 */
export function evaluateExtrapolationGate(
  reading: SignalReading,
  spec: ExtrapolationSpec,
  step: StepShare,
  ctx: GateContext,
): GateResult {
  const base = { gate: 'extrapolation', signal: 'change_seat_demand' } as const;
  const w = windowSamples(reading, {
    nowMs: ctx.nowMs,
    windowS: spec.windowS,
    staleAfterS: spec.staleAfterS,
    minSamples: 1,
    sinceMs: ctx.sinceMs,
  });
  if (!w.ok)
    return {
      ...base,
      verdict: 'inconclusive',
      cause: w.cause,
      value: null,
      threshold: null,
      reason: `change_seat_demand: ${w.reason}`,
    };
  const withSeats = w.samples.flatMap((s) => (s.seats ? [{ value: s.value, seats: s.seats }] : []));
  const last = withSeats[withSeats.length - 1];
  if (!last) {
    return {
      ...base,
      verdict: 'inconclusive',
      cause: 'no-context',
      value: null,
      threshold: null,
      reason: 'change_seat_demand: samples carry no priority-level context',
    };
  }
  const share =
    step.effectiveShare !== null && step.effectiveShare > 0 ? Math.min(1, step.effectiveShare) : step.share;
  const measured = aggregate(
    withSeats.map((s) => s.value),
    'mean',
  );
  const transientNow = aggregate(
    withSeats.map((s) => Math.min(s.value, finiteOr(s.seats.transient?.seats, 0))),
    'mean',
  );
  const steady = Math.max(0, measured - transientNow);
  const other = aggregate(
    withSeats.map((s) => s.seats.otherDemandSeats),
    'mean',
  );
  // The fewest seats seen in the window: borrowing shrinks when other levels get busy.
  const available = aggregate(
    withSeats.map((s) => s.seats.availableSeats),
    'min',
  );
  const x = extrapolate(steady, share, other, available, spec.maxFill);
  const level = last.seats.priorityLevel;
  const pct = formatPercent(share, 'significant');
  const fillText = spec.maxFill === 1 ? '' : ` × maxFill ${fmt(spec.maxFill)} = ${fmt(x.limitSeats)}`;
  const split = last.seats.transient
    ? `steady ${fmt(steady)} seats on ${level} at ${pct} of nodes → ${fmt(x.projectedChangeSeats)} at 100% (× 1/share)` +
      (transientNow > 0 ? `, start-up LISTs ${fmt(transientNow)} (not × 1/share)` : '')
    : `change uses ${fmt(measured)} seats on ${level} at ${pct} of nodes → ${fmt(x.projectedChangeSeats)} at 100%`;
  const numbers = `${split}; + ${fmt(other)} other demand = ${fmt(x.totalSeats)}`;
  if (!x.fits) {
    return {
      ...base,
      verdict: 'fail',
      value: x.totalSeats,
      threshold: x.limitSeats,
      reason: `${numbers} > ${fmt(available)} seats the level can get${fillText}`,
    };
  }
  const steadyLine = `${numbers} ≤ ${fmt(available)} seats the level can get${fillText}`;
  const t = last.seats.transient && validTransient(last.seats.transient) ? last.seats.transient : null;
  const lines: string[] = [];
  let fill = x.totalSeats / Math.max(1e-9, available);
  for (const p of t ? projectTransients(t, available) : []) {
    if (!t) break;
    const seatsTotal = x.totalSeats + p.seats;
    const u = seatsTotal / Math.max(1e-9, available);
    const heapLimit = spec.maxFill * t.memoryHeadroomBytes;
    fill = Math.max(fill, u, p.heapBytesPerServer / Math.max(1, t.memoryHeadroomBytes));
    const what =
      p.phase === 'rollout-burst'
        ? `rollout burst (${fmt(p.listsPerS)} pods start/s, for ${fmt(p.durationS)}s)`
        : `restart relist (${fmt(p.listsPerS)} relists/s over ${fmt(p.durationS)}s when 1 of ${fmt(t.apiServers)} API servers restarts)`;
    const heap = `${fmt(p.heapBytesPerServer / GiB)} GiB heap per API server of ${fmt(t.memoryHeadroomBytes / GiB)} free`;
    const seatsText = `+ ${fmt(p.seats)} seats = ${fmt(seatsTotal)}`;
    if (p.heapBytesPerServer > heapLimit) {
      return {
        ...base,
        verdict: 'fail',
        value: p.heapBytesPerServer / GiB,
        threshold: heapLimit / GiB,
        reason: `${steadyLine}; ${what}: ${heap} × maxFill ${fmt(spec.maxFill)} — the API servers would be OOM-killed`,
      };
    }
    if (u > spec.maxFill && p.durationS * u >= requestTimeoutS) {
      return {
        ...base,
        verdict: 'fail',
        value: seatsTotal,
        threshold: x.limitSeats,
        reason: `${steadyLine}; ${what}: ${seatsText} > ${fmt(x.limitSeats)} for longer than a ${fmt(requestTimeoutS)}s request time-out`,
      };
    }
    lines.push(`${what}: ${seatsText}, ${heap}`);
  }
  return {
    ...base,
    verdict: 'pass',
    value: x.totalSeats,
    threshold: x.limitSeats,
    fill,
    reason: [steadyLine, ...lines].join('; '),
  };
}

function finiteOr(x: number | undefined, fallback: number): number {
  return x !== undefined && Number.isFinite(x) ? x : fallback;
}

function validTransient(t: TransientContext): boolean {
  return [
    t.perPodSeatSeconds,
    t.perPodByteSeconds,
    t.fullReplicas,
    t.podsStartPerS,
    t.apiServers,
    t.memoryHeadroomBytes,
  ].every((v) => Number.isFinite(v) && v >= 0);
}
