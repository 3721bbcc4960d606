import { Option } from 'commander';
import { writeFileAtomic } from '../../core/atomic-write.js';
import { badInput } from '../../core/errors.js';
import { maxSeed } from '../../core/random.js';
import { simulate } from '../../sim/engine.js';
import { policyForScenario, simulateWithPolicy } from '../../adapters/sim/policy-run.js';
import { loadScenario, runWarnings } from '../../config/scenario.js';
import {
  renderClusterTable,
  renderFleetSummary,
  renderHeader,
  renderTimeline,
} from '../../report/timeline.js';
import { htmlReport } from '../../report/html.js';
import { postmortem } from '../../report/postmortem.js';
import { runContext } from '../../report/run-context.js';
import { runRecord } from '../../report/run-record.js';
import type { RegisterCommand } from './context.js';
import { progressReporter } from '../progress.js';
import { chartAssets, reportFlagHelp, stdoutTarget, writeOutput, writtenLines } from '../report-output.js';
import { assertFiniteNumbers } from '../finite.js';
import { nonEmptyArg, wholeNumber } from '../whole-number.js';

/** `rampart simulate <scenario>`: runs a scenario and prints the timeline and per-cluster summary. */
export const registerSimulate: RegisterCommand = (program, { io }) => {
  program
    .command('simulate')
    .argument('<scenario>', 'scenario YAML file (see scenarios/)')
    .description('simulate a fleet: API servers with APF, LIST cost, retries, DNS caches, data-plane errors')
    .option('--seed <n>', 'override the scenario seed (same seed, same output)')
    .option(
      '--policy <builtin|file>',
      "roll the scenario's change out under a policy: naive, workload-only, guarded (add -no-node-steps to turn node-subset steps off) or a RolloutPolicy YAML file",
      nonEmptyArg('--policy', 'a builtin policy name or a RolloutPolicy file'),
    )
    .option(
      '--no-node-steps',
      "with --policy: apply each cluster to all its nodes at once (drops the policy's node-subset steps)",
    )
    .option(
      '--json <file>',
      "write the full result as JSON to a file, or '-' for stdout (then nothing else is printed)",
      nonEmptyArg('--json', "a file name, or '-' for stdout"),
    )
    .option(
      '--report <file>',
      reportFlagHelp.report,
      nonEmptyArg('--report', "a file name, or '-' for stdout"),
    )
    .option(
      '--postmortem <file>',
      reportFlagHelp.postmortem,
      nonEmptyArg('--postmortem', "a file name, or '-' for stdout"),
    )
    .addOption(new Option('--quiet', 'print only the summary: no timeline, no progress'))
    .option('--progress', reportFlagHelp.progress)
    .addHelpText(
      'after',
      `
Examples:
  rampart simulate scenarios/incident-2024-12-11.yaml
  rampart simulate scenarios/incident-2024-12-11.yaml --seed 7 --json out/incident.json
  rampart simulate scenarios/incident-2024-12-11.yaml --policy guarded
  rampart simulate scenarios/incident-2024-12-11.yaml --policy guarded --no-node-steps
  rampart simulate scenarios/incident-2024-12-11.yaml --policy ./my-policy.yaml
  rampart simulate scenarios/staging.yaml --json - | jq .fleet
  rampart simulate scenarios/incident-2024-12-11.yaml --report incident.html --postmortem incident.md
  rampart simulate scenarios/incident-2024-12-11.yaml --quiet --report - > incident.html

A policy replaces the scenario's own rollout: it starts at the scenario's rollout start, operator actions
still apply, and the timeline adds rollout.wave.started, rollout.gate.failed, rollout.halted and
rollout.cluster.rolledback. The builtin naive paces over the scenario's own rollout span.

--report writes one HTML file with everything inline (no network request; it opens offline): summary
cards, the fleet's and each cluster's APF seat use, API p99, 429s, DNS failures and errors over time with
the rollout and operator actions marked, the timeline and a sortable cluster table. --postmortem writes
the run as an incident write-up (summary, impact, timeline, causal chain, detection, contributing
factors). Series are down-sampled for display only; --json keeps every sample.

Exit codes: 0 ok, 2 bad input (the message names file:line:col and field), 70 internal error.`,
    )
    .action(
      (
        file: string,
        opts: {
          seed?: string;
          json?: string;
          quiet?: boolean;
          policy?: string;
          nodeSteps?: boolean;
          report?: string;
          postmortem?: string;
          progress?: boolean;
        },
      ) => {
        const toStdout = stdoutTarget(opts);
        const seed = opts.seed === undefined ? undefined : wholeNumber(opts.seed, '--seed', 0, maxSeed);
        const scenario = loadScenario(file, seed);
        if (opts.nodeSteps === false && opts.policy === undefined)
          throw badInput('--no-node-steps: only with --policy');
        const policy =
          opts.policy === undefined
            ? undefined
            : policyForScenario(opts.policy, scenario, { noNodeSteps: opts.nodeSteps === false });
        for (const w of runWarnings(scenario, { policy: policy !== undefined }))
          io.err(`rampart: warning: ${w}\n`);
        const progress =
          toStdout !== null
            ? undefined
            : progressReporter(io, `simulating ${scenario.clusters.length} clusters`, {
                ...(opts.progress ? { lines: true } : {}),
                ...(opts.quiet ? { quiet: true } : {}),
              });
        // One large run in this process: worth warming the simulator up first (it changes no result).
        const runOpts = { warmUp: true, ...(progress ? { onProgress: progress.update } : {}) };
        const result = policy ? simulateWithPolicy(scenario, policy, runOpts) : simulate(scenario, runOpts);
        progress?.done();
        assertFiniteNumbers(result, 'the simulation result');
        const json = `${JSON.stringify(result)}\n`;
        if (opts.json && opts.json !== '-') writeFileAtomic(opts.json, json);
        if (opts.report !== undefined || opts.postmortem !== undefined) {
          const record = runRecord(result, runContext(scenario, result.clusters));
          if (opts.report !== undefined)
            writeOutput(io, opts.report, htmlReport({ kind: 'run', run: record }, chartAssets()));
          if (opts.postmortem !== undefined) writeOutput(io, opts.postmortem, postmortem(record));
        }
        if (toStdout === 'json') io.out(json);
        if (toStdout !== null) return;
        const clock = scenario.clock;
        const parts = [renderHeader(result, clock), ''];
        if (!opts.quiet)
          parts.push('Timeline', renderTimeline(result, clock, 60, { color: io.color === true }), '');
        parts.push('Clusters', renderClusterTable(result, clock), '', renderFleetSummary(result, clock));
        if (opts.json) parts.push(`JSON written to ${opts.json}`);
        parts.push(...writtenLines(opts));
        io.out(`${parts.join('\n')}\n`);
      },
    );
};
