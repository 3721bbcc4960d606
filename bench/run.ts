/**
 * `npm run bench`: every benchmark, each in its own child process, one JSON line each.
 * Targets (issue 2): incident ≤ 2 s, 1,000 clusters ≤ 10 s, peak RSS ≤ 1 GB; audit log 1 GB ≤ 30 s at
 * ≤ 300 MB (issue 4); compare over the incident, 3 policies × 10 seeds ≤ 60 s (issue 3). Printed, never
 * asserted: timings belong to benchmarks, not tests.
 * `npm run bench -- --quick` skips the 1 GB audit-log benchmark.
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

const here = import.meta.dirname;
const quick = process.argv.includes('--quick');
const runs: { args: string[] }[] = [
  { args: [join(here, 'sim-bench.ts'), 'simulate-incident', 'scenarios/incident-2024-12-11.yaml'] },
  { args: [join(here, 'sim-bench.ts'), 'simulate-fleet-1000x6h', 'bench/fleet-1000.yaml'] },
  { args: [join(here, 'compare-bench.ts'), 'compare-incident-3x10', 'scenarios/incident-2024-12-11.yaml'] },
];
if (!quick) runs.push({ args: [join(here, 'audit-log.ts')] });
let failed = false;
for (const r of runs) {
  const child = spawnSync(process.execPath, ['--import', 'tsx', ...r.args], {
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  if (child.status !== 0) failed = true;
}
process.exitCode = failed ? 1 : 0;
