import { eventLine } from '../rollout/event-text.js';
import type { RolloutEvent } from '../rollout/events.js';
import type { Verdict } from '../rollout/gates/types.js';
import type { JournalEntry, RequestCount } from '../rollout/journal.js';
import type { ClusterState, HaltCause, RolloutState } from '../rollout/state.js';
import { signalDefs, type SignalName } from '../model/signals.js';
import type { EventTone } from './event-data.js';
import { formatPercent, formatSignificant } from './format.js';

/**
 * A live rollout as a report sees it: the state file (where it stands) and its journal (how it got
 * there), folded into the figures, series and rows the HTML report draws. Pure: same inputs, same record.
 */

export interface RolloutReportInput {
  readonly state: RolloutState;
  readonly entries: readonly JournalEntry[];
  /** Journal lines that could not be read (cut off by a crash). */
  readonly skippedLines: number;
  /** 'wall': times are epoch milliseconds, shown in UTC; 'offset': shown as offsets from the start. */
  readonly timeBase: 'wall' | 'offset';
}

/** One gate's readings on one cluster, in time order (only the kept ones: see JournalRecorder). */
export interface GateSeries {
  readonly tMs: number[];
  readonly value: (number | null)[];
  readonly threshold: (number | null)[];
  readonly verdict: Verdict[];
}

export interface TimelineRow {
  readonly atMs: number;
  readonly type: string;
  readonly cluster: string | null;
  readonly tone: EventTone;
  readonly detail: string;
}

/** The gate that halted the rollout, with its figures (projected vs allowed for the extrapolation). */
export type HaltingGate = Omit<Extract<RolloutEvent, { type: 'rollout.gate.failed' }>, 'type' | 'atMs'>;

export interface ClusterRow {
  readonly name: string;
  readonly nodes: number;
  readonly wave: string;
  readonly outcome: string;
  readonly group: 'completed' | 'halted' | 'in-flight' | 'not-started';
  readonly startedAtMs: number | null;
  readonly endedAtMs: number | null;
  /** Node steps applied, in order. */
  readonly steps: readonly { readonly share: number; readonly atMs: number }[];
  readonly readings: number;
  readonly inconclusive: number;
  readonly failedGate: HaltingGate | null;
  /** Highest share of its tightest limit the extrapolation projected (null: never judged). */
  readonly projectedFill: number | null;
  readonly requests: RequestCount | null;
}

export interface RolloutRecord {
  readonly title: string;
  readonly change: RolloutState['change'];
  readonly policy: string;
  readonly timeBase: 'wall' | 'offset';
  readonly startMs: number;
  readonly endMs: number;
  readonly status: RolloutState['status'];
  /** One line: completed, halted (cause), paused, or still running when the process stopped. */
  readonly outcome: string;
  readonly halt: {
    readonly atMs: number;
    readonly cause: HaltCause;
    readonly detail: string;
    readonly gate: HaltingGate | null;
  } | null;
  readonly clusters: readonly ClusterRow[];
  readonly counts: Readonly<Record<ClusterRow['group'], number>>;
  readonly requests: RequestCount | null;
  readonly sessions: readonly {
    readonly atMs: number;
    readonly how: string;
    readonly endedAtMs: number | null;
    readonly status: string | null;
  }[];
  readonly timeline: readonly TimelineRow[];
  /** Gates in policy order (the extrapolation last), each with the signal it reads. */
  readonly gates: readonly { readonly name: string; readonly signal: SignalName }[];
  /** cluster → gate → readings. */
  readonly series: ReadonlyMap<string, ReadonlyMap<string, GateSeries>>;
  readonly waves: readonly { readonly name: string; readonly fromMs: number; readonly toMs: number }[];
  readonly readings: number;
  readonly skippedLines: number;
  readonly thinnedAtMs: number | null;
}

function isEvent(e: JournalEntry): e is RolloutEvent {
  return e.type.startsWith('rollout.');
}

/** Where a cluster ended, in words, and which count it goes to. */
function clusterOutcome(c: ClusterState, started: boolean): Pick<ClusterRow, 'outcome' | 'group'> {
  const p = c.phase;
  switch (p.kind) {
    case 'done':
      return { outcome: 'completed', group: 'completed' };
    case 'rolled-back':
      return { outcome: `rolled back: ${p.reason}`, group: 'halted' };
    case 'rolling-back':
      return { outcome: `rolling back: ${p.reason}`, group: 'halted' };
    case 'stopped':
      return started
        ? { outcome: `stopped as it was: ${p.reason}`, group: 'halted' }
        : { outcome: 'not started (rollout halted)', group: 'not-started' };
    case 'pending':
      return { outcome: 'not started', group: 'not-started' };
    case 'fencing':
      return { outcome: 'fencing the change', group: 'in-flight' };
    case 'baseline':
      return { outcome: 'reading its baseline', group: 'in-flight' };
    case 'step':
      return {
        outcome: `at ${formatPercent(p.share, 'significant')} of nodes${p.holding ? ', holding' : ''}`,
        group: 'in-flight',
      };
    default: {
      const never: never = p;
      return never;
    }
  }
}

/** Tone of a timeline row, as the simulation report colours its events. */
export function rolloutTone(type: string, ok = true): EventTone {
  switch (type) {
    case 'rollout.gate.failed':
    case 'rollout.halted':
    case 'rollout.action.failed':
      return 'bad';
    case 'rollout.paused':
    case 'journal.thinned':
      return 'warn';
    case 'rollout.approved':
    case 'rollout.resumed':
    case 'rollout.cluster.rollback-started':
    case 'rollout.cluster.rolledback':
    case 'journal.session':
    case 'journal.session.ended':
      return 'action';
    case 'rollout.completed':
    case 'rollout.cluster.done':
      return 'good';
    case 'journal.action':
      return ok ? 'action' : 'bad';
    default:
      return 'rollout';
  }
}

function actionText(e: Extract<JournalEntry, { type: 'journal.action' }>): string {
  const what =
    e.action === 'fence'
      ? `fence ${e.on ? 'on' : 'off'}`
      : e.action === 'apply'
        ? `apply at ${formatPercent(e.share ?? 1, 'significant')}`
        : e.action;
  return `${e.cluster}: ${what} ${e.ok ? 'done' : `failed: ${e.reason ?? ''}`}`;
}

/** Folds the state and the journal into the report's record. */
export function rolloutRecord(input: RolloutReportInput): RolloutRecord {
  const { state, entries } = input;
  const sorted = entries
    .map((e, i) => ({ e, i }))
    .sort((a, b) => a.e.atMs - b.e.atMs || a.i - b.i)
    .map((x) => x.e);
  const first = sorted[0];
  const startMs = Math.min(state.startedAtMs, first?.atMs ?? state.startedAtMs);
  const statusAt =
    state.status.kind === 'halted' || state.status.kind === 'completed' ? state.status.atMs : startMs;
  const endMs = Math.max(statusAt, sorted[sorted.length - 1]?.atMs ?? startMs, startMs);

  const series = new Map<string, Map<string, GateSeries>>();
  const readings = new Map<string, { n: number; inconclusive: number }>();
  const started = new Set<string>();
  const steps = new Map<string, { share: number; atMs: number }[]>();
  const firstStart = new Map<string, number>();
  const failed = new Map<string, HaltingGate>();
  const perSession = new Map<number, Readonly<Record<string, RequestCount>>>();
  const sessions: {
    atMs: number;
    how: string;
    endedAtMs: number | null;
    status: string | null;
  }[] = [];
  const timeline: TimelineRow[] = [];
  const waveStarts: { name: string; atMs: number }[] = [];
  let thinnedAtMs: number | null = null;
  let total = 0;

  for (const e of sorted) {
    if (isEvent(e)) {
      const cluster = 'cluster' in e ? e.cluster : null;
      timeline.push({
        atMs: e.atMs,
        type: e.type,
        cluster,
        tone: rolloutTone(e.type),
        detail: eventLine(e, state),
      });
      if (e.type === 'rollout.cluster.started') {
        started.add(e.cluster);
        if (!firstStart.has(e.cluster)) firstStart.set(e.cluster, e.atMs);
      } else if (e.type === 'rollout.step.applied') {
        const list = steps.get(e.cluster) ?? [];
        list.push({ share: e.share, atMs: e.atMs });
        steps.set(e.cluster, list);
      } else if (e.type === 'rollout.gate.failed') {
        if (!failed.has(e.cluster))
          failed.set(e.cluster, {
            cluster: e.cluster,
            gate: e.gate,
            signal: e.signal,
            value: e.value,
            threshold: e.threshold,
            share: e.share,
            reason: e.reason,
          });
      } else if (e.type === 'rollout.wave.started') {
        waveStarts.push({ name: e.wave, atMs: e.atMs });
      }
      continue;
    }
    switch (e.type) {
      case 'journal.gate': {
        total += 1;
        const byGate = series.get(e.cluster) ?? new Map<string, GateSeries>();
        series.set(e.cluster, byGate);
        const s = byGate.get(e.gate) ?? { tMs: [], value: [], threshold: [], verdict: [] };
        byGate.set(e.gate, s);
        s.tMs.push(e.atMs);
        s.value.push(finite(e.value));
        s.threshold.push(finite(e.threshold));
        s.verdict.push(e.verdict);
        const r = readings.get(e.cluster) ?? { n: 0, inconclusive: 0 };
        r.n += 1;
        if (e.verdict === 'inconclusive' && e.counted) r.inconclusive += 1;
        readings.set(e.cluster, r);
        // A verdict that changed (it carries its reason) and counted: a line of the timeline.
        if (e.reason !== undefined && e.counted && !(e.verdict === 'fail'))
          timeline.push({
            atMs: e.atMs,
            type: `gate ${e.verdict}`,
            cluster: e.cluster,
            tone: e.verdict === 'inconclusive' ? 'warn' : 'rollout',
            detail: `${e.cluster} at ${formatPercent(e.share, 'significant')}: ${e.gate} ${e.verdict}${e.cause ? ` (${e.cause})` : ''}: ${e.reason}`,
          });
        break;
      }
      case 'journal.baseline':
        if (e.value === null)
          timeline.push({
            atMs: e.atMs,
            type: 'baseline missing',
            cluster: e.cluster,
            tone: 'warn',
            detail: `${e.cluster}: no pre-rollout baseline of ${e.signal} yet (nothing is applied without one)`,
          });
        break;
      case 'journal.action':
        // Applies show as node steps; what else Rampart did (break-glass, fence, rollback) is listed.
        if (e.action !== 'apply' || !e.ok)
          timeline.push({
            atMs: e.atMs,
            type: `action ${e.action}`,
            cluster: e.cluster,
            tone: rolloutTone(e.type, e.ok),
            detail: actionText(e),
          });
        break;
      case 'journal.requests':
        perSession.set(e.session, e.clusters);
        break;
      case 'journal.session':
        sessions.push({ atMs: e.atMs, how: e.how, endedAtMs: null, status: null });
        timeline.push({
          atMs: e.atMs,
          type: 'process started',
          cluster: null,
          tone: 'action',
          detail: `rampart rollout ${e.how}`,
        });
        break;
      case 'journal.session.ended': {
        const open = [...sessions].reverse().find((s) => s.endedAtMs === null);
        if (open) {
          open.endedAtMs = e.atMs;
          open.status = e.status;
        }
        timeline.push({
          atMs: e.atMs,
          type: 'process ended',
          cluster: null,
          tone: 'action',
          detail: `the process stopped driving the rollout: ${e.status}`,
        });
        break;
      }
      case 'journal.note':
        timeline.push({ atMs: e.atMs, type: 'note', cluster: null, tone: 'warn', detail: e.message });
        break;
      case 'journal.thinned':
        thinnedAtMs ??= e.atMs;
        timeline.push({
          atMs: e.atMs,
          type: e.type,
          cluster: null,
          tone: 'warn',
          detail: `journal past ${Math.round(e.bytes / 1024 / 1024)} MiB: from here on gate readings are kept only when a verdict changes`,
        });
        break;
      default: {
        const never: never = e;
        return never;
      }
    }
  }

  // Rampart's requests: each process counts from its own start; the last total of each, summed.
  const requestsBy = new Map<string, RequestCount>();
  for (const counts of perSession.values())
    for (const [name, c] of Object.entries(counts)) {
      requestsBy.set(name, addCounts(requestsBy.get(name) ?? zeroCount, c));
    }
  const requests = requestsBy.size === 0 ? null : [...requestsBy.values()].reduce(addCounts, zeroCount);

  const clusters: ClusterRow[] = state.clusters.map((c) => {
    const p = c.phase;
    const wasStarted = started.has(c.name) || (p.kind !== 'pending' && p.kind !== 'stopped');
    const r = readings.get(c.name);
    const endedAtMs = p.kind === 'done' || p.kind === 'rolled-back' || p.kind === 'stopped' ? p.atMs : null;
    return {
      name: c.name,
      nodes: c.nodes,
      wave: state.waves[c.wave]?.name ?? String(c.wave + 1),
      ...clusterOutcome(c, wasStarted),
      startedAtMs: firstStart.get(c.name) ?? null,
      endedAtMs: wasStarted ? endedAtMs : null,
      steps: steps.get(c.name) ?? [],
      readings: r?.n ?? 0,
      inconclusive: r?.inconclusive ?? 0,
      failedGate: failed.get(c.name) ?? null,
      projectedFill: c.projectedFill !== null && Number.isFinite(c.projectedFill) ? c.projectedFill : null,
      requests: requestsBy.get(c.name) ?? null,
    };
  });
  const counts = { completed: 0, halted: 0, 'in-flight': 0, 'not-started': 0 };
  for (const c of clusters) counts[c.group] += 1;

  const status = state.status;
  const haltGate =
    status.kind === 'halted' && status.cause === 'gate-failed'
      ? (clusters.map((c) => c.failedGate).find((g) => g !== null) ?? null)
      : null;
  const halt =
    status.kind === 'halted'
      ? { atMs: status.atMs, cause: status.cause, detail: status.detail, gate: haltGate }
      : null;
  const lastSession = sessions[sessions.length - 1];
  const outcome =
    status.kind === 'completed'
      ? 'completed'
      : status.kind === 'halted'
        ? `halted (${status.cause})`
        : `${status.kind}${lastSession?.status ? `; the process stopped: ${lastSession.status}` : ''}`;

  const gates = [
    ...state.policy.gates.map((g) => ({ name: g.name, signal: g.signal })),
    ...(state.policy.extrapolation ? [{ name: 'extrapolation', signal: 'change_seat_demand' as const }] : []),
  ];
  // Gates met in the journal but not in the policy (a policy file edited between runs) still show.
  for (const byGate of series.values())
    for (const [name, s] of byGate)
      if (!gates.some((g) => g.name === name) && s.tMs.length > 0) {
        const entry = sorted.find((e) => e.type === 'journal.gate' && e.gate === name);
        if (entry?.type === 'journal.gate') gates.push({ name, signal: entry.signal });
      }

  const waves = waveStarts.map((w, i) => ({
    name: w.name,
    fromMs: w.atMs,
    toMs: waveStarts[i + 1]?.atMs ?? halt?.atMs ?? endMs,
  }));

  return {
    title: `${state.change.kind} ${state.change.namespace}/${state.change.name}`,
    change: state.change,
    policy: state.policy.name,
    timeBase: input.timeBase,
    startMs,
    endMs,
    status,
    outcome,
    halt,
    clusters,
    counts,
    requests,
    sessions,
    timeline,
    gates,
    series,
    waves,
    readings: total,
    skippedLines: input.skippedLines,
    thinnedAtMs,
  };
}

const zeroCount: RequestCount = { requests: 0, throttled: 0, viaBreakGlass: 0, exempt: 0 };

/** Two request counts summed; a count without `exempt` (an older journal) adds none. */
function addCounts(a: RequestCount, b: RequestCount): RequestCount {
  return {
    requests: a.requests + b.requests,
    throttled: a.throttled + b.throttled,
    viaBreakGlass: a.viaBreakGlass + b.viaBreakGlass,
    exempt: (a.exempt ?? 0) + (b.exempt ?? 0),
  };
}

function finite(v: number | null): number | null {
  return v !== null && Number.isFinite(v) ? v : null;
}

/** A gate figure with its signal's unit, for cards and tables ("0.93 ratio" reads as "93%"). */
export function gateFigure(signal: SignalName, v: number): string {
  const unit = signalDefs[signal].unit;
  if (unit === 'ratio') return formatPercent(v, 'significant');
  if (unit === 's') return `${formatSignificant(v)} s`;
  if (unit === '1/s') return `${formatSignificant(v)}/s`;
  return `${formatSignificant(v)} ${unit}`;
}
