import { fmt } from '../../rollout/gates/types.js';
import type { RolloutEvent } from '../../rollout/events.js';
import { createRolloutExecutor, type RolloutExecutor } from '../../rollout/executor.js';
import type { ChangeRef } from '../../rollout/ports.js';
import type { RolloutPolicyFile } from '../../config/policy-schema.js';
import type { SignalName } from '../../model/signals.js';
import type { RolloutState } from '../../rollout/state.js';
import { memoryStateStore } from '../../rollout/state-store.js';
import type { RolloutJournalSink } from '../../rollout/journal.js';
import type { FleetActor } from '../../sim/engine.js';
import type { FleetSim } from '../../sim/fleet/fleet-sim.js';
import { SimClusterClient, simFleetSupplier } from './rollout-adapters.js';
import type { Scenario } from '../../config/scenario.js';
import { SignalRecorder } from './signal-recorder.js';
import { SimMetricsSource } from './sim-metrics.js';
import { formatPercent } from '../../core/format.js';

export interface RolloutActorOptions {
  readonly scenario: Scenario;
  readonly policy: RolloutPolicyFile;
  readonly change: ChangeRef;
  /** When the controller starts (s since the scenario start): the scenario's own rollout start. */
  readonly startS: number;
  /** Where the controller's journal goes (none by default), for a rollout report of the simulated run. */
  readonly journal?: RolloutJournalSink;
}

/** Signals a policy's gates read (plus change_seat_demand when node steps project the change's seats). */
export function policySignals(policy: RolloutPolicyFile): Set<SignalName> {
  const signals = new Set<SignalName>(policy.spec.gates.map((g) => g.signal));
  const steps = policy.spec.nodeSteps;
  if (steps && steps.extrapolation.enabled) signals.add('change_seat_demand');
  return signals;
}

/**
 * Runs the rollout controller inside the simulation: records every step's signals, and ticks the executor
 * from the rollout's start — whenever a new metrics sample lands (every 10 s, a reconcile loop driven by
 * scrapes: between samples nothing it judges has changed), and every step while a paced policy (`spread`)
 * still has clusters to start, so they start on time as in the scenario's own pipeline. Its actions act
 * on the fleet before the next step; its events become the simulation's `rollout.*` events. Once the
 * rollout is finished it stops, and so does the recording.
 */
export class RolloutActor implements FleetActor {
  private world: World | null = null;
  private nowS = 0;
  private finished = false;
  private lastSample = Number.NaN;
  private paced: boolean;
  private seenState: RolloutState | null = null;

  constructor(private readonly opts: RolloutActorOptions) {
    this.paced = opts.policy.spec.spread !== undefined;
  }

  tick(fleet: FleetSim, tS: number): void {
    if (this.finished || tS < this.opts.startS) return;
    const w = this.ensure(fleet);
    if (!this.paced && w.recorder.newest === this.lastSample) return;
    this.lastSample = w.recorder.newest;
    this.nowS = tS;
    const report = w.exec.tickSync(Math.round(tS * 1000));
    // The policy's warnings (a bake shorter than the DNS caches, a wave that selects nothing) lead the
    // rollout's events, where the person reading the timeline sees them.
    if (this.seenState === null)
      for (const warning of report.state.warnings) fleet.emit(tS, 'rollout.warning', undefined, warning);
    for (const e of report.events) emitRolloutEvent(fleet, e);
    if (report.state !== this.seenState) this.follow(w, report.state);
    if (w.exec.finished()) this.finished = true;
  }

  /** The controller's state (null before the rollout started). */
  state(): RolloutState | null {
    return this.world?.exec.state() ?? null;
  }

  afterStep(fleet: FleetSim, tS: number): void {
    if (!this.finished) this.ensure(fleet).recorder.record(tS);
  }

  /** Records only clusters the controller may still read, and stops pacing once every cluster started. */
  private follow(w: World, state: RolloutState): void {
    this.seenState = state;
    let pending = false;
    for (const c of state.clusters) {
      const i = w.index.get(c.name);
      const k = c.phase.kind;
      if (k === 'pending') pending = true;
      if (i !== undefined)
        w.recorder.active[i] = k === 'pending' || k === 'fencing' || k === 'baseline' || k === 'step' ? 1 : 0;
    }
    // Clusters no wave selects are never read.
    for (const [name, i] of w.index)
      if (!state.clusters.some((c) => c.name === name)) w.recorder.active[i] = 0;
    this.paced = this.paced && pending && state.policy.spreadS !== null;
  }

  private ensure(fleet: FleetSim): World {
    if (this.world) return this.world;
    const recorder = new SignalRecorder(fleet, { signals: policySignals(this.opts.policy) });
    const client = new SimClusterClient(fleet, recorder, fleet.rng.fork('rollout'), () => this.nowS);
    const exec = createRolloutExecutor({
      fleet: simFleetSupplier(this.opts.scenario, { preflight: this.opts.policy.spec.pace !== undefined }),
      client,
      metrics: new SimMetricsSource(recorder),
      store: memoryStateStore(),
      policy: this.opts.policy,
      change: this.opts.change,
      ...(this.opts.journal ? { journal: this.opts.journal } : {}),
    });
    const index = new Map(fleet.clusters.map((c, i) => [c.name, i]));
    this.world = { recorder, exec, index };
    return this.world;
  }
}

interface World {
  readonly recorder: SignalRecorder;
  readonly exec: RolloutExecutor;
  readonly index: ReadonlyMap<string, number>;
}

/** One controller event as a simulation event (events a report needs; the rest stay in the controller). */
export function emitRolloutEvent(fleet: FleetSim, e: RolloutEvent): void {
  const tS = e.atMs / 1000;
  switch (e.type) {
    case 'rollout.started':
      fleet.emit(tS, e.type, undefined, `${e.clusters} clusters in ${e.waves} wave(s)`);
      return;
    case 'rollout.wave.started': {
      const shown =
        e.clusters.slice(0, 3).join(', ') + (e.clusters.length > 3 ? `, +${e.clusters.length - 3} more` : '');
      fleet.emit(tS, e.type, undefined, `${e.wave}: ${e.clusters.length} cluster(s) (${shown})`);
      return;
    }
    case 'rollout.step.applied': {
      const nodes = fleet.cluster(e.cluster)?.nodes ?? 0;
      if (e.share >= 1) fleet.emit(tS, 'rollout.cluster.applied', e.cluster, `${nodes} nodes`);
      else
        fleet.emit(
          tS,
          e.type,
          e.cluster,
          `${pct(e.share)} of nodes (${Math.ceil(e.share * nodes - 1e-9).toLocaleString('en-US')} of ${nodes.toLocaleString('en-US')})`,
        );
      return;
    }
    case 'rollout.gate.failed':
      fleet.emit(
        tS,
        e.type,
        e.cluster,
        `${e.signal} ${fmt(e.value)} vs threshold ${fmt(e.threshold)} (gate ${e.gate}, ${pct(e.share)} of nodes): ${e.reason}`,
      );
      return;
    case 'rollout.halted':
      fleet.emit(tS, e.type, undefined, `${e.cause}: ${e.reason}`);
      return;
    case 'rollout.cluster.rolledback':
      fleet.emit(tS, e.type, e.cluster, `change deleted after ${e.attempts} attempt(s)`);
      return;
    case 'rollout.paused':
    case 'rollout.resumed':
    case 'rollout.paced':
      fleet.emit(tS, e.type, undefined, e.detail);
      return;
    case 'rollout.action.failed':
      fleet.emit(tS, e.type, e.cluster, e.reason);
      return;
    case 'rollout.completed':
      fleet.emit(tS, e.type);
      return;
    case 'rollout.cluster.started':
    case 'rollout.cluster.done':
    case 'rollout.cluster.rollback-started':
    case 'rollout.approved':
      return;
    default: {
      const never: never = e;
      return never;
    }
  }
}

function pct(share: number): string {
  return formatPercent(share, 'significant');
}
