import { isoAt } from '../../core/wall-clock.js';
import type { Rng } from '../../core/random.js';
import { createRng } from '../../core/random.js';
import type { Scenario } from '../../config/scenario.js';
import { ClusterSim } from '../cluster/cluster-sim.js';
import type { WorkloadSpec } from '../cluster/workload.js';
import { allFastPaths, newFastStats, type FastStats, type SimTuning } from '../fast/tuning.js';
import type { SimEvent, SimEventType } from '../result.js';
import { scenarioApfExtras, type ClusterApfExtras } from './apf-extras.js';
import { ClusterDetector, healthyRatio, pct } from './detectors.js';

export interface FleetSimOptions {
  /** APF objects a rollout policy adds to every cluster (merged with the scenario's own). */
  readonly apfExtras?: ClusterApfExtras;
  /** Which fast paths to take (all, by default; results are the same either way). */
  readonly tuning?: SimTuning;
  /** Where the fast paths taken are counted. */
  readonly stats?: FastStats;
}

/**
 * The fleet being simulated: every cluster, its detector, the events so far and the fleet-wide error
 * ratio. A FleetRun steps it; rollout controllers and operator actions act on it through its methods and
 * its clusters' commands.
 */
export class FleetSim {
  readonly clusters: ClusterSim[];
  readonly detectors: ClusterDetector[];
  readonly events: SimEvent[] = [];
  readonly rng: Rng;
  readonly stats: FastStats;
  // Fractions and nullable times that first change mid-run: set in the constructor (see there).
  fleetErrorRatio = Number.NaN;
  impactStartS: number | null = null;
  customerErrorMinutes = Number.NaN;
  peakErrorRatio = Number.NaN;
  fullRecoveryS: number | null = null;
  private readonly byName = new Map<string, number>();
  /** (tS, fleet error ratio) pairs of every step, for locating the peak once the run is over. */
  private readonly errorHistory: number[] = [];
  /**
   * Per cluster, in order: traffic weight, whether its traffic is shifted away (this step) and its error
   * ratio (as of its last step): the fleet's error ratio reads these flat arrays every step instead of
   * three objects per cluster.
   */
  private readonly weightOf: Float64Array;
  /** Per cluster: the traffic it can take on from shifted clusters (spareTrafficRatio × its weight). */
  private readonly spareOf: Float64Array;
  private readonly shiftedOf: Uint8Array;
  private readonly errorOf: Float64Array;
  /**
   * Clusters at rest whose detectors are idle: stepping either would change nothing until a command
   * changes the cluster (ClusterSim.onChange clears the mark), so the fleet's step skips them.
   */
  private readonly dormant: Uint8Array;
  private readonly dormantOn: boolean;
  private readonly quietOn: boolean;
  /** Name of the scenario's change ('' when none): the workload the change commands act on. */
  private readonly changeName: string;

  constructor(
    readonly scenario: Scenario,
    opts: FleetSimOptions = {},
  ) {
    // Ratios and nullable times first changed mid-run are pinned (docs/perf.md, "Shape pinning").
    this.fleetErrorRatio = 0;
    this.customerErrorMinutes = 0;
    this.peakErrorRatio = 0;
    this.impactStartS = this.fullRecoveryS = 0;
    this.impactStartS = this.fullRecoveryS = null;
    const tuning = opts.tuning ?? allFastPaths;
    this.dormantOn = tuning.dormantClusters;
    this.quietOn = tuning.quietOrbits;
    this.stats = opts.stats ?? newFastStats();
    this.changeName = scenario.change?.name ?? '';
    this.rng = createRng(scenario.seed).fork('operator');
    const clusterRng = createRng(scenario.seed);
    const apf = scenarioApfExtras(scenario, opts.apfExtras);
    this.clusters = scenario.clusters.map(
      (c) =>
        new ClusterSim({
          config: c,
          change: scenario.change,
          stepS: scenario.stepS,
          rng: clusterRng.fork(`cluster/${c.name}`),
          apf,
          orbitReplay: tuning.orbitReplay,
          stats: this.stats,
        }),
    );
    this.detectors = this.clusters.map(() => new ClusterDetector());
    this.weightOf = Float64Array.from(this.clusters, (c) => c.config.trafficWeight);
    this.spareOf = Float64Array.from(
      this.clusters,
      (c) => c.config.trafficWeight * c.config.spareTrafficRatio,
    );
    this.shiftedOf = new Uint8Array(this.clusters.length);
    this.errorOf = Float64Array.from(this.clusters, (c) => c.readings.errorRatio);
    this.dormant = new Uint8Array(this.clusters.length);
    this.clusters.forEach((c, i) => {
      c.onChange = () => {
        this.dormant[i] = 0;
      };
    });
    this.clusters.forEach((c, i) => this.byName.set(c.name, i));
  }

  cluster(name: string): ClusterSim | undefined {
    const i = this.byName.get(name);
    return i === undefined ? undefined : this.clusters[i];
  }

  detector(name: string): ClusterDetector | undefined {
    const i = this.byName.get(name);
    return i === undefined ? undefined : this.detectors[i];
  }

  /** True when cluster i is at rest with an idle detector (see dormant): it did not step. */
  isDormant(i: number): boolean {
    return this.dormant[i] === 1;
  }

  /** Records an event (wall-clock time filled in from the scenario's start). */
  emit(tS: number, type: SimEventType, cluster?: string, detail?: string): void {
    const at = this.scenario.clock ? isoAt(this.scenario.clock, tS) : null;
    const e: SimEvent = {
      tS,
      at,
      type,
      ...(cluster !== undefined ? { cluster } : {}),
      ...(detail !== undefined ? { detail } : {}),
    };
    this.events.push(e);
  }

  /** Applies the change to a cluster (optionally to a share of its nodes). */
  applyChange(name: string, nodeShare = 1): void {
    this.cluster(name)?.applyWorkload(this.changeName, nodeShare);
  }

  /** Routes the change to the rollout fence's level (on) or back to its own (off). */
  fenceChange(name: string, on: boolean): void {
    this.cluster(name)?.routeWorkload(this.changeName, 'fence', on);
  }

  /** Routes the change to the quarantine level (an operator's FlowSchema got through). */
  quarantineChange(name: string): void {
    this.cluster(name)?.routeWorkload(this.changeName, 'quarantine', true);
  }

  /** Deletes the change from a cluster: its pods terminate over the grace period. */
  deleteChange(name: string): void {
    this.cluster(name)?.deleteWorkload(this.changeName);
  }

  /** Applies another workload to a cluster mid-run (added to its workloads the first time). */
  applyWorkload(name: string, spec: WorkloadSpec, nodeShare = 1): void {
    this.cluster(name)?.applyWorkloadSpec(spec, nodeShare);
  }

  /**
   * Advances every cluster by one step and updates detectors and fleet-wide figures. The loops over the
   * clusters live in their own methods (docs/perf.md, "Loops in methods of their own").
   */
  step(tS: number): void {
    this.stepClusters(tS);
    this.fleetErrorRatio = this.errorRatioNow();
    const dt = this.scenario.stepS;
    this.customerErrorMinutes += (this.fleetErrorRatio * dt) / 60;
    if (this.fleetErrorRatio > this.peakErrorRatio) this.peakErrorRatio = this.fleetErrorRatio;
    this.errorHistory.push(tS, this.fleetErrorRatio);
    if (this.impactStartS === null && this.fleetErrorRatio >= this.scenario.impactThresholdRatio) {
      this.impactStartS = tS;
      this.emit(tS, 'impact.started', undefined, `${pct(this.fleetErrorRatio)} of customer requests failing`);
    }
    this.checkFleetRecovery();
  }

  /** Steps every cluster and its detector (one pass: a cluster's detector reads only its readings). */
  private stepClusters(tS: number): void {
    const dt = this.scenario.stepS;
    const clusters = this.clusters;
    const { shiftedOf, errorOf, dormant, stats } = this;
    for (let i = 0; i < clusters.length; i++) {
      if (dormant[i]) continue;
      const c = clusters[i];
      const det = this.detectors[i];
      if (!c || !det) continue;
      // A cluster at rest would return at once (and its readings stay as they were).
      if (!c.resting) c.step(tS);
      shiftedOf[i] = c.trafficShifted ? 1 : 0;
      // A skipped step left the readings as they were; a detector with nothing pending has nothing to do.
      if (!c.steppedLast) {
        if (det.idle) {
          if (c.resting && this.dormantOn) {
            dormant[i] = 1;
            stats.clustersMadeDormant++;
          }
          continue;
        }
      } else {
        errorOf[i] = c.readings.errorRatio;
        // A quiet orbit's readings change nothing in a settled detector (see ClusterDetector.settled).
        // Both read every time, so that the optimised loop has seen both before the first quiet orbit.
        const settled = det.settled;
        if (c.quietReplay && settled && this.quietOn) {
          stats.quietUpdatesSkipped++;
          continue;
        }
      }
      const events = det.update(tS, dt, c.readings);
      for (let k = 0; k < events.length; k++) {
        const e = events[k];
        if (e) this.emit(e.tS, e.type, c.name, e.detail);
      }
    }
  }

  /** Share of customer requests failing across the fleet after this step's cluster steps. */
  private errorRatioNow(): number {
    const { weightOf, spareOf, shiftedOf, errorOf } = this;
    // Weight of the clusters that shifted their traffic away and spare capacity of those that kept it,
    // summed in cluster order.
    let shiftedWeight = 0;
    let spare = 0;
    for (let i = 0; i < weightOf.length; i++) {
      if (shiftedOf[i]) shiftedWeight += weightOf[i] ?? 0;
      else spare += spareOf[i] ?? 0;
    }
    // Shifted traffic lands on the clusters that kept theirs, as far as their spare capacity goes, each
    // taking the same share of its spare; the rest stays where it was (and fails as it does there).
    const absorbed = Math.min(shiftedWeight, spare);
    const keepShare = shiftedWeight > 0 ? 1 - absorbed / shiftedWeight : 1;
    const spareUsed = spare > 0 ? absorbed / spare : 0;
    let served = 0;
    let failed = 0;
    for (let i = 0; i < weightOf.length; i++) {
      const own = weightOf[i] ?? 0;
      const w = shiftedOf[i] ? own * keepShare : own + (spareOf[i] ?? 0) * spareUsed;
      served += w;
      failed += w * (errorOf[i] ?? 0);
    }
    return served > 0 ? failed / served : 0;
  }

  /**
   * When the fleet first came within 1% of its peak error ratio: the start of the plateau, which a
   * sample's noise cannot move by an hour the way the single highest sample can.
   */
  peakReachedAtS(): number | null {
    if (this.peakErrorRatio <= 0) return null;
    const h = this.errorHistory;
    for (let i = 0; i < h.length; i += 2)
      if ((h[i + 1] ?? 0) >= 0.99 * this.peakErrorRatio) return h[i] ?? null;
    return null;
  }

  private checkFleetRecovery(): void {
    if (this.impactStartS === null) return;
    const allRecovered = this.detectors.every((d) => !d.impacted || d.recoveredAtS !== null);
    if (allRecovered && this.fleetErrorRatio < healthyRatio) {
      if (this.fullRecoveryS === null) {
        const last = Math.max(...this.detectors.map((d) => d.recoveredAtS ?? 0));
        this.fullRecoveryS = last;
        this.emit(last, 'fleet.recovered', undefined, 'every impacted cluster recovered');
      }
    } else if (this.fullRecoveryS !== null) {
      // Relapse: drop the recovery we announced.
      this.fullRecoveryS = null;
      const i = this.events.findIndex((e) => e.type === 'fleet.recovered');
      if (i >= 0) this.events.splice(i, 1);
    }
  }
}
