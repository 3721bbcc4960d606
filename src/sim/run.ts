import { stepCount, type Scenario } from '../config/scenario.js';
import { pipelineActor, type FleetActor } from './actor.js';
import type { ClusterApfExtras } from './cluster/apf-change.js';
import { allFastPaths, newFastStats, type FastStats, type SimTuning } from './fast/tuning.js';
import { FleetSim } from './fleet/fleet-sim.js';
import { OperatorRunner } from './fleet/operator.js';

export interface FleetRunOptions {
  /** Replaces the scenario's own rollout (e.g. a rollout policy's controller). */
  readonly actor?: FleetActor;
  /** APF objects a rollout policy adds to every cluster. */
  readonly apfExtras?: ClusterApfExtras;
  /** Fast paths to leave out (all are taken by default; results are the same either way). */
  readonly tuning?: Partial<SimTuning>;
  /** Where the fast paths taken are counted (a fresh count by default: FleetRun.stats). */
  readonly stats?: FastStats;
  /** Called now and then with the share of the scenario's steps done, for progress display. */
  readonly onProgress?: (doneShare: number) => void;
}

/** Sees the fleet after every step (the series recorder is one). */
export interface StepObserver {
  afterStep(tS: number): void;
}

/**
 * A simulation of a scenario that is stepped from outside: each step runs the actor (the scenario's
 * pipeline or a rollout controller), the operator actions due, every cluster, then the observers. Between
 * steps the fleet and its clusters may be changed through their commands (apply a workload, inject load,
 * change APF objects, …). Stepping a run in pieces gives the same results as stepping it in one go.
 */
export interface FleetRun {
  readonly scenario: Scenario;
  readonly fleet: FleetSim;
  readonly tuning: SimTuning;
  readonly stats: FastStats;
  /** Simulated time of the next step (s since the scenario's start). */
  readonly now: number;
  /** True once every step of the scenario's duration ran. */
  readonly done: boolean;
  /** Runs the next step (none once done). */
  step(): void;
  /** Runs every step before `tS` (s), up to the scenario's end. */
  runUntil(tS: number): void;
  /** Adds an observer for the steps from now on. */
  observe(observer: StepObserver): void;
}

/** A run of `scenario` at its start (the fleet built, no step taken). */
export function createFleetRun(scenario: Scenario, options: FleetRunOptions = {}): FleetRun {
  return new Run(scenario, options);
}

class Run implements FleetRun {
  readonly fleet: FleetSim;
  readonly tuning: SimTuning;
  readonly stats: FastStats;
  private readonly operator: OperatorRunner;
  private readonly actor: FleetActor | undefined;
  private readonly observers: StepObserver[] = [];
  private readonly dt: number;
  private readonly steps: number;
  private readonly progressEvery: number;
  private readonly onProgress: ((doneShare: number) => void) | undefined;
  /** Steps taken. */
  private k = 0;

  constructor(
    readonly scenario: Scenario,
    options: FleetRunOptions,
  ) {
    this.tuning = { ...allFastPaths, ...options.tuning };
    this.stats = options.stats ?? newFastStats();
    this.fleet = new FleetSim(scenario, {
      ...(options.apfExtras ? { apfExtras: options.apfExtras } : {}),
      tuning: this.tuning,
      stats: this.stats,
    });
    this.operator = new OperatorRunner(this.fleet, scenario.operator);
    this.actor = options.actor ?? pipelineActor(scenario);
    this.dt = scenario.stepS;
    this.steps = stepCount(scenario.durationS, scenario.stepS);
    this.progressEvery = Math.max(1, Math.floor(this.steps / 50));
    this.onProgress = options.onProgress;
  }

  get now(): number {
    return this.k * this.dt;
  }

  get done(): boolean {
    return this.k >= this.steps;
  }

  step(): void {
    const k = this.k;
    if (k >= this.steps) return;
    const tS = k * this.dt;
    const fleet = this.fleet;
    this.actor?.tick(fleet, tS);
    this.operator.tick(tS);
    fleet.step(tS);
    this.actor?.afterStep?.(fleet, tS);
    const observers = this.observers;
    for (let i = 0; i < observers.length; i++) observers[i]?.afterStep(tS);
    if (this.onProgress && k % this.progressEvery === 0) this.onProgress(k / this.steps);
    this.k = k + 1;
  }

  runUntil(tS: number): void {
    while (this.k < this.steps && this.k * this.dt < tS) this.step();
  }

  observe(observer: StepObserver): void {
    this.observers.push(observer);
  }
}
