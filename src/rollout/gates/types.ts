import type { SignalName } from '../../model/signals.js';

/** A gate's verdict on one cluster at one moment. */
export type Verdict = 'pass' | 'fail' | 'inconclusive';

/** Why a gate could not decide: no data, old data, too few points, or no baseline to compare with. */
export type InconclusiveCause = 'missing' | 'stale' | 'too-few-samples' | 'no-baseline' | 'no-context';

interface GateResultBase {
  /** Gate name (the signal name unless the policy names it). */
  readonly gate: string;
  readonly signal: SignalName;
  /** One line a person can act on, with the numbers. */
  readonly reason: string;
  /** Extrapolation only: the highest share of a limit the projection takes (pacing by risk reads it). */
  readonly fill?: number;
}

/** Outcome of a gate: discriminated on `verdict`; pass and fail always carry the value and the limit. */
export type GateResult =
  | (GateResultBase & { readonly verdict: 'pass'; readonly value: number; readonly threshold: number | null })
  | (GateResultBase & { readonly verdict: 'fail'; readonly value: number; readonly threshold: number })
  | (GateResultBase & {
      readonly verdict: 'inconclusive';
      readonly cause: InconclusiveCause;
      readonly value: number | null;
      readonly threshold: number | null;
    });

/** Folds verdicts: one fail ⇒ fail, else one inconclusive ⇒ inconclusive, else pass (none ⇒ pass). */
export function combineVerdicts(verdicts: readonly Verdict[]): Verdict {
  if (verdicts.includes('fail')) return 'fail';
  if (verdicts.includes('inconclusive')) return 'inconclusive';
  return 'pass';
}

/** Rounds for messages: 3 significant digits, no exponent for ordinary magnitudes. */
export function fmt(n: number): string {
  if (!Number.isFinite(n)) return String(n);
  if (n === 0) return '0';
  const abs = Math.abs(n);
  if (abs >= 1000) return String(Math.round(n));
  return String(Number(n.toPrecision(3)));
}
