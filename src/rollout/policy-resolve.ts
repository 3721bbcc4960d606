import { formatDurationS } from '../core/duration.js';
import { badInput } from '../core/errors.js';
import type { ClusterInfo } from './ports.js';
import type { RolloutPolicyFile } from '../config/policy-schema.js';
import type { ResolvedPolicy, ThresholdGateSpec } from './policy.js';
import {
  planAsListed,
  planAutoWaves,
  planSelectorWaves,
  planSmallestFirst,
  type PlannedWave,
} from './planner.js';
import { signalDefs } from '../model/signals.js';

/** A policy made concrete for one fleet: resolved values, the wave plan, and what a person should know. */
export interface ResolvedRollout {
  readonly policy: ResolvedPolicy;
  readonly waves: readonly PlannedWave[];
  readonly warnings: readonly string[];
}

/**
 * Resolves a policy against the fleet: plans the waves, defaults the bake to the longest DNS cache TTL
 * plus the margin (caches hide a broken DNS upstream that long), and warns when a bake is shorter.
 */
export function resolvePolicy(file: RolloutPolicyFile, clusters: readonly ClusterInfo[]): ResolvedRollout {
  const spec = file.spec;
  const warnings: string[] = [];
  const names = new Set<string>();
  for (const c of clusters) {
    if (names.has(c.name)) throw badInput(`fleet: cluster "${c.name}" is listed twice`);
    names.add(c.name);
  }

  const ttl = longestTtl(clusters);
  const bakeS = spec.bake ?? (ttl ? ttl.ttlS : 0) + spec.bakeMargin;
  const warnShortBake = (what: string, s: number): void => {
    if (ttl && s < ttl.ttlS) {
      warnings.push(
        `${file.metadata.name}: ${what} ${formatDurationS(s)} is shorter than the longest DNS cache TTL in the fleet ` +
          `(${formatDurationS(ttl.ttlS)} on ${ttl.cluster}): a broken DNS upstream can stay hidden past the bake`,
      );
    }
  };
  if (spec.bake !== undefined) warnShortBake('bake', spec.bake);

  let waves: PlannedWave[];
  if (Array.isArray(spec.waves)) {
    const planned = planSelectorWaves(
      clusters,
      spec.waves.map((w) => ({
        name: w.name,
        selector: w.selector,
        maxInFlight: w.maxInFlight,
        requireApproval: w.requireApproval,
        bakeS: w.bake,
      })),
    );
    waves = planned.waves;
    for (const w of spec.waves) if (w.bake !== undefined) warnShortBake(`wave ${w.name} bake`, w.bake);
    for (const w of waves)
      if (w.clusters.length === 0) warnings.push(`${file.metadata.name}: wave ${w.name} selects no cluster`);
    if (planned.unmatched.length > 0) {
      warnings.push(
        `${file.metadata.name}: ${planned.unmatched.length} cluster(s) match no wave and are not rolled out: ${planned.unmatched.slice(0, 5).join(', ')}${planned.unmatched.length > 5 ? ', …' : ''}`,
      );
    }
  } else {
    const p = spec.waves;
    const [key = '', value = ''] = p.stagingLabel.split('=');
    const opts = {
      stagingLabel: { key, value },
      stagingSize: p.stagingSize,
      canarySize: p.canarySize,
      growth: p.growth,
      maxWaveSize: p.maxWaveSize ?? null,
      approveAfterCanary: p.approveAfterCanary,
    };
    switch (p.plan) {
      case 'auto':
        waves = planAutoWaves(clusters, opts);
        break;
      case 'smallest-first':
        waves = planSmallestFirst(clusters, opts);
        break;
      case 'as-listed':
        waves = planAsListed(clusters);
        break;
      default: {
        const never: never = p.plan;
        throw badInput(`unknown plan ${String(never)}`);
      }
    }
  }
  if (spec.gates.length === 0 && !spec.nodeSteps?.extrapolation.enabled) {
    warnings.push(`${file.metadata.name}: no gates: the rollout advances on time alone`);
  }

  const gates: ThresholdGateSpec[] = spec.gates.map((g, i) => ({
    name:
      g.name ?? (spec.gates.findIndex((o) => o.signal === g.signal) === i ? g.signal : `${g.signal}#${i}`),
    signal: g.signal,
    windowS: g.window,
    aggregate: g.aggregate,
    absolute: g.threshold.absolute ?? null,
    relative: g.threshold.relative ?? null,
    timing: g.when ?? signalDefs[g.signal].timing,
    staleAfterS: g.staleAfter,
    minSamples: g.minSamples,
  }));
  const steps = spec.nodeSteps;
  const policy: ResolvedPolicy = {
    name: file.metadata.name,
    maxInFlight: spec.maxInFlight ?? null,
    spreadS: spec.spread ?? null,
    shares: steps ? [...steps.shares] : [1],
    stepBakeS: steps ? steps.bake : 0,
    nodeLabelKey: steps ? steps.nodeLabel : 'rampart.dev/rollout-canary',
    extrapolation:
      steps && steps.extrapolation.enabled
        ? {
            windowS: steps.extrapolation.window,
            maxFill: steps.extrapolation.maxFill,
            staleAfterS: steps.extrapolation.staleAfter,
          }
        : null,
    bakeS,
    baselineWindowS: spec.baselineWindow,
    gates,
    inconclusiveTimeoutS: spec.inconclusive.timeout,
    onInconclusiveTimeout: spec.inconclusive.then,
    rollbackOnFailure: spec.onFailure.rollback,
    breakGlass: spec.breakGlass,
    fenceSeats: spec.fence?.seats ?? null,
    pace: spec.pace
      ? { maxFill: spec.pace.maxFill, growth: spec.pace.growth, maxInFlight: spec.pace.maxInFlight ?? null }
      : null,
  };
  return { policy, waves, warnings };
}

function longestTtl(clusters: readonly ClusterInfo[]): { ttlS: number; cluster: string } | null {
  let best: { ttlS: number; cluster: string } | null = null;
  for (const c of clusters) {
    if (c.dnsCacheTtlS !== undefined && (best === null || c.dnsCacheTtlS > best.ttlS))
      best = { ttlS: c.dnsCacheTtlS, cluster: c.name };
  }
  return best;
}
