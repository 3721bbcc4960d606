import type { SignalName, GateTiming } from '../model/signals.js';
import type { Aggregate } from './gates/samples.js';

/**
 * A rollout policy after defaults and fleet-dependent values are resolved: the form the controller and
 * the gates read (and the state file persists), with units in every duration's name.
 */

/** A gate comparing one signal against absolute and/or baseline-relative limits. */
export interface ThresholdGateSpec {
  readonly name: string;
  readonly signal: SignalName;
  readonly windowS: number;
  readonly aggregate: Aggregate;
  /** Fail beyond this value; null = no absolute limit. */
  readonly absolute: number | null;
  /** Fail beyond baseline × factor ± margin; null = no relative limit. */
  readonly relative: { readonly factor: number; readonly margin: number } | null;
  readonly timing: GateTiming;
  readonly staleAfterS: number;
  readonly minSamples: number;
}

/** The node-subset extrapolation gate (reads `change_seat_demand`). */
export interface ExtrapolationSpec {
  readonly windowS: number;
  /** Fail when projected demand exceeds maxFill × the seats the level can get. */
  readonly maxFill: number;
  readonly staleAfterS: number;
}

export type InconclusiveAction = 'halt' | 'halt-and-rollback';
export type FailureRollback = 'failed-and-baking' | 'failed' | 'none';

export interface ResolvedPolicy {
  readonly name: string;
  /** null = no limit. */
  readonly maxInFlight: number | null;
  /** Start clusters evenly over this span in plan order; null = as soon as a slot is free. */
  readonly spreadS: number | null;
  /** Node shares per cluster, increasing, ending at 1. */
  readonly shares: readonly number[];
  /** Bake at each partial share. */
  readonly stepBakeS: number;
  readonly nodeLabelKey: string;
  /** null = no extrapolation gate. */
  readonly extrapolation: ExtrapolationSpec | null;
  /** Bake once a cluster runs the change on all nodes (waves may override). */
  readonly bakeS: number;
  readonly baselineWindowS: number;
  readonly gates: readonly ThresholdGateSpec[];
  readonly inconclusiveTimeoutS: number;
  readonly onInconclusiveTimeout: InconclusiveAction;
  readonly rollbackOnFailure: FailureRollback;
  readonly breakGlass: boolean;
  /** Seats per API server of the level the change is fenced into while it rolls out; null = no fence. */
  readonly fenceSeats: number | null;
  /** Pace by risk (the policy's `pace`); null = the plan never changes. */
  readonly pace: PaceSpec | null;
}

/** When and how a low-risk change speeds up (see the policy schema's `pace`). */
export interface PaceSpec {
  readonly maxFill: number;
  readonly growth: number;
  /** null = the policy's maxInFlight. */
  readonly maxInFlight: number | null;
}
