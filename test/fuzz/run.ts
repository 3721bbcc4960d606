import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { repoRoot } from './support.js';

// `npm run fuzz -- --runs N [--seed S] [--parallel P]`: the fuzz properties with more cases than `npm test`'s.
const args = process.argv.slice(2);
const flag = (name: string, fallback: string): string => {
  const i = args.indexOf(name);
  const v = i >= 0 ? args[i + 1] : undefined;
  if (i >= 0 && (v === undefined || !/^\d+$/.test(v))) {
    console.error(`fuzz: ${name} needs a whole number`);
    process.exit(2);
  }
  return v ?? fallback;
};
const env = {
  ...process.env,
  RAMPART_FUZZ_RUNS: flag('--runs', '1000'),
  RAMPART_FUZZ_SEED: flag('--seed', String(Date.now() % 1_000_000)),
  RAMPART_FUZZ_PARALLEL: flag('--parallel', '2'),
};
console.log(`fuzz: ${env.RAMPART_FUZZ_RUNS} cases, seed ${env.RAMPART_FUZZ_SEED}`);
const r = spawnSync(
  process.execPath,
  ['--import', 'tsx', '--test', join(repoRoot, 'test/fuzz/fuzz.test.ts')],
  {
    stdio: 'inherit',
    env,
  },
);
process.exit(r.status ?? 1);
