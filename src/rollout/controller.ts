import {
  applyAction,
  enterStep,
  finishWork,
  halt,
  nextId,
  scheduleRollbacks,
  setPhase,
  startWork,
  type Work,
} from './controller-work.js';
import type { GateEvaluation, Observations, RolloutAction, RolloutEvent } from './events.js';
import { baselineValue, evaluateStep, readingOf } from './observation-plan.js';
import { paceByRisk } from './pace.js';
import { isInFlight, type RolloutState } from './state.js';
import { formatPercent } from '../core/format.js';

/** What one decide call produced: the next state, the actions to perform, and what happened. */
export interface Decision {
  readonly state: RolloutState;
  readonly actions: readonly RolloutAction[];
  readonly events: readonly RolloutEvent[];
  /** Every gate verdict reached this tick (counted or not), for reports and tests. */
  readonly evaluations: readonly GateEvaluation[];
}

/**
 * The rollout controller: a pure function of the state, what was observed and the time. It applies
 * node-share steps cluster by cluster within waves, bakes, judges gates, holds on inconclusive (never
 * promotes), halts and rolls back on a failed gate, honours approvals, and never re-applies a cluster
 * that is done — the state alone says what has happened, so a restart resumes exactly.
 */
export function decide(state: RolloutState, obs: Observations, nowMs: number): Decision {
  const w = startWork(state, nowMs);
  applyResults(w, obs);
  if (w.status.kind === 'running' || w.status.kind === 'paused') {
    const approvedHolds = handleApprovals(w, obs);
    progressClusters(w, obs, approvedHolds);
  }
  if (w.status.kind === 'halted') {
    scheduleRollbacks(w);
  } else if (w.status.kind === 'running') {
    advanceWaves(w);
    startClusters(w);
  }
  return { state: finishWork(w), actions: w.actions, events: w.events, evaluations: w.evaluations };
}

/** Matches action results to the phases waiting for them; stale results are ignored. */
function applyResults(w: Work, obs: Observations): void {
  for (const r of obs.results) {
    const i = w.clusters.findIndex((c) => c.name === r.cluster);
    const phase = w.clusters[i]?.phase;
    if (!phase) continue;
    if (phase.kind === 'step' && phase.pendingActionId === r.actionId) {
      if (r.outcome.ok) {
        setPhase(w, i, { ...phase, pendingActionId: null, appliedAtMs: r.atMs, applyFailingSinceMs: null });
        w.events.push({ type: 'rollout.step.applied', atMs: r.atMs, cluster: r.cluster, share: phase.share });
      } else {
        setPhase(w, i, {
          ...phase,
          pendingActionId: null,
          applyFailingSinceMs: phase.applyFailingSinceMs ?? r.atMs,
        });
        if (phase.applyFailingSinceMs === null) failed(w, r.cluster, r.actionId, r.outcome.reason);
      }
    } else if (phase.kind === 'fencing' && phase.pendingActionId === r.actionId) {
      if (r.outcome.ok) {
        afterFence(w, i);
      } else {
        setPhase(w, i, { ...phase, pendingActionId: null, failingSinceMs: phase.failingSinceMs ?? r.atMs });
        if (phase.failingSinceMs === null) failed(w, r.cluster, r.actionId, r.outcome.reason);
      }
    } else if (phase.kind === 'rolling-back' && phase.pendingActionId === r.actionId) {
      if (r.outcome.ok) {
        setPhase(w, i, { kind: 'rolled-back', atMs: r.atMs, reason: phase.reason });
        w.events.push({
          type: 'rollout.cluster.rolledback',
          atMs: r.atMs,
          cluster: r.cluster,
          attempts: phase.attempts + 1,
        });
      } else {
        setPhase(w, i, { ...phase, pendingActionId: null, attempts: phase.attempts + 1 });
        if (phase.attempts === 0) failed(w, r.cluster, r.actionId, r.outcome.reason);
      }
    } else if (!r.outcome.ok && /:(ensure-break-glass|fence):/.test(r.actionId)) {
      // A break-glass check, or the release of a fence after a cluster is done: reported, not retried.
      failed(w, r.cluster, r.actionId, r.outcome.reason);
    }
  }
}

function failed(w: Work, cluster: string, actionId: string, reason: string): void {
  w.events.push({ type: 'rollout.action.failed', atMs: w.nowMs, cluster, actionId, reason });
}

/** An approval clears a pause: holding clusters may promote this tick, or the waiting wave may start. */
function handleApprovals(w: Work, obs: Observations): Set<string> {
  const approval = obs.approvals[0];
  const approved = new Set<string>();
  if (!approval || w.status.kind !== 'paused') return approved;
  if (w.status.reason === 'approval-required') {
    w.approvedWave = w.waveIndex + 1;
  } else {
    for (const c of w.clusters) if (c.phase.kind === 'step' && c.phase.holding) approved.add(c.name);
  }
  w.events.push({ type: 'rollout.approved', atMs: w.nowMs, by: approval.by, detail: w.status.detail });
  w.status = { kind: 'running' };
  return approved;
}

/** Baselines, apply retries, gate verdicts, promotions and holds for every cluster in flight. */
function progressClusters(w: Work, obs: Observations, approvedHolds: ReadonlySet<string>): void {
  const p = w.prev.policy;
  const relative = [...new Set(p.gates.filter((g) => g.relative !== null).map((g) => g.signal))];
  const failures: { cluster: string; evaluation: GateEvaluation }[] = [];
  const timeouts: string[] = [];
  const applyFailures: string[] = [];
  const fenceFailures: string[] = [];
  const holds: string[] = [];
  w.clusters.forEach((c, i) => {
    const phase = c.phase;
    if (phase.kind === 'fencing') {
      if (phase.pendingActionId !== null) return;
      // The fence write failed: ask again, and give up (the cluster untouched) after the inconclusive timeout.
      if (phase.failingSinceMs !== null && w.nowMs - phase.failingSinceMs >= p.inconclusiveTimeoutS * 1000) {
        fenceFailures.push(c.name);
        return;
      }
      const seats = p.fenceSeats ?? 0;
      const id = nextId(w, 'fence', c.name);
      setPhase(w, i, { ...phase, pendingActionId: id });
      w.actions.push({ type: 'fence', id, cluster: c.name, on: true, seats });
      return;
    }
    if (phase.kind === 'baseline') {
      const baseline = Object.fromEntries(
        relative.map((s) => [s, baselineValue(readingOf(obs, c.name, s, 'baseline'))]),
      );
      const missing = relative.filter((s) => baseline[s] === null);
      // Nothing is applied without a baseline for every relative gate: wait for data, then halt (cleanly,
      // the cluster is untouched) rather than judge the change against nothing.
      if (missing.length === 0) {
        w.clusters[i] = { ...c, baseline };
        enterStep(w, i, 0);
      } else if (w.nowMs - phase.sinceMs >= p.inconclusiveTimeoutS * 1000) {
        timeouts.push(`${c.name} (no pre-rollout baseline of ${missing.join(', ')})`);
      }
      return;
    }
    if (phase.kind !== 'step') return;
    if (phase.appliedAtMs === null) {
      // Failed or lost apply: ask again (apply is idempotent), and give up after the inconclusive timeout.
      if (
        phase.applyFailingSinceMs !== null &&
        w.nowMs - phase.applyFailingSinceMs >= p.inconclusiveTimeoutS * 1000
      ) {
        applyFailures.push(c.name);
        return;
      }
      const id = nextId(w, 'apply', c.name);
      setPhase(w, i, { ...phase, pendingActionId: id });
      w.actions.push(applyAction(w, id, c.name, phase.share));
      return;
    }
    const { evaluations, bakeOver } = evaluateStep(w.prev, c, obs, w.nowMs);
    w.evaluations.push(...evaluations);
    let fill = c.projectedFill ?? null;
    for (const e of evaluations)
      if (e.result.fill !== undefined && Number.isFinite(e.result.fill))
        fill = Math.max(fill ?? 0, e.result.fill);
    if (fill !== (c.projectedFill ?? null)) w.clusters[i] = { ...c, projectedFill: fill };
    const counted = evaluations.filter((e) => e.counted);
    const fail = counted.find((e) => e.result.verdict === 'fail');
    if (fail) {
      failures.push({ cluster: c.name, evaluation: fail });
      return;
    }
    const undecided = counted.filter((e) => e.result.verdict === 'inconclusive');
    const inconclusiveSinceMs = undecided.length > 0 ? (phase.inconclusiveSinceMs ?? w.nowMs) : null;
    if (bakeOver && (undecided.length === 0 || approvedHolds.has(c.name))) {
      promote(w, i, phase.stepIndex);
      return;
    }
    setPhase(w, i, { ...phase, inconclusiveSinceMs, holding: bakeOver });
    if (bakeOver)
      holds.push(`${c.name} at ${pct(phase.share)}: ${undecided.map((e) => e.result.reason).join('; ')}`);
    if (inconclusiveSinceMs !== null && w.nowMs - inconclusiveSinceMs >= p.inconclusiveTimeoutS * 1000)
      timeouts.push(c.name);
  });

  if (failures.length > 0) {
    for (const { cluster, evaluation: e } of failures) {
      if (e.result.verdict !== 'fail') continue;
      const { gate, signal, value, threshold, reason } = e.result;
      w.events.push({
        type: 'rollout.gate.failed',
        atMs: w.nowMs,
        cluster,
        gate,
        signal,
        value,
        threshold,
        share: e.share,
        reason,
      });
    }
    const first = failures[0];
    const detail = first
      ? `gate ${first.evaluation.result.gate} failed on ${first.cluster}: ${first.evaluation.result.reason}`
      : 'gate failed';
    halt(w, 'gate-failed', detail, new Set(failures.map((f) => f.cluster)));
  } else if (applyFailures.length > 0) {
    halt(
      w,
      'apply-failed',
      `apply kept failing for ${p.inconclusiveTimeoutS}s on ${applyFailures.join(', ')}`,
      new Set(applyFailures),
    );
  } else if (fenceFailures.length > 0) {
    halt(
      w,
      'apply-failed',
      `the rollout fence could not be put in place for ${p.inconclusiveTimeoutS}s on ${fenceFailures.join(', ')} (nothing applied there)`,
      new Set(fenceFailures),
    );
  } else if (timeouts.length > 0) {
    halt(
      w,
      'inconclusive-timeout',
      `gates inconclusive for ${p.inconclusiveTimeoutS}s on ${timeouts.join(', ')}`,
      new Set(timeouts),
    );
  } else if (holds.length > 0 && w.status.kind === 'running') {
    const detail = `holding, a gate is inconclusive: ${holds.join(' | ')}`;
    w.status = { kind: 'paused', reason: 'inconclusive', sinceMs: w.nowMs, detail };
    w.events.push({ type: 'rollout.paused', atMs: w.nowMs, reason: 'inconclusive', detail });
  } else if (holds.length === 0 && w.status.kind === 'paused' && w.status.reason === 'inconclusive') {
    w.status = { kind: 'running' };
    w.events.push({ type: 'rollout.resumed', atMs: w.nowMs, detail: 'gates decided' });
  }
}

function promote(w: Work, index: number, stepIndex: number): void {
  const c = w.clusters[index];
  if (!c) return;
  if (stepIndex + 1 < w.prev.policy.shares.length) {
    enterStep(w, index, stepIndex + 1);
  } else {
    setPhase(w, index, { kind: 'done', atMs: w.nowMs });
    w.events.push({ type: 'rollout.cluster.done', atMs: w.nowMs, cluster: c.name });
    // Passed every gate and its bake: the change leaves the fence and runs at its own priority level.
    const seats = w.prev.policy.fenceSeats;
    if (seats != null)
      w.actions.push({ type: 'fence', id: nextId(w, 'fence', c.name), cluster: c.name, on: false, seats });
  }
}

/** Starts the next wave once every cluster of the current one is done (or pauses for approval). */
function advanceWaves(w: Work): void {
  for (;;) {
    if (w.waveIndex >= 0 && !w.clusters.every((c) => c.wave !== w.waveIndex || c.phase.kind === 'done'))
      return;
    const next = w.waveIndex + 1;
    if (w.pace === null && next < w.waves.length) paceByRisk(w, next);
    const waves = w.waves;
    const wave = waves[next];
    if (!wave) {
      w.status = { kind: 'completed', atMs: w.nowMs };
      w.events.push({ type: 'rollout.completed', atMs: w.nowMs });
      return;
    }
    if (wave.requireApproval && w.approvedWave !== next) {
      const detail = `wave ${wave.name} requires approval`;
      w.status = { kind: 'paused', reason: 'approval-required', sinceMs: w.nowMs, detail };
      w.events.push({ type: 'rollout.paused', atMs: w.nowMs, reason: 'approval-required', detail });
      return;
    }
    if (next === 0)
      w.events.push({
        type: 'rollout.started',
        atMs: w.nowMs,
        waves: waves.length,
        clusters: w.clusters.length,
      });
    w.waveIndex = next;
    w.waveStartedAtMs = w.nowMs;
    w.events.push({
      type: 'rollout.wave.started',
      atMs: w.nowMs,
      wave: wave.name,
      index: next,
      clusters: wave.clusters,
    });
  }
}

/** Starts pending clusters of the current wave while slots are free and the pacing allows. */
function startClusters(w: Work): void {
  const p = w.prev.policy;
  const wave = w.waves[w.waveIndex];
  if (w.status.kind !== 'running' || !wave) return;
  const limit = wave.maxInFlight ?? p.maxInFlight ?? Infinity;
  const total = w.clusters.length;
  let inFlight = w.clusters.filter((c) => c.wave === w.waveIndex && isInFlight(c.phase)).length;
  for (let i = 0; i < w.clusters.length && inFlight < limit; i++) {
    const c = w.clusters[i];
    if (!c || c.wave !== w.waveIndex || c.phase.kind !== 'pending') continue;
    if (
      p.spreadS !== null &&
      w.nowMs < w.prev.startedAtMs + (c.order * p.spreadS * 1000) / Math.max(1, total - 1)
    )
      break;
    if (p.breakGlass)
      w.actions.push({
        type: 'ensure-break-glass',
        id: nextId(w, 'ensure-break-glass', c.name),
        cluster: c.name,
      });
    w.events.push({ type: 'rollout.cluster.started', atMs: w.nowMs, cluster: c.name, wave: wave.name });
    if (p.fenceSeats != null) {
      // Fenced before the first apply, so not one request of the change lands outside the fence; the
      // apply waits for the fence's confirmation (afterFence).
      const id = nextId(w, 'fence', c.name);
      setPhase(w, i, { kind: 'fencing', sinceMs: w.nowMs, pendingActionId: id, failingSinceMs: null });
      w.actions.push({ type: 'fence', id, cluster: c.name, on: true, seats: p.fenceSeats });
    } else afterFence(w, i);
    inFlight += 1;
  }
}

/** The cluster is ready for the change: take the pre-rollout baseline first when relative gates need one. */
function afterFence(w: Work, index: number): void {
  if (w.prev.policy.gates.some((g) => g.relative !== null))
    setPhase(w, index, { kind: 'baseline', sinceMs: w.nowMs });
  else enterStep(w, index, 0);
}

function pct(share: number): string {
  return formatPercent(share, 'significant');
}
