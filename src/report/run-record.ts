import { parseWallClock, type WallClock } from '../core/wall-clock.js';
import { runMetrics, type PolicyComparison, type RunMetrics } from '../compare/compare.js';
import { displayRun, type DisplaySeries, type RunDisplay } from '../compare/run-display.js';
import type { ClusterSummary, FleetSummary, SimEventType, SimResult } from '../sim/result.js';
import { eventData, eventTone, type EventTone, type RecordEvent } from './event-data.js';
import type { RunContext } from './run-context.js';

/**
 * One run as every report presents it (HTML, postmortem; the text timeline reads the same events):
 * events with their numbers, the down-sampled series, the summary, the compare metrics and the moments
 * a reader looks for. Built from a simulation (`simulate`), from a compare worker's down-sampled run,
 * and later from a live rollout's record.
 */
export interface RunRecord {
  readonly scenario: string;
  /** ISO start with offset, or null when the scenario has none (times are then offsets). */
  readonly start: string | null;
  readonly seed: number;
  readonly policy: string | null;
  readonly stepS: number;
  readonly durationS: number;
  readonly events: readonly RecordEvent[];
  readonly clusters: readonly ClusterSummary[];
  readonly fleet: FleetSummary;
  readonly series: DisplaySeries;
  /** The figures `compare` scores a run by (blast radius, error-minutes, halt, recovery, lock-out). */
  readonly metrics: RunMetrics;
  readonly moments: Moments;
  /** Rollout spans and waves, drawn as bands. */
  readonly bands: readonly Band[];
  /** Gate verdicts, halts, operator actions…: fleet-wide ones (cluster null) and per cluster. */
  readonly marks: readonly Mark[];
  /** What the scenario says about the change, its cost and DNS (when the scenario was at hand). */
  readonly context: RunContext | null;
}

/** When the things a reader asks about happened, seconds since the start (null: never). */
export interface Moments {
  readonly rolloutStartS: number | null;
  readonly rolloutCompletedS: number | null;
  readonly haltS: number | null;
  readonly firstSaturationS: number | null;
  /** First saturation or first customer errors, whichever came first. */
  readonly firstImpactS: number | null;
  /** First answer to trouble: a failed gate, a halt, or an operator action that touched a cluster. */
  readonly firstResponseS: number | null;
  readonly firstResponse: string | null;
  /** firstResponseS − firstImpactS (negative: the response came first); null without impact. */
  readonly detectS: number | null;
  readonly firstRecoveryS: number | null;
  readonly fleetRecoveredS: number | null;
  readonly clustersLockedOut: number;
  readonly clustersWithDnsFailures: number;
  readonly oomKills: number;
  readonly rejected429Total: number;
}

/** A span on the time axis. */
export interface Band {
  readonly fromS: number;
  readonly toS: number;
  readonly label: string;
  readonly kind: 'rollout' | 'wave';
}

/** A moment on the time axis; `cluster` null is fleet-wide. */
export interface Mark {
  readonly tS: number;
  readonly type: SimEventType;
  readonly cluster: string | null;
  readonly tone: EventTone;
  readonly label: string;
}

/** The compare run as reports present it: each policy's scores and its first seed's run. */
export interface CompareRecord {
  readonly scenario: string;
  readonly start: string | null;
  readonly seeds: readonly number[];
  readonly policies: readonly {
    readonly comparison: PolicyComparison;
    readonly run: RunRecord;
  }[];
  readonly context: RunContext | null;
}

/** The scenario's clock, or undefined when it has no start. */
export function recordClock(r: { readonly start: string | null }): WallClock | undefined {
  return r.start === null ? undefined : parseWallClock(r.start);
}

/** Builds the record of a simulation; a full result is down-sampled first (a display one is kept). */
export function runRecord(run: SimResult | RunDisplay, context: RunContext | null = null): RunRecord {
  const display = isDisplay(run) ? run : displayRun(run);
  const events = display.events.map((e) => ({ ...e, data: eventData(e) }));
  // runMetrics reads events, cluster summaries and fleet figures only: the display run has them all.
  const metrics = runMetrics({ ...display, series: { tS: [], fleetErrorRatio: [], clusters: {} } });
  const moments = momentsOf(display, events);
  return {
    scenario: display.scenario,
    start: display.start,
    seed: display.seed,
    policy: display.policy,
    stepS: display.stepS,
    durationS: display.durationS,
    events,
    clusters: display.clusters,
    fleet: display.fleet,
    series: display.series,
    metrics,
    moments,
    bands: bandsOf(events, display.durationS),
    marks: marksOf(events),
    context,
  };
}

/** Builds the compare record from each policy's comparison and its first seed's down-sampled run. */
export function compareRecord(
  scenario: string,
  start: string | null,
  seeds: readonly number[],
  policies: readonly { readonly comparison: PolicyComparison; readonly display: RunDisplay }[],
  context: RunContext | null = null,
): CompareRecord {
  return {
    scenario,
    start,
    seeds,
    policies: policies.map((p) => ({ comparison: p.comparison, run: runRecord(p.display, context) })),
    context,
  };
}

function isDisplay(run: SimResult | RunDisplay): run is RunDisplay {
  return 'fleet' in run.series;
}

function momentsOf(r: RunDisplay, events: readonly RecordEvent[]): Moments {
  const first = (pred: (e: RecordEvent) => boolean): RecordEvent | undefined => events.find(pred);
  const at = (type: string): number | null => first((e) => e.type === type)?.tS ?? null;
  const saturated = r.clusters.flatMap((c) => (c.saturatedAtS === null ? [] : [c.saturatedAtS]));
  const firstSaturationS = saturated.length > 0 ? Math.min(...saturated) : null;
  const impacts = [firstSaturationS, r.fleet.impactStartS].filter((x): x is number => x !== null);
  const firstImpactS = impacts.length > 0 ? Math.min(...impacts) : null;
  const response = first(
    (e) =>
      e.type === 'rollout.gate.failed' ||
      e.type === 'rollout.halted' ||
      (e.type === 'operator.action' &&
        (e.cluster !== undefined || (e.data.kind === 'operator' && (e.data.clusters ?? 0) > 0))),
  );
  const recovered = r.clusters.flatMap((c) => (c.recoveredAtS === null ? [] : [c.recoveredAtS]));
  return {
    rolloutStartS: at('rollout.started'),
    rolloutCompletedS: at('rollout.completed'),
    haltS: at('rollout.halted'),
    firstSaturationS,
    firstImpactS,
    firstResponseS: response?.tS ?? null,
    firstResponse: response ? describeResponse(response) : null,
    detectS: firstImpactS !== null && response ? response.tS - firstImpactS : null,
    firstRecoveryS: recovered.length > 0 ? Math.min(...recovered) : null,
    fleetRecoveredS: at('fleet.recovered'),
    clustersLockedOut: r.clusters.filter((c) => c.adminLockedOutS > 0).length,
    clustersWithDnsFailures: r.clusters.filter((c) => c.dnsFailureStartS !== null).length,
    oomKills: r.clusters.reduce((s, c) => s + c.oomKills, 0),
    rejected429Total: r.clusters.reduce((s, c) => s + c.rejected429Total, 0),
  };
}

function describeResponse(e: RecordEvent): string {
  if (e.data.kind === 'gate') return `gate ${e.data.gate} failed on ${e.cluster ?? 'a cluster'}`;
  if (e.type === 'rollout.halted') return 'the rollout halted';
  // The action without the scenario's note: "traffic shifted away on 100 cluster(s)".
  const what = (e.detail ?? 'action').replace(/ \(.*\)$/s, '');
  return `operators: ${e.cluster ? `${e.cluster}: ` : ''}${what}`;
}

/** The rollout (start → completed, halted or the end) and each wave (start → the next, or that end). */
function bandsOf(events: readonly RecordEvent[], durationS: number): Band[] {
  const start = events.find((e) => e.type === 'rollout.started');
  if (!start) return [];
  const end =
    events.find((e) => e.type === 'rollout.completed' || e.type === 'rollout.halted')?.tS ?? durationS;
  const bands: Band[] = [{ fromS: start.tS, toS: end, label: 'rollout', kind: 'rollout' }];
  const waves = events.filter((e) => e.type === 'rollout.wave.started');
  waves.forEach((w, i) => {
    const next = waves[i + 1];
    bands.push({
      fromS: w.tS,
      toS: Math.max(w.tS, Math.min(next ? next.tS : end, end)),
      label: w.data.kind === 'wave' ? w.data.name : 'wave',
      kind: 'wave',
    });
  });
  return bands;
}

/** Per-cluster types drawn on that cluster's charts; fleet-wide charts get them grouped. */
const clusterMarkTypes = new Set([
  'rollout.cluster.applied',
  'rollout.step.applied',
  'rollout.gate.failed',
  'rollout.cluster.rolledback',
  'apiserver.saturated',
  'admin.lockedout',
  'dns.failures.started',
  'cluster.recovered',
  'operator.action',
  'rollout.action.failed',
]);
/** Fleet-wide types drawn on the fleet charts (per-cluster ones of these are grouped by time). */
const fleetMarkTypes = new Set([
  'rollout.started',
  'rollout.wave.started',
  'rollout.gate.failed',
  'rollout.halted',
  'rollout.completed',
  'operator.action',
  'impact.started',
  'fleet.recovered',
]);

function marksOf(events: readonly RecordEvent[]): Mark[] {
  const marks: Mark[] = [];
  const grouped = new Map<string, { e: RecordEvent; n: number }>();
  for (const e of events) {
    const tone = eventTone(e.type);
    if (e.cluster !== undefined && clusterMarkTypes.has(e.type))
      marks.push({ tS: e.tS, type: e.type, cluster: e.cluster, tone, label: markLabel(e) });
    if (!fleetMarkTypes.has(e.type)) continue;
    // Fleet charts: one mark per type and time, however many clusters it covers.
    const key = `${e.tS}|${e.type}|${e.cluster === undefined ? (e.detail ?? '') : (e.detail?.split(' ')[0] ?? '')}`;
    const g = grouped.get(key);
    if (g) g.n += 1;
    else grouped.set(key, { e, n: 1 });
  }
  for (const { e, n } of grouped.values()) {
    const label =
      e.cluster === undefined
        ? markLabel(e)
        : `${e.type}${n > 1 ? ` ×${n}` : ` ${e.cluster}`}: ${n > 1 && e.data.kind === 'gate' ? `${e.data.signal} over its threshold` : (e.detail ?? '')}`;
    marks.push({ tS: e.tS, type: e.type, cluster: null, tone: eventTone(e.type), label });
  }
  return marks.sort((a, b) => a.tS - b.tS || cmp(a.cluster ?? '', b.cluster ?? '') || cmp(a.label, b.label));
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function markLabel(e: RecordEvent): string {
  const d = e.data;
  switch (d.kind) {
    case 'gate':
      return `gate ${d.gate} failed: ${d.signal} ${d.value} vs ${d.threshold}`;
    case 'step':
      return `step: ${d.nodes ?? '?'} of ${d.of ?? '?'} nodes`;
    case 'wave':
      return `wave ${d.name}`;
    case 'applied':
    case 'halt':
    case 'operator':
    case 'ratio':
    case 'rollout':
    case 'saturation':
    case 'text':
      return e.detail ? `${e.type}: ${e.detail}` : e.type;
    default: {
      const never: never = d;
      return never;
    }
  }
}
