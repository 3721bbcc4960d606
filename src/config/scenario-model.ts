import type { ControlPlaneSpec } from '../cost/steady-state.js';
import type { WallClock } from '../core/wall-clock.js';
import type { ChangeSpec } from '../model/api-profile.js';
import type { ClusterSelector, ScenarioFile } from './scenario-schema.js';

// A scenario as the simulator takes it (see scenario.ts for loading one): its resolved types, the run's
// step arithmetic and the operator's cluster selectors.

/** DNS set-up of one cluster, resolved (seconds, counts). */
export interface DnsConfig {
  readonly corednsReplicas: number;
  readonly serviceNamesNeedControlPlane: boolean;
  readonly corednsCacheTtlS: number;
  readonly corednsQpsPerReplica: number;
  readonly nodeCacheEnabled: boolean;
  readonly nodeCacheTtlS: number;
  readonly serveStaleS: number;
  readonly searchAmplification: number;
}

export interface DataPlaneConfig {
  readonly requestsPerSPerNode: number;
  readonly dnsDependentRatio: number;
  /** Share of DNS-dependent requests on connections already open, which survive a DNS failure. */
  readonly connectionReuseRatio: number;
  readonly dnsLookupsPerSPerNode: number;
  readonly namesPerNode: number;
}

/** One simulated cluster, fully resolved from defaults, its group and its own fields. */
export interface ClusterConfig {
  readonly name: string;
  readonly nodes: number;
  readonly podsPerNode: number;
  readonly objects?: Readonly<Record<string, number>>;
  readonly controlPlane: ControlPlaneSpec;
  readonly dns: DnsConfig;
  readonly dataPlane: DataPlaneConfig;
  readonly oncallUsers: number;
  readonly trafficWeight: number;
  /** Traffic it can take on from shifted clusters, as a share of its own (0–1). */
  readonly spareTrafficRatio: number;
}

export interface SimChange extends ChangeSpec {
  readonly podsStartPerS: number;
}

export type SelectorSpec = ClusterSelector;

/** Operator actions with their times resolved to seconds since start. */
export type OperatorAction = ScenarioFile['spec']['operator'][number] & { readonly atS: number };

/** A scenario ready to simulate. */
export interface Scenario {
  readonly name: string;
  readonly description: string;
  readonly file: string;
  readonly clock: WallClock | undefined;
  readonly durationS: number;
  readonly stepS: number;
  readonly sampleEveryS: number;
  readonly seed: number;
  readonly impactThresholdRatio: number;
  readonly clusters: readonly ClusterConfig[];
  readonly change: SimChange | undefined;
  /** Rollout: when each cluster gets the change (seconds since start), in apply order. */
  readonly rollout:
    { readonly startS: number; readonly spanS: number; readonly order: readonly string[] } | undefined;
  readonly operator: readonly OperatorAction[];
  /** Seats per API server of the break-glass level every cluster carries; null = none. */
  readonly breakGlassSeats: number | null;
  /**
   * What the file asks for that the run will not do as written (an action after the end, a rollout cut
   * off). Not errors: a what-if may shorten a scenario on purpose.
   */
  readonly warnings: readonly ScenarioWarning[];
}

/** One warning, `text` as `file:line:col: field: what`. */
export interface ScenarioWarning {
  readonly about: 'operator' | 'rollout-start' | 'rollout-span';
  readonly text: string;
}

/** Steps a run takes: the engine steps at 0, step, 2·step, … while before the duration. */
export function stepCount(durationS: number, stepS: number): number {
  return Math.ceil(durationS / stepS);
}

/** Steps per sampling window: the series' resolution, in whole steps. */
export function stepsPerSample(sampleEveryS: number, stepS: number): number {
  return Math.max(1, Math.round(sampleEveryS / stepS));
}

/** When the plain pipeline applies the i-th cluster of its order: evenly over the span. */
export function pipelineApplyS(r: NonNullable<Scenario['rollout']>, i: number): number {
  return r.startS + i * (r.order.length > 1 ? r.spanS / (r.order.length - 1) : 0);
}

/**
 * Names of the clusters a selector picks, given which are saturated/impacted right now and which were
 * saturated at some time before (affected).
 */
export function selectClusters(
  sel: ClusterSelector,
  clusters: readonly {
    name: string;
    nodes: number;
    saturated: boolean;
    impacted: boolean;
    affected: boolean;
  }[],
): string[] {
  if (sel === 'all') return clusters.map((c) => c.name);
  if (sel === 'saturated') return clusters.filter((c) => c.saturated).map((c) => c.name);
  if (sel === 'impacted') return clusters.filter((c) => c.impacted).map((c) => c.name);
  if (Array.isArray(sel)) return clusters.filter((c) => sel.includes(c.name)).map((c) => c.name);
  return clusters
    .filter(
      (c) =>
        (!sel.names || sel.names.includes(c.name)) &&
        (!sel.prefix ||
          (Array.isArray(sel.prefix) ? sel.prefix : [sel.prefix]).some((p) => c.name.startsWith(p))) &&
        (sel.minNodes === undefined || c.nodes >= sel.minNodes) &&
        (sel.maxNodes === undefined || c.nodes <= sel.maxNodes) &&
        (!sel.onlySaturated || c.saturated) &&
        (!sel.onlyAffected || c.affected),
    )
    .map((c) => c.name);
}
