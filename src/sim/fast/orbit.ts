import type { ClusterReadings } from '../cluster/readings.js';
import type { DnsReading } from '../cluster/dns.js';

/** Longest period looked for, in steps (the signatures' period, or a multiple of it). */
const maxPeriod = 64;
/** Scalars of a step compared to spot a candidate period. */
const signatureWidth = 4;
/** Longest wait before trying again after a period failed to verify, in steps. */
const maxBackoffSteps = 2048;

/** One recorded step of an orbit: the state after it, and what it showed. */
export interface OrbitPhase {
  readonly state: Float64Array;
  readings: ClusterReadings | null;
  dnsReading: DnsReading | null;
  /** The node caches' miss share and fullness during that step (they run live during a replay). */
  missRatio: number;
  nodeCacheFull: boolean;
}

/**
 * Spots a cluster that has fallen into an exactly periodic orbit, and replays it. A steady cluster
 * (servers up, nothing rejected or scheduled: the step is a function of the state alone) can keep
 * moving for hours in a fixed cycle: CoreDNS's cache renews each name a TTL after it last did, so a
 * cache that refilled unevenly after an outage sends its API lookups in the same bursts every TTL, for
 * good. Such a cluster never settles, but once its whole state after some step equals its state P steps
 * earlier (bit for bit), every later step repeats the one P steps before it, so restoring the recorded
 * state of each phase in turn is the same as simulating it.
 *
 * The node caches are left out of the recorded state (their rings turn over far more slowly than the
 * cycle) and keep running live: they depend only on CoreDNS's answers, which the cycle fixes, and the
 * rest of the cluster depends only on their miss share and fullness, which each replayed step checks
 * against the recording before restoring it. Anything else that changes the cluster wakes it, which
 * ends the replay.
 */
export class Orbit {
  private readonly signatures = new Float64Array(maxPeriod * signatureWidth);
  /** Signatures written since the last reset. */
  private seen = 0;
  /** Candidate period (0: none) and how many steps in a row matched it. */
  private period = 0;
  private matched = 0;
  private backoff = 0;
  private failures = 0;
  /** -1 when not recording, else the phases recorded so far; the base state is saved first. */
  private recorded = -1;
  private awaitingBase = false;
  private base: Float64Array | null = null;
  private readonly phases: OrbitPhase[] = [];
  private phase = 0;
  replaying = false;

  constructor(private readonly stateLength: number) {}

  /** Forgets everything observed: the cluster left the steady state or something outside changed it. */
  reset(): void {
    this.seen = 0;
    this.period = 0;
    this.matched = 0;
    this.recorded = -1;
    this.awaitingBase = false;
    this.replaying = false;
  }

  /**
   * Feeds the signature of a steady step. Returns the buffer to save the state after that step into
   * (then call `saved`) when the step is being recorded, else null.
   */
  observe(a: number, b: number, c: number, d: number): Float64Array | null {
    const sig = this.signatures;
    const at = (this.seen % maxPeriod) * signatureWidth;
    sig[at] = a;
    sig[at + 1] = b;
    sig[at + 2] = c;
    sig[at + 3] = d;
    this.seen++;
    if (this.recorded >= 0) return this.phaseBuffer(this.recorded);
    if (this.backoff > 0) {
      this.backoff--;
      return null;
    }
    if (this.period > 0 && this.matches(this.period)) this.matched++;
    else {
      this.period = this.findPeriod();
      this.matched = this.period > 0 ? 1 : 0;
    }
    // Two whole periods of matching signatures: worth recording one to check the whole state.
    if (this.period === 0 || this.matched < 2 * this.period) return null;
    this.recorded = 0;
    this.awaitingBase = true;
    this.base ??= new Float64Array(this.stateLength);
    return this.base;
  }

  /** Registers the state just saved into the buffer `observe` returned, with what the step showed. */
  saved(readings: ClusterReadings, dnsReading: DnsReading, missRatio: number, nodeCacheFull: boolean): void {
    if (this.recorded < 0) return;
    if (this.awaitingBase) {
      this.awaitingBase = false;
      return;
    }
    const p = this.phases[this.recorded];
    if (!p) return;
    p.readings = readings;
    p.dnsReading = dnsReading;
    p.missRatio = missRatio;
    p.nodeCacheFull = nodeCacheFull;
    this.recorded++;
    // The signatures may miss a part of the state that cycles at a multiple of their period (a queue
    // flickering at 1e-15 every other step): each multiple recorded so far is a candidate.
    if (this.recorded % this.period !== 0) return;
    if (this.base && sameState(this.base, p.state)) {
      this.period = this.recorded;
      this.recorded = -1;
      this.replaying = true;
      this.phase = 0;
      this.failures = 0;
      this.compact(this.base);
      return;
    }
    if (this.recorded + this.period <= maxPeriod) return;
    // Not (yet) exactly periodic: look again later, less often each time.
    this.recorded = -1;
    this.failures++;
    this.backoff = Math.min(maxBackoffSteps, this.period * this.failures);
    this.period = 0;
    this.matched = 0;
  }

  /**
   * Entries of the record that differ between phases (the rest hold the base's values all along), and
   * their values phase by phase: varying.length values per phase, in phase order. A replayed step writes
   * only those, so it touches a few cache lines rather than the whole record.
   */
  varying = new Int32Array(0);
  varyingValues = new Float64Array(0);
  /**
   * p99 latency after each phase (NaN until first asked for): the same state gives the same latency. Two
   * rows: all requests (row 0), and the requests of everyone but the change (row 1, the rollout's gates).
   */
  private readonly phaseP99 = new Float64Array(2 * maxPeriod);

  private compact(base: Float64Array): void {
    const phases = this.phases.slice(0, this.period);
    const varying: number[] = [];
    for (let j = 0; j < base.length; j++)
      if (phases.some((p) => !Object.is(p.state[j], base[j]))) varying.push(j);
    this.varying = Int32Array.from(varying);
    this.phaseP99.fill(Number.NaN);
    this.varyingValues = new Float64Array(phases.length * varying.length);
    phases.forEach((p, k) =>
      varying.forEach((j, m) => (this.varyingValues[k * varying.length + m] = p.state[j] ?? 0)),
    );
  }

  /**
   * p99 latency after the step last replayed, computed by `measure` the first time that phase is asked
   * for and remembered for the rest of the replay.
   */
  lastPhaseP99(measure: () => number, row: 0 | 1 = 0): number {
    const k = row * maxPeriod + this.lastPhaseIndex;
    const known = this.phaseP99[k] ?? Number.NaN;
    if (!Number.isNaN(known)) return known;
    const p99 = measure();
    this.phaseP99[k] = p99;
    return p99;
  }

  /** Steps per period of the orbit found (0 while none). */
  get periodSteps(): number {
    return this.period;
  }

  /** True when `test` holds for the readings of every phase of the orbit being replayed. */
  everyPhase(test: (r: ClusterReadings) => boolean): boolean {
    for (let k = 0; k < this.period; k++) {
      const r = this.phases[k]?.readings;
      if (!r || !test(r)) return false;
    }
    return this.period > 0;
  }

  /** Readings of the phase `k` replayed steps from now (k = 0: the next). */
  readingsAhead(k: number): ClusterReadings | null {
    return this.phases[(this.phase + k) % this.period]?.readings ?? null;
  }

  /** Index of the phase the last replayed step restored. */
  get lastPhaseIndex(): number {
    return (this.phase + this.period - 1) % this.period;
  }

  /** Phase `k` of the orbit. */
  phaseAt(k: number): OrbitPhase | undefined {
    return this.phases[k];
  }

  /** Index of the phase the next replayed step restores. */
  get phaseIndex(): number {
    return this.phase;
  }

  /** The phase the next replayed step restores. */
  get nextPhase(): OrbitPhase | undefined {
    return this.phases[this.phase];
  }

  /** Moves on to the following phase once a step was replayed. */
  advance(): void {
    this.phase = this.phase + 1 === this.period ? 0 : this.phase + 1;
  }

  private phaseBuffer(k: number): Float64Array {
    let p = this.phases[k];
    if (!p) {
      p = {
        state: new Float64Array(this.stateLength),
        readings: null,
        dnsReading: null,
        missRatio: Number.NaN,
        nodeCacheFull: true,
      };
      this.phases[k] = p;
    }
    return p.state;
  }

  /** True when the latest signature equals the one `p` steps earlier. */
  private matches(p: number): boolean {
    if (this.seen <= p) return false;
    const sig = this.signatures;
    const now = ((this.seen - 1) % maxPeriod) * signatureWidth;
    const then = ((this.seen - 1 - p) % maxPeriod) * signatureWidth;
    for (let k = 0; k < signatureWidth; k++) if (!Object.is(sig[now + k], sig[then + k])) return false;
    return true;
  }

  private findPeriod(): number {
    const longest = Math.min(maxPeriod - 1, this.seen - 1);
    for (let p = 1; p <= longest; p++) if (this.matches(p)) return p;
    return 0;
  }
}

/** Bit-for-bit equality (NaN equals NaN; 0 and −0 differ). */
function sameState(a: Float64Array, b: Float64Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (!Object.is(a[i], b[i])) return false;
  return true;
}
