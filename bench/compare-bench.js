// @ts-check
/**
 * `compare` over a scenario in its own process: P policies × K seeds on worker threads, as
 * `rampart compare` runs them. Prints one JSON line {bench, wallS, runs, runsPerS, peakRssMB, …}.
 * Figures only; never asserts (issue 3 target for the incident, 3 policies × 10 seeds: ≤ 60 s).
 * Plain JavaScript through the package's public API, so it runs the build (dist/), workers included.
 */
import { availableParallelism } from 'node:os';
import { resolve } from 'node:path';
import { comparePolicy, loadScenario, runCompareJobs } from 'rampart';

const [name, file, policyList = 'naive,workload-only,guarded', seedCount = '10'] = process.argv.slice(2);
if (!name || !file) {
  process.stderr.write('usage: compare-bench.js <name> <scenario.yaml> [policies] [seeds]\n');
  process.exit(2);
}
const path = resolve(file);
const base = loadScenario(path).seed;
const policies = policyList.split(',');
const seeds = Array.from({ length: Number(seedCount) }, (_, i) => base + i);
/** @type {import('rampart').CompareJob[]} */
const jobs = policies.flatMap((policy) =>
  seeds.map((seed) => ({ file: path, seed, policy, noNodeSteps: false })),
);
const t0 = performance.now();
const runs = await runCompareJobs(jobs);
const wallS = (performance.now() - t0) / 1000;
const compared = policies.map((p, i) =>
  comparePolicy(p, runs.slice(i * seeds.length, (i + 1) * seeds.length)),
);
process.stdout.write(
  `${JSON.stringify({
    bench: name,
    wallS: Number(wallS.toFixed(3)),
    runs: jobs.length,
    runsPerS: Number((jobs.length / wallS).toFixed(3)),
    workers: Math.min(jobs.length, availableParallelism()),
    peakRssMB: Math.round(process.resourceUsage().maxRSS / 1024),
    blastRadius: Object.fromEntries(compared.map((c) => [c.name, c.blastRadius])),
  })}\n`,
);
