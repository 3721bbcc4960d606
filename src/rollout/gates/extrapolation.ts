import type { SignalReading } from '../ports.js';
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
 * Projects the change's seat demand at a node share s to all nodes: D_s / s. The cost law is linear in
 * replicas, and each replica's cost already reflects this cluster's size because D_s is measured here.
 * Pure arithmetic, exported for tests and reports.
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

/**
 * Fails a partial step when the change's demand, extrapolated to 100% of nodes, plus the level's other
 * demand would not fit the seats the level can get — before the cluster ever saturates.
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
  const other = aggregate(
    withSeats.map((s) => s.seats.otherDemandSeats),
    'mean',
  );
  // The fewest seats seen in the window: borrowing shrinks when other levels get busy.
  const available = aggregate(
    withSeats.map((s) => s.seats.availableSeats),
    'min',
  );
  const x = extrapolate(measured, share, other, available, spec.maxFill);
  const level = last.seats.priorityLevel;
  const pct = formatPercent(share, 'significant');
  const fill = spec.maxFill === 1 ? '' : ` × maxFill ${fmt(spec.maxFill)} = ${fmt(x.limitSeats)}`;
  const numbers =
    `change uses ${fmt(measured)} seats on ${level} at ${pct} of nodes → ${fmt(x.projectedChangeSeats)} at 100%; ` +
    `+ ${fmt(other)} other demand = ${fmt(x.totalSeats)}`;
  if (!x.fits) {
    return {
      ...base,
      verdict: 'fail',
      value: x.totalSeats,
      threshold: x.limitSeats,
      reason: `${numbers} > ${fmt(available)} seats the level can get${fill}`,
    };
  }
  return {
    ...base,
    verdict: 'pass',
    value: x.totalSeats,
    threshold: x.limitSeats,
    reason: `${numbers} ≤ ${fmt(available)} seats the level can get${fill}`,
  };
}
