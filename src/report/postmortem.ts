import { offsetLabel, type WallClock } from '../core/wall-clock.js';
import { comparisonCells } from './compare-table.js';
import {
  formatBytes,
  formatCompact,
  formatCount,
  formatDurationS,
  formatPercent,
  formatSignificant,
} from './format.js';
import { bestPolicy, compareSummary, when, whatHappened } from './narrative.js';
import { recordClock, type CompareRecord, type RunRecord } from './run-record.js';
import { timelineGroups } from './timeline.js';

/**
 * The run as an incident write-up in the shape teams publish: summary, impact, timeline, the causal
 * chain with the figures for each link, detection and remediation, contributing factors. Every figure
 * comes from the run (its events, summaries and series) or, marked "cost model", from the cost model
 * the simulator runs on, for the run's own scenario.
 */
export function postmortem(r: RunRecord): string {
  const clock = recordClock(r);
  return [
    `# Postmortem: ${r.scenario}${r.policy ? ` under ${r.policy}` : ''} (simulated)`,
    '',
    provenance(r, clock),
    '',
    ...runSections(r, clock),
  ]
    .join('\n')
    .trimEnd()
    .concat('\n');
}

/** The compare run: the worst policy's incident, then which policy would have contained it and why. */
export function comparePostmortem(c: CompareRecord): string {
  const first = c.policies[0]?.run;
  if (!first) return '';
  const clock = recordClock(first);
  // The incident is the run that did most damage; the others are what could have been.
  const worst = [...c.policies].sort(
    (a, b) =>
      b.run.fleet.clustersSaturated - a.run.fleet.clustersSaturated ||
      b.run.fleet.customerErrorMinutes - a.run.fleet.customerErrorMinutes,
  )[0];
  const best = bestPolicy(c);
  const [head, ...rows] = comparisonCells(c.policies.map((p) => p.comparison));
  const table = [
    `| ${(head ?? []).map(cellText).join(' | ')} |`,
    `|${(head ?? []).map((_, i) => (i === 0 ? '---' : '---:')).join('|')}|`,
    ...rows.map((row) => `| ${row.map(cellText).join(' | ')} |`),
  ];
  const out = [
    `# Postmortem: ${c.scenario}, ${c.policies.map((p) => p.comparison.name).join(' vs ')} (simulated)`,
    '',
    `_Written by Rampart from a comparison of ${c.policies.length} rollout policies on scenario \`${c.scenario}\` (seeds ${c.seeds.join(', ')}). Every figure comes from the runs; times are ${clock ? offsetLabel(clock) : 'offsets from the start'}._`,
    '',
    '## Summary',
    '',
    ...compareSummary(c),
    '',
    '## Which policy would have contained it',
    '',
    ...table,
    '',
  ];
  if (best) out.push(...containment(best.run, clock), '');
  if (worst && worst.run.fleet.clustersSaturated > 0) {
    out.push(
      `## The incident as it happened under ${worst.comparison.name}`,
      '',
      `Seed ${worst.run.seed}. ${whatHappened(worst.run).join(' ')}`,
      '',
      ...runSections(worst.run, clock, { level: 3, summary: false }),
    );
  }
  return `${out
    .join('\n')
    .replace(/\n{3,}/g, '\n\n')
    .trimEnd()}\n`;
}

function cellText(s: string): string {
  return s.replace(/\|/g, '\\|');
}

function provenance(r: RunRecord, clock: WallClock | undefined): string {
  return `_Written by Rampart from a simulation: scenario \`${r.scenario}\`, seed ${r.seed}, ${r.policy ? `rollout policy \`${r.policy}\`` : "the scenario's own rollout"}. Every figure comes from the run (figures marked "cost model" from the cost model the simulator runs on, for this scenario); times are ${clock ? offsetLabel(clock) : 'offsets from the start'}._`;
}

function runSections(
  r: RunRecord,
  clock: WallClock | undefined,
  opts: { readonly level: number; readonly summary: boolean } = { level: 2, summary: true },
): string[] {
  const h = '#'.repeat(opts.level);
  const t = (s: number): string => when(clock, s);
  const m = r.moments;
  const f = r.fleet;
  const impactEnd = m.fleetRecoveredS;
  const rows: [string, string][] = [
    [
      'Impact window',
      f.impactStartS === null
        ? 'none: customers saw no errors'
        : `${t(f.impactStartS)} – ${impactEnd === null ? 'beyond the end of the run' : `${t(impactEnd)} (${formatDurationS(impactEnd - f.impactStartS)})`}`,
    ],
    [
      'Peak',
      `${formatPercent(f.peakErrorRatio)} of customer requests failing${f.peakAtS === null ? '' : ` at ${t(f.peakAtS)}`}`,
    ],
    ['Customer error-minutes', f.customerErrorMinutes.toFixed(1)],
    ['Clusters saturated (blast radius)', `${f.clustersSaturated} of ${r.clusters.length}`],
    ['Clusters with DNS failures', String(m.clustersWithDnsFailures)],
    [
      'On-call lock-out',
      `${m.clustersLockedOut} cluster(s), ${formatCount(r.metrics.lockoutMinutes)} cluster-minutes`,
    ],
    [
      'Time to detect',
      m.detectS === null
        ? m.firstImpactS === null
          ? 'nothing to detect'
          : 'never'
        : `${m.detectS < 0 ? `${formatDurationS(-m.detectS)} before impact` : formatDurationS(m.detectS)} (${m.firstResponse ?? ''}, ${t(m.firstResponseS ?? 0)})`,
    ],
    [
      'Time to halt',
      m.haltS === null
        ? 'never halted'
        : `halted ${t(m.haltS)}${r.metrics.detectS === null ? ', before any cluster saturated' : `, ${formatDurationS(r.metrics.detectS)} after the first saturation`}`,
    ],
    [
      'Time to recover',
      r.metrics.recoverS === null ? 'not recovered by the end' : formatDurationS(r.metrics.recoverS),
    ],
  ];
  return [
    ...(opts.summary ? [`${h} Summary`, '', whatHappened(r).join(' '), ''] : []),
    `${h} Impact`,
    '',
    '| | |',
    '|---|---|',
    ...rows.map(([k, v]) => `| ${k} | ${v} |`),
    '',
    `${h} Timeline (${clock ? offsetLabel(clock) : 'offsets from the start'})`,
    '',
    ...timelineLines(r, clock),
    '',
    `${h} Causal chain`,
    '',
    ...causalChain(r, clock),
    '',
    `${h} Detection and remediation`,
    '',
    ...detection(r, clock),
    '',
    `${h} Contributing factors`,
    '',
    ...factors(r, clock),
    '',
  ];
}

function timelineLines(r: RunRecord, clock: WallClock | undefined): string[] {
  const nodes = new Map(r.clusters.map((c) => [c.name, c.nodes]));
  return timelineGroups(r).map((g) => {
    const first = g.first;
    const span =
      g.lastS - g.firstS >= 60 ? `${when(clock, g.firstS)}–${when(clock, g.lastS)}` : when(clock, g.firstS);
    if (!g.grouped || !first)
      return `- **${span}** \`${g.type}\`${first?.cluster ? ` ${first.cluster}` : ''}${first?.detail ? ` — ${first.detail}` : ''}`;
    const names = g.events.map((e) => `${e.cluster ?? ''} (${formatCount(nodes.get(e.cluster ?? '') ?? 0)})`);
    const shown = names.slice(0, 3).join(', ') + (names.length > 3 ? `, +${names.length - 3} more` : '');
    const detail =
      first.type === 'operator.action' && first.detail
        ? ` — ${first.detail}`
        : g.events.length === 1 && first.detail && first.type !== 'rollout.cluster.applied'
          ? ` — ${first.detail}`
          : '';
    return `- **${span}** \`${g.type}\`${g.events.length > 1 ? ` ×${g.events.length}` : ''}: ${shown}${detail}`;
  });
}

function median(xs: readonly number[]): number | null {
  if (xs.length === 0) return null;
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? (s[mid] ?? 0) : ((s[mid - 1] ?? 0) + (s[mid] ?? 0)) / 2;
}

function seriesPeak(xs: readonly number[], tS: readonly number[]): { value: number; atS: number } {
  let best = { value: 0, atS: 0 };
  xs.forEach((v, i) => {
    if (v > best.value) best = { value: v, atS: tS[i] ?? 0 };
  });
  return best;
}

function causalChain(r: RunRecord, clock: WallClock | undefined): string[] {
  const t = (s: number): string => when(clock, s);
  const m = r.moments;
  const f = r.fleet;
  const out: string[] = [];
  const saturated = r.clusters.filter((c) => c.saturated);
  const applied = r.events.filter(
    (e) => e.type === 'rollout.cluster.applied' || e.type === 'rollout.step.applied',
  );
  if (m.rolloutStartS !== null) {
    const end = m.rolloutCompletedS ?? m.haltS;
    const clustersApplied = new Set(applied.map((e) => e.cluster)).size;
    out.push(
      `1. **The change rolled out.** ${r.context?.change ? `${r.context.change.name} (${r.context.change.calls.join('; ')}) ` : 'The change '}reached ${clustersApplied} of ${r.clusters.length} clusters between ${t(m.rolloutStartS)} and ${end === null ? 'the end of the run' : t(end)}${end !== null && end > m.rolloutStartS ? ` (${formatDurationS(end - m.rolloutStartS)})` : ''}.`,
    );
  }
  const cost = r.context?.cost;
  if (cost) {
    const featured = r.clusters.find((c) => c.name === cost.cluster);
    out.push(
      `2. **${saturated.length > 0 ? "The agents' LISTs outgrew the API servers' seats." : "What the agents' LISTs would ask (had they reached it)."}** In ${cost.cluster} (${formatCount(cost.nodes)} nodes, ${formatCount(cost.pods)} pods, ${cost.apiServers} API servers) the change's ${formatCount(cost.replicas)} pods make ${formatSignificant(cost.listsPerS)} LISTs a second, each a ${formatBytes(cost.listResponseBytes)} response that APF charges ${cost.seatsPerList} seats: ${formatCount(cost.changeSeatDemand)} seats per API server on ${cost.priorityLevel}, which can get ${formatCount(cost.seatCapacity)}; their in-flight responses would hold ${formatBytes(cost.listMemoryBytes)} of heap, ${formatPercent(cost.memoryUtilization, 'whole')} of ${cost.memoryGiB} GiB (cost model).${featured?.saturatedAtS != null ? ` In the run it saturated at ${t(featured.saturatedAtS)}, its API p99 reached ${featured.peakApiP99LatencyS.toFixed(1)} s.` : ''}`,
    );
  }
  if (saturated.length > 0) {
    const peak429 = seriesPeak(r.series.fleet.rejected429PerS, r.series.tS);
    const mostOom = [...saturated].sort((a, b) => b.oomKills - a.oomKills)[0];
    out.push(
      `3. **429s and OOM restarts.** ${saturated.length} clusters saturated from ${t(m.firstSaturationS ?? 0)}; their API servers were OOM-killed ${formatCount(m.oomKills)} times in all (most: ${mostOom ? `${mostOom.name}, ${mostOom.oomKills}` : '-'}), and ${formatCompact(m.rejected429Total)} requests were rejected with 429, up to ${formatCompact(peak429.value)} a second fleet-wide at ${t(peak429.atS)}. Each restart brings every informer's relist, which saturates the servers again.`,
    );
  }
  const dnsDelays = r.clusters.flatMap((c) =>
    c.saturatedAtS !== null && c.dnsFailureStartS !== null ? [c.dnsFailureStartS - c.saturatedAtS] : [],
  );
  if (m.clustersWithDnsFailures > 0) {
    const dns = r.context?.dns;
    const med = median(dnsDelays);
    out.push(
      `4. **DNS caches drained.** ${dns?.serviceNamesNeedControlPlane ? 'Resolving a service name needs the API servers; ' : ''}${dns && dns.nodeCacheTtlS !== null ? `node caches (TTL ${formatDurationS(dns.nodeCacheTtlS)}) and CoreDNS's (${formatDurationS(dns.corednsCacheTtlS)}) kept answering while they lasted. ` : ''}DNS failures began in ${m.clustersWithDnsFailures} clusters${med === null ? '' : `, a median ${formatDurationS(med)} after each saturated`}; customer errors ${f.impactStartS === null ? 'did not follow' : `started at ${t(f.impactStartS)} and grew as cached answers expired, to ${formatPercent(f.peakErrorRatio)} of requests at ${t(f.peakAtS ?? f.impactStartS)}`}.`,
    );
  }
  if (m.clustersLockedOut > 0) {
    const locked = r.clusters.filter((c) => c.adminLockedOutS > 0);
    const longest = [...locked].sort((a, b) => b.adminLockedOutS - a.adminLockedOutS)[0];
    const failedWrites = r.events.filter(
      (e) => e.data.kind === 'operator' && e.data.action === 'write-failed',
    );
    out.push(
      `5. **On-call was locked out.** kubectl goes through the same API servers: fewer than half its commands got through in ${locked.length} clusters, ${formatCount(r.metrics.lockoutMinutes)} cluster-minutes in all (median ${formatDurationS(median(locked.map((c) => c.adminLockedOutS)) ?? 0)}, longest ${longest ? `${formatDurationS(longest.adminLockedOutS)} in ${longest.name}` : '-'}).${failedWrites.length > 0 ? ` Deleting the change did not get through at first in ${failedWrites.length} cluster(s).` : ''}`,
    );
  }
  if (out.length === 0) out.push('Nothing failed: no link of the chain formed.');
  return out;
}

function detection(r: RunRecord, clock: WallClock | undefined): string[] {
  const t = (s: number): string => when(clock, s);
  const m = r.moments;
  const out: string[] = [];
  const gates = r.events.filter((e) => e.data.kind === 'gate');
  const gate = gates[0];
  if (gate && gate.data.kind === 'gate')
    out.push(
      `- **Gates:** ${gates.length} gate failure(s); the first at ${t(gate.tS)} on ${gate.cluster ?? '-'}: ${gate.data.signal} ${gate.data.value} vs threshold ${gate.data.threshold} (gate ${gate.data.gate}${gate.data.nodeShare === null ? '' : `, change on ${formatPercent(gate.data.nodeShare, 'significant')} of its nodes`}).`,
    );
  else out.push(`- **Gates:** ${r.policy ? 'none failed.' : 'the rollout had none.'}`);
  out.push(
    m.haltS === null
      ? `- **Halt:** the rollout was never halted${m.rolloutCompletedS === null ? '' : `; it completed at ${t(m.rolloutCompletedS)}`}.`
      : `- **Halt:** ${t(m.haltS)}${r.metrics.haltReason ? ` — ${r.metrics.haltReason}` : ''}.`,
  );
  if (m.firstResponseS !== null && m.firstImpactS !== null)
    out.push(
      `- **Detection:** first impact (${m.firstImpactS === m.firstSaturationS ? 'a saturation' : 'customer errors'}) ${t(m.firstImpactS)}, first response ${t(m.firstResponseS)} (${m.firstResponse ?? ''}): ${m.detectS !== null && m.detectS < 0 ? `${formatDurationS(-m.detectS)} before impact` : formatDurationS(m.detectS ?? 0)}.`,
    );
  const rolledBack = r.events.filter((e) => e.type === 'rollout.cluster.rolledback');
  if (rolledBack.length > 0)
    out.push(
      `- **Rollback:** the controller deleted the change from ${rolledBack.length} cluster(s) from ${t(rolledBack[0]?.tS ?? 0)}.`,
    );
  const actions = timelineGroups({
    events: r.events.filter((e) => e.type === 'operator.action'),
    clusters: r.clusters,
  });
  const touching = actions.filter((g) => {
    const d = g.first.data;
    return g.grouped || (d.kind === 'operator' && (d.clusters ?? 0) > 0);
  });
  if (touching.length > 0) {
    out.push("- **Remediation** (operators' actions, as the scenario scripts them):");
    for (const g of touching) {
      const e = g.first;
      // A group's detail is its earliest event's: keep what they share, not how long that one took.
      const shared = (e.detail ?? '').replace(/ after .*$/s, '');
      out.push(
        `  - ${t(g.firstS)}: ${g.grouped && g.events.length > 1 ? `${shared} on ${g.events.length} cluster(s)` : `${e.cluster ? `${e.cluster}: ` : ''}${e.detail ?? ''}`}`,
      );
    }
  }
  if (m.firstImpactS !== null)
    out.push(
      m.fleetRecoveredS !== null
        ? `- **Recovery:** the first cluster recovered at ${t(m.firstRecoveryS ?? m.fleetRecoveredS)}, the last at ${t(m.fleetRecoveredS)}: ${formatDurationS(r.metrics.recoverS ?? 0)} from the first impact.`
        : '- **Recovery:** not every impacted cluster had recovered by the end of the run.',
    );
  return out;
}

function factors(r: RunRecord, clock: WallClock | undefined): string[] {
  const t = (s: number): string => when(clock, s);
  const m = r.moments;
  const f = r.fleet;
  const out: string[] = [];
  const started = r.events.find((e) => e.type === 'rollout.started');
  if (started?.data.kind === 'rollout' && !started.data.gated)
    out.push(
      '- **No gate watched the control plane.** The rollout went by the clock: nothing it measured could stop it.',
    );
  else if (m.haltS !== null && m.firstSaturationS !== null && m.haltS > m.firstSaturationS)
    out.push(
      `- **The gates fired late.** They halted the rollout ${formatDurationS(m.haltS - m.firstSaturationS)} after the first saturation: the signals they watch moved only once damage was done.`,
    );
  const impactS = m.firstImpactS;
  if (impactS !== null) {
    const applied = r.events.filter((e) => e.type === 'rollout.cluster.applied');
    const before = new Set(applied.filter((e) => e.tS <= impactS).map((e) => e.cluster)).size;
    const after = new Set(applied.filter((e) => e.tS > impactS).map((e) => e.cluster)).size;
    if (after > 0)
      out.push(
        `- **The rollout outran the symptoms.** ${before} clusters had the change when the first one broke at ${t(impactS)}; ${after} more got it afterwards.`,
      );
  }
  if (f.smallestSaturatedNodes !== null) {
    const early = r.events.find((e) => e.type === 'rollout.cluster.applied');
    const firstNodes = r.clusters.find((c) => c.name === early?.cluster)?.nodes;
    out.push(
      `- **The damage depends on cluster size.** No cluster below ${formatCount(f.smallestSaturatedNodes)} nodes saturated${f.largestUnsaturatedNodes !== null && f.largestUnsaturatedNodes < f.smallestSaturatedNodes ? ` (largest unsaturated: ${formatCount(f.largestUnsaturatedNodes)})` : ''}${f.predictedBreakEvenNodes !== null ? `; the cost model puts the change's break-even at ${formatCount(f.predictedBreakEvenNodes)} nodes` : ''}.${early?.cluster && firstNodes !== undefined ? ` The first cluster to take it, ${early.cluster}, has ${formatCount(firstNodes)}: early stages could not show the problem.` : ''}`,
    );
  }
  if (m.clustersWithDnsFailures > 0 && r.context?.dns?.serviceNamesNeedControlPlane)
    out.push(
      '- **The data plane depends on the control plane.** Service discovery needs the API servers, and caches hid the failure for their TTL instead of surviving it.',
    );
  if (m.clustersLockedOut > 0)
    out.push(
      `- **On-call shares the path with the overload.** kubectl and the agents go through the same API servers${r.context?.breakGlassSeats === null && r.policy === null ? ', and no break-glass priority level kept seats for on-call' : ''}: remediation waited for the load to fall.`,
    );
  if (out.length === 0) out.push('- None: nothing went wrong in this run.');
  return out;
}

function containment(run: RunRecord, clock: WallClock | undefined): string[] {
  const t = (s: number): string => when(clock, s);
  const gate = run.events.find((e) => e.data.kind === 'gate');
  const lines = [`**${run.policy ?? 'This policy'}** (seed ${run.seed}): ${whatHappened(run).join(' ')}`];
  if (gate && gate.data.kind === 'gate')
    lines.push(
      '',
      `Why: its gate \`${gate.data.gate}\` read ${gate.data.signal} ${gate.data.value} against a threshold of ${gate.data.threshold} on ${gate.cluster ?? '-'} at ${t(gate.tS)}${gate.data.nodeShare === null ? '' : `, with the change on ${formatPercent(gate.data.nodeShare, 'significant')} of its nodes`}: ${gate.data.reason}`,
    );
  return lines;
}
