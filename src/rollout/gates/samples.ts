import type { SignalReading, SignalSample } from '../ports.js';
import { formatDurationS } from '../../core/duration.js';
import type { InconclusiveCause } from './types.js';

/** How a window of samples becomes one value. */
export type Aggregate = 'mean' | 'max' | 'min' | 'last';

/** Where and how fresh the samples must be. */
export interface WindowSpec {
  readonly nowMs: number;
  readonly windowS: number;
  /** The newest sample must be at most this old. */
  readonly staleAfterS: number;
  readonly minSamples: number;
  /** Ignore samples before this (e.g. before the step was applied); null = window only. */
  readonly sinceMs: number | null;
}

/** Samples usable for a verdict, or why there are none. */
export type WindowedSamples =
  | { readonly ok: true; readonly samples: readonly SignalSample[] }
  | { readonly ok: false; readonly cause: InconclusiveCause; readonly reason: string };

/**
 * Picks the finite samples in (now − window, now] (and after sinceMs). Missing, empty or stale data is
 * reported as such, never as a healthy zero: a rollout must not advance blind.
 */
export function windowSamples(reading: SignalReading, spec: WindowSpec): WindowedSamples {
  if (reading === 'missing') return { ok: false, cause: 'missing', reason: 'no data (signal missing)' };
  const usable = reading.filter((s) => Number.isFinite(s.value) && s.tMs <= spec.nowMs);
  if (usable.length === 0) return { ok: false, cause: 'missing', reason: 'no data (no samples)' };
  const newestMs = usable.reduce((m, s) => Math.max(m, s.tMs), -Infinity);
  const ageS = (spec.nowMs - newestMs) / 1000;
  if (ageS > spec.staleAfterS) {
    return {
      ok: false,
      cause: 'stale',
      reason: `stale data (newest sample ${formatDurationS(ageS)} old, limit ${formatDurationS(spec.staleAfterS)})`,
    };
  }
  const fromMs = Math.max(spec.nowMs - spec.windowS * 1000, spec.sinceMs ?? -Infinity);
  const inWindow = usable.filter((s) => s.tMs > fromMs || (s.tMs === fromMs && spec.sinceMs === fromMs));
  if (inWindow.length < spec.minSamples) {
    return {
      ok: false,
      cause: 'too-few-samples',
      reason: `${inWindow.length} sample(s) in the window, need ${spec.minSamples}`,
    };
  }
  return { ok: true, samples: [...inWindow].sort((a, b) => a.tMs - b.tMs) };
}

/** Aggregates values (non-empty) the way a gate asks. */
export function aggregate(values: readonly number[], how: Aggregate): number {
  switch (how) {
    case 'mean':
      return values.reduce((s, v) => s + v, 0) / Math.max(1, values.length);
    case 'max':
      return values.reduce((m, v) => Math.max(m, v), -Infinity);
    case 'min':
      return values.reduce((m, v) => Math.min(m, v), Infinity);
    case 'last':
      return values[values.length - 1] ?? Number.NaN;
    default: {
      const never: never = how;
      return never;
    }
  }
}
