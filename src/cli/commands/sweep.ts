import { Option } from 'commander';
import { writeFileAtomic } from '../../core/atomic-write.js';
import { formatDurationS } from '../../core/duration.js';
import { badInput } from '../../core/errors.js';
import { maxSeed } from '../../core/random.js';
import { runWarnings } from '../../config/scenario.js';
import {
  loadScenarioWith,
  parseOverrideAxis,
  type OverrideAxis,
  type ScenarioOverride,
} from '../../config/scenario-overrides.js';
import { runSweepJobs, type SweepJob, type SweepVariant } from '../../compare/sweep-run.js';
import { renderSweepTable } from '../../report/sweep-table.js';
import { renderSweepHtml } from '../../report/sweep-html.js';
import { progressReporter } from '../progress.js';
import { assertFiniteNumbers } from '../finite.js';
import { nonEmptyArg, wholeNumber } from '../whole-number.js';
import type { RegisterCommand } from './context.js';

/** The `sweep --json` document. */
export interface SweepOutput {
  readonly variants: readonly SweepVariant[];
}

/** The most simulations one sweep runs (variants × seeds): the incident takes seconds each. */
export const maxSweepRuns = 256;

/** `rampart sweep <scenario> --set path=v1,v2`: which inputs move which outcome. */
export const registerSweep: RegisterCommand = (program, { io }) => {
  program
    .command('sweep')
    .argument('<scenario>', 'scenario YAML file')
    .description(
      'run a scenario with fields set to each combination of values: saturation, impact, errors, lock-out, recovery per variant',
    )
    .option(
      '--set <path=v1,v2,...>',
      'a field of the scenario file and the values to try (repeatable; every combination runs), e.g. spec.change.namespace=kube-system,telemetry',
      (value: string, previous: string[] = []) => [...previous, value],
    )
    .option('--seeds <k>', 'runs per variant, with seeds base, base+1, …', '1')
    .option('--seed <n>', 'base seed (default: the scenario seed)')
    .option(
      '--json <file>',
      "write the variants as JSON to a file, or '-' for stdout (then nothing else is printed)",
      nonEmptyArg('--json', "a file name, or '-' for stdout"),
    )
    .option(
      '--report <file>',
      'write the table as a self-contained HTML page',
      nonEmptyArg('--report', 'an .html file name'),
    )
    .addOption(new Option('--parallel <n>', 'simulations at once (worker threads; default: CPU count)'))
    .addHelpText(
      'after',
      `
Examples:
  rampart sweep scenarios/incident-2024-12-11.yaml --set spec.change.namespace=kube-system,telemetry
  rampart sweep scenarios/incident-2024-12-11.yaml --set spec.clusterDefaults.dns.nodeCache.ttl=5m,20m,1h \\
      --set spec.clusterDefaults.apiServers=3,5 --json out/sweep.json --report out/sweep.html

Paths are the scenario file's own fields (dots; [n] for a list item); values are YAML scalars (3, 0.5,
true, 20m, kube-system), checked as the file's own would be. At most ${maxSweepRuns} runs (variants × seeds).
Exit codes: 0 ok, 2 bad input (unknown path, bad value, too many variants), 70 internal error.`,
    )
    .action(
      async (
        file: string,
        opts: {
          set?: string[];
          seeds: string;
          seed?: string;
          json?: string;
          report?: string;
          parallel?: string;
        },
      ) => {
        const count = wholeNumber(opts.seeds, '--seeds', 1, maxSweepRuns);
        const base =
          opts.seed === undefined ? undefined : wholeNumber(opts.seed, '--seed', 0, maxSeed + 1 - count);
        const parallel =
          opts.parallel === undefined ? undefined : wholeNumber(opts.parallel, '--parallel', 1, 64);
        const axes = (opts.set ?? []).map((s) => parseOverrideAxis(s));
        const paths = axes.map((a) => a.path);
        const twice = paths.find((p, i) => paths.indexOf(p) !== i);
        if (twice !== undefined)
          throw badInput(`--set ${twice}: set twice; give each path once with all its values`);
        const variantCount = axes.reduce((n, a) => n * a.values.length, 1);
        const runs = variantCount * count;
        if (runs > maxSweepRuns)
          throw badInput(
            `--set: ${axes.map((a) => a.values.length).join(' × ') || '1'} = ${variantCount} variant(s) × ${count} seed(s) = ${runs} runs; at most ${maxSweepRuns} in one sweep: give fewer values or seeds`,
          );
        const combos = combinations(axes);
        // Every variant is loaded and checked here, before any worker starts: bad input is one line, exit 2.
        const scenario = loadScenarioWith(file, [], base);
        for (const w of runWarnings(scenario, { policy: false })) io.err(`rampart: warning: ${w}\n`);
        for (const c of combos) loadScenarioWith(file, c, base);
        if (scenario.seed + count - 1 > maxSeed)
          throw badInput(
            `--seeds: ${count} seeds from the scenario's seed ${scenario.seed} pass the largest seed (${maxSeed}); give a smaller --seed`,
          );
        const seeds = Array.from({ length: count }, (_, i) => scenario.seed + i);
        const jobs: SweepJob[] = combos.flatMap((overrides) =>
          seeds.map((seed) => ({ file, seed, overrides })),
        );
        const jsonToStdout = opts.json === '-';
        const progress = jsonToStdout
          ? undefined
          : progressReporter(io, `sweeping ${combos.length} variant(s) × ${count} seed(s)`);
        const variants = await runSweepJobs(jobs, {
          ...(parallel !== undefined ? { parallel } : {}),
          ...(progress ? { onDone: (done: number, total: number) => progress.update(done / total) } : {}),
        });
        progress?.done();
        const out: SweepOutput = { variants };
        assertFiniteNumbers(out, 'the sweep');
        const seedText =
          count === 1 ? `seed ${scenario.seed}` : `seeds ${seeds[0]}–${seeds[seeds.length - 1]}`;
        const header = `Rampart sweep · ${scenario.name} · ${seedText} · ${variants.length} run(s) · ${formatDurationS(scenario.durationS)} simulated`;
        if (opts.report)
          writeFileAtomic(
            opts.report,
            renderSweepHtml(`Rampart sweep · ${scenario.name}`, header, variants, paths, scenario.clock),
          );
        const json = `${JSON.stringify(out)}\n`;
        if (jsonToStdout) {
          io.out(json);
          return;
        }
        if (opts.json) writeFileAtomic(opts.json, json);
        const parts = [header, '', renderSweepTable(variants, paths, scenario.clock)];
        if (opts.json) parts.push('', `JSON written to ${opts.json}`);
        if (opts.report) parts.push(`${opts.json ? '' : '\n'}HTML report written to ${opts.report}`);
        io.out(`${parts.join('\n')}\n`);
      },
    );
};

/** Every combination of the axes' values, the first axis outermost; one empty combination for none. */
function combinations(axes: readonly OverrideAxis[]): ScenarioOverride[][] {
  let out: ScenarioOverride[][] = [[]];
  for (const axis of axes) {
    out = out.flatMap((c) => axis.values.map((value) => [...c, { path: axis.path, value }]));
  }
  return out;
}
