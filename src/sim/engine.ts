import { breakEvenNodes } from '../cost/break-even.js';
import { changeFlows } from '../cost/flows.js';
import type { ClusterSim } from './cluster-sim.js';
import { copyReadings, type ClusterReadings } from './readings.js';
import { FleetSim } from './fleet-sim.js';
import type { ClusterApfExtras } from './apf-extras.js';
import { OperatorRunner } from './operator.js';
import { rehearseOnce } from './rehearsal.js';
import { shortcuts } from './shortcuts.js';
import type { ClusterSeries, ClusterSummary, FleetSummary, SimResult } from './result.js';
import { pipelineApplyS, stepCount, stepsPerSample, type Scenario } from '../config/scenario.js';
import { byCodeUnits } from '../core/order.js';

/** Something that acts on the fleet every step (a rollout controller); the plain pipeline is one. */
export interface FleetActor {
  tick(fleet: FleetSim, tS: number): void;
  /** Optional: sees the fleet right after the step at `tS` (e.g. to record the step's readings). */
  afterStep?(fleet: FleetSim, tS: number): void;
}

export interface RunOptions {
  /** Replaces the scenario's own rollout (e.g. a rollout policy's controller). */
  readonly actor?: FleetActor;
  readonly policyName?: string;
  readonly apfExtras?: ClusterApfExtras;
  /** Called now and then with the share done, for progress display. */
  readonly onProgress?: (doneShare: number) => void;
}

/**
 * Runs a scenario to the end and returns the documented result. Deterministic: the same scenario and
 * seed give byte-identical JSON.
 */
export function simulate(scenario: Scenario, options: RunOptions = {}): SimResult {
  rehearseOnce(scenario, (r) => run(r, { ...(options.apfExtras ? { apfExtras: options.apfExtras } : {}) }));
  const { fleet, recorder } = run(scenario, options);
  return buildResult(scenario, fleet, recorder, options.policyName ?? null);
}

/** Steps the scenario from start to end. */
function run(scenario: Scenario, options: RunOptions): { fleet: FleetSim; recorder: SeriesRecorder } {
  const fleet = new FleetSim(scenario, options.apfExtras);
  const operator = new OperatorRunner(fleet, scenario.operator);
  const actor = options.actor ?? pipelineActor(scenario);
  const dt = scenario.stepS;
  const steps = stepCount(scenario.durationS, dt);
  const sampleEvery = stepsPerSample(scenario.sampleEveryS, dt);
  const recorder = new SeriesRecorder(fleet, sampleEvery);
  const progressEvery = Math.max(1, Math.floor(steps / 50));
  for (let k = 0; k < steps; k++) {
    const tS = k * dt;
    actor?.tick(fleet, tS);
    operator.tick(tS);
    fleet.step(tS);
    actor?.afterStep?.(fleet, tS);
    recorder.step(tS);
    if (options.onProgress && k % progressEvery === 0) options.onProgress(k / steps);
  }
  return { fleet, recorder };
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

/**
 * Offsets in a cluster's row of SeriesRecorder.figures: the sampling window's accumulators, then the peaks
 * over the run.
 */
const accSeat = 0;
const accRejected = 1;
const accErr = 2;
const accCpu = 3;
const accMem = 4;
const accP99 = 5;
const peakSeat = 6;
const peakErr = 7;
const peakRejected = 8;
const peakMem = 9;
const peakCpu = 10;
const peakP99 = 11;
const figureCount = 12;

/** Per-cluster series at the sampling resolution, and per-cluster peaks at full resolution. */
class SeriesRecorder {
  readonly tS: number[] = [];
  /** A double array from the start (see doubles): the ratio is 0 until impact, then fractional. */
  readonly fleetErrorRatio: number[] = doubles();
  readonly series: ClusterSeries[];
  /**
   * Every cluster's window figures and peaks, a row of figureCount per cluster: the recorder updates all
   * of them for every cluster every step, and one row sits in two cache lines where objects per cluster
   * were scattered over the heap.
   */
  private readonly figures: Float64Array;
  private count = 0;
  /** Sum of the window's fleet error ratios: a double from the start (NaN, then 0 in the constructor). */
  private fleetErr = Number.NaN;
  private readonly p99Version: Float64Array;
  private readonly p99Last: Float64Array;
  /** Last value rounded per cluster and series, and what it rounded to (see rounded). */
  private readonly lastIn: Float64Array;
  private readonly lastOut: Float64Array;
  /**
   * Windows that repeat the last one. A cluster whose course token (ClusterSim.courseToken) stayed the
   * same over a whole window was at rest or replayed one periodic orbit: if at rest, or if the orbit's
   * period divides the window (so the next window starts at the same phase), it adds the same readings in
   * the same order over the next window while the token stays, and so samples the same values. Such a
   * cluster is frozen, its steps only counted; if the token changes mid-window, the counted steps are
   * added then, one by one, from the readings the course had in store (thaw).
   */
  private readonly frozen: Uint8Array;
  /** The course token a frozen cluster keeps. */
  private readonly frozenOn: Float64Array;
  private readonly frozenSteps: Float64Array;
  /** Readings a frozen window adds: step j adds frozenAhead[i][j mod length]. */
  private readonly frozenAhead: (readonly ClusterReadings[])[];
  /** Whether each cluster's current window kept one course token so far (see courseStart), and which. */
  private readonly course: Uint8Array;
  private readonly windowToken: Float64Array;

  constructor(
    private readonly fleet: FleetSim,
    private readonly sampleEvery: number,
  ) {
    this.series = fleet.clusters.map(() => ({
      seatUtilization: doubles(),
      apiP99LatencyS: doubles(),
      rejected429PerS: doubles(),
      dnsFailureRatio: doubles(),
      errorRatio: doubles(),
      cpuUtilization: doubles(),
      memoryUtilization: doubles(),
    }));
    this.fleetErr = 0;
    this.figures = new Float64Array(fleet.clusters.length * figureCount);
    this.p99Version = new Float64Array(fleet.clusters.length).fill(-1);
    // NaN matches nothing, so every series' first sample is rounded afresh.
    this.lastIn = new Float64Array(fleet.clusters.length * seriesCount).fill(Number.NaN);
    this.lastOut = new Float64Array(fleet.clusters.length * seriesCount);
    this.p99Last = new Float64Array(fleet.clusters.length);
    const n = fleet.clusters.length;
    this.frozen = new Uint8Array(n);
    this.frozenOn = new Float64Array(n);
    this.frozenSteps = new Float64Array(n);
    this.frozenAhead = fleet.clusters.map(() => []);
    this.course = new Uint8Array(n);
    this.windowToken = new Float64Array(n);
  }

  /** Cluster i's peaks over the run. */
  peak(i: number): Figures {
    const f = this.figures;
    const at = i * figureCount;
    return {
      seat: f[at + peakSeat] ?? 0,
      p99: f[at + peakP99] ?? 0,
      err: f[at + peakErr] ?? 0,
      rejected: f[at + peakRejected] ?? 0,
      mem: f[at + peakMem] ?? 0,
      cpu: f[at + peakCpu] ?? 0,
    };
  }

  step(tS: number): void {
    const fleet = this.fleet;
    this.count++;
    this.fleetErr += fleet.fleetErrorRatio;
    const sampleNow = this.count === this.sampleEvery;
    const clusters = fleet.clusters;
    const frozen = this.frozen;
    for (let i = 0; i < clusters.length; i++) {
      // A dormant cluster did not step, so its token did not change: a frozen window stays frozen.
      if (frozen[i] && fleet.isDormant(i)) {
        this.frozenSteps[i] = (this.frozenSteps[i] ?? 0) + 1;
        continue;
      }
      const c = clusters[i];
      if (!c) continue;
      const token = c.courseToken;
      if (frozen[i]) {
        // Still on course: this window repeats the last one step for step (see sample).
        if (token === this.frozenOn[i]) {
          this.frozenSteps[i] = (this.frozenSteps[i] ?? 0) + 1;
          continue;
        }
        this.thaw(i);
      }
      this.accumulate(i, c.readings);
      if (this.course[i] === courseStart) {
        this.course[i] = courseOn;
        this.windowToken[i] = token;
      } else if (token !== this.windowToken[i]) this.course[i] = courseOff;
      // p99 is costly (a bisection over the classes' latency mixture): read at sample times, and only
      // recomputed when the cluster's state moved since the last reading.
      if (sampleNow) {
        if (this.p99Version[i] !== c.version) {
          this.p99Version[i] = c.version;
          this.p99Last[i] = c.p99LatencyS();
        }
        const f = this.figures;
        const at = i * figureCount;
        const lat = this.p99Last[i] ?? 0;
        f[at + accP99] = Math.max(f[at + accP99] ?? 0, lat);
        f[at + peakP99] = Math.max(f[at + peakP99] ?? 0, lat);
      }
    }
    if (sampleNow) this.sample(tS);
  }

  /** Adds one step's readings of cluster i to its window and peaks. */
  private accumulate(i: number, r: ClusterReadings): void {
    const f = this.figures;
    const at = i * figureCount;
    const seat = r.seatUtilization;
    const rejected = r.rejected429;
    const err = r.errorRatio;
    const cpu = r.cpuUtilization;
    const mem = r.memoryUtilization;
    f[at + accSeat] = (f[at + accSeat] ?? 0) + seat;
    f[at + accRejected] = (f[at + accRejected] ?? 0) + rejected;
    f[at + accErr] = (f[at + accErr] ?? 0) + err;
    if (cpu > (f[at + accCpu] ?? 0)) f[at + accCpu] = cpu;
    if (mem > (f[at + accMem] ?? 0)) f[at + accMem] = mem;
    if (seat > (f[at + peakSeat] ?? 0)) f[at + peakSeat] = seat;
    if (err > (f[at + peakErr] ?? 0)) f[at + peakErr] = err;
    f[at + peakRejected] = (f[at + peakRejected] ?? 0) + rejected;
    if (mem > (f[at + peakMem] ?? 0)) f[at + peakMem] = mem;
    if (cpu > (f[at + peakCpu] ?? 0)) f[at + peakCpu] = cpu;
  }

  /**
   * Cluster i left its course while its window was frozen: adds the steps skipped so far (the readings
   * the course had in store for them, one by one, as they would have been added) and records from here on.
   */
  private thaw(i: number): void {
    const skipped = this.frozenSteps[i] ?? 0;
    const ahead = this.frozenAhead[i] ?? [];
    for (let k = 0; k < skipped; k++) {
      const r = ahead[k % ahead.length];
      if (r) this.accumulate(i, r);
    }
    this.frozen[i] = 0;
    this.frozenSteps[i] = 0;
    this.frozenAhead[i] = [];
    this.course[i] = courseOff;
  }

  /**
   * Freezes cluster i for the coming window when the one just closed was on a course that repeats: at
   * rest, or in an orbit whose period divides the window (so the next window starts at the same phase).
   * Not with 429s, however few: their running total is summed every step.
   */
  private freezeIfRepeating(i: number, c: ClusterSim, n: number): void {
    if (!shortcuts.frozenWindows) return;
    if (this.course[i] !== courseOn || c.version !== this.p99Version[i]) return;
    const token = c.courseToken;
    if (token >= 0) {
      // At rest (bar the window's first step, which may have been the step it came to rest in).
      if (c.readings.rejected429 !== 0) return;
      this.frozenAhead[i] = [copyReadings(c.readings)];
    } else {
      const period = c.orbitPeriod;
      if (period === 0 || n % period !== 0) return;
      const ahead: ClusterReadings[] = [];
      for (let k = 0; k < period; k++) {
        const r = c.orbitReadingsAhead(k);
        if (!r || r.rejected429 !== 0) return;
        ahead.push(r);
      }
      this.frozenAhead[i] = ahead;
    }
    this.frozen[i] = 1;
    this.frozenOn[i] = token;
    this.frozenSteps[i] = 0;
  }

  /** Closes the window: pushes every cluster's samples and starts the next window. */
  private sample(tS: number): void {
    const n = this.count;
    const windowS = n * this.fleet.scenario.stepS;
    const clusters = this.fleet.clusters;
    const f = this.figures;
    this.tS.push(tS);
    this.fleetErrorRatio.push(round(this.fleetErr / n));
    for (let i = 0; i < clusters.length; i++) {
      const c = clusters[i];
      const s = this.series[i];
      if (!c || !s) continue;
      const at = i * seriesCount;
      if (this.frozen[i]) {
        // A whole window on the course the last one kept: the same sums in the same order, so the same
        // samples.
        this.frozenSteps[i] = 0;
        shortcuts.windowsFrozen++;
        s.seatUtilization.push(this.lastOut[at] ?? 0);
        s.apiP99LatencyS.push(this.lastOut[at + 1] ?? 0);
        s.rejected429PerS.push(this.lastOut[at + 2] ?? 0);
        s.dnsFailureRatio.push(this.lastOut[at + 3] ?? 0);
        s.errorRatio.push(this.lastOut[at + 4] ?? 0);
        s.cpuUtilization.push(this.lastOut[at + 5] ?? 0);
        s.memoryUtilization.push(this.lastOut[at + 6] ?? 0);
        continue;
      }
      const fa = i * figureCount;
      s.seatUtilization.push(this.rounded(at, (f[fa + accSeat] ?? 0) / n));
      s.apiP99LatencyS.push(this.rounded(at + 1, f[fa + accP99] ?? 0));
      s.rejected429PerS.push(this.rounded(at + 2, (f[fa + accRejected] ?? 0) / windowS));
      s.dnsFailureRatio.push(this.rounded(at + 3, c.readings.dnsFailureRatio));
      s.errorRatio.push(this.rounded(at + 4, (f[fa + accErr] ?? 0) / n));
      s.cpuUtilization.push(this.rounded(at + 5, f[fa + accCpu] ?? 0));
      s.memoryUtilization.push(this.rounded(at + 6, f[fa + accMem] ?? 0));
      for (let k = accSeat; k <= accP99; k++) f[fa + k] = 0;
      this.freezeIfRepeating(i, c, n);
      this.course[i] = courseStart;
    }
    this.count = 0;
    this.fleetErr = 0;
  }

  /**
   * round(x) for entry `at` (cluster × series): a series mostly repeats its last value (a settled cluster
   * samples the same figures for hours), and round's logarithm and power cost more than the comparison.
   */
  private rounded(at: number, x: number): number {
    if (x === this.lastIn[at]) return this.lastOut[at] ?? 0;
    const r = round(x);
    this.lastIn[at] = x;
    this.lastOut[at] = r;
    return r;
  }
}

/** Courses of a window (SeriesRecorder.course): not started, one token so far, token changed. */
const courseStart = 0;
const courseOn = 1;
const courseOff = 2;

/** Series per cluster (the fields of ClusterSeries). */
const seriesCount = 7;

/** A cluster's peaks over the run. */
interface Figures {
  seat: number;
  p99: number;
  err: number;
  rejected: number;
  mem: number;
  cpu: number;
}

/**
 * An empty array V8 stores as doubles from the start. A plain [] holds small integers until its first
 * fraction, and thousands of series switching over at different times keep deoptimising the sampler.
 */
function doubles(): number[] {
  const a = [0.5];
  a.pop();
  return a;
}

/** Rounds for stable, compact JSON (6 significant digits). */
function round(x: number): number {
  if (!Number.isFinite(x) || x === 0) return x === 0 ? 0 : x;
  const scale = 10 ** (5 - Math.floor(Math.log10(Math.abs(x))));
  return Math.round(x * scale) / scale;
}

function buildResult(
  scenario: Scenario,
  fleet: FleetSim,
  rec: SeriesRecorder,
  policy: string | null,
): SimResult {
  const clusters: ClusterSummary[] = fleet.clusters.map((c, i) => {
    const d = fleet.detectors[i];
    const p = rec.peak(i);
    return {
      name: c.name,
      nodes: c.initialNodes,
      saturated: d?.everSaturated ?? false,
      peakSeatUtilization: round(p.seat),
      peakApiP99LatencyS: round(p.p99),
      rejected429Total: Math.round(p.rejected),
      saturatedAtS: d?.saturatedAtS ?? null,
      dnsFailureStartS: d?.dnsFailureStartS ?? null,
      peakErrorRatio: round(p.err),
      adminLockedOutS: Math.round(d?.lockedOutTotalS ?? 0),
      recoveredAtS: d?.impacted ? (d.recoveredAtS ?? null) : null,
      oomKills: c.cp.oomKills,
      peakMemoryUtilization: round(p.mem),
      peakCpuUtilization: round(p.cpu),
    };
  });
  const saturated = clusters.filter((c) => c.saturated);
  const unsaturatedWithChange = clusters.filter((c) => !c.saturated);
  const fleetSummary: FleetSummary = {
    impactStartS: fleet.impactStartS,
    peakErrorRatio: round(fleet.peakErrorRatio),
    peakAtS: fleet.peakReachedAtS(),
    fullRecoveryS: fleet.fullRecoveryS,
    clustersSaturated: saturated.length,
    customerErrorMinutes: round(fleet.customerErrorMinutes),
    largestUnsaturatedNodes: unsaturatedWithChange.length
      ? Math.max(...unsaturatedWithChange.map((c) => c.nodes))
      : null,
    smallestSaturatedNodes: saturated.length ? Math.min(...saturated.map((c) => c.nodes)) : null,
    predictedBreakEvenNodes: predictedBreakEven(scenario),
  };
  const events = [...fleet.events].sort(
    (a, b) => a.tS - b.tS || order(a.type) - order(b.type) || byCodeUnits(a.cluster ?? '', b.cluster ?? ''),
  );
  const series: Record<string, ClusterSeries> = {};
  fleet.clusters.forEach((c, i) => {
    const s = rec.series[i];
    if (s) series[c.name] = s;
  });
  return {
    scenario: scenario.name,
    start: scenario.clock?.iso ?? null,
    seed: scenario.seed,
    stepS: scenario.stepS,
    durationS: scenario.durationS,
    policy,
    events,
    clusters,
    fleet: fleetSummary,
    series: { tS: rec.tS, fleetErrorRatio: rec.fleetErrorRatio, clusters: series },
  };
}

// Within one instant: the rollout's cause before its effect (a gate fails, then the rollout halts).
const typeOrder = [
  'rollout.started',
  'rollout.wave.started',
  'rollout.step.applied',
  'rollout.cluster.applied',
  'rollout.gate.failed',
  'rollout.halted',
  'operator.action',
];
function order(type: string): number {
  const i = typeOrder.indexOf(type);
  return i < 0 ? typeOrder.length : i;
}

/** The change's break-even size from the cost model, for the largest cluster's shape. */
function predictedBreakEven(scenario: Scenario): number | null {
  const change = scenario.change;
  if (!change) return null;
  const largest = [...scenario.clusters].sort((a, b) => b.nodes - a.nodes)[0];
  if (!largest) return null;
  const be = breakEvenNodes(
    {
      podsPerNode: largest.podsPerNode,
      controlPlane: largest.controlPlane,
      ...(largest.objects ? { objects: largest.objects } : {}),
      oncallUsers: largest.oncallUsers,
    },
    (nodes) => changeFlows(change, change.kind === 'DaemonSet' ? nodes : change.replicas),
  );
  return be.maxSafeNodes;
}
