/**
 * `npm run bench`: every benchmark, each run in its own child process, one JSON line per benchmark.
 * Targets (issue 2): incident ≤ 2 s, 1,000 clusters ≤ 10 s, peak RSS ≤ 1 GB; audit log 1 GB ≤ 30 s at
 * ≤ 300 MB (issue 4); compare over the incident, 3 policies × 10 seeds ≤ 60 s (issue 3). Printed, never
 * asserted: timings belong to benchmarks, not tests.
 *
 * A shared 2-core machine's speed drifts by a quarter and more within minutes, so one run says little: the
 * simulator benchmarks run several times, each a cold start in a fresh process (JIT warm-up included, as a
 * user's run has it), and print the median run's figures with every run's time (`wallSRuns`) and the largest peak RSS.
 * `npm run bench -- --quick` skips the 1 GB audit-log benchmark and the testbed (a real kube-apiserver:
 * LIST all pods at 1k–20k pods, several minutes); `--no-testbed` skips only the latter; `--runs N` sets the
 * simulator runs (5).
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

// The simulator's benchmarks are plain JavaScript over the build (dist/, which `npm run bench` builds
// first), as the CLI runs; no TypeScript loader sits in a timed process. The audit-log benchmark is run
// through tsx only to generate its log: what it times is the built CLI.
const root = join(import.meta.dirname, '..');
const here = import.meta.dirname;
const script = (name: string): string => join(here, name);
const scenarioPath = (file: string): string => join(root, file);
const tsx = ['--import', pathToFileURL(join(root, 'scripts', 'register-tsx.js')).href];
const argv = process.argv.slice(2);
const quick = argv.includes('--quick');
const runsAt = argv.indexOf('--runs');
const simRuns = runsAt >= 0 ? Number(argv[runsAt + 1]) : 5;
if (!Number.isInteger(simRuns) || simRuns < 1) {
  process.stderr.write('bench: --runs needs a whole number of runs, at least 1\n');
  process.exit(2);
}

interface Bench {
  args: string[];
  runs: number;
}
const benches: Bench[] = [
  {
    args: [script('sim-bench.js'), 'simulate-incident', scenarioPath('scenarios/incident-2024-12-11.yaml')],
    runs: simRuns,
  },
  {
    args: [script('sim-bench.js'), 'simulate-fleet-1000x6h', scenarioPath('bench/fleet-1000.yaml')],
    runs: Math.min(simRuns, 3),
  },
  {
    args: [
      script('compare-bench.js'),
      'compare-incident-3x10',
      scenarioPath('scenarios/incident-2024-12-11.yaml'),
    ],
    runs: 1,
  },
];
if (!quick) benches.push({ args: [...tsx, script('audit-log.ts')], runs: 1 });

type Line = Record<string, unknown> & { wallS: number; peakRssMB: number };

/** Runs one benchmark process; its JSON line, or null when it failed (its stderr is passed through). */
function runOnce(args: string[]): Line | null {
  const child = spawnSync(process.execPath, args, {
    stdio: ['ignore', 'pipe', 'inherit'],
    encoding: 'utf8',
  });
  if (child.status !== 0) return null;
  const last = child.stdout.trim().split('\n').at(-1) ?? '';
  try {
    return JSON.parse(last) as Line;
  } catch {
    process.stderr.write(`bench: ${args.join(' ')} printed no JSON line\n`);
    return null;
  }
}

let failed = false;
for (const b of benches) {
  const lines: Line[] = [];
  for (let k = 0; k < b.runs; k++) {
    const line = runOnce(b.args);
    if (line) lines.push(line);
    else failed = true;
  }
  // The median run's own line (the lower of the two middle runs for an even count): its rates are its own.
  const sorted = [...lines].sort((x, y) => x.wallS - y.wallS);
  const mid = sorted[(sorted.length - 1) >> 1];
  if (!mid) continue;
  const all =
    lines.length > 1
      ? { peakRssMB: Math.max(...lines.map((l) => l.peakRssMB)), wallSRuns: lines.map((l) => l.wallS) }
      : {};
  process.stdout.write(`${JSON.stringify({ ...mid, ...all })}\n`);
}
// The testbed benchmark prints a line per measurement; it runs from the sources (it starts Go binaries and
// imports testbed/, which dist/ does not hold).
if (!quick && !argv.includes('--no-testbed')) {
  const child = spawnSync(process.execPath, [...tsx, join(root, 'bench', 'testbed-calibration.ts')], {
    stdio: ['ignore', 'inherit', 'inherit'],
    cwd: root,
  });
  if (child.status !== 0) failed = true;
}
process.exitCode = failed ? 1 : 0;
