// @ts-check
/**
 * One simulator benchmark in its own process (so peak RSS is its own): prints one JSON line
 * {bench, wallS, simSecondsPerWallSecond, clusterStepsPerS, peakRssMB}. Figures only; never asserts.
 * Plain JavaScript through the package's public API, so it runs the build (dist/) as the CLI does, with
 * no TypeScript loader in the process.
 */
import { resolve } from 'node:path';
import { loadScenario, simulate, stepCount } from 'rampart';

const [name, file] = process.argv.slice(2);
if (!name || !file) {
  process.stderr.write('usage: sim-bench.js <name> <scenario.yaml>\n');
  process.exit(2);
}
const scenario = loadScenario(resolve(file));
const t0 = performance.now();
// Warmed up, as the CLI runs it.
const result = simulate(scenario, { warmUp: true });
const wallS = (performance.now() - t0) / 1000;
const steps = stepCount(scenario.durationS, scenario.stepS);
process.stdout.write(
  `${JSON.stringify({
    bench: name,
    wallS: Number(wallS.toFixed(3)),
    simSecondsPerWallSecond: Math.round(scenario.durationS / wallS),
    clusterStepsPerS: Math.round((steps * scenario.clusters.length) / wallS),
    peakRssMB: Math.round(process.resourceUsage().maxRSS / 1024),
    clusters: scenario.clusters.length,
    clustersSaturated: result.fleet.clustersSaturated,
  })}\n`,
);
