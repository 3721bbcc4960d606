import { createInterface } from 'node:readline/promises';
import { writeFileAtomic } from '../../core/atomic-write.js';
import { createRng } from '../../core/random.js';
import { loadCredentials } from '../../loadtest/kubeconfig.js';
import { loadtestJson, loadtestText } from '../../loadtest/loadtest-report.js';
import type { LiveCluster } from '../../loadtest/prediction.js';
import { changeFromFile, confirmAboveNodes, runLoadtest } from '../../loadtest/run-loadtest.js';
import { realScheduler } from '../../loadtest/scheduler.js';
import { defaultThresholds, parseAgentSteps, parseHold } from '../../loadtest/step-verdict.js';
import type { RegisterCommand } from './context.js';

interface LoadtestFlags {
  readonly profile: string;
  readonly context?: string;
  readonly kubeconfig?: string;
  readonly agents: string;
  readonly hold: string;
  readonly json?: string;
  readonly yes?: boolean;
}

const help = `
Ramps virtual agents of the change (its API profile's calls at their periods, authenticated as its own
service account) against a real cluster, step by step, each step adding agents and holding --hold after a
short warm-up. Per step it reads what the agents saw and the API server's own /metrics: requests/s,
p50/p99 latency, 429 ratio, and seats in use vs the limit of the change's APF priority level.

It stops at the first step that breaks a threshold - 429 ratio > ${defaultThresholds.maxRejectedRatio * 100}%, the server's p99
> ${defaultThresholds.maxP99S} s (the default policy's apiserver_p99_latency_s), or seats >= ${defaultThresholds.maxSeatFraction * 100}% of the level's limit - or when the
cluster stops answering, and stops every agent before it exits (Ctrl-C too). It then prints the measured
break-even (agents, and the objects each LIST touched) beside analyze's prediction for this cluster's real
node and pod counts, and their ratio.

What it changes on the cluster, for the duration of the run: the change's service account (and its
namespace) when missing, and a temporary ClusterRole + binding with exactly the change's calls; all
removed at the end. The agents' writes are sent with dryRun=All. Credentials: token or client
certificate from the kubeconfig (exec plugins are not run); they are never printed.

Exit codes: 0 no step broke a threshold, 1 a step did, 2 bad input (or credentials refused),
3 the cluster could not be reached, 130 interrupted.
JSON (--json FILE, written atomically): {"cluster":{"nodes","pods"},"steps":[{"agents","requestsPerS",
"p50S","p99S","rejectedRatio","seatsInUse","seatsLimit","verdict"}],"breakEvenAgents",
"predictedBreakEvenAgents"} (verdict: ok|rejected|latency|seats|unreachable; breakEvenAgents is the first
step that broke, null when none did).

Example:
  rampart loadtest --profile deploy/telemetry-agent.yaml --context staging --agents 1,10,50,100 --hold 60s
`;

/** Asks on the terminal; anything but y/yes declines. */
async function askYes(question: string): Promise<boolean> {
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  try {
    const answer = await rl.question(question);
    return /^y(es)?$/i.test(answer.trim());
  } finally {
    rl.close();
  }
}

/** `rampart loadtest`: a change's real cost on a real cluster, measured step by step. */
export const registerLoadtest: RegisterCommand = (program, { io, setExit }) => {
  program
    .command('loadtest')
    .description("measure a change's real API-server cost on a cluster, ramping virtual agents step by step")
    .requiredOption(
      '--profile <file>',
      'an ApiProfile, or a workload manifest with the rampart.dev/api-profile annotation',
    )
    .option('--context <name>', 'kubeconfig context (default: its current-context)')
    .option('--kubeconfig <file>', 'kubeconfig file (default: $KUBECONFIG, else ~/.kube/config)')
    .requiredOption('--agents <list>', 'agents per step, increasing (e.g. 1,10,50,100)')
    .option('--hold <duration>', 'how long each step is measured', '60s')
    .option('--json <file>', 'also write the result as JSON (atomically)')
    .option('--yes', `do not ask before loading a cluster of more than ${confirmAboveNodes} nodes`)
    .addHelpText('after', help)
    .action(async (opts: LoadtestFlags) => {
      const steps = parseAgentSteps(opts.agents);
      const holdS = parseHold(opts.hold);
      const change = changeFromFile(opts.profile);
      const creds = loadCredentials(opts.kubeconfig, opts.context);
      let stop = false;
      let cleanup: (() => Promise<void>) | undefined;
      // First Ctrl-C: stop the ramp (agents stopped, identity removed, report printed). Second: leave now;
      // the agents live in this process, so they end with it.
      const onSigint = (): void => {
        if (stop) {
          void (cleanup?.() ?? Promise.resolve()).finally(() => process.exit(130));
          return;
        }
        stop = true;
        io.err('rampart loadtest: stopping every agent (Ctrl-C again to quit at once)\n');
      };
      process.on('SIGINT', onSigint);
      try {
        const interactive = io.isTty && Boolean(process.stdin.isTTY);
        const run = await runLoadtest(
          creds,
          { change, steps, holdS, thresholds: defaultThresholds },
          {
            scheduler: realScheduler,
            rng: createRng(Date.now() % 2 ** 31),
            progress: (line) => io.err(`rampart loadtest: ${line}\n`),
            confirm: (c: LiveCluster) =>
              opts.yes === true || !interactive
                ? Promise.resolve(true)
                : askYes(
                    `Load ${creds.context} (${c.nodes.toLocaleString('en-US')} nodes) with up to ${steps.at(-1) ?? 0} agents of ${change.name}? [y/N] `,
                  ),
            stopRequested: () => stop,
            onCleanup: (c) => {
              cleanup = c;
            },
          },
        );
        io.out(loadtestText(run));
        if (opts.json !== undefined && run.confirmed)
          writeFileAtomic(opts.json, `${JSON.stringify(loadtestJson(run), null, 2)}\n`);
        if (run.ramp.interrupted) setExit(130);
        else if (run.ramp.breakEvenAgents !== null) setExit(1);
      } finally {
        process.off('SIGINT', onSigint);
      }
    });
};
