import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { caseKinds } from './cases.js';
import { runCases, type FuzzCase } from './support.js';

// Property: every generated input (schema-derived, out of range, or damaged text; every file kind and flag
// set) either succeeds with finite numbers in all its output, or exits 2 with exactly one stderr line
// (file:line:col for YAML and field errors), within the time and memory caps of support.ts. Fixed seeds keep
// CI repeatable; `npm run fuzz -- --runs N [--seed S]` runs a longer campaign.
const runs = Number(process.env['RAMPART_FUZZ_RUNS'] ?? '120');
const seed = Number(process.env['RAMPART_FUZZ_SEED'] ?? '20241211');
const parallel = Number(process.env['RAMPART_FUZZ_PARALLEL'] ?? '2');

void describe(`fuzz: ${runs} cases, seed ${seed}`, () => {
  Object.entries(caseKinds).forEach(([kind, { arbitrary, share }], k) => {
    const n = Math.max(1, Math.round(runs * share));
    void it(`${kind}: ${n} cases answer with finite numbers or one line (exit 2)`, async () => {
      const cases: FuzzCase[] = fc.sample(arbitrary, { seed: seed + k, numRuns: n });
      const results = await runCases(cases, parallel);
      const failures: string[] = [];
      const tally: Record<string, number> = {};
      results.forEach(({ failure, run, dir }, i) => {
        const key = `exit ${String(run.code ?? run.signal)}`;
        tally[key] = (tally[key] ?? 0) + 1;
        if (process.env['RAMPART_FUZZ_VERBOSE'])
          console.log(
            `# ${kind} #${i} ${key} ${cases[i]?.label.slice(0, 160) ?? ''} :: ${run.stderr.split('\n')[0]?.slice(0, 200) ?? ''}`,
          );
        if (failure === null) rmSync(dir, { recursive: true, force: true });
        else
          failures.push(
            `#${i} ${failure}\n    case: ${cases[i]?.label ?? ''}\n    rerun: cd ${dir} && rampart ${cases[i]?.args.join(' ') ?? ''}`,
          );
      });
      console.log(`# fuzz ${kind}: ${n} cases, ${JSON.stringify(tally)}`);
      assert.equal(failures.length, 0, `${failures.length} of ${n} cases failed:\n${failures.join('\n')}`);
    });
  });
});
