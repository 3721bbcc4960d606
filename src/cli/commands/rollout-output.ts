import { fmt } from '../../rollout/gates/types.js';
import type { GateEvaluation, RolloutEvent } from '../../rollout/events.js';
import { eventLine } from '../../rollout/event-text.js';
import type { RolloutState } from '../../rollout/state.js';
import type { CliIo } from '../io.js';

/** Exit codes of run/resume/abort (README and --help): 0 completed, 1 halted, 3 aborted or unreachable. */
export const rolloutExit = {
  completed: 0,
  halted: 1,
  badInput: 2,
  abortedOrUnreachable: 3,
  interrupted: 130,
} as const;

/** The exit code a finished (or stopped) rollout earns. */
export function exitFor(state: RolloutState | null, unreachable: number): number {
  if (!state) return rolloutExit.abortedOrUnreachable;
  if (state.status.kind === 'halted')
    return state.status.cause === 'aborted' ? rolloutExit.abortedOrUnreachable : rolloutExit.halted;
  if (state.status.kind === 'completed')
    return unreachable > 0 ? rolloutExit.abortedOrUnreachable : rolloutExit.completed;
  return rolloutExit.interrupted;
}

/** How progress is shown: a status line on a TTY, plain lines otherwise (or CI=true), JSON lines with --json. */
export type OutputMode = 'tty' | 'plain' | 'json';

function pct(share: number): string {
  return `${Number((share * 100).toPrecision(3))}%`;
}

export { eventLine } from '../../rollout/event-text.js';

/** A gate verdict as one line: value against threshold. */
export function gateLine(g: GateEvaluation): string {
  const r = g.result;
  const v = r.value === null ? '—' : fmt(r.value);
  const t = r.threshold === null ? '—' : fmt(r.threshold);
  return `${g.cluster} at ${pct(g.share)}: ${r.gate} ${r.verdict} (${v} vs ${t}) ${r.reason}`;
}

/** Writes progress in the chosen mode; remembers verdicts so plain output only shows changes. */
export class RolloutPrinter {
  private readonly verdicts = new Map<string, string>();
  private statusShown = false;

  constructor(
    private readonly io: CliIo,
    readonly mode: OutputMode,
    private readonly startMs: number,
  ) {}

  private stamp(atMs: number): string {
    const s = Math.max(0, Math.round((atMs - this.startMs) / 1000));
    return `+${String(Math.floor(s / 60)).padStart(2, '0')}:${String(s % 60).padStart(2, '0')}`;
  }

  line(text: string, atMs: number): void {
    this.clearStatus();
    if (this.mode === 'json') this.json({ type: 'rollout.note', atMs, message: text });
    else this.io.out(`${this.stamp(atMs)} ${text}\n`);
  }

  json(v: Record<string, unknown>): void {
    this.io.out(`${JSON.stringify(v)}\n`);
  }

  events(events: readonly RolloutEvent[], state: RolloutState): void {
    for (const e of events) {
      if (this.mode === 'json') this.json({ ...e, at: new Date(e.atMs).toISOString() });
      else {
        this.clearStatus();
        this.io.out(`${this.stamp(e.atMs)} ${eventLine(e, state)}\n`);
      }
    }
  }

  /** Counted gate verdicts: on a TTY a rewritten status line; otherwise a line when a verdict changes. */
  gates(evaluations: readonly GateEvaluation[], nowMs: number): void {
    const counted = evaluations.filter((g) => g.counted);
    if (this.mode === 'tty') {
      const worst =
        counted.find((g) => g.result.verdict === 'fail') ??
        counted.find((g) => g.result.verdict === 'inconclusive') ??
        counted.find((g) => g.result.gate === 'extrapolation') ??
        counted[0];
      if (worst) {
        this.io.err(`\r\x1b[K${gateLine(worst).slice(0, 160)}`);
        this.statusShown = true;
      }
      return;
    }
    for (const g of counted) {
      const key = `${g.cluster}|${g.stepIndex}|${g.result.gate}`;
      if (this.verdicts.get(key) === g.result.verdict) continue;
      this.verdicts.set(key, g.result.verdict);
      if (this.mode === 'json')
        this.json({
          type: 'rollout.gate',
          atMs: nowMs,
          cluster: g.cluster,
          share: g.share,
          gate: g.result.gate,
          signal: g.result.signal,
          verdict: g.result.verdict,
          value: g.result.value,
          threshold: g.result.threshold,
          reason: g.result.reason,
        });
      else this.io.out(`${this.stamp(nowMs)} ${gateLine(g)}\n`);
    }
  }

  clearStatus(): void {
    if (this.statusShown) this.io.err('\r\x1b[K');
    this.statusShown = false;
  }
}

/** One line per cluster: where it ended. */
export function clusterOutcome(state: RolloutState): { name: string; outcome: string }[] {
  return state.clusters.map((c) => {
    const p = c.phase;
    switch (p.kind) {
      case 'step':
        return { name: c.name, outcome: `at ${pct(p.share)} of nodes` };
      case 'rolled-back':
      case 'stopped':
        return { name: c.name, outcome: `${p.kind}: ${p.reason}` };
      case 'pending':
      case 'fencing':
      case 'baseline':
      case 'done':
      case 'rolling-back':
        return { name: c.name, outcome: p.kind };
      default: {
        const never: never = p;
        return { name: c.name, outcome: String(never) };
      }
    }
  });
}
