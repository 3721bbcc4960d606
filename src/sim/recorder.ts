import type { ClusterReadings } from './cluster/readings.js';
import { courseOff, courseOn, courseStart, FrozenWindows, type WindowSink } from './fast/frozen-windows.js';
import type { FastStats } from './fast/tuning.js';
import type { FleetSim } from './fleet/fleet-sim.js';
import type { ClusterSeries } from './result.js';

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

/** Series per cluster (the fields of ClusterSeries). */
const seriesCount = 7;

/** A cluster's peaks over the run. */
export interface Peaks {
  readonly seat: number;
  readonly p99: number;
  readonly err: number;
  readonly rejected: number;
  readonly mem: number;
  readonly cpu: number;
}

export interface SeriesRecorderOptions {
  /** Steps per sampling window. */
  readonly sampleEvery: number;
  /** Sample windows that repeat the last one are not summed step by step (see FrozenWindows). */
  readonly frozenWindows: boolean;
  readonly stats: FastStats;
}

/**
 * Per-cluster series at the sampling resolution, and per-cluster peaks at full resolution: sees the fleet
 * after every step (a FleetRun observer).
 */
export class SeriesRecorder implements WindowSink {
  readonly tS: number[] = [];
  /** A double array from the start (docs/perf.md, "Doubles arrays"). */
  readonly fleetErrorRatio: number[] = doubles();
  readonly series: ClusterSeries[];
  /**
   * Every cluster's window figures and peaks, a row of figureCount per cluster: the recorder updates all
   * of them for every cluster every step, and one row sits in two cache lines.
   */
  private readonly figures: Float64Array;
  private count = 0;
  /** Sum of the window's fleet error ratios: a double from the start. */
  private fleetErr = Number.NaN;
  private readonly p99Version: Float64Array;
  private readonly p99Last: Float64Array;
  /** Last value rounded per cluster and series, and what it rounded to (see rounded). */
  private readonly lastIn: Float64Array;
  private readonly lastOut: Float64Array;
  private readonly windows: FrozenWindows;
  private readonly sampleEvery: number;

  constructor(
    private readonly fleet: FleetSim,
    opts: SeriesRecorderOptions,
  ) {
    this.sampleEvery = opts.sampleEvery;
    const n = fleet.clusters.length;
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
    this.figures = new Float64Array(n * figureCount);
    this.p99Version = new Float64Array(n).fill(-1);
    // NaN matches nothing, so every series' first sample is rounded afresh.
    this.lastIn = new Float64Array(n * seriesCount).fill(Number.NaN);
    this.lastOut = new Float64Array(n * seriesCount);
    this.p99Last = new Float64Array(n);
    this.windows = new FrozenWindows(n, opts.frozenWindows, opts.stats);
  }

  /** Cluster i's peaks over the run. */
  peak(i: number): Peaks {
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

  /** Takes in the step the fleet just ran at `tS`. */
  afterStep(tS: number): void {
    const fleet = this.fleet;
    this.count++;
    this.fleetErr += fleet.fleetErrorRatio;
    const sampleNow = this.count === this.sampleEvery;
    const clusters = fleet.clusters;
    const windows = this.windows;
    const { frozen, frozenOn, frozenSteps, course, windowToken } = windows;
    for (let i = 0; i < clusters.length; i++) {
      // A dormant cluster did not step, so its token did not change: a frozen window stays frozen.
      if (frozen[i] && fleet.isDormant(i)) {
        frozenSteps[i] = (frozenSteps[i] ?? 0) + 1;
        continue;
      }
      const c = clusters[i];
      if (!c) continue;
      const token = c.courseToken;
      if (frozen[i]) {
        // Still on course: this window repeats the last one step for step (see sample).
        if (token === frozenOn[i]) {
          frozenSteps[i] = (frozenSteps[i] ?? 0) + 1;
          continue;
        }
        windows.thaw(i, this);
      }
      this.accumulate(i, c.readings);
      if (course[i] === courseStart) {
        course[i] = courseOn;
        windowToken[i] = token;
      } else if (token !== windowToken[i]) course[i] = courseOff;
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
  accumulate(i: number, r: ClusterReadings): void {
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

  /** Closes the window: pushes every cluster's samples and starts the next window. */
  private sample(tS: number): void {
    const n = this.count;
    const windowS = n * this.fleet.scenario.stepS;
    const clusters = this.fleet.clusters;
    const windows = this.windows;
    const f = this.figures;
    this.tS.push(tS);
    this.fleetErrorRatio.push(round(this.fleetErr / n));
    for (let i = 0; i < clusters.length; i++) {
      const c = clusters[i];
      const s = this.series[i];
      if (!c || !s) continue;
      const at = i * seriesCount;
      if (windows.sampledFrozen(i)) {
        // A whole window on the course the last one kept: the same sums in the same order, so the same
        // samples.
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
      windows.freezeIfRepeating(i, c, n, c.version === this.p99Version[i]);
      windows.course[i] = courseStart;
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

/**
 * An empty array V8 stores as doubles from the start (docs/perf.md, "Doubles arrays"): thousands of series
 * switching from small integers at their first fraction kept deoptimising the sampler.
 */
function doubles(): number[] {
  const a = [0.5];
  a.pop();
  return a;
}

/** Rounds for stable, compact JSON (6 significant digits). */
export function round(x: number): number {
  if (!Number.isFinite(x) || x === 0) return x === 0 ? 0 : x;
  const scale = 10 ** (5 - Math.floor(Math.log10(Math.abs(x))));
  return Math.round(x * scale) / scale;
}
