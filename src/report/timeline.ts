import { offsetLabel, type WallClock } from '../core/wall-clock.js';
import { formatCompact, formatDurationS, formatPercent, formatRunTime } from './format.js';
import { eventTone, type EventTone } from './event-data.js';
import type { ClusterSummary, SimEvent, SimResult } from '../sim/result.js';

/** Event types that are per-cluster and frequent: shown grouped by minute in the timeline. */
const groupedTypes = new Set([
  'rollout.cluster.applied',
  'apiserver.saturated',
  'apiserver.recovered',
  'dns.failures.started',
  'admin.lockedout',
  'admin.access.restored',
  'cluster.recovered',
  'rollout.cluster.rolledback',
  'rollout.step.applied',
  'rollout.cluster.done',
]);

/** Formats a time since start as wall clock (when the scenario has a start) or as an offset. */
export function timeLabel(clock: WallClock | undefined, tS: number): string {
  return formatRunTime(clock, tS);
}

/** Events that read as one timeline line: one fleet event, or same-type cluster events of five minutes. */
export interface TimelineGroup<E extends SimEvent = SimEvent> {
  readonly type: SimEvent['type'];
  /** The group's events, largest cluster first (for one event: just it). */
  readonly events: readonly E[];
  /** The group's earliest event: its detail is the one a grouped line shows. */
  readonly first: E;
  readonly firstS: number;
  readonly lastS: number;
  /** True when it groups per-cluster events (names are listed, not the detail). */
  readonly grouped: boolean;
}

/**
 * Groups events as the timeline shows them: fleet-level events one each, per-cluster events by five
 * minutes and type (operator actions also by what was done), so a fleet-wide wave reads as one line.
 */
export function timelineGroups<E extends SimEvent>(result: {
  readonly events: readonly E[];
  readonly clusters: readonly ClusterSummary[];
}): TimelineGroup<E>[] {
  const nodes = new Map(result.clusters.map((c) => [c.name, c.nodes]));
  const groups = new Map<string, E[]>();
  const order: string[] = [];
  for (const e of result.events) {
    // Per-cluster events are bucketed by five minutes so a fleet-wide wave reads as one line.
    const bucket = Math.floor(e.tS / 300);
    const key =
      groupedTypes.has(e.type) || (e.type === 'operator.action' && e.cluster)
        ? `${bucket}|${e.type}|${e.detail && e.type === 'operator.action' ? e.detail.split(' ')[0] : ''}`
        : `${e.tS}|${e.type}|${order.length}`;
    if (!groups.has(key)) {
      groups.set(key, []);
      order.push(key);
    }
    groups.get(key)?.push(e);
  }
  const out: TimelineGroup<E>[] = [];
  for (const key of order) {
    const evs = groups.get(key) ?? [];
    const first = evs[0];
    if (!first) continue;
    const last = evs[evs.length - 1] ?? first;
    const grouped = !(evs.length === 1 && !groupedTypes.has(first.type));
    // Largest clusters first: they are the ones that matter in a scale-dependent failure.
    const sorted = grouped
      ? [...evs].sort((a, b) => (nodes.get(b.cluster ?? '') ?? 0) - (nodes.get(a.cluster ?? '') ?? 0))
      : evs;
    out.push({ type: first.type, events: sorted, first, firstS: first.tS, lastS: last.tS, grouped });
  }
  return out;
}

/** Options of the text timeline. */
export interface TimelineStyle {
  /** ANSI colours by event tone (a TTY without NO_COLOR). */
  readonly color?: boolean;
}

const ansi: Readonly<Record<EventTone, string>> = {
  bad: '\x1b[31m',
  warn: '\x1b[33m',
  good: '\x1b[32m',
  action: '\x1b[36m',
  rollout: '\x1b[2m',
};

/**
 * The human timeline: fleet-level events one per line, per-cluster events grouped per minute and type
 * ("apiserver.saturated ×12: prod-eu-03 (7,151 nodes), …"), so hundreds of clusters stay readable.
 */
export function renderTimeline(
  result: SimResult,
  clock: WallClock | undefined,
  maxLines = 60,
  style: TimelineStyle = {},
): string {
  const nodes = new Map(result.clusters.map((c) => [c.name, c.nodes]));
  // Colour wraps the padded column, so the columns line up the same with and without it.
  const paint = (type: SimEvent['type'], text: string): string =>
    style.color ? `${ansi[eventTone(type)]}${text}\x1b[0m` : text;
  const lines: string[] = [];
  for (const g of timelineGroups(result)) {
    const evs = g.events;
    const first = g.first;
    const when =
      evs.length > 1 && g.lastS - g.firstS >= 60
        ? `${timeLabel(clock, g.firstS)}–${timeLabel(clock, g.lastS).trim()}`
        : timeLabel(clock, g.firstS);
    if (!g.grouped) {
      lines.push(
        `${when.padEnd(clock ? 11 : 15)}  ${paint(first.type, first.type.padEnd(27))} ${[first.cluster, first.detail].filter(Boolean).join(': ')}`,
      );
      continue;
    }
    // A node step names its share ("prod-eu-01 1% (75 of 7,376)"): the cluster's size alone does not say
    // how far into it the change went.
    const names = evs.map((e) =>
      e.type === 'rollout.step.applied' && e.detail
        ? `${e.cluster ?? ''} ${e.detail.replace(' of nodes', '')}`
        : `${e.cluster ?? ''}${nodes.has(e.cluster ?? '') ? ` (${(nodes.get(e.cluster ?? '') ?? 0).toLocaleString('en-US')})` : ''}`,
    );
    const shown = names.slice(0, 3).join(', ') + (names.length > 3 ? `, +${names.length - 3} more` : '');
    const detail =
      evs.length === 1 &&
      first.detail &&
      first.type !== 'rollout.cluster.applied' &&
      first.type !== 'rollout.step.applied'
        ? `: ${first.detail}`
        : first.type === 'operator.action' && first.detail
          ? ` — ${first.detail}`
          : first.type === 'apiserver.saturated'
            ? ` — ${exhaustedResources(evs)}`
            : '';
    lines.push(
      `${when.padEnd(clock ? 11 : 15)}  ${paint(first.type, `${first.type}${evs.length > 1 ? ` ×${evs.length}` : ''}`.padEnd(27))} ${shown}${detail}`,
    );
  }
  if (lines.length > maxLines) {
    const head = lines.slice(0, maxLines - 10);
    const tail = lines.slice(-9);
    return [
      ...head,
      `   …  ${lines.length - head.length - tail.length} more lines (all events are in --json)`,
      ...tail,
    ].join('\n');
  }
  return lines.join('\n');
}

/** Header lines: scenario, seed, clock. */
export function renderHeader(result: SimResult, clock: WallClock | undefined): string {
  const zone = clock ? ` · times ${offsetLabel(clock)}` : ' · times are offsets from the start';
  return `Rampart simulation · ${result.scenario} · seed ${result.seed} · ${result.clusters.length} clusters · ${formatDurationS(result.durationS)} simulated${result.policy ? ` · policy ${result.policy}` : ''}${zone}`;
}

function pct(x: number): string {
  return formatPercent(x);
}

/** The per-cluster summary table: every cluster that was affected, then one line for the rest. */
export function renderClusterTable(result: SimResult, clock: WallClock | undefined, maxRows = 40): string {
  const t = (s: number | null): string => (s === null ? '-' : timeLabel(clock, s));
  const affected = result.clusters.filter(
    (c) => c.saturated || c.dnsFailureStartS !== null || c.peakErrorRatio >= 0.001,
  );
  const rest = result.clusters.filter((c) => !affected.includes(c));
  const header = [
    'cluster',
    'nodes',
    'saturated',
    'DNS fails',
    'peak err',
    'seats',
    'p99',
    '429s',
    'OOM',
    'locked out',
    'recovered',
  ];
  const rows = [...affected]
    .sort((a, b) => (a.saturatedAtS ?? Infinity) - (b.saturatedAtS ?? Infinity) || b.nodes - a.nodes)
    .map((c: ClusterSummary) => [
      c.name,
      c.nodes.toLocaleString('en-US'),
      c.saturated ? t(c.saturatedAtS) : 'no',
      t(c.dnsFailureStartS),
      pct(c.peakErrorRatio),
      pct(c.peakSeatUtilization),
      `${c.peakApiP99LatencyS.toFixed(1)}s`,
      compact(c.rejected429Total),
      String(c.oomKills),
      c.adminLockedOutS > 0 ? formatDurationS(c.adminLockedOutS) : '-',
      t(c.recoveredAtS),
    ]);
  const shown = rows.slice(0, maxRows);
  const widths = header.map((h, i) => Math.max(h.length, ...shown.map((r) => (r[i] ?? '').length)));
  const fmt = (r: readonly string[]): string =>
    r.map((cell, i) => (i === 0 ? cell.padEnd(widths[i] ?? 0) : cell.padStart(widths[i] ?? 0))).join('  ');
  const out = shown.length > 0 ? [fmt(header), ...shown.map(fmt)] : [];
  if (rows.length > shown.length)
    out.push(`… ${rows.length - shown.length} more affected clusters (see --json)`);
  if (rest.length > 0) {
    const sizes = rest.map((c) => c.nodes);
    const lo = Math.min(...sizes).toLocaleString('en-US');
    const hi = Math.max(...sizes).toLocaleString('en-US');
    const range = lo === hi ? `${lo} nodes` : `${lo}–${hi} nodes`;
    out.push(
      `${rest.length === 1 ? `${rest[0]?.name ?? '1 cluster'}` : `${affected.length > 0 ? `${rest.length} other` : `All ${rest.length}`} clusters`} (${range}): never saturated, no DNS failures`,
    );
  }
  return out.join('\n');
}

function compact(n: number): string {
  return formatCompact(n);
}

/**
 * What ran out on a group of saturated clusters, from their events' causes: memory (API servers OOM-killed,
 * a crash loop no seat helps), CPU, or APF seats, with counts when they differ.
 */
function exhaustedResources(evs: readonly SimEvent[]): string {
  const kinds = new Map<string, number>();
  for (const e of evs) {
    const d = e.detail ?? '';
    const kind = d.startsWith('memory') ? 'memory (OOM crash loop)' : d.startsWith('CPU') ? 'CPU' : 'seats';
    kinds.set(kind, (kinds.get(kind) ?? 0) + 1);
  }
  const entries = [...kinds.entries()].sort((a, b) => b[1] - a[1]);
  return entries.length === 1
    ? `out of ${entries[0]?.[0] ?? ''}`
    : `out of ${entries.map(([k, n]) => `${k} ×${n}`).join(', ')}`;
}

/** The fleet summary paragraph, including the size threshold. */
export function renderFleetSummary(result: SimResult, clock: WallClock | undefined): string {
  const f = result.fleet;
  const t = (s: number | null): string => (s === null ? 'never' : timeLabel(clock, s));
  const lines = [
    `Clusters saturated: ${f.clustersSaturated} of ${result.clusters.length}`,
    f.impactStartS === null
      ? `Customer impact: none (peak ${pct(f.peakErrorRatio)} of requests failing)`
      : `Customer impact: started ${t(f.impactStartS)}, peak ${pct(f.peakErrorRatio)} of requests failing at ${t(f.peakAtS)}, ${f.customerErrorMinutes.toFixed(1)} error-minutes`,
  ];
  // The control plane and the customers recover apart: API servers can be healthy again while DNS and
  // on-call access still come back, or customers see nothing while API servers crash-loop.
  if (f.clustersSaturated > 0)
    lines.push(
      `Control-plane recovery: ${t(f.controlPlaneRecoveryS)} (API servers of every saturated cluster healthy again)`,
    );
  lines.push(
    f.impactStartS === null
      ? 'Full recovery: n/a (customers saw no errors)'
      : `Full recovery: ${t(f.fullRecoveryS)}`,
  );
  if (f.smallestSaturatedNodes !== null || f.predictedBreakEvenNodes !== null) {
    const observed =
      f.smallestSaturatedNodes !== null
        ? `no cluster below ${f.smallestSaturatedNodes.toLocaleString('en-US')} nodes saturated${f.largestUnsaturatedNodes !== null && f.largestUnsaturatedNodes < f.smallestSaturatedNodes ? ` (largest unsaturated: ${f.largestUnsaturatedNodes.toLocaleString('en-US')})` : ''}`
        : 'no cluster saturated';
    const predicted =
      f.predictedBreakEvenNodes !== null
        ? `; the cost model puts the change's break-even at ${f.predictedBreakEvenNodes.toLocaleString('en-US')} nodes for the largest cluster's shape`
        : '';
    lines.push(`Size threshold: ${observed}${predicted}`);
  }
  const etcd = etcdLine(result);
  if (etcd) lines.push(etcd);
  return lines.join('\n');
}

/**
 * etcd, only where it mattered (a run whose etcd stayed within its cores and lost no node prints nothing):
 * the cluster whose etcd was busiest, its write p99, and the nodes that went NotReady.
 */
function etcdLine(result: SimResult): string | null {
  const hot = result.clusters.filter((c) => c.peakEtcdUtilization >= 1 || c.peakNodesNotReady > 0);
  if (hot.length === 0) return null;
  const worst = [...hot].sort(
    (a, b) => b.peakNodesNotReady - a.peakNodesNotReady || b.peakEtcdP99LatencyS - a.peakEtcdP99LatencyS,
  )[0];
  if (!worst) return null;
  const notReady = hot.filter((c) => c.peakNodesNotReady > 0).length;
  return `etcd: over its cores or losing nodes on ${hot.length} cluster(s) (nodes NotReady on ${notReady}); worst ${worst.name}: ${pct(worst.peakEtcdUtilization)} of its cores, write p99 ${worst.peakEtcdP99LatencyS.toFixed(1)} s, ${worst.peakNodesNotReady.toLocaleString('en-US')} nodes NotReady at most`;
}
