import { badInput } from '../core/errors.js';
import { formatDurationS, parseDurationS } from '../core/duration.js';
import { createRng } from '../core/random.js';
import { parseWallClock, resolveScenarioTimeS, type WallClock } from '../core/wall-clock.js';
import { loadYamlFile, locate, type YamlSource } from './yaml-source.js';
import { toApiCall } from './common-schemas.js';
import { scenarioSchema, type ClusterFields, type ScenarioFile } from './scenario-schema.js';
import { checkSelector, resolveCluster, rolloutOrder } from './scenario-clusters.js';
import { checkSize, rolloutWarnings } from './scenario-checks.js';
import { checkRingMemory } from './scenario-memory.js';
import {
  stepCount,
  type ClusterConfig,
  type OperatorAction,
  type Scenario,
  type ScenarioWarning,
  type SimChange,
} from './scenario-model.js';

// Loading a scenario file: the YAML validated (scenario-schema.ts), then resolved into a Scenario
// (scenario-model.ts) with its clusters (scenario-clusters.ts), limits and warnings (scenario-checks.ts).

export * from './scenario-model.js';
export { runWarnings, scenarioLimits } from './scenario-checks.js';

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

  checkRingMemory(clusters, spec.step, at(['step']));

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
