import type { GateEvaluation, Observations, ObservationPurpose } from './events.js';
import { evaluateExtrapolationGate } from './gates/extrapolation.js';
import { evaluateThresholdGate } from './gates/threshold.js';
import type { SignalReading } from './ports.js';
import type { SignalName } from '../model/signals.js';
import { waveBakeS, type ClusterState, type RolloutState } from './state.js';

/** One signal the executor should read before the next decide. */
export interface SignalRequest {
  readonly cluster: string;
  readonly signal: SignalName;
  readonly purpose: ObservationPurpose;
  readonly windowS: number;
}

/** What to observe this tick: signals, and the rollout status of clusters being changed. */
export interface ObservationPlan {
  readonly signals: readonly SignalRequest[];
  readonly statuses: readonly string[];
}

/**
 * Pure: what `decide` will need to know next, given the state. Baselines for clusters about to be
 * applied (relative gates only); every gate's signal for clusters running a step.
 */
export function observationPlan(state: RolloutState): ObservationPlan {
  if (state.status.kind === 'halted' || state.status.kind === 'completed')
    return { signals: [], statuses: [] };
  const signals: SignalRequest[] = [];
  const statuses: string[] = [];
  const p = state.policy;
  const relative = distinct(p.gates.filter((g) => g.relative !== null).map((g) => g.signal));
  for (const c of state.clusters) {
    const phase = c.phase;
    if (phase.kind === 'baseline') {
      for (const signal of relative)
        signals.push({ cluster: c.name, signal, purpose: 'baseline', windowS: p.baselineWindowS });
    } else if (phase.kind === 'step' && phase.appliedAtMs !== null) {
      const windows = new Map<SignalName, number>();
      for (const g of p.gates) windows.set(g.signal, Math.max(windows.get(g.signal) ?? 0, g.windowS));
      if (p.extrapolation) {
        windows.set(
          'change_seat_demand',
          Math.max(windows.get('change_seat_demand') ?? 0, p.extrapolation.windowS),
        );
      }
      for (const [signal, windowS] of windows)
        signals.push({ cluster: c.name, signal, purpose: 'gate', windowS });
      statuses.push(c.name);
    }
  }
  return { signals, statuses };
}

// Memo of observations by key: a fleet-sized tick looks up hundreds of readings (pure: keyed by identity).
const indexes = new WeakMap<Observations, Map<string, SignalReading>>();

/** The reading for a cluster's signal in the observations; 'missing' when the executor brought none. */
export function readingOf(
  obs: Observations,
  cluster: string,
  signal: SignalName,
  purpose: ObservationPurpose,
): SignalReading {
  let index = indexes.get(obs);
  if (!index) {
    index = new Map(obs.signals.map((s) => [`${s.cluster}|${s.signal}|${s.purpose}`, s.reading]));
    indexes.set(obs, index);
  }
  return index.get(`${cluster}|${signal}|${purpose}`) ?? 'missing';
}

/** A baseline value: the mean of the finite samples, or null when there are none. */
export function baselineValue(reading: SignalReading): number | null {
  if (reading === 'missing') return null;
  const values = reading.map((s) => s.value).filter((v) => Number.isFinite(v));
  return values.length === 0 ? null : values.reduce((a, b) => a + b, 0) / values.length;
}

/**
 * Judges every gate of a cluster's current step. `counted` marks verdicts that matter now: continuous gates
 * always, bake-end gates once the bake is over. The seat projection (extrapolation) runs at every step: at
 * 100% of nodes it is a direct measurement, and under a rollout fence it judges what the change will take
 * once the fence is lifted — its own cost, which the others-only gates do not see.
 */
export function evaluateStep(
  state: RolloutState,
  c: ClusterState,
  obs: Observations,
  nowMs: number,
): { evaluations: GateEvaluation[]; bakeOver: boolean } {
  const phase = c.phase;
  if (phase.kind !== 'step' || phase.appliedAtMs === null) return { evaluations: [], bakeOver: false };
  const p = state.policy;
  const bakeS = phase.share < 1 ? p.stepBakeS : waveBakeS(state, c.wave);
  const bakeOver = nowMs - phase.appliedAtMs >= bakeS * 1000;
  const ctx = { nowMs, sinceMs: phase.appliedAtMs };
  const at = { cluster: c.name, stepIndex: phase.stepIndex, share: phase.share };
  const evaluations: GateEvaluation[] = p.gates.map((g) => ({
    ...at,
    counted: g.timing === 'continuous' || bakeOver,
    result: evaluateThresholdGate(
      readingOf(obs, c.name, g.signal, 'gate'),
      g,
      c.baseline?.[g.signal] ?? null,
      ctx,
    ),
  }));
  if (p.extrapolation) {
    const status = obs.statuses.find((s) => s.cluster === c.name)?.status;
    const effectiveShare =
      status && status !== 'unreachable' && c.nodes > 0 ? status.readyReplicas / c.nodes : null;
    const reading = readingOf(obs, c.name, 'change_seat_demand', 'gate');
    const result = evaluateExtrapolationGate(
      reading,
      p.extrapolation,
      { share: phase.share, effectiveShare },
      ctx,
    );
    evaluations.push({ ...at, counted: true, result });
  }
  return { evaluations, bakeOver };
}

function distinct<T>(xs: readonly T[]): T[] {
  return [...new Set(xs)];
}
