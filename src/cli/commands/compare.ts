import { Option } from 'commander';
import { writeFileAtomic } from '../../core/atomic-write.js';
import { formatDurationS } from '../../core/duration.js';
import { badInput } from '../../core/errors.js';
import { maxSeed } from '../../core/random.js';
import { comparePolicy, type PolicyComparison } from '../../compare/compare.js';
import { runCompareJobs, type CompareJob } from '../../compare/compare-run.js';
import type { RunDisplay } from '../../compare/run-display.js';
import { renderComparison } from '../../report/compare-table.js';
import { htmlReport } from '../../report/html.js';
import { comparePostmortem } from '../../report/postmortem.js';
import { runContext } from '../../report/run-context.js';
import { compareRecord } from '../../report/run-record.js';
import { policyForScenario } from '../../adapters/sim/policy-run.js';
import { loadScenario, runWarnings } from '../../config/scenario.js';
import { progressReporter } from '../progress.js';
import { chartAssets, reportFlagHelp, stdoutTarget, writeOutput, writtenLines } from '../report-output.js';
import { assertFiniteNumbers } from '../finite.js';
import { nonEmptyArg, wholeNumber } from '../whole-number.js';
import type { RegisterCommand } from './context.js';

/** The `compare --json` document. */
export interface CompareOutput {
  readonly scenario: string;
  readonly seeds: readonly number[];
  readonly policies: readonly PolicyComparison[];
}

/** `rampart compare <scenario> --policies a,b,c`: the same scenario under several policies, side by side. */
export const registerCompare: RegisterCommand = (program, { io }) => {
  program
    .command('compare')
    .argument('<scenario>', 'scenario YAML file (its change is rolled out under each policy)')
    .description(
      'compare rollout policies on a scenario: blast radius, customer errors, detection, recovery, lock-out',
    )
    .option(
      '--policies <list>',
      'comma-separated builtins (naive, workload-only, guarded, *-no-node-steps) or policy files',
      'naive,workload-only,guarded',
    )
    .option('--seeds <k>', 'runs per policy, with seeds base, base+1, …; means and worst case over them', '1')
    .option('--seed <n>', 'base seed (default: the scenario seed)')
    .option(
      '--json <file>',
      "write the comparison as JSON to a file, or '-' for stdout (then nothing else is printed)",
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
    .addOption(new Option('--parallel <n>', 'simulations at once (worker threads; default: CPU count)'))
    .option('--quiet', 'print only the table: no closing lines, no progress')
    .option('--progress', reportFlagHelp.progress)
    .addHelpText(
      'after',
      `
Examples:
  rampart compare scenarios/incident-2024-12-11.yaml
  rampart compare scenarios/incident-2024-12-11.yaml --policies naive,workload-only,guarded,guarded-no-node-steps
  rampart compare scenarios/incident-2024-12-11.yaml --seeds 10 --json out/compare.json
  rampart compare scenarios/incident-2024-12-11.yaml --report compare.html --postmortem compare.md

Seeds change every random draw, including the sizes of generated clusters: each seed is another fleet.
Metrics and the JSON shape are described in README.md ("Guarded rollouts").
--report draws the policies side by side on shared axes (each policy's first seed) next to the table;
--postmortem tells the worst policy's run as an incident and which policy would have contained it.
Exit codes: 0 ok, 2 bad input (unknown policy, bad policy or scenario file), 70 internal error.`,
    )
    .action(
      async (
        file: string,
        opts: {
          policies: string;
          seeds: string;
          seed?: string;
          json?: string;
          parallel?: string;
          report?: string;
          postmortem?: string;
          quiet?: boolean;
          progress?: boolean;
        },
      ) => {
        const toStdout = stdoutTarget(opts);
        const drawn = opts.report !== undefined || opts.postmortem !== undefined;
        const count = wholeNumber(opts.seeds, '--seeds', 1, 1000);
        const base =
          opts.seed === undefined ? undefined : wholeNumber(opts.seed, '--seed', 0, maxSeed + 1 - count);
        const parallel =
          opts.parallel === undefined ? undefined : wholeNumber(opts.parallel, '--parallel', 1, 64);
        const refs = opts.policies
          .split(',')
          .map((s) => s.trim())
          .filter((s) => s.length > 0);
        if (refs.length === 0) throw badInput('--policies: name at least one policy');
        // Everything is validated here, before any worker starts: bad input is one line and exit 2.
        const scenario = loadScenario(file, base);
        for (const w of runWarnings(scenario, { policy: true })) io.err(`rampart: warning: ${w}\n`);
        const names = refs.map((ref) => policyForScenario(ref, scenario).metadata.name);
        // The table and the JSON tell policies apart by name: two of one name would be one row twice.
        const twice = names.find((n, i) => names.indexOf(n) !== i);
        if (twice !== undefined)
          throw badInput(`--policies: "${twice}" is named twice; give each policy once`);
        if (scenario.seed + count - 1 > maxSeed)
          throw badInput(
            `--seeds: ${count} seeds from the scenario's seed ${scenario.seed} pass the largest seed (${maxSeed}); give a smaller --seed`,
          );
        const seeds = Array.from({ length: count }, (_, i) => scenario.seed + i);
        // A report draws each policy's first seed: only those jobs send their run back, down-sampled.
        const jobs: CompareJob[] = refs.flatMap((policy) =>
          seeds.map((seed, i) => ({
            file,
            seed,
            policy,
            noNodeSteps: false,
            ...(drawn && i === 0 ? { display: true } : {}),
          })),
        );
        const progress =
          toStdout !== null
            ? undefined
            : progressReporter(io, `comparing ${refs.length} policies × ${count} seed(s)`, {
                ...(opts.progress ? { lines: true } : {}),
                ...(opts.quiet ? { quiet: true } : {}),
              });
        const displays = new Map<number, RunDisplay>();
        const runs = await runCompareJobs(jobs, {
          ...(parallel !== undefined ? { parallel } : {}),
          ...(progress ? { onDone: (done: number, total: number) => progress.update(done / total) } : {}),
          ...(drawn ? { onDisplay: (index: number, d: RunDisplay) => void displays.set(index, d) } : {}),
        });
        progress?.done();
        const policies = names.map((name, p) => comparePolicy(name, runs.slice(p * count, (p + 1) * count)));
        const out: CompareOutput = { scenario: scenario.name, seeds, policies };
        assertFiniteNumbers(out, 'the comparison');
        const json = `${JSON.stringify(out)}\n`;
        if (opts.json && opts.json !== '-') writeFileAtomic(opts.json, json);
        if (drawn) {
          const drawnRuns = policies.map((comparison, p) => {
            const display = displays.get(p * count);
            if (!display) throw new Error(`compare: no display run came back for ${comparison.name}`);
            return { comparison, display };
          });
          const record = compareRecord(
            scenario.name,
            scenario.clock?.iso ?? null,
            seeds,
            drawnRuns,
            runContext(scenario, drawnRuns[0]?.display.clusters ?? []),
          );
          if (opts.report !== undefined)
            writeOutput(io, opts.report, htmlReport({ kind: 'compare', compare: record }, chartAssets()));
          if (opts.postmortem !== undefined) writeOutput(io, opts.postmortem, comparePostmortem(record));
        }
        if (toStdout === 'json') io.out(json);
        if (toStdout !== null) return;
        const seedText =
          count === 1 ? `seed ${scenario.seed}` : `seeds ${seeds[0]}–${seeds[seeds.length - 1]}`;
        const header = `Rampart compare · ${scenario.name} · ${seedText} · ${scenario.clusters.length} clusters · ${formatDurationS(scenario.durationS)} simulated`;
        // --quiet: the table alone, without the closing "How each ended" lines.
        const table = renderComparison(policies, scenario.clock, opts.quiet ? { endings: false } : {});
        const parts = [header, '', table];
        if (opts.json) parts.push('', `JSON written to ${opts.json}`);
        const written = writtenLines(opts);
        if (written.length > 0) parts.push(...(opts.json ? [] : ['']), ...written);
        io.out(`${parts.join('\n')}\n`);
      },
    );
};
