import { Option } from 'commander';
import { writeFileAtomic } from '../../core/atomic-write.js';
import { formatDurationS } from '../../core/duration.js';
import { badInput } from '../../core/errors.js';
import { maxSeed } from '../../core/random.js';
import { comparePolicy, type PolicyComparison } from '../../compare/compare.js';
import { runCompareJobs, type CompareJob } from '../../compare/compare-run.js';
import { renderComparison } from '../../report/compare-table.js';
import { policyForScenario } from '../../adapters/sim/policy-run.js';
import { loadScenario, runWarnings } from '../../config/scenario.js';
import { progressReporter } from '../progress.js';
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
    .addOption(new Option('--parallel <n>', 'simulations at once (worker threads; default: CPU count)'))
    .addHelpText(
      'after',
      `
Examples:
  rampart compare scenarios/incident-2024-12-11.yaml
  rampart compare scenarios/incident-2024-12-11.yaml --policies naive,workload-only,guarded,guarded-no-node-steps
  rampart compare scenarios/incident-2024-12-11.yaml --seeds 10 --json out/compare.json

Seeds change every random draw, including the sizes of generated clusters: each seed is another fleet.
Metrics and the JSON shape are described in README.md ("Guarded rollouts").
Exit codes: 0 ok, 2 bad input (unknown policy, bad policy or scenario file), 70 internal error.`,
    )
    .action(
      async (
        file: string,
        opts: { policies: string; seeds: string; seed?: string; json?: string; parallel?: string },
      ) => {
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
        const jobs: CompareJob[] = refs.flatMap((policy) =>
          seeds.map((seed) => ({ file, seed, policy, noNodeSteps: false })),
        );
        const jsonToStdout = opts.json === '-';
        const progress = jsonToStdout
          ? undefined
          : progressReporter(io, `comparing ${refs.length} policies × ${count} seed(s)`);
        const runs = await runCompareJobs(jobs, {
          ...(parallel !== undefined ? { parallel } : {}),
          ...(progress ? { onDone: (done: number, total: number) => progress.update(done / total) } : {}),
        });
        progress?.done();
        const policies = names.map((name, p) => comparePolicy(name, runs.slice(p * count, (p + 1) * count)));
        const out: CompareOutput = { scenario: scenario.name, seeds, policies };
        assertFiniteNumbers(out, 'the comparison');
        const json = `${JSON.stringify(out)}\n`;
        if (jsonToStdout) {
          io.out(json);
          return;
        }
        if (opts.json) writeFileAtomic(opts.json, json);
        const seedText =
          count === 1 ? `seed ${scenario.seed}` : `seeds ${seeds[0]}–${seeds[seeds.length - 1]}`;
        const header = `Rampart compare · ${scenario.name} · ${seedText} · ${scenario.clusters.length} clusters · ${formatDurationS(scenario.durationS)} simulated`;
        const parts = [header, '', renderComparison(policies, scenario.clock)];
        if (opts.json) parts.push('', `JSON written to ${opts.json}`);
        io.out(`${parts.join('\n')}\n`);
      },
    );
};
