import type { DnsReading } from '../cluster/dns.js';
import type { ClusterReadings } from '../cluster/readings.js';
import { isQuiet } from '../fleet/detectors.js';
import { Orbit, type OrbitPhase } from './orbit.js';
import { SlotBinding, type StateSnapshot } from './snapshot.js';
import type { FastStats } from './tuning.js';

export type { OrbitPhase } from './orbit.js';

/**
 * Orbit replay for one cluster (docs/perf.md, "Orbit replay"): finds a periodic orbit in the cluster's
 * steady steps (Orbit), and replays it through the cluster's StateSnapshot. A replayed step hands on the
 * phase's readings only; the phase's state is written into the cluster's parts (restore) when something
 * reads or changes the cluster, or a step must be simulated again.
 *
 * The cluster decides when a step may be recorded (steady, nothing changing) and runs the node caches
 * live; this holds the recording, the binding of its varying entries, and the replay's position.
 */
export class OrbitReplay {
  private orbit: Orbit;
  private binding: SlotBinding | null = null;
  /** Where the state after the step just observed is to be saved (see observe). */
  private pending: Float64Array | null = null;
  /** Bumped each time a replay begins: steps replayed with the same number follow one orbit. */
  run = 0;
  /**
   * True when every phase of the orbit being replayed is quiet: nothing overloaded, rejected or failing,
   * and on-call's requests (if any) all answered. An idle detector fed only such readings stays as it is.
   */
  quiet = false;

  constructor(
    private readonly snapshot: StateSnapshot,
    private readonly stats: FastStats,
  ) {
    this.orbit = new Orbit(snapshot.stateLength);
  }

  /** Starts afresh for a snapshot whose record changed length (the cluster's class table was rebuilt). */
  resized(): void {
    this.orbit = new Orbit(this.snapshot.stateLength);
    this.binding = null;
    this.pending = null;
  }

  get replaying(): boolean {
    return this.orbit.replaying;
  }

  /** Forgets everything observed: the cluster left the steady state or something outside changed it. */
  reset(): void {
    this.orbit.reset();
  }

  /** Period of the orbit being replayed (0 when none). */
  get periodSteps(): number {
    return this.orbit.replaying ? this.orbit.periodSteps : 0;
  }

  /** Readings of the `k`-th step from now on along the orbit being replayed (null when not replaying). */
  readingsAhead(k: number): ClusterReadings | null {
    return this.orbit.replaying ? this.orbit.readingsAhead(k) : null;
  }

  /** p99 latency after the step last replayed: `measure`d the first time its phase is asked for. */
  lastPhaseP99(measure: () => number, row: 0 | 1 = 0): number {
    return this.orbit.lastPhaseP99(measure, row);
  }

  /**
   * Feeds the signature of a steady step; true when the state after it is to be recorded (call record,
   * unless the cluster finds it cannot be: then reset).
   */
  observe(a: number, b: number, c: number, d: number): boolean {
    this.pending = this.orbit.observe(a, b, c, d);
    return this.pending !== null;
  }

  /** Records the state after the step observed, with copies of what it showed; binds a replay found. */
  record(readings: ClusterReadings, dnsReading: DnsReading, missRatio: number, nodeCacheFull: boolean): void {
    const into = this.pending;
    if (!into) return;
    this.pending = null;
    this.snapshot.saveState(into, 0);
    this.orbit.saved(readings, dnsReading, missRatio, nodeCacheFull);
    if (!this.orbit.replaying) return;
    this.run++;
    this.quiet = this.orbit.everyPhase(isQuiet);
    this.binding = new SlotBinding(this.snapshot, this.orbit.varying);
  }

  /** The phase the next replayed step shows (null when there is none to show). */
  get nextPhase(): OrbitPhase | null {
    const p = this.orbit.nextPhase;
    return p?.readings && p.dnsReading ? p : null;
  }

  /**
   * Replays phase `p` (nextPhase) when the node caches, which ran live, missed the share and had the
   * fullness it recorded; false when they did not (the step must be simulated).
   */
  accept(p: OrbitPhase, missRatio: number, nodeCacheFull: boolean): boolean {
    if (!Object.is(missRatio, p.missRatio) || nodeCacheFull !== p.nodeCacheFull) return false;
    this.orbit.advance();
    this.stats.replayedSteps++;
    return true;
  }

  /** Writes the state of the phase last replayed into the cluster's parts; returns that phase. */
  restore(): OrbitPhase | null {
    const k = this.orbit.lastPhaseIndex;
    const p = this.orbit.phaseAt(k);
    if (!p?.readings || !p.dnsReading) return null;
    this.binding?.write(this.orbit.varyingValues, k);
    this.snapshot.loadScalars(p.state, 0);
    return p;
  }
}
