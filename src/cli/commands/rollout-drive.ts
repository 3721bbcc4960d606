import { existsSync } from 'node:fs';
import type { Clock } from '../../core/clock.js';
import { badInput, ErrorCodes, RampartError } from '../../core/errors.js';
import { fileStateStore } from '../../adapters/fs/state-file.js';
import { lockStateFile } from '../../adapters/fs/state-lock.js';
import type { RunInputs } from '../../adapters/fs/run-files.js';
import { abortRollout } from '../../rollout/abort.js';
import { createRolloutExecutor } from '../../rollout/executor.js';
import type { JournalEntry, RequestCount, RolloutJournalSink } from '../../rollout/journal.js';
import type { RolloutState } from '../../rollout/state.js';
import { fileJournal } from '../../adapters/fs/journal-file.js';
import { redact } from '../../adapters/kube/connection.js';
import type { CliIo } from '../io.js';
import { writeRolloutReport } from './rollout-report.js';
import { clusterOutcome, exitFor, RolloutPrinter, type OutputMode } from './rollout-output.js';
import { liveSetup } from './rollout-setup.js';

export interface DriveOptions {
  readonly statePath: string;
  readonly inputs: RunInputs;
  readonly io: CliIo;
  readonly mode: OutputMode;
  readonly clock: Clock;
  /** 'run': a new rollout (refuses an existing state); 'resume': continue one; 'abort': roll back and stop. */
  readonly how: 'run' | 'resume' | 'abort';
  /** Who aborts (abort only). */
  readonly by?: string;
  /** Set when SIGINT/SIGTERM arrived: stop after the current tick, state saved. */
  readonly stopRequested?: () => boolean;
  /** Write the HTML report here (or '-' for stdout) when the run ends, however it ends. */
  readonly report?: string;
}

/** How often Rampart's running request counts go to the journal (and once at the end). */
const requestsEveryMs = 60_000;

/**
 * Drives a live rollout to its end: takes the state file's lock, ticks the executor every interval
 * (observe → decide → save the state atomically → act), hands approvals and an abort left by other
 * `rampart rollout` commands to the controller, prints progress, and reports Rampart's own requests per
 * cluster. Returns the exit code.
 */
export async function driveRollout(o: DriveOptions): Promise<number> {
  const store = fileStateStore(o.statePath);
  if (o.how === 'run' && existsSync(o.statePath))
    throw badInput(
      `${o.statePath}: a rollout state already exists; continue it with \`rampart rollout resume --state ${o.statePath}\` or choose another --state`,
    );
  if (o.how !== 'run' && !existsSync(o.statePath))
    throw badInput(`${o.statePath}: no rollout state here; start one with \`rampart rollout run\``);
  const setup = liveSetup(o.inputs, o.statePath, o.clock);
  const lock = lockStateFile(o.statePath);
  const sessionMs = o.clock.nowMs();
  let journal: RolloutJournalSink | null = null;
  let lastRequestsMs = sessionMs;
  const log = (entries: readonly JournalEntry[]): void => void journal?.append(entries);
  const logRequests = async (atMs: number): Promise<void> => {
    const all: Record<string, RequestCount> = await setup.client.requestCounts();
    const counts = Object.fromEntries(Object.entries(all).filter(([, c]) => c.requests > 0));
    if (Object.keys(counts).length > 0)
      log([{ type: 'journal.requests', atMs, session: sessionMs, clusters: counts }]);
    lastRequestsMs = atMs;
  };
  let state: RolloutState | null = null;
  let ended = 'stopped by an error';
  try {
    if (o.how === 'run') {
      setup.files.clear();
      setup.files.writeInputs(o.inputs);
    }
    // Secrets never reach the journal: every line goes through the kubeconfig redactor.
    journal = fileJournal(setup.files.journalPath, redact);
    log([{ type: 'journal.session', atMs: sessionMs, how: o.how }]);
    const printer = new RolloutPrinter(o.io, o.mode, o.clock.nowMs());
    const note = (text: string, atMs: number): void => {
      printer.line(text, atMs);
      log([{ type: 'journal.note', atMs, message: text }]);
    };
    const sink = journal;
    const makeExec = () =>
      createRolloutExecutor({
        fleet: setup.fleet,
        client: setup.client,
        metrics: setup.metrics,
        store,
        policy: setup.policy,
        change: setup.change.ref,
        journal: sink,
      });
    let exec = makeExec();
    if (o.how === 'run') {
      const clusters = await setup.fleet.listClusters();
      if (clusters.length === 0)
        throw new RampartError(
          ErrorCodes.unreachable,
          `no cluster could be reached, nothing applied: ${setup.fleet.unreachable.map((u) => u.reason).join('; ')}`,
        );
      for (const u of setup.fleet.unreachable)
        note(`${u.name}: UNREACHABLE, not rolled out (${u.reason})`, o.clock.nowMs());
      // A change the API server refuses is bad input: found before anything is applied anywhere.
      for (const c of clusters) {
        const v = await setup.client.validate(c.name).catch(() => null);
        if (v) throw badInput(`${v.rejected}; nothing applied`);
      }
    }
    state = await exec.start(o.clock.nowMs());
    for (const w of o.how === 'run' ? state.warnings : []) note(`warning: ${w}`, o.clock.nowMs());
    if (o.how === 'abort') {
      const a = abortRollout(state, o.clock.nowMs(), o.by ?? 'operator');
      log(a.events);
      store.save(a.state);
      printer.events(a.events, a.state);
      exec = makeExec();
      state = await exec.start(o.clock.nowMs());
    }
    for (;;) {
      const control = setup.files.readControl();
      if (control.abort && !(state.status.kind === 'halted' && state.status.cause === 'aborted')) {
        const a = abortRollout(state, o.clock.nowMs(), control.abort.by);
        log(a.events);
        store.save(a.state);
        printer.events(a.events, a.state);
        exec = makeExec();
        state = await exec.start(o.clock.nowMs());
      }
      if (control.approvals.length > control.consumed) {
        for (const ap of control.approvals.slice(control.consumed)) exec.approve(ap.by);
        setup.files.writeControl({ ...control, consumed: control.approvals.length });
      }
      const report = await exec.tick(o.clock.nowMs());
      state = report.state;
      printer.events(report.events, state);
      printer.gates(report.evaluations, report.nowMs);
      if (report.nowMs - lastRequestsMs >= requestsEveryMs) await logRequests(report.nowMs);
      if (exec.finished()) break;
      if (o.stopRequested?.()) {
        note(
          `interrupted: state saved; continue with \`rampart rollout resume --state ${o.statePath}\``,
          o.clock.nowMs(),
        );
        ended = 'interrupted';
        break;
      }
      await o.clock.sleep(o.inputs.intervalS * 1000);
    }
    printer.clearStatus();
    const requests = await setup.client.requestCounts();
    const outcomes = clusterOutcome(state);
    const unreachable = setup.fleet.unreachable;
    if (o.mode === 'json')
      printer.json({
        type: 'rollout.summary',
        status: state.status.kind,
        ...(state.status.kind === 'halted' ? { cause: state.status.cause, reason: state.status.detail } : {}),
        clusters: [
          ...outcomes.map((c) => ({ ...c, rampartRequests: requests[c.name] ?? null })),
          ...unreachable.map((u) => ({ name: u.name, outcome: 'unreachable', reason: u.reason })),
        ],
      });
    else {
      o.io.out(
        `\nrollout ${state.status.kind}${state.status.kind === 'halted' ? ` (${state.status.cause}): ${state.status.detail}` : ''}\n`,
      );
      for (const c of outcomes) {
        const r = requests[c.name];
        const req = r
          ? ` — Rampart's requests: ${r.requests} (${r.viaBreakGlass} via break-glass${r.exempt > 0 ? `, ${r.exempt} exempt` : ''}, ${r.throttled} throttled)`
          : '';
        o.io.out(`  ${c.name}: ${c.outcome}${req}\n`);
      }
      for (const u of unreachable) o.io.out(`  ${u.name}: unreachable: ${u.reason}\n`);
    }
    if (ended !== 'interrupted') ended = state.status.kind;
    return exitFor(state, unreachable.length);
  } catch (err) {
    ended = `stopped by an error: ${err instanceof Error ? (err.message.split('\n')[0] ?? '') : String(err)}`;
    throw err;
  } finally {
    try {
      if (journal) {
        // The end-of-run count may have to name a priority level; a cluster gone quiet must not block.
        await logRequests(o.clock.nowMs()).catch(() => undefined);
        log([{ type: 'journal.session.ended', atMs: o.clock.nowMs(), status: redact(ended) }]);
      }
      // However the run ended, the report says how far it got (nothing to draw before a state exists).
      const final = state ?? (existsSync(o.statePath) ? store.load() : null);
      if (o.report !== undefined && final) {
        const target = o.report;
        const write = (): void =>
          writeRolloutReport(o.io, final, setup.files.journalPath, target, (line) =>
            o.mode === 'json'
              ? o.io.out(`${JSON.stringify({ type: 'rollout.report', path: target, message: line })}\n`)
              : o.io.out(`${line}\n`),
          );
        // After an error, the error is what the run reports: a report that cannot be written is a warning.
        if (ended.startsWith('stopped by an error'))
          try {
            write();
          } catch (err) {
            o.io.err(`warning: ${err instanceof Error ? err.message : String(err)}\n`);
          }
        else write();
      }
    } finally {
      lock.release();
    }
  }
}
