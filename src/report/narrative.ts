import type { WallClock } from '../core/wall-clock.js';
import type { PolicyComparison } from '../compare/compare.js';
import { formatCompact, formatCount, formatDurationS, formatPercent, formatRunTime } from './format.js';
import { recordClock, type CompareRecord, type RunRecord } from './run-record.js';

/** `15:09` with a clock, `+24m26s` without. */
export function when(clock: WallClock | undefined, tS: number): string {
  return formatRunTime(clock, tS).trim();
}

/** A duration for prose, signed: "18m", "-4m" (before). */
function span(s: number): string {
  return formatDurationS(s);
}

/**
 * The "what happened" paragraph: the cascade in a few sentences, every figure from the run. Reads the
 * same in the HTML report's header and the postmortem's summary.
 */
export function whatHappened(r: RunRecord): string[] {
  const clock = recordClock(r);
  const t = (s: number): string => when(clock, s);
  const m = r.moments;
  const n = r.clusters.length;
  const out: string[] = [];
  const started = r.events.find((e) => e.type === 'rollout.started');
  const change = r.context?.change;
  if (started) {
    const what = change ? `${change.name} (a ${change.kind} in ${change.namespace})` : 'the change';
    const how =
      started.data.kind === 'rollout' && !started.data.gated
        ? 'with no gate on the control plane'
        : `under the ${r.policy ?? 'rollout'} policy`;
    const end =
      m.rolloutCompletedS !== null
        ? ` and completed at ${t(m.rolloutCompletedS)}`
        : m.haltS !== null
          ? ` and halted at ${t(m.haltS)}`
          : '';
    out.push(`The rollout of ${what} to ${n} clusters started at ${t(started.tS)} ${how}${end}.`);
  }
  const sat = r.fleet.clustersSaturated;
  if (sat > 0 && m.firstSaturationS !== null) {
    const f = r.fleet;
    const threshold =
      f.smallestSaturatedNodes !== null &&
      f.largestUnsaturatedNodes !== null &&
      f.largestUnsaturatedNodes < f.smallestSaturatedNodes
        ? ` — every cluster of ${formatCount(f.smallestSaturatedNodes)} nodes or more, none of ${formatCount(f.largestUnsaturatedNodes)} or fewer`
        : '';
    out.push(
      `From ${t(m.firstSaturationS)} the API servers of ${sat} of ${n} clusters saturated${threshold}: ${formatCount(m.oomKills)} OOM kills and ${formatCompact(m.rejected429Total)} requests rejected with 429.`,
    );
    const cost = r.context?.cost;
    if (cost && cost.changeSeatDemand > cost.seatCapacity)
      out.push(
        `In ${cost.cluster} (${formatCount(cost.nodes)} nodes) the change's ${formatCount(cost.replicas)} pods LIST ${formatCount(cost.pods)} pods ${cost.listsPerS.toFixed(0)} times a second: ${formatCount(cost.changeSeatDemand)} seats per API server where their priority level can get ${formatCount(cost.seatCapacity)}.`,
      );
  } else {
    out.push(`No cluster's API servers saturated.`);
  }
  if (r.fleet.impactStartS !== null) {
    const dns = r.context?.dns;
    const masked =
      m.clustersWithDnsFailures > 0 && dns?.serviceNamesNeedControlPlane && dns.nodeCacheTtlS !== null
        ? `Name resolution needs the API servers, but node DNS caches (TTL ${span(dns.nodeCacheTtlS)}) kept answering at first: `
        : '';
    const peak =
      r.fleet.peakAtS !== null
        ? ` and peaked at ${formatPercent(r.fleet.peakErrorRatio)} of requests at ${t(r.fleet.peakAtS)}`
        : '';
    const errors = `ustomer errors started at ${t(r.fleet.impactStartS)}${peak}.`;
    out.push(masked ? `${masked}c${errors}` : `C${errors}`);
  } else {
    out.push('Customers saw no errors.');
  }
  if (m.clustersLockedOut > 0)
    out.push(
      `On-call kubectl was locked out of ${m.clustersLockedOut} cluster(s), ${formatCount(r.metrics.lockoutMinutes)} cluster-minutes in all.`,
    );
  const gate = r.events.find((e) => e.data.kind === 'gate');
  if (m.haltS !== null) {
    const why =
      gate && gate.data.kind === 'gate'
        ? ` when gate ${gate.data.gate} failed on ${gate.cluster ?? 'a cluster'} (${gate.data.signal} ${gate.data.value} vs threshold ${gate.data.threshold})`
        : '';
    const rel =
      m.firstSaturationS === null
        ? ', before any cluster saturated'
        : m.haltS >= m.firstSaturationS
          ? `, ${span(m.haltS - m.firstSaturationS)} after the first saturation`
          : `, ${span(m.firstSaturationS - m.haltS)} before the first saturation`;
    out.push(`The rollout halted at ${t(m.haltS)}${why}${rel}.`);
  } else if (
    m.rolloutCompletedS !== null &&
    m.firstSaturationS !== null &&
    m.firstSaturationS < m.rolloutCompletedS
  ) {
    out.push(
      `Nothing stopped the rollout: it went on for ${span(m.rolloutCompletedS - m.firstSaturationS)} after the first cluster saturated.`,
    );
  }
  if (m.firstImpactS !== null) {
    const response =
      m.firstResponseS !== null && m.firstResponse !== null
        ? `The first response came at ${t(m.firstResponseS)} (${m.firstResponse}). `
        : '';
    const recovery =
      m.fleetRecoveredS !== null
        ? `Clusters recovered from ${m.firstRecoveryS === null ? t(m.fleetRecoveredS) : t(m.firstRecoveryS)}, all by ${t(m.fleetRecoveredS)}`
        : 'Not every cluster had recovered by the end of the run';
    out.push(`${response}${recovery}: ${r.fleet.customerErrorMinutes.toFixed(1)} customer error-minutes.`);
  }
  return out;
}

/** The policy that did least damage over every seed (blast radius, then error-minutes, then lock-out). */
export function bestPolicy(c: CompareRecord): CompareRecord['policies'][number] | undefined {
  const worst = (p: PolicyComparison, k: 'blastRadius' | 'customerErrorMinutes' | 'lockoutMinutes'): number =>
    p.worst[k] ?? Infinity;
  return [...c.policies].sort(
    (a, b) =>
      worst(a.comparison, 'blastRadius') - worst(b.comparison, 'blastRadius') ||
      worst(a.comparison, 'customerErrorMinutes') - worst(b.comparison, 'customerErrorMinutes') ||
      worst(a.comparison, 'lockoutMinutes') - worst(b.comparison, 'lockoutMinutes'),
  )[0];
}

/** One sentence per policy on how its first seed went, then which policy contained it and why. */
export function compareSummary(c: CompareRecord): string[] {
  const clock = c.start === null ? undefined : recordClock(c);
  const t = (s: number): string => when(clock, s);
  const out = c.policies.map(({ comparison: p, run }) => {
    const m = run.metrics;
    const damage =
      m.blastRadius === 0
        ? 'no cluster saturated'
        : `${m.blastRadius} cluster(s) saturated, ${m.customerErrorMinutes.toFixed(1)} customer error-minutes`;
    const ending =
      m.halted && m.haltedAtS !== null
        ? `halted at ${t(m.haltedAtS)}${m.detectS === null ? '' : m.detectS >= 0 ? `, ${span(m.detectS)} after the first saturation` : `, ${span(-m.detectS)} before the first saturation`}`
        : m.completed
          ? `completed${m.rolloutDurationS === null ? '' : ` in ${span(m.rolloutDurationS)}`}`
          : 'neither completed nor halted';
    const seeds =
      p.seeds > 1 ? ` (first of ${p.seeds} seeds; worst blast radius ${p.worst.blastRadius ?? '-'})` : '';
    return `${p.name}: ${ending}; ${damage}${seeds}.`;
  });
  const best = bestPolicy(c);
  if (best) {
    const p = best.comparison;
    const run = best.run;
    const gate = run.events.find((e) => e.data.kind === 'gate');
    const contained = (p.worst.blastRadius ?? 0) === 0 && (p.worst.customerErrorMinutes ?? 0) === 0;
    const others = c.policies.filter((o) => o !== best && (o.comparison.worst.blastRadius ?? 0) > 0);
    if (contained && others.length === 0)
      out.push(`No policy saturated a cluster: there was nothing to contain.`);
    else if (contained)
      out.push(
        `${p.name} would have contained it: ${
          gate && gate.data.kind === 'gate'
            ? `gate ${gate.data.gate} failed on ${gate.cluster ?? 'a cluster'} at ${t(gate.tS)} (${gate.data.signal} ${gate.data.value} vs threshold ${gate.data.threshold}${gate.data.nodeShare !== null ? `, with the change on ${formatPercent(gate.data.nodeShare, 'significant')} of its nodes` : ''}) and the rollout halted before any cluster saturated`
            : 'no cluster saturated'
        }${p.seeds > 1 ? `, on every one of ${p.seeds} seeds` : ''}.`,
      );
    else
      out.push(
        `No policy contained it; ${p.name} did least damage (worst case ${p.worst.blastRadius ?? '-'} cluster(s) saturated).`,
      );
  }
  return out;
}
