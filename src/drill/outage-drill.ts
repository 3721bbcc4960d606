import type { Scenario } from '../config/scenario.js';
import type { DnsMode } from '../config/scenario-schema.js';
import { createFleetRun } from '../sim/run.js';
import { dnsFor, type DnsConfigurationName } from './dns-configurations.js';

/**
 * A simulated control-plane outage drill (the incident's action item: "regular 'stop the control plane'
 * drills checking DNS, Service networking, responses", reference §1.5): the scenario's fleet at rest —
 * its change, rollout and operator actions left out — loses every API server of the chosen clusters for
 * the outage, once per DNS configuration, and the run says how long the data plane kept serving, what
 * the outage cost, and what the relists asked of the control plane when it came back.
 */

/** "Time until the data plane's error ratio passes 1%" (issue 14). */
export const survivalErrorRatio = 0.01;
/** The outage starts after this much steady state, so every cache is in its usual rhythm. */
export const outageStartS = 120;
/** How long the drill keeps watching after the control plane is back: the herd and the caches' refill. */
export const observeAfterS = 1800;

export interface OutageDrillOptions {
  /** How long every API server stays down (s). */
  readonly outageS: number;
  /** Names of the clusters whose API servers go down (the others are left out of the run). */
  readonly clusters: readonly string[];
  readonly dns: readonly DnsConfigurationName[];
  /** Called with the share done, over every configuration. */
  readonly onProgress?: (doneShare: number) => void;
}

/** One DNS configuration's outcome (the `--json` row). */
export interface OutageConfigurationResult {
  readonly dns: DnsConfigurationName;
  /**
   * Seconds from the outage's start until the drilled clusters' error ratio (traffic-weighted) passed 1%;
   * null when it never did while the drill watched.
   */
  readonly survivalS: number | null;
  /** True when the error ratio stayed at or below 1% for the whole outage. */
  readonly survivedOutage: boolean;
  /** Integral of the error ratio over the drill, in minutes (1 = every request failing for a minute). */
  readonly errorMinutes: number;
  readonly peakErrorRatio: number;
  /** Peak seats the limited levels' requests asked for after the control plane returned (all servers). */
  readonly relistPeakSeats: number;
  /** What the same requests asked for just before the outage, for scale. */
  readonly baselineSeats: number;
  /** Seats of every API server of the drilled clusters. */
  readonly seatCapacity: number;
  /** Peak 429s a second over the drilled clusters after the control plane returned. */
  readonly peak429PerS: number;
  /** Seconds from the control plane's return until the error ratio was back at or below 1% for good; null if never. */
  readonly recoveredAfterS: number | null;
}

/** The `--json` document of a simulated drill. */
export interface OutageDrillResult {
  readonly scenario: string;
  readonly seed: number;
  readonly outageS: number;
  readonly outageStartS: number;
  readonly observedAfterS: number;
  readonly clusters: readonly string[];
  /**
   * How the drilled clusters' CoreDNS answers (`dns.mode`, the scenario's; every configuration but
   * `static` keeps it): it decides the survival of every other configuration.
   */
  readonly corednsModes: readonly DnsMode[];
  readonly configurations: readonly OutageConfigurationResult[];
}

/** Runs the drill once per DNS configuration, in the order given. Deterministic: same inputs, same result. */
export function runOutageDrill(scenario: Scenario, opts: OutageDrillOptions): OutageDrillResult {
  const configurations = opts.dns.map((dns, k) =>
    runConfiguration(scenario, opts, dns, (share) => opts.onProgress?.((k + share) / opts.dns.length)),
  );
  return {
    scenario: scenario.name,
    seed: scenario.seed,
    outageS: opts.outageS,
    outageStartS,
    observedAfterS: observeAfterS,
    clusters: [...opts.clusters],
    corednsModes: [
      ...new Set(scenario.clusters.filter((c) => opts.clusters.includes(c.name)).map((c) => c.dns.mode)),
    ].sort(),
    configurations,
  };
}

/** The scenario the drill runs for one configuration: only the drilled clusters, at rest, with that DNS. */
function drillScenario(scenario: Scenario, opts: OutageDrillOptions, dns: DnsConfigurationName): Scenario {
  const chosen = new Set(opts.clusters);
  return {
    ...scenario,
    durationS: outageStartS + opts.outageS + observeAfterS,
    clusters: scenario.clusters
      .filter((c) => chosen.has(c.name))
      .map((c) => ({ ...c, dns: dnsFor(dns, c.dns) })),
    change: undefined,
    rollout: undefined,
    operator: [],
    warnings: [],
  };
}

function runConfiguration(
  scenario: Scenario,
  opts: OutageDrillOptions,
  dns: DnsConfigurationName,
  onProgress: (share: number) => void,
): OutageConfigurationResult {
  const drill = drillScenario(scenario, opts, dns);
  // Orbit replay does not compute seat demand (ControlPlane.seatDemand); results are the same without it.
  const run = createFleetRun(drill, { tuning: { orbitReplay: false }, onProgress });
  const clusters = run.fleet.clusters;
  const weights = clusters.map((c) => c.config.trafficWeight);
  const totalWeight = weights.reduce((a, b) => a + b, 0);
  const dt = drill.stepS;
  const returnS = outageStartS + opts.outageS;
  run.runUntil(outageStartS);
  let baselineSeats = 0;
  for (const c of clusters) baselineSeats += c.cp.seatDemand;
  for (const c of clusters) c.takeApiServersDown(returnS);
  let survivalS: number | null = null;
  let errorMinutes = 0;
  let peakErrorRatio = 0;
  let relistPeakSeats = 0;
  let peak429PerS = 0;
  let lastFailingS: number | null = null;
  while (!run.done) {
    const tS = run.now;
    run.step();
    let failed = 0;
    let seats = 0;
    let rejected = 0;
    clusters.forEach((c, i) => {
      failed += (weights[i] ?? 0) * c.readings.errorRatio;
      if (tS >= returnS) {
        seats += c.cp.seatDemand;
        rejected += c.readings.rejected429;
      }
    });
    const errorRatio = totalWeight > 0 ? failed / totalWeight : 0;
    errorMinutes += (errorRatio * dt) / 60;
    peakErrorRatio = Math.max(peakErrorRatio, errorRatio);
    if (errorRatio > survivalErrorRatio) {
      survivalS ??= tS - outageStartS;
      if (tS >= returnS) lastFailingS = tS;
    }
    relistPeakSeats = Math.max(relistPeakSeats, seats);
    peak429PerS = Math.max(peak429PerS, rejected / dt);
  }
  const seatCapacity = clusters.reduce((s, c) => s + c.cp.seatCapacity, 0);
  const failingAtEnd = lastFailingS !== null && lastFailingS + dt >= drill.durationS;
  return {
    dns,
    survivalS,
    survivedOutage: survivalS === null || survivalS >= opts.outageS,
    errorMinutes,
    peakErrorRatio,
    relistPeakSeats,
    baselineSeats,
    seatCapacity,
    peak429PerS,
    recoveredAfterS: failingAtEnd ? null : lastFailingS === null ? 0 : lastFailingS + dt - returnS,
  };
}
