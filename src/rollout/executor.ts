import { decide } from './controller.js';
import type {
  ActionResult,
  GateEvaluation,
  Observations,
  RolloutAction,
  RolloutEvent,
  SignalObservation,
} from './events.js';
import { observationPlan, type ObservationPlan } from './observation-plan.js';
import type {
  ActionOutcome,
  Awaitable,
  ChangeRef,
  ClusterClient,
  FleetSupplier,
  MetricsSource,
  SignalReading,
  WorkloadStatus,
} from './ports.js';
import { resolvePolicy } from './policy-resolve.js';
import type { RolloutPolicyFile } from '../config/policy-schema.js';
import { createRolloutState, type RolloutState } from './state.js';
import type { RolloutStateStore } from './state-store.js';
import { JournalRecorder, type JournalRecorderOptions, type RolloutJournalSink } from './journal.js';

export interface ExecutorOptions {
  readonly fleet: FleetSupplier;
  readonly client: ClusterClient;
  readonly metrics: MetricsSource;
  readonly store: RolloutStateStore;
  /** Resolved against the fleet when the rollout starts; a resumed rollout keeps its persisted policy. */
  readonly policy: RolloutPolicyFile;
  readonly change: ChangeRef;
  /**
   * Where the journal goes (optional): each decision's events and gate readings are appended before the
   * state is saved, so a process killed in between leaves a journal that has at least what the state has.
   */
  readonly journal?: RolloutJournalSink;
  readonly journalOptions?: JournalRecorderOptions;
}

/** What one tick did. */
export interface TickReport {
  readonly nowMs: number;
  readonly state: RolloutState;
  readonly actions: readonly RolloutAction[];
  readonly results: readonly ActionResult[];
  readonly events: readonly RolloutEvent[];
  readonly evaluations: readonly GateEvaluation[];
}

/**
 * Runs `decide` against the ports, one tick at a time: observe (MetricsSource, ClusterClient status),
 * decide, persist the state if it changed, perform the actions (ClusterClient), and feed their results
 * into the next tick. `tick` awaits the ports (live adapters); `tickSync` is for a simulation loop whose
 * ports answer synchronously.
 */
export interface RolloutExecutor {
  /** Loads the persisted state (resume) or plans a new rollout from the fleet. Idempotent. */
  start(nowMs: number): Promise<RolloutState>;
  startSync(nowMs: number): RolloutState;
  tick(nowMs: number): Promise<TickReport>;
  tickSync(nowMs: number): TickReport;
  /** A person approves past a pause; consumed by the next tick (ignored unless paused). */
  approve(by: string): void;
  /** Current state; null before start. */
  state(): RolloutState | null;
  /** True once the rollout completed, or halted with every rollback done. */
  finished(): boolean;
}

/** Creates an executor over the three ports and a state store. */
export function createRolloutExecutor(opts: ExecutorOptions): RolloutExecutor {
  let state: RolloutState | null = null;
  let results: ActionResult[] = [];
  let approvals: { by: string }[] = [];
  const recorder = opts.journal ? new JournalRecorder(opts.journalOptions) : null;
  const journalSize = (): number => opts.journal?.bytes?.() ?? 0;

  const fresh = (clusters: Awaited<ReturnType<FleetSupplier['listClusters']>>, nowMs: number): RolloutState =>
    createRolloutState({
      resolved: resolvePolicy(opts.policy, clusters),
      clusters,
      change: opts.change,
      nowMs,
    });

  const takeInputs = (): Pick<Observations, 'results' | 'approvals'> => {
    const taken = { results, approvals };
    results = [];
    approvals = [];
    return taken;
  };

  const conclude = (
    s: RolloutState,
    obs: Observations,
    nowMs: number,
  ): { decision: ReturnType<typeof decide>; changed: boolean } => {
    const decision = decide(s, obs, nowMs);
    state = decision.state;
    return { decision, changed: decision.state !== s };
  };

  const report = (nowMs: number, d: ReturnType<typeof decide>, performed: ActionResult[]): TickReport => {
    results = performed;
    return {
      nowMs,
      state: d.state,
      actions: d.actions,
      results: performed,
      events: d.events,
      evaluations: d.evaluations,
    };
  };

  const start = async (nowMs: number): Promise<RolloutState> => {
    if (state) return state;
    const loaded = await opts.store.load();
    state = loaded ?? fresh(await opts.fleet.listClusters(), nowMs);
    if (!loaded) await opts.store.save(state);
    return state;
  };
  const startSync = (nowMs: number): RolloutState => {
    if (state) return state;
    const loaded = sync(opts.store.load(), 'store.load');
    state = loaded ?? fresh(sync(opts.fleet.listClusters(), 'fleet.listClusters'), nowMs);
    if (!loaded) sync(opts.store.save(state), 'store.save');
    return state;
  };

  return {
    start,
    startSync,
    async tick(nowMs) {
      const s = await start(nowMs);
      const plan = observationPlan(s);
      const [signals, statuses] = await Promise.all([
        Promise.all(plan.signals.map(async (q) => ({ ...q, reading: await readSignal(opts, q, nowMs) }))),
        Promise.all(
          plan.statuses.map(async (cluster) => ({ cluster, status: await readStatus(opts, cluster) })),
        ),
      ]);
      const obs = { signals: signals.map(observation), statuses, ...takeInputs() };
      const { decision, changed } = conclude(s, obs, nowMs);
      if (recorder) await opts.journal?.append(recorder.decided(s, obs, decision, nowMs, journalSize()));
      if (changed) await opts.store.save(decision.state);
      const performed: ActionResult[] = [];
      // In order: break-glass before the apply that follows it.
      for (const a of decision.actions)
        performed.push({ actionId: a.id, cluster: a.cluster, outcome: await perform(opts, a), atMs: nowMs });
      if (recorder && performed.length > 0)
        await opts.journal?.append(recorder.performed(decision.actions, performed));
      return report(nowMs, decision, performed);
    },
    tickSync(nowMs) {
      const s = startSync(nowMs);
      const plan: ObservationPlan = observationPlan(s);
      const signals = plan.signals.map((q) =>
        observation({ ...q, reading: sync(readSignal(opts, q, nowMs), 'metrics.evaluate') }),
      );
      const statuses = plan.statuses.map((cluster) => ({
        cluster,
        status: sync(readStatus(opts, cluster), 'client.rolloutStatus'),
      }));
      const obs = { signals, statuses, ...takeInputs() };
      const { decision, changed } = conclude(s, obs, nowMs);
      if (recorder)
        sync(
          opts.journal?.append(recorder.decided(s, obs, decision, nowMs, journalSize())),
          'journal.append',
        );
      if (changed) sync(opts.store.save(decision.state), 'store.save');
      const performed = decision.actions.map((a) => ({
        actionId: a.id,
        cluster: a.cluster,
        outcome: sync(perform(opts, a), a.type),
        atMs: nowMs,
      }));
      if (recorder && performed.length > 0)
        sync(opts.journal?.append(recorder.performed(decision.actions, performed)), 'journal.append');
      return report(nowMs, decision, performed);
    },
    approve(by) {
      approvals.push({ by });
    },
    state: () => state,
    finished: () =>
      state !== null &&
      (state.status.kind === 'completed' ||
        (state.status.kind === 'halted' && state.clusters.every((c) => c.phase.kind !== 'rolling-back'))),
  };
}

function observation(q: SignalObservation & { windowS: number }): SignalObservation {
  return { cluster: q.cluster, signal: q.signal, purpose: q.purpose, reading: q.reading };
}

/** A port that throws yields data, not a crash: missing signal, unreachable cluster, failed action. */
function readSignal(
  opts: ExecutorOptions,
  q: ObservationPlan['signals'][number],
  nowMs: number,
): Awaitable<SignalReading> {
  return guard(
    () =>
      opts.metrics.evaluate({
        cluster: q.cluster,
        signal: q.signal,
        windowS: q.windowS,
        nowMs,
        change: opts.change,
      }),
    () => 'missing' as const,
  );
}

function readStatus(opts: ExecutorOptions, cluster: string): Awaitable<WorkloadStatus | 'unreachable'> {
  return guard(
    () => opts.client.rolloutStatus(cluster, opts.change),
    () => 'unreachable' as const,
  );
}

function perform(opts: ExecutorOptions, a: RolloutAction): Awaitable<ActionOutcome> {
  const onError = (err: unknown): ActionOutcome => ({
    ok: false,
    reason: err instanceof Error ? (err.message.split('\n')[0] ?? 'error') : String(err),
  });
  switch (a.type) {
    case 'apply':
      return guard(
        () =>
          opts.client.apply(
            a.nodeLabel
              ? { cluster: a.cluster, change: opts.change, nodeShare: a.nodeShare, nodeLabel: a.nodeLabel }
              : { cluster: a.cluster, change: opts.change, nodeShare: a.nodeShare },
          ),
        onError,
      );
    case 'rollback':
      return guard(() => opts.client.rollback({ cluster: a.cluster, change: opts.change }), onError);
    case 'ensure-break-glass':
      return guard(() => opts.client.ensureBreakGlass?.(a.cluster) ?? { ok: true }, onError);
    case 'fence': {
      const fence = opts.client.fence?.bind(opts.client);
      if (!fence)
        return {
          ok: false,
          reason: 'this cluster client cannot fence a change; remove spec.fence from the policy',
        };
      return guard(
        () => fence({ cluster: a.cluster, change: opts.change, on: a.on, seats: a.seats }),
        onError,
      );
    }
    default: {
      const never: never = a;
      return never;
    }
  }
}

function guard<T>(call: () => Awaitable<T>, onError: (err: unknown) => T): Awaitable<T> {
  try {
    const v = call();
    return v instanceof Promise ? v.catch(onError) : v;
  } catch (err) {
    return onError(err);
  }
}

/** Unwraps a port's answer in a synchronous tick; a Promise here means the caller needs `tick`. */
function sync<T>(v: Awaitable<T>, what: string): T {
  if (v instanceof Promise)
    throw new Error(`${what} returned a Promise; drive this executor with tick(), not tickSync()`);
  return v;
}
