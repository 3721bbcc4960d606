import { defaultApiServerCalibration, type ApiServerCalibration } from '../cost/calibration.js';
import { defaultCorednsReplicas } from '../cost/break-even.js';
import type { ControlPlaneSpec } from '../cost/steady-state.js';
import { badInput } from '../core/errors.js';
import { formatDurationS, parseDurationS } from '../core/duration.js';
import { createRng } from '../core/random.js';
import { parseWallClock, resolveScenarioTimeS, type WallClock } from '../core/wall-clock.js';
import {
  defaultFlowSchemas,
  defaultPriorityLevels,
  type FlowSchema,
  type PriorityLevel,
} from '../model/apf.js';
import type { ChangeSpec } from '../model/api-profile.js';
import { loadYamlFile, locate, type YamlSource } from './yaml-source.js';
import { toApiCall } from './common-schemas.js';
import {
  scenarioSchema,
  type ClusterFields,
  type ClusterSelector,
  type ScenarioFile,
} from './scenario-schema.js';
import { byCodeUnits } from '../core/order.js';

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

/**
 * The warnings that apply to a run: `rollout-span` concerns the scenario's own pipeline only, and a rollout
 * policy that replaces it paces itself.
 */
export function runWarnings(scenario: Scenario, opts: { readonly policy: boolean }): string[] {
  return scenario.warnings.filter((w) => !(opts.policy && w.about === 'rollout-span')).map((w) => w.text);
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

/** Loads and resolves a scenario file; `seedOverride` replaces spec.seed. */
export function loadScenario(file: string, seedOverride?: number): Scenario {
  const { value, source } = loadYamlFile(file, scenarioSchema);
  return resolveScenario(value, source, seedOverride);
}

/** Resolves a validated scenario document: clocks, generated clusters, defaults, rollout order. */
export function resolveScenario(doc: ScenarioFile, src: YamlSource, seedOverride?: number): Scenario {
  const spec = doc.spec;
  const at = (path: PropertyKey[]): string => `${locate(src, ['spec', ...path])}: spec.${path.join('.')}`;
  let clock: WallClock | undefined;
  if (spec.start !== undefined) {
    clock = parseWallClock(spec.start);
    if (!clock)
      throw badInput(
        `${at(['start'])}: "${spec.start}" is not an ISO timestamp with a zone (e.g. 2024-12-11T14:45:00-08:00)`,
      );
  }
  if (spec.duration <= 0) throw badInput(`${at(['duration'])}: must be more than 0`);
  if (spec.step <= 0 || spec.step > 60) throw badInput(`${at(['step'])}: must be between 0 and 60 s`);
  if (spec.sampleEvery < spec.step || spec.sampleEvery > 60) {
    throw badInput(
      `${at(['sampleEvery'])}: must be at least the step and at most 60 s (series are one-minute resolution or finer)`,
    );
  }
  checkSize(spec, at);
  const seed = seedOverride ?? spec.seed;
  const rng = createRng(seed).fork('fleet');

  const clusters: ClusterConfig[] = [];
  const seen = new Set<string>();
  const add = (name: string, nodes: number, fields: ClusterFields[], path: PropertyKey[]): void => {
    if (seen.has(name)) throw badInput(`${at(path)}: duplicate cluster name "${name}"`);
    seen.add(name);
    clusters.push(resolveCluster(name, nodes, [spec.clusterDefaults, ...fields], at(path)));
  };
  spec.fleet.clusters.forEach((c, i) => add(c.name, c.nodes, [c], ['fleet', 'clusters', i]));
  spec.fleet.generate.forEach((g, gi) => {
    const width = String(g.count).length;
    for (let i = 0; i < g.count; i++) {
      const u = rng.next();
      const nodes =
        g.nodes.distribution === 'log-uniform'
          ? Math.round(Math.exp(Math.log(g.nodes.min) + u * (Math.log(g.nodes.max) - Math.log(g.nodes.min))))
          : Math.round(g.nodes.min + u * (g.nodes.max - g.nodes.min));
      add(`${g.namePrefix}${String(i + 1).padStart(width, '0')}`, nodes, [g], ['fleet', 'generate', gi]);
    }
  });

  const parseT = (v: string | number, path: PropertyKey[]): number =>
    resolveScenarioTimeS(v, clock, at(path), parseDurationS);

  let rollout: Scenario['rollout'];
  if (spec.rollout) {
    if (!spec.change) throw badInput(`${at(['rollout'])}: a rollout needs spec.change`);
    const r = spec.rollout;
    rollout = {
      startS: parseT(r.start, ['rollout', 'start']),
      spanS: r.span,
      order: rolloutOrder(r.order, clusters, rng, at(['rollout', 'order'])),
    };
  }

  // Whatever is due after the last step never happens.
  const lastStepS = (stepCount(spec.duration, spec.step) - 1) * spec.step;
  const ends = `the scenario ends at ${formatDurationS(spec.duration)}`;
  const warnings: ScenarioWarning[] = [];
  const operator: OperatorAction[] = spec.operator.map((a, i) => {
    checkSelector(a.clusters, clusters, at(['operator', i, 'clusters']));
    if (a.action === 'scale-nodes' && a.nodes === undefined && a.fraction === undefined) {
      throw badInput(`${at(['operator', i])}: scale-nodes needs nodes or fraction`);
    }
    const atS = parseT(a.at, ['operator', i, 'at']);
    const where = at(['operator', i, 'at']);
    if (atS > lastStepS)
      warnings.push({
        about: 'operator',
        text: `${where}: ${a.action} at ${formatDurationS(atS)} never runs: ${ends}`,
      });
    else if (atS < 0)
      warnings.push({
        about: 'operator',
        text: `${where}: ${a.action} is ${formatDurationS(-atS)} before the start: it runs at the start`,
      });
    return { ...a, atS };
  });
  operator.sort((a, b) => a.atS - b.atS);

  const change: SimChange | undefined = spec.change
    ? {
        name: spec.change.name,
        kind: spec.change.kind,
        namespace: spec.change.namespace,
        serviceAccount: spec.change.serviceAccount,
        replicas: spec.change.replicas,
        podsStartPerS: spec.change.podsStartPerS,
        calls: spec.change.calls.map(toApiCall),
      }
    : undefined;

  return {
    name: doc.metadata.name,
    description: doc.metadata.description ?? '',
    file: src.file,
    clock,
    durationS: spec.duration,
    stepS: spec.step,
    sampleEveryS: spec.sampleEvery,
    seed,
    impactThresholdRatio: spec.impactThresholdRatio,
    clusters,
    change,
    rollout,
    operator,
    breakGlassSeats: spec.breakGlass?.seats ?? null,
    warnings: rollout ? [...rolloutWarnings(rollout, lastStepS, ends, at), ...warnings] : warnings,
  };
}

/** The rollout started or finished after the last step: say how much of it happens. */
function rolloutWarnings(
  r: NonNullable<Scenario['rollout']>,
  lastStepS: number,
  ends: string,
  at: (path: PropertyKey[]) => string,
): ScenarioWarning[] {
  const n = r.order.length;
  let applied = 0;
  while (applied < n && pipelineApplyS(r, applied) <= lastStepS) applied++;
  if (applied === n) return [];
  if (applied === 0) {
    return [
      {
        about: 'rollout-start',
        text: `${at(['rollout', 'start'])}: the rollout starts at ${formatDurationS(r.startS)} and never runs: ${ends}`,
      },
    ];
  }
  return [
    {
      about: 'rollout-span',
      text: `${at(['rollout', 'span'])}: the rollout ends at ${formatDurationS(r.startS + r.spanS)}, but ${ends}: ${applied} of ${n} clusters get the change`,
    },
  ];
}

function rolloutOrder(
  order: ScenarioFile['spec'] extends { rollout?: infer R }
    ? NonNullable<R> extends { order: infer O }
      ? O
      : never
    : never,
  clusters: readonly ClusterConfig[],
  rng: ReturnType<typeof createRng>,
  where: string,
): string[] {
  const names = clusters.map((c) => c.name);
  if (Array.isArray(order)) {
    for (const n of order) if (!names.includes(n)) throw badInput(`${where}: unknown cluster "${n}"`);
    return [...order, ...names.filter((n) => !order.includes(n))];
  }
  switch (order) {
    case 'as-listed':
      return names;
    case 'smallest-first':
      return [...clusters]
        .sort((a, b) => a.nodes - b.nodes || byCodeUnits(a.name, b.name))
        .map((c) => c.name);
    case 'largest-first':
      return [...clusters]
        .sort((a, b) => b.nodes - a.nodes || byCodeUnits(a.name, b.name))
        .map((c) => c.name);
    case 'random': {
      const shuffled = [...names];
      for (let i = shuffled.length - 1; i > 0; i--) {
        const j = Math.floor(rng.next() * (i + 1));
        [shuffled[i], shuffled[j]] = [shuffled[j] as string, shuffled[i] as string];
      }
      return shuffled;
    }
    default: {
      const never: never = order;
      return never;
    }
  }
}

function checkSelector(sel: ClusterSelector, clusters: readonly ClusterConfig[], where: string): void {
  const names = new Set(clusters.map((c) => c.name));
  const listed = Array.isArray(sel) ? sel : typeof sel === 'object' ? (sel.names ?? []) : [];
  for (const n of listed) if (!names.has(n)) throw badInput(`${where}: unknown cluster "${n}"`);
}

/**
 * Most a scenario may ask for. Each cluster holds ~75 KB of state (20,000 took 1.6 GB), every step keeps
 * two numbers for the run, and every sample seven per cluster: past these a run would exhaust memory (or
 * crash) long before it finished, so the scenario is refused up front, naming what to change.
 */
export const scenarioLimits = { clusters: 10_000, steps: 2_000_000, clusterSamples: 4_000_000 } as const;

function checkSize(spec: ScenarioFile['spec'], at: (path: PropertyKey[]) => string): void {
  const n = (x: number): string => x.toLocaleString('en-US');
  const clusters = spec.fleet.clusters.length + spec.fleet.generate.reduce((sum, g) => sum + g.count, 0);
  if (clusters > scenarioLimits.clusters) {
    throw badInput(
      `${at(['fleet'])}: ${n(clusters)} clusters; at most ${n(scenarioLimits.clusters)} in one scenario (split the fleet over several)`,
    );
  }
  const steps = stepCount(spec.duration, spec.step);
  if (steps > scenarioLimits.steps) {
    throw badInput(
      `${at(['duration'])}: ${formatDurationS(spec.duration)} in steps of ${formatDurationS(spec.step)} is ${n(steps)} steps; at most ${n(scenarioLimits.steps)} (a shorter duration or a longer step)`,
    );
  }
  const samples = clusters * Math.floor(steps / stepsPerSample(spec.sampleEvery, spec.step));
  if (samples > scenarioLimits.clusterSamples) {
    throw badInput(
      `${at(['sampleEvery'])}: ${n(clusters)} clusters sampled every ${formatDurationS(spec.sampleEvery)} for ${formatDurationS(spec.duration)} is ${n(samples)} cluster samples; at most ${n(scenarioLimits.clusterSamples)} (fewer clusters, a shorter duration or a longer sampleEvery, up to 60s)`,
    );
  }
}

/** Merges defaults → group → cluster fields (later wins, nested objects merged field by field). */
function resolveCluster(
  name: string,
  nodes: number,
  layers: readonly ClusterFields[],
  where: string,
): ClusterConfig {
  const pick = <K extends keyof ClusterFields>(key: K): ClusterFields[K] | undefined => {
    let v: ClusterFields[K] | undefined;
    for (const l of layers) if (l[key] !== undefined) v = l[key];
    return v;
  };
  const merged = <K extends 'apiServer' | 'dns' | 'dataPlane' | 'objects'>(
    key: K,
  ): Partial<NonNullable<ClusterFields[K]>> =>
    Object.assign({}, ...layers.map((l) => l[key] ?? {})) as Partial<NonNullable<ClusterFields[K]>>;

  const calibration: ApiServerCalibration = {
    ...defaultApiServerCalibration,
    ...stripUndefined(merged('apiServer')),
  };
  const levels: readonly PriorityLevel[] = pick('priorityLevels') ?? defaultPriorityLevels;
  const extraSchemas: readonly FlowSchema[] = layers.flatMap((l) => l.flowSchemas ?? []);
  const flowSchemas = [
    ...defaultFlowSchemas.filter((d) => !extraSchemas.some((e) => e.name === d.name)),
    ...extraSchemas,
  ];
  for (const s of flowSchemas) {
    if (!levels.some((l) => l.name === s.priorityLevel)) {
      throw badInput(`${where}: flow schema "${s.name}" names unknown priority level "${s.priorityLevel}"`);
    }
  }
  const dns = merged('dns');
  const nodeCache = Object.assign(
    { enabled: true, ttl: 1200, serveStale: 0 },
    ...layers.map((l) => l.dns?.nodeCache ?? {}),
  ) as {
    enabled: boolean;
    ttl: number;
    serveStale: number;
  };
  const dataPlane = merged('dataPlane');
  const podsPerNode = pick('podsPerNode') ?? 30;
  const objects = merged('objects') as Record<string, number>;
  const dp: DataPlaneConfig = {
    requestsPerSPerNode: dataPlane.requestsPerSPerNode ?? 10,
    dnsDependentRatio: dataPlane.dnsDependentRatio ?? 1,
    dnsLookupsPerSPerNode: dataPlane.dnsLookupsPerSPerNode ?? 20,
    namesPerNode: dataPlane.namesPerNode ?? 50,
  };
  const base = {
    name,
    nodes,
    podsPerNode,
    controlPlane: { apiServers: pick('apiServers') ?? 3, calibration, priorityLevels: levels, flowSchemas },
    dns: {
      corednsReplicas: dns.corednsReplicas ?? defaultCorednsReplicas(nodes),
      serviceNamesNeedControlPlane: dns.serviceNamesNeedControlPlane ?? true,
      corednsCacheTtlS: dns.corednsCacheTtl ?? 30,
      corednsQpsPerReplica: dns.corednsQpsPerReplica ?? 20_000,
      nodeCacheEnabled: nodeCache.enabled,
      nodeCacheTtlS: nodeCache.ttl,
      serveStaleS: nodeCache.serveStale,
      searchAmplification: dns.searchAmplification ?? 2,
    },
    dataPlane: dp,
    oncallUsers: pick('oncallUsers') ?? 3,
    trafficWeight: pick('trafficWeight') ?? nodes * dp.requestsPerSPerNode,
  };
  return Object.keys(objects).length > 0 ? { ...base, objects } : base;
}

function stripUndefined<T extends object>(o: T): { [K in keyof T]?: Exclude<T[K], undefined> } {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as {
    [K in keyof T]?: Exclude<T[K], undefined>;
  };
}

/** Names of the clusters a selector picks, given which are saturated/impacted right now. */
export function selectClusters(
  sel: ClusterSelector,
  clusters: readonly { name: string; nodes: number; saturated: boolean; impacted: boolean }[],
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
        (!sel.onlySaturated || c.saturated),
    )
    .map((c) => c.name);
}
