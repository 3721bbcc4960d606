import type { SignalReading } from '../ports.js';
import type { ThresholdGateSpec } from '../policy.js';
import { signalDefs } from '../../model/signals.js';
import { aggregate, windowSamples } from './samples.js';
import { fmt, type GateResult } from './types.js';

/** When the gate is judged and which samples count. */
export interface GateContext {
  readonly nowMs: number;
  /** Only samples after this count (the step's apply time); null = the whole window. */
  readonly sinceMs: number | null;
}

/**
 * Judges one signal against its limits: fail when beyond the absolute limit or beyond the cluster's own
 * pre-rollout baseline × factor ± margin; inconclusive when data is missing or stale, or when a relative
 * limit has no baseline and the absolute one (if any) holds.
 */
export function evaluateThresholdGate(
  reading: SignalReading,
  gate: ThresholdGateSpec,
  baseline: number | null,
  ctx: GateContext,
): GateResult {
  const base = { gate: gate.name, signal: gate.signal };
  const w = windowSamples(reading, {
    nowMs: ctx.nowMs,
    windowS: gate.windowS,
    staleAfterS: gate.staleAfterS,
    minSamples: gate.minSamples,
    sinceMs: ctx.sinceMs,
  });
  if (!w.ok) {
    return {
      ...base,
      verdict: 'inconclusive',
      cause: w.cause,
      value: null,
      threshold: null,
      reason: `${gate.signal}: ${w.reason}`,
    };
  }
  const value = aggregate(
    w.samples.map((s) => s.value),
    gate.aggregate,
  );
  const higherIsBad = signalDefs[gate.signal].bad === 'higher';
  const cmp = higherIsBad ? '>' : '<';
  const okCmp = higherIsBad ? '≤' : '≥';

  if (gate.absolute !== null && beyond(value, gate.absolute, higherIsBad)) {
    return {
      ...base,
      verdict: 'fail',
      value,
      threshold: gate.absolute,
      reason: `${what(gate)} = ${fmt(value)} ${cmp} ${fmt(gate.absolute)} (absolute)`,
    };
  }
  let limit = gate.absolute;
  if (gate.relative !== null) {
    if (baseline === null) {
      return {
        ...base,
        verdict: 'inconclusive',
        cause: 'no-baseline',
        value,
        threshold: gate.absolute,
        reason: `${what(gate)} = ${fmt(value)}: no pre-rollout baseline for the relative limit`,
      };
    }
    const { factor, margin } = gate.relative;
    const rel = higherIsBad ? baseline * factor + margin : baseline * factor - margin;
    if (beyond(value, rel, higherIsBad)) {
      return {
        ...base,
        verdict: 'fail',
        value,
        threshold: rel,
        reason: `${what(gate)} = ${fmt(value)} ${cmp} ${fmt(rel)} (baseline ${fmt(baseline)} × ${fmt(factor)} ${higherIsBad ? '+' : '−'} ${fmt(margin)})`,
      };
    }
    limit = limit === null ? rel : higherIsBad ? Math.min(limit, rel) : Math.max(limit, rel);
  }
  // A controller judges every gate of every cluster in flight on every tick and reads a pass's reason
  // rarely: it is formatted when read.
  const threshold = limit;
  return {
    ...base,
    verdict: 'pass',
    value,
    threshold,
    get reason(): string {
      return `${what(gate)} = ${fmt(value)} ${okCmp} ${threshold === null ? '∞' : fmt(threshold)}`;
    },
  };
}

function what(gate: ThresholdGateSpec): string {
  return `${gate.signal} ${gate.aggregate} over ${fmt(gate.windowS)}s`;
}

function beyond(value: number, limit: number, higherIsBad: boolean): boolean {
  return higherIsBad ? value > limit : value < limit;
}
