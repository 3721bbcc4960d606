import { formatBytes, formatCount, formatPercent } from './format.js';
import { breakEvenSearchLimit, phaseLabels } from '../analyze/analyze-change.js';
import type { AnalysisReport } from '../analyze/run-analysis.js';
import type { FailOn } from '../analyze/targets.js';
import { failsAt } from '../analyze/targets.js';
import type { CombinedClusterResult } from '../analyze/combined.js';
import type { ClusterResult, WorkloadReport } from '../analyze/types.js';

const int = (n: number): string => formatCount(n);
const pct = (x: number): string => formatPercent(x, 'whole');

/** Kept here too: callers imported it from this module before the formatting module existed. */
export { formatBytes };

function seats(n: number): string {
  return n >= 10 ? int(n) : n.toFixed(1);
}

/** Left-aligned columns, with the listed ones right-aligned; the last column is free text. */
function table(rows: readonly (readonly string[])[], right: ReadonlySet<number>): string[] {
  const widths: number[] = [];
  for (const r of rows) r.forEach((cell, i) => (widths[i] = Math.max(widths[i] ?? 0, cell.length)));
  return rows.map((r) =>
    r
      .map((cell, i) =>
        i === r.length - 1
          ? cell
          : right.has(i)
            ? cell.padStart(widths[i] ?? 0)
            : cell.padEnd(widths[i] ?? 0),
      )
      .join('  ')
      .trimEnd(),
  );
}

function clusterRows(clusters: readonly ClusterResult[]): string[] {
  const header = [
    'cluster',
    'nodes',
    'replicas',
    'level',
    'seats demand/capacity',
    'level use',
    'cpu',
    'memory',
    'LIST size',
    'watch ev/s',
    'burst',
    'relist',
    'risk',
    'verdict',
    '',
  ];
  const rows = clusters.map((c) => [
    c.name,
    int(c.nodes),
    int(c.replicas),
    c.priorityLevel,
    `${seats(c.seatDemand)} / ${seats(c.seatCapacity)}`,
    pct(c.utilization),
    pct(c.cpuUtilization),
    pct(c.memoryUtilization),
    formatBytes(c.listResponseBytes),
    c.watchEventsPerS > 0
      ? c.watchEventsPerS >= 10
        ? int(c.watchEventsPerS)
        : c.watchEventsPerS.toFixed(2)
      : '-',
    pct(c.phaseUtilization['rollout-burst']),
    pct(c.phaseUtilization['restart-relist']),
    c.queueRisk === 'none' ? '-' : c.queueRisk,
    c.verdict.toUpperCase(),
    c.reasons.join('; '),
  ]);
  return table([header, ...rows], new Set([1, 2, 4, 5, 6, 7, 8, 9, 10, 11]));
}

function workloadLines(r: WorkloadReport): string[] {
  const w = r.workload;
  const lines = [
    `${r.verdict.toUpperCase().padEnd(6)} ${w.kind} ${w.namespace}/${w.name}  (calls from ${w.source}, confidence ${r.confidence}; ${w.location.file}:${w.location.line})`,
  ];
  const field = (k: string, v: string): void => void lines.push(`  ${k.padEnd(14)} ${v}`);
  const [n1, n2] = r.probeNodes;
  const ratio = r.costRatio < 10 ? r.costRatio.toFixed(1) : int(r.costRatio);
  field(
    'scaling',
    `${r.scaling} in nodes (steepest call's log-log slope ${r.scalingSlope.toFixed(2)}; own cost ×${ratio} from ${int(n1)} to ${int(n2)} nodes)`,
  );
  const shape = `${r.maxSafeAt.podsPerNode} pods/node, ${r.maxSafeAt.apiServers} API servers`;
  const binding =
    r.bindingResource === 'seats'
      ? 'APF seats run'
      : r.bindingResource === 'cpu'
        ? 'CPU runs'
        : 'memory runs';
  field(
    'fits up to',
    w.calls.length === 0
      ? 'no API calls known: the change adds no control-plane load'
      : r.maxSafeNodes === null
        ? `no size: even 1 node saturates (${shape})`
        : r.maxSafeNodes >= breakEvenSearchLimit
          ? `every size tried, up to ${int(breakEvenSearchLimit)} nodes (${shape})`
          : `${int(r.maxSafeNodes)} nodes (${shape})${r.bindingResource ? `; past that ${binding} out first${r.decidingPhase && r.decidingPhase !== 'steady' ? `, in ${phaseLabels[r.decidingPhase]}` : ''}` : ''}`,
  );
  // An inferred verdict says what it rests on, and what it would be if that did not hold.
  if (r.assumption) field('assumes', r.assumption.text);
  if (w.calls.length === 0)
    field('calls', r.confidence === 'inferred' ? 'none found in its RBAC (unknown, not none)' : 'none known');
  else for (const [i, c] of w.calls.entries()) field(i === 0 ? 'calls' : '', summarize(c));
  if (r.dominantCall && w.calls.length > 1) field('dominant call', r.dominantCall.summary);
  if (r.fix) field('fix', r.fix);
  for (const f of r.flags) field('flag', f);
  for (const n of [...w.notes, ...r.notes]) field('note', n);
  lines.push('');
  lines.push(...clusterRows(r.clusters).map((l) => `  ${l}`));
  return lines;
}

/** How a workload's break-even reads in one line. */
function fitsUpTo(r: WorkloadReport): string {
  if (r.workload.calls.length === 0) return 'no API calls known: adds no control-plane load';
  if (r.maxSafeNodes === null) return 'no size fits';
  if (r.maxSafeNodes >= breakEvenSearchLimit)
    return `fits every size up to ${int(breakEvenSearchLimit)} nodes`;
  const phase = r.decidingPhase ? ` (${phaseShort[r.decidingPhase]})` : '';
  return `fits up to ${int(r.maxSafeNodes)} nodes${phase}`;
}

const phaseShort: Readonly<Record<NonNullable<WorkloadReport['decidingPhase']>, string>> = {
  steady: 'steady state',
  'rollout-burst': 'start-up burst',
  'restart-relist': 'restart relist',
};

/** One line per workload: verdict, scaling law, break-even and the phase that decides it, source. */
function summaryLines(reports: readonly WorkloadReport[]): string[] {
  return table(
    reports.map((r) => [
      r.verdict.toUpperCase(),
      `${r.workload.kind} ${r.workload.namespace}/${r.workload.name}`,
      r.scaling,
      fitsUpTo(r),
      `calls from ${r.workload.source}`,
    ]),
    new Set(),
  );
}

/** Every workload in each cluster at once: they share its API servers. */
function combinedLines(combined: readonly CombinedClusterResult[]): string[] {
  const rows = combined.map((c) => [
    c.name,
    int(c.nodes),
    phaseShort[c.worstPhase],
    `${pct(c.utilization)} ${c.bindingResource}`,
    pct(c.baselineUtilization),
    c.verdict.toUpperCase(),
  ]);
  return [
    'All workloads together, per cluster (they share its API servers):',
    ...table(
      [
        ['  cluster', 'nodes', 'worst phase', 'use', 'without them', 'verdict'],
        ...rows.map((r) => [`  ${r[0] ?? ''}`, ...r.slice(1)]),
      ],
      new Set([1, 3, 4]),
    ),
  ];
}

const legend = [
  'Seats, CPU and memory are per API server; seat capacity includes what the level can borrow from idle levels.',
  'level use: seat demand of the priority level the workload lands in over the seats it can get. burst,',
  "relist: the server's worst use in the rollout's start-up burst and in the relist after an API server",
  'restart (memory counts at once; seats and CPU only when the backlog outlasts the 60 s request timeout).',
  'risk: queueing (level or CPU past 70%), throttling (past 100%: 429s and timeouts), oom (memory past its limit).',
];

function summarize(c: WorkloadReport['workload']['calls'][number]): string {
  const rv = c.verb === 'list' ? ` rv="${c.resourceVersion}"` : '';
  const every = c.everySeconds !== undefined ? ` every ${Number(c.everySeconds.toPrecision(3))} s` : '';
  const sel = c.selector
    ? ` selector(${[c.selector.field, c.selector.label].filter((x) => x).join(', ')}${c.selector.field || c.selector.label ? ', ' : ''}share ${c.selector.share})`
    : '';
  const who = c.replicas === 'leader' ? ' leader-only' : '';
  const limit = c.limit !== undefined ? ` limit=${c.limit}` : '';
  const pb = c.contentType === 'protobuf' ? ' protobuf' : '';
  const wl = c.sendInitialEvents ? ' sendInitialEvents' : '';
  return `${c.verb} ${c.resource} scope=${c.scope}${sel}${rv}${limit}${pb}${wl}${every}${who}`;
}

/** The readable report: one block per workload with a per-cluster table, then the overall verdict. */
export function formatText(report: AnalysisReport, failOn: FailOn): string {
  const sizes =
    report.sizes.source === 'fleet'
      ? `fleet ${report.sizes.file ?? ''} (${report.sizes.clusters.length} clusters)`
      : `default size ladder (${report.sizes.clusters.map((c) => int(c.nodes)).join(', ')} nodes; pass --fleet for yours)`;
  const out: string[] = [`rampart analyze: ${report.workloads.length} workload(s) against ${sizes}`];
  for (const w of report.warnings) out.push(`warning: ${w}`);
  if (report.workloads.length > 0) {
    out.push('', ...summaryLines(report.workloads), '');
    if (report.combined) out.push(...combinedLines(report.combined), '');
    out.push(...legend, '');
  } else out.push('');
  for (const r of report.workloads) out.push(...workloadLines(r), '');
  for (const f of report.invalid) out.push(`skipped (--skip-invalid): ${f.message}`);
  for (const s of report.skipped)
    out.push(
      `skipped: ${s.kind} ${s.name} (${s.location.file}:${s.location.line}): not a workload analyze costs`,
    );
  const a = report.audit;
  if (a) {
    out.push(
      `audit log: ${a.file}: ${int(a.lines)} lines, ${int(a.counted)} service-account requests from ${a.serviceAccounts} account(s) over ${int(a.windowS)} s; ${int(a.ignored)} other events ignored`,
    );
    if (a.malformed > 0)
      out.push(
        `audit log: ${int(a.malformed)} malformed line(s), the first at ${a.file}:${a.firstMalformedLine ?? 0}`,
      );
    if (a.accountsOverCap)
      out.push(
        `audit log: more than ${int(a.accountsOverCap.maxAccounts)} service accounts: ${int(a.accountsOverCap.requestsLeftOut)} request(s) of later ones left out (give a log of fewer accounts)`,
      );
    const unknown = Object.entries(a.unknownResources);
    if (unknown.length > 0)
      out.push(
        `audit log: resources the cost model does not know (left out): ${unknown.map(([k, v]) => `${k} (${int(v)})`).join(', ')}`,
      );
  }
  const fails = failsAt(report.verdict, failOn);
  out.push(
    `verdict: ${report.verdict.toUpperCase()}${failOn === 'never' ? '' : fails ? ` (fails --fail-on ${failOn})` : ` (below --fail-on ${failOn})`}`,
  );
  return `${out.join('\n')}\n`;
}
