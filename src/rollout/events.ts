import type { NodeSubsetLabel, SignalReading, WorkloadStatus, ActionOutcome } from './ports.js';
import type { GateResult } from './gates/types.js';
import type { SignalName } from '../model/signals.js';
import type { HaltCause, PauseReason } from './state.js';

/** What the controller asks the executor to do; ids are deterministic so results can be matched. */
export type RolloutAction =
  | {
      readonly type: 'apply';
      readonly id: string;
      readonly cluster: string;
      readonly nodeShare: number;
      /** null at share 1: the nodeSelector is removed. */
      readonly nodeLabel: NodeSubsetLabel | null;
    }
  | { readonly type: 'rollback'; readonly id: string; readonly cluster: string }
  | { readonly type: 'ensure-break-glass'; readonly id: string; readonly cluster: string }
  /** Route the change to (on) or release it from (off) the rollout fence's priority level. */
  | {
      readonly type: 'fence';
      readonly id: string;
      readonly cluster: string;
      readonly on: boolean;
      readonly seats: number;
    };

/** The outcome of an action, fed back to the next decide. */
export interface ActionResult {
  readonly actionId: string;
  readonly cluster: string;
  readonly outcome: ActionOutcome;
  /** When the action was performed. */
  readonly atMs: number;
}

/** Why a signal was read: to judge a gate, or to set the cluster's pre-rollout baseline. */
export type ObservationPurpose = 'gate' | 'baseline';

export interface SignalObservation {
  readonly cluster: string;
  readonly signal: SignalName;
  readonly purpose: ObservationPurpose;
  readonly reading: SignalReading;
}

/** Everything the world told the controller since the last decide. */
export interface Observations {
  readonly signals: readonly SignalObservation[];
  readonly statuses: readonly { readonly cluster: string; readonly status: WorkloadStatus | 'unreachable' }[];
  readonly results: readonly ActionResult[];
  /** People approving past a pause (`rampart rollout approve`). */
  readonly approvals: readonly { readonly by: string }[];
}

/** No observations at all (a tick with nothing to report). */
export const noObservations: Observations = { signals: [], statuses: [], results: [], approvals: [] };

/** A gate verdict the controller reached this tick (counted = it could block or fail the cluster now). */
export interface GateEvaluation {
  readonly cluster: string;
  readonly stepIndex: number;
  readonly share: number;
  readonly counted: boolean;
  readonly result: GateResult;
}

/** Timeline events for reports (`rollout.*`), each with the simulated or wall time it happened. */
export type RolloutEvent =
  | {
      readonly type: 'rollout.started';
      readonly atMs: number;
      readonly waves: number;
      readonly clusters: number;
    }
  | {
      readonly type: 'rollout.wave.started';
      readonly atMs: number;
      readonly wave: string;
      readonly index: number;
      readonly clusters: readonly string[];
    }
  | {
      readonly type: 'rollout.cluster.started';
      readonly atMs: number;
      readonly cluster: string;
      readonly wave: string;
    }
  | {
      readonly type: 'rollout.step.applied';
      readonly atMs: number;
      readonly cluster: string;
      readonly share: number;
    }
  | { readonly type: 'rollout.cluster.done'; readonly atMs: number; readonly cluster: string }
  | {
      readonly type: 'rollout.gate.failed';
      readonly atMs: number;
      readonly cluster: string;
      readonly gate: string;
      readonly signal: SignalName;
      readonly value: number;
      readonly threshold: number;
      readonly share: number;
      readonly reason: string;
    }
  | {
      readonly type: 'rollout.paused';
      readonly atMs: number;
      readonly reason: PauseReason;
      readonly detail: string;
    }
  | { readonly type: 'rollout.resumed'; readonly atMs: number; readonly detail: string }
  | { readonly type: 'rollout.approved'; readonly atMs: number; readonly by: string; readonly detail: string }
  | {
      readonly type: 'rollout.halted';
      readonly atMs: number;
      readonly cause: HaltCause;
      readonly reason: string;
    }
  | {
      readonly type: 'rollout.cluster.rollback-started';
      readonly atMs: number;
      readonly cluster: string;
      readonly reason: string;
    }
  | {
      readonly type: 'rollout.cluster.rolledback';
      readonly atMs: number;
      readonly cluster: string;
      readonly attempts: number;
    }
  | {
      readonly type: 'rollout.action.failed';
      readonly atMs: number;
      readonly cluster: string;
      readonly actionId: string;
      readonly reason: string;
    }
  /** The remaining waves were planned again at a faster pace (policy `pace`): why, with the numbers. */
  | { readonly type: 'rollout.paced'; readonly atMs: number; readonly detail: string }
  | { readonly type: 'rollout.completed'; readonly atMs: number };

export type RolloutEventType = RolloutEvent['type'];
