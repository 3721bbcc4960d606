import { existsSync } from 'node:fs';
import { Option, type Command } from 'commander';
import { systemClock, type Clock } from '../../core/clock.js';
import { parseDurationS } from '../../core/duration.js';
import { badInput } from '../../core/errors.js';
import { fileStateStore } from '../../adapters/fs/state-file.js';
import { lockHeld } from '../../adapters/fs/state-lock.js';
import { absoluteInputs, runFiles, type RunInputs } from '../../adapters/fs/run-files.js';
import { resolvePolicy } from '../../rollout/policy-resolve.js';
import type { RolloutState } from '../../rollout/state.js';
import type { SignalName } from '../../model/signals.js';
import type { CliIo } from '../io.js';
import type { CommandContext, RegisterCommand } from './context.js';
import { clusterOutcome, exitFor, rolloutExit, type OutputMode } from './rollout-output.js';

const exitCodesHelp = `
Exit codes: 0 completed, 1 halted (a gate failed, gates stayed inconclusive past the policy's timeout,
or an apply kept failing; what was applied is rolled back per the policy), 2 bad input (one line naming
the file, field or cluster), 3 aborted, or a cluster could not be reached (that cluster is not rolled
out; the others are), 130 interrupted (state saved: resume continues), 70 internal error.`;

const defaultState = 'rampart-rollout.json';

interface CommonOpts {
  state: string;
  json?: boolean;
  report?: string;
}
interface RunOpts extends CommonOpts {
  fleet: string;
  change: string[];
  policy: string;
  kubeconfig?: string;
  metrics?: 'prometheus' | 'apiserver';
  interval: string;
  yes?: boolean;
}

const collect = (v: string, prev: string[]): string[] => [...prev, v];

function outputMode(io: CliIo, json: boolean | undefined): OutputMode {
  return json ? 'json' : io.isTty ? 'tty' : 'plain';
}

function intervalS(text: string): number {
  const s = parseDurationS(text);
  if (s === undefined || s <= 0) throw badInput(`--interval: "${text}" is not a duration (e.g. 5s)`);
  return s;
}

/** Ctrl-C / SIGTERM: finish the current tick (the state is saved after every decision), then stop. */
function stopSignal(): { requested: () => boolean; dispose: () => void } {
  let stop = false;
  const on = (): void => {
    stop = true;
  };
  process.on('SIGINT', on);
  process.on('SIGTERM', on);
  return {
    requested: () => stop,
    dispose: () => {
      process.off('SIGINT', on);
      process.off('SIGTERM', on);
    },
  };
}

function inputOptions(c: Command): Command {
  return c
    .requiredOption(
      '--fleet <file>',
      'Fleet file: clusters with context, kubeconfig, prometheus or metrics: apiserver',
    )
    .requiredOption(
      '--change <manifest>',
      'manifest file or directory with one DaemonSet or Deployment (repeatable)',
      collect,
      [],
    )
    .option('--policy <builtin|file>', 'naive, workload-only, guarded, or a RolloutPolicy file', 'guarded')
    .option(
      '--kubeconfig <file>',
      'kubeconfig for clusters without their own (default $KUBECONFIG, ~/.kube/config)',
    )
    .addOption(
      new Option(
        '--metrics <source>',
        "read every cluster's signals from here, overriding the fleet file",
      ).choices(['prometheus', 'apiserver']),
    )
    .option('--state <file>', 'state file (written atomically after every decision)', defaultState)
    .option('--interval <duration>', 'time between two looks at the fleet', '10s')
    .option('--json', 'events as JSON lines on stdout');
}

const reportHelp =
  'when the run ends (completed, halted, aborted or interrupted), write the HTML report of the whole rollout here';

/** --report on the commands that drive a rollout: a file (stdout carries their progress). */
function reportTarget(o: CommonOpts): string | undefined {
  if (o.report === undefined) return undefined;
  if (o.report === '' || o.report === '-')
    throw badInput(
      `--report: give a file name (stdout carries the rollout's progress; \`rampart rollout report --report -\` prints it)`,
    );
  return o.report;
}

function runInputs(o: RunOpts): RunInputs {
  return absoluteInputs({
    fleet: o.fleet,
    change: o.change,
    policy: o.policy,
    ...(o.kubeconfig ? { kubeconfig: o.kubeconfig } : {}),
    ...(o.metrics ? { metrics: o.metrics } : {}),
    intervalS: intervalS(o.interval),
  });
}

/** `rampart rollout run|plan|status|approve|abort|resume`: guarded rollouts against real clusters. */
export function registerRolloutWith(clock: Clock): RegisterCommand {
  return (program, ctx) => {
    const cmd = program
      .command('rollout')
      .description(
        'roll a change out to real clusters in waves and node steps, gated on control-plane signals',
      )
      .addHelpText(
        'after',
        `
Examples:
  rampart rollout plan --fleet fleet.yaml --change agent.yaml
  rampart rollout run --fleet fleet.yaml --change agent.yaml --policy guarded --yes
  rampart rollout status --watch
  rampart rollout approve canary
  rampart rollout abort
  rampart rollout resume --report rollout.html
  rampart rollout report --report rollout.html
${exitCodesHelp}`,
      );

    inputOptions(
      cmd.command('run').description('start a rollout (refuses a state file that exists: use resume)'),
    )
      .option('--yes', 'do not ask for confirmation')
      .option('--report <file>', reportHelp)
      .addHelpText('after', exitCodesHelp)
      .action(async (o: RunOpts) => {
        if (!o.yes)
          throw badInput('rollout run changes clusters: check `rampart rollout plan` first, then pass --yes');
        const report = reportTarget(o);
        ctx.setExit(
          await drive(
            ctx,
            clock,
            o.state,
            runInputs(o),
            outputMode(ctx.io, o.json),
            'run',
            undefined,
            report,
          ),
        );
      });

    inputOptions(
      cmd
        .command('plan')
        .description('print the waves, node steps, bakes and gates (with their PromQL); change nothing'),
    )
      .addHelpText('after', '\nExit codes: 0 printed, 2 bad input, 3 a cluster could not be reached.\n')
      .action(async (o: RunOpts) => ctx.setExit(await plan(ctx, clock, runInputs(o), o)));

    cmd
      .command('status')
      .description('show a rollout from its state file')
      .option('--state <file>', 'state file', defaultState)
      .option('--watch', 'keep showing it until the rollout finishes')
      .option('--json', 'the state summary as JSON')
      .addHelpText('after', '\nExit codes: 0 completed or running, 1 halted, 2 no state file, 3 aborted.\n')
      .action(async (o: CommonOpts & { watch?: boolean }) => ctx.setExit(await status(ctx.io, clock, o)));

    cmd
      .command('approve')
      .argument(
        '<cluster|wave>',
        'the wave waiting for approval, or a cluster holding on an inconclusive gate',
      )
      .description('let a paused rollout go on')
      .option('--state <file>', 'state file', defaultState)
      .option('--by <name>', 'who approves (recorded)', process.env['USER'] ?? 'operator')
      .addHelpText('after', '\nExit codes: 0 recorded, 2 nothing waits for that approval.\n')
      .action((target: string, o: CommonOpts & { by: string }) => {
        const state = loadState(o.state);
        if (state.status.kind !== 'paused')
          throw badInput(`${o.state}: the rollout is ${state.status.kind}, not waiting for approval`);
        const waiting =
          state.status.reason === 'approval-required'
            ? [state.waves[state.waveIndex + 1]?.name ?? '']
            : state.clusters.filter((c) => c.phase.kind === 'step' && c.phase.holding).map((c) => c.name);
        if (!waiting.includes(target))
          throw badInput(
            `${o.state}: ${target} is not waiting for approval (waiting: ${waiting.join(', ') || 'none'})`,
          );
        const files = runFiles(o.state);
        const control = files.readControl();
        files.writeControl({
          ...control,
          approvals: [...control.approvals, { by: o.by, target, atMs: clock.nowMs() }],
        });
        ctx.io.out(
          `approval of ${target} by ${o.by} recorded${lockHeld(o.state) ? '' : '; run `rampart rollout resume` to continue'}\n`,
        );
      });

    cmd
      .command('abort')
      .description('halt the rollout and roll back every cluster the change reached')
      .option('--state <file>', 'state file', defaultState)
      .option('--by <name>', 'who aborts (recorded)', process.env['USER'] ?? 'operator')
      .option('--json', 'events as JSON lines on stdout')
      .option('--report <file>', `${reportHelp} (when this process rolls back)`)
      .addHelpText(
        'after',
        '\nExit codes: 3 aborted (rolled back, or handed to the running rollout), 2 bad input.\n',
      )
      .action(async (o: CommonOpts & { by: string }) => {
        loadState(o.state);
        const report = reportTarget(o);
        const files = runFiles(o.state);
        if (lockHeld(o.state)) {
          files.writeControl({ ...files.readControl(), abort: { by: o.by, atMs: clock.nowMs() } });
          ctx.io.out('abort handed to the running rollout; it rolls back and exits 3\n');
          ctx.setExit(rolloutExit.abortedOrUnreachable);
          return;
        }
        const inputs = files.readInputs();
        if (!inputs)
          throw badInput(`${files.inputsPath}: missing; cannot reconnect to the clusters to roll back`);
        ctx.setExit(
          await drive(ctx, clock, o.state, inputs, outputMode(ctx.io, o.json), 'abort', o.by, report),
        );
      });

    cmd
      .command('resume')
      .description('continue a rollout from its state file (after a crash, SIGKILL or Ctrl-C)')
      .option('--state <file>', 'state file', defaultState)
      .option('--json', 'events as JSON lines on stdout')
      .option('--report <file>', reportHelp)
      .addHelpText('after', exitCodesHelp)
      .action(async (o: CommonOpts) => {
        loadState(o.state);
        const report = reportTarget(o);
        const inputs = runFiles(o.state).readInputs();
        if (!inputs)
          throw badInput(`${o.state}.run.json: missing; the rollout's inputs are needed to resume`);
        ctx.setExit(
          await drive(ctx, clock, o.state, inputs, outputMode(ctx.io, o.json), 'resume', undefined, report),
        );
      });

    cmd
      .command('report')
      .description(
        'write the HTML report of a rollout (running or finished) from its state file and journal; change nothing',
      )
      .option('--state <file>', 'state file', defaultState)
      .option(
        '--report <file>',
        "where to write it, or '-' for stdout (default: the state file's name, .html)",
      )
      .option('--postmortem <file>', "also write the rollout as a Markdown postmortem, or '-' for stdout")
      .addHelpText(
        'after',
        `
Example:
  rampart rollout report --state rollout.json --report rollout.html --postmortem rollout.md

Exit codes: 0 written, 2 no state file here (or both outputs to stdout).
`,
      )
      .action(async (o: CommonOpts & { postmortem?: string }) => {
        const state = loadState(o.state);
        const { writeRolloutReport, defaultReportPath } = await import('./rollout-report.js');
        if (o.report === '-' && o.postmortem === '-')
          throw badInput("--report and --postmortem both write to stdout ('-'); send one to a file");
        // Only a postmortem asked for: no HTML unless --report says where.
        const target =
          o.report !== undefined && o.report !== ''
            ? o.report
            : o.postmortem === undefined
              ? defaultReportPath(o.state)
              : undefined;
        writeRolloutReport(
          ctx.io,
          state,
          runFiles(o.state).journalPath,
          target,
          (line) => ctx.io.out(`${line}\n`),
          o.postmortem,
        );
      });
  };
}

export const registerRollout: RegisterCommand = registerRolloutWith(systemClock);

async function drive(
  ctx: CommandContext,
  clock: Clock,
  statePath: string,
  inputs: RunInputs,
  mode: OutputMode,
  how: 'run' | 'resume' | 'abort',
  by?: string,
  report?: string,
): Promise<number> {
  // The Kubernetes client is loaded by the commands that reach clusters only: every other command starts
  // without it.
  const { driveRollout } = await import('./rollout-drive.js');
  const stop = stopSignal();
  try {
    return await driveRollout({
      statePath,
      inputs,
      io: ctx.io,
      mode,
      clock,
      how,
      stopRequested: stop.requested,
      ...(by ? { by } : {}),
      ...(report !== undefined ? { report } : {}),
    });
  } finally {
    stop.dispose();
  }
}

function loadState(path: string): RolloutState {
  if (!existsSync(path)) throw badInput(`${path}: no rollout state here (--state names it)`);
  const s = fileStateStore(path).load();
  if (!s) throw badInput(`${path}: no rollout state here`);
  return s;
}

async function plan(ctx: CommandContext, clock: Clock, inputs: RunInputs, o: RunOpts): Promise<number> {
  const [{ liveSetup }, { predictChangeFlow }] = await Promise.all([
    import('./rollout-setup.js'),
    import('../../adapters/kube/apf-objects.js'),
  ]);
  const setup = liveSetup(inputs, o.state, clock);
  const clusters = await setup.fleet.listClusters();
  const resolved = resolvePolicy(setup.policy, clusters);
  const p = resolved.policy;
  const out = (s: string): void => ctx.io.out(`${s}\n`);
  const nodes = new Map(clusters.map((c) => [c.name, c.nodes]));
  const signals = new Set<SignalName>(p.gates.map((g) => g.signal));
  if (p.extrapolation) signals.add('change_seat_demand');
  const flows = new Map<string, Awaited<ReturnType<typeof predictChangeFlow>> | null>();
  for (const c of clusters) {
    const conn = setup.connections.get(c.name);
    flows.set(
      c.name,
      conn
        ? await predictChangeFlow(conn, setup.change.ref, setup.change.serviceAccount).catch(() => null)
        : null,
    );
  }
  if (o.json) {
    out(
      JSON.stringify({
        change: setup.change.ref,
        policy: p.name,
        waves: resolved.waves,
        shares: p.shares,
        stepBakeS: p.stepBakeS,
        bakeS: p.bakeS,
        clusters: clusters.map((c) => ({
          ...c,
          source: setup.sources.get(c.name),
          steps: p.shares.map((s) => Math.ceil(s * c.nodes - 1e-9)),
          queries: Object.fromEntries(
            [...signals].map((s) => [s, setup.prometheus.resolved(c.name, s, flows.get(c.name) ?? null)]),
          ),
        })),
        gates: p.gates,
        extrapolation: p.extrapolation,
        unreachable: setup.fleet.unreachable,
        warnings: resolved.warnings,
      }),
    );
  } else {
    const ch = setup.change.ref;
    out(
      `Plan: ${ch.kind} ${ch.namespace}/${ch.name} (service account ${setup.change.serviceAccount.namespace}/${setup.change.serviceAccount.name}) under policy ${p.name}`,
    );
    resolved.waves.forEach((w, i) => {
      const list = w.clusters.map((c) => `${c} (${nodes.get(c) ?? '?'} nodes)`).join(', ');
      out(
        `wave ${i + 1} ${w.name}${w.requireApproval ? ' [approval required]' : ''}: ${list || '(none)'}; bake ${w.bakeS ?? p.bakeS}s`,
      );
    });
    out(
      `node steps: ${p.shares.map((s) => `${Number((s * 100).toPrecision(3))}%`).join(' → ')}, ${p.stepBakeS}s bake at each partial step`,
    );
    for (const c of clusters)
      out(
        `  ${c.name}: ${p.shares.map((s) => Math.ceil(s * c.nodes - 1e-9)).join(' → ')} nodes; signals from ${setup.sources.get(c.name)}`,
      );
    if (p.extrapolation)
      out(
        `extrapolation gate: change_seat_demand over ${p.extrapolation.windowS}s projected to 100% must stay ≤ ${p.extrapolation.maxFill} × the seats its level can get`,
      );
    out(
      `inconclusive: hold, then ${p.onInconclusiveTimeout} after ${p.inconclusiveTimeoutS}s; on a failed gate roll back ${p.rollbackOnFailure}`,
    );
    out(
      `break-glass: ${p.breakGlass ? 'yes' : 'no'}; fence: ${p.fenceSeats === null ? 'no' : `${p.fenceSeats} seat(s) per API server`}`,
    );
    out('gates:');
    for (const g of p.gates) {
      const lim = [
        g.absolute !== null ? `absolute ${g.absolute}` : '',
        g.relative ? `baseline × ${g.relative.factor} + ${g.relative.margin}` : '',
      ]
        .filter(Boolean)
        .join(', ');
      out(`  ${g.name}: ${g.signal} ${g.aggregate} over ${g.windowS}s, ${lim} (${g.timing})`);
    }
    out('queries:');
    for (const c of clusters) {
      for (const s of signals) {
        const src = setup.sources.get(c.name);
        if (s === 'change_ready_ratio') out(`  ${c.name} ${s}: ready / desired from the ${ch.kind}'s status`);
        else if (src === 'apiserver')
          out(`  ${c.name} ${s}: from successive scrapes of the API server's /metrics`);
        else
          for (const q of setup.prometheus.resolved(c.name, s, flows.get(c.name) ?? null))
            out(`  ${c.name} ${s}: ${q}`);
      }
    }
    for (const w of resolved.warnings) out(`warning: ${w}`);
    for (const u of setup.fleet.unreachable) out(`${u.name}: UNREACHABLE (${u.reason})`);
  }
  return setup.fleet.unreachable.length > 0 ? rolloutExit.abortedOrUnreachable : 0;
}

async function status(io: CliIo, clock: Clock, o: CommonOpts & { watch?: boolean }): Promise<number> {
  let last = '';
  for (;;) {
    const state = loadState(o.state);
    const running = lockHeld(o.state);
    const summary = {
      change: state.change,
      policy: state.policy.name,
      status: state.status,
      running,
      wave: state.waves[state.waveIndex]?.name ?? null,
      clusters: clusterOutcome(state),
    };
    const text = o.json
      ? `${JSON.stringify(summary)}\n`
      : [
          `${state.change.kind} ${state.change.namespace}/${state.change.name} under ${state.policy.name}: ${state.status.kind}` +
            `${state.status.kind === 'halted' || state.status.kind === 'paused' ? ` — ${state.status.detail}` : ''}` +
            `${running ? ' (a rollout process is running)' : ''}`,
          ...state.waves.map(
            (w, i) =>
              `  wave ${w.name}${i === state.waveIndex ? ' (current)' : ''}: ${w.clusters.join(', ')}`,
          ),
          ...summary.clusters.map((c) => `  ${c.name}: ${c.outcome}`),
          '',
        ].join('\n');
    if (text !== last) io.out(text);
    last = text;
    const done = state.status.kind === 'completed' || state.status.kind === 'halted';
    if (!o.watch || (done && !running))
      return state.status.kind === 'running' || state.status.kind === 'paused' ? 0 : exitFor(state, 0);
    await clock.sleep(2000);
  }
}
