import type { Decision } from './controller.js';
import type { ActionResult, Observations, RolloutAction, RolloutEvent } from './events.js';
import type { InconclusiveCause, Verdict } from './gates/types.js';
import { baselineValue } from './observation-plan.js';
import type { Awaitable } from './ports.js';
import type { RolloutState } from './state.js';
import type { SignalName } from '../model/signals.js';

/**
 * The rollout journal: what the controller saw and did, in order, one JSON object per line beside the
 * state file. The state says where a rollout is; the journal says how it got there (every gate reading,
 * every action and its outcome, every session of the process), so a report can be drawn from it after
 * the fact — also after a crash and a resume, since a resumed process appends to the same journal.
 */

/** Rampart's own requests to one cluster (a process's running totals). */
export interface RequestCount {
  readonly requests: number;
  readonly throttled: number;
  readonly viaBreakGlass: number;
  /** Served by the exempt level (an identity in system:masters needs no break-glass); absent: not told apart. */
  readonly exempt?: number;
}

export type JournalEntry =
  | RolloutEvent
  /** A process took the rollout over: started it, resumed it, or aborted it. */
  | { readonly type: 'journal.session'; readonly atMs: number; readonly how: string }
  /** The process stopped driving the rollout, and where the rollout stood. */
  | { readonly type: 'journal.session.ended'; readonly atMs: number; readonly status: string }
  /** A gate verdict (thinned: see JournalRecorder). `reason` is present when the verdict changed. */
  | {
      readonly type: 'journal.gate';
      readonly atMs: number;
      readonly cluster: string;
      readonly stepIndex: number;
      readonly share: number;
      readonly gate: string;
      readonly signal: SignalName;
      readonly verdict: Verdict;
      readonly value: number | null;
      readonly threshold: number | null;
      /** Whether the verdict could block or fail the cluster then (a bake-end gate before the end: no). */
      readonly counted: boolean;
      readonly cause?: InconclusiveCause;
      readonly reason?: string;
    }
  /** A pre-rollout baseline reading (null: no usable sample). */
  | {
      readonly type: 'journal.baseline';
      readonly atMs: number;
      readonly cluster: string;
      readonly signal: SignalName;
      readonly value: number | null;
    }
  /** An action the controller asked for, once performed, with its outcome. */
  | {
      readonly type: 'journal.action';
      readonly atMs: number;
      readonly id: string;
      readonly cluster: string;
      readonly action: RolloutAction['type'];
      readonly share?: number;
      readonly on?: boolean;
      readonly ok: boolean;
      readonly reason?: string;
    }
  /** Rampart's requests per cluster since `session` (the session's start), running totals. */
  | {
      readonly type: 'journal.requests';
      readonly atMs: number;
      readonly session: number;
      readonly clusters: Readonly<Record<string, RequestCount>>;
    }
  /** Something the process said (an unreachable cluster, a policy warning, an interruption). */
  | { readonly type: 'journal.note'; readonly atMs: number; readonly message: string }
  /** From here on gate readings are kept only when a verdict changes: the journal reached its size cap. */
  | { readonly type: 'journal.thinned'; readonly atMs: number; readonly bytes: number };

export type JournalEntryType = JournalEntry['type'];

/** Where journal entries go (a file beside the state, or memory); `bytes` = how large it is so far. */
export interface RolloutJournalSink {
  append(entries: readonly JournalEntry[]): Awaitable<void>;
  bytes?(): number;
}

/** A sink that keeps entries in memory (simulations and tests), as JSON round trips. */
export function memoryJournal(): RolloutJournalSink & { readonly entries: () => JournalEntry[] } {
  const lines: string[] = [];
  let size = 0;
  return {
    append(entries) {
      for (const e of entries) {
        const line = JSON.stringify(e);
        lines.push(line);
        size += line.length + 1;
      }
    },
    bytes: () => size,
    entries: () => lines.map((l) => JSON.parse(l) as JournalEntry),
  };
}

export interface JournalRecorderOptions {
  /** Shortest time between two kept readings of one gate while its verdict stays the same (default 30 s). */
  readonly sampleEveryS?: number;
  /** Past this journal size, readings are kept only when a verdict changes (default 32 MiB). */
  readonly maxBytes?: number;
}

/** Readings kept per gate over the rollout so far, at least: the spacing grows with the rollout's age. */
const samplesPerSpan = 240;

/**
 * Turns what one executor tick saw and decided into journal entries. Events and actions are kept whole;
 * gate readings are thinned, so a rollout that runs for days stays a journal of a few megabytes: a
 * reading is kept when its verdict (or whether it counts, or why it is inconclusive) changed, when it
 * fails, and otherwise at most every `sampleEveryS` — a spacing that grows with the rollout's age (its
 * age / 240), so a long hold adds readings slowly. Past `maxBytes` only changes are kept.
 */
export class JournalRecorder {
  private readonly last = new Map<string, { atMs: number; key: string }>();
  private readonly everyMs: number;
  private readonly maxBytes: number;
  private thinned = false;

  constructor(opts: JournalRecorderOptions = {}) {
    this.everyMs = (opts.sampleEveryS ?? 30) * 1000;
    this.maxBytes = opts.maxBytes ?? 32 * 1024 * 1024;
  }

  /** Entries for one decision: its events, its gate verdicts and the baselines it read. */
  decided(prev: RolloutState, obs: Observations, d: Decision, nowMs: number, bytes: number): JournalEntry[] {
    const out: JournalEntry[] = [];
    const full = bytes > this.maxBytes;
    if (full && !this.thinned) out.push({ type: 'journal.thinned', atMs: nowMs, bytes });
    this.thinned = full;
    const spacing = Math.max(this.everyMs, (nowMs - prev.startedAtMs) / samplesPerSpan);
    for (const s of obs.signals) {
      if (s.purpose !== 'baseline') continue;
      const value = baselineValue(s.reading);
      if (this.keep(`b|${s.cluster}|${s.signal}`, value === null ? 'missing' : 'ok', nowMs, spacing, full))
        out.push({ type: 'journal.baseline', atMs: nowMs, cluster: s.cluster, signal: s.signal, value });
    }
    for (const e of d.evaluations) {
      const r = e.result;
      const cause = r.verdict === 'inconclusive' ? r.cause : undefined;
      const state = `${r.verdict}|${e.counted}|${cause ?? ''}`;
      const changed = this.changed(`g|${e.cluster}|${e.stepIndex}|${r.gate}`, state);
      if (!this.keep(`g|${e.cluster}|${e.stepIndex}|${r.gate}`, state, nowMs, spacing, full)) continue;
      out.push({
        type: 'journal.gate',
        atMs: nowMs,
        cluster: e.cluster,
        stepIndex: e.stepIndex,
        share: e.share,
        gate: r.gate,
        signal: r.signal,
        verdict: r.verdict,
        value: finiteOrNull(r.value),
        threshold: finiteOrNull(r.threshold),
        counted: e.counted,
        ...(cause ? { cause } : {}),
        ...(changed || r.verdict === 'fail' ? { reason: r.reason } : {}),
      });
    }
    out.push(...d.events);
    return out;
  }

  /** Entries for the actions a decision asked for, once performed. */
  performed(actions: readonly RolloutAction[], results: readonly ActionResult[]): JournalEntry[] {
    const byId = new Map(results.map((r) => [r.actionId, r]));
    return actions.flatMap((a): JournalEntry[] => {
      const r = byId.get(a.id);
      if (!r) return [];
      return [
        {
          type: 'journal.action',
          atMs: r.atMs,
          id: a.id,
          cluster: a.cluster,
          action: a.type,
          ...(a.type === 'apply' ? { share: a.nodeShare } : {}),
          ...(a.type === 'fence' ? { on: a.on } : {}),
          ok: r.outcome.ok,
          ...(r.outcome.ok ? {} : { reason: r.outcome.reason }),
        },
      ];
    });
  }

  private changed(id: string, state: string): boolean {
    return this.last.get(id)?.key !== state;
  }

  private keep(id: string, state: string, nowMs: number, spacingMs: number, full: boolean): boolean {
    const prev = this.last.get(id);
    const keep =
      !prev || prev.key !== state || state.startsWith('fail') || (!full && nowMs - prev.atMs >= spacingMs);
    if (keep) this.last.set(id, { atMs: nowMs, key: state });
    return keep;
  }
}

function finiteOrNull(v: number | null): number | null {
  return v !== null && Number.isFinite(v) ? v : null;
}
