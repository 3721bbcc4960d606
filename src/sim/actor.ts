import { pipelineApplyS, type Scenario } from '../config/scenario.js';
import type { FleetSim } from './fleet/fleet-sim.js';

/** Something that acts on the fleet every step (a rollout controller); the plain pipeline is one. */
export interface FleetActor {
  /** Acts before the step at `tS`. */
  tick(fleet: FleetSim, tS: number): void;
  /** Optional: sees the fleet right after the step at `tS` (e.g. to record the step's readings). */
  afterStep?(fleet: FleetSim, tS: number): void;
}

/** The scenario's plain rollout: every cluster in order, evenly over the span, no gates. */
export function pipelineActor(scenario: Scenario): FleetActor | undefined {
  const r = scenario.rollout;
  if (!r) return undefined;
  let next = 0;
  return {
    tick(fleet, tS) {
      if (next === 0 && tS >= r.startS)
        fleet.emit(
          r.startS,
          'rollout.started',
          undefined,
          `${r.order.length} clusters over ${Math.round(r.spanS / 60)} min, no gates`,
        );
      while (next < r.order.length && tS >= pipelineApplyS(r, next)) {
        const name = r.order[next] as string;
        fleet.applyChange(name);
        fleet.emit(
          pipelineApplyS(r, next),
          'rollout.cluster.applied',
          name,
          `${fleet.cluster(name)?.nodes ?? 0} nodes`,
        );
        next++;
        if (next === r.order.length)
          fleet.emit(tS, 'rollout.completed', undefined, `${r.order.length} clusters`);
      }
    },
  };
}
