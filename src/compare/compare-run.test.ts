import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { ErrorCodes, RampartError } from '../core/errors.js';
import { runCompareJob, runCompareJobs, type CompareJob } from './compare-run.js';

const file = join(import.meta.dirname, '..', '..', 'test', 'fixtures', 'small-fleet.yaml');
const job = (policy: string, seed: number): CompareJob => ({ file, seed, policy, noNodeSteps: false });

// Worker threads start from compare-worker.js beside compare-run: here, under tsx, the worker inherits the
// test process's preload (scripts/register-tsx.js), the same single way the build runs it.
describe('runCompareJobs on worker threads', () => {
  it('answers in job order, as the same jobs run in this thread', async () => {
    const jobs = [job('guarded', 7), job('naive', 8)];
    const done: number[] = [];
    const pooled = await runCompareJobs(jobs, { parallel: 2, onDone: (n) => done.push(n) });
    assert.deepEqual(
      pooled,
      jobs.map((j) => runCompareJob(j).metrics),
    );
    assert.deepEqual(done, [1, 2]);
  });

  it("carries a job's error back from its worker", async () => {
    await assert.rejects(
      runCompareJobs([job('naive-ish', 7), job('no-such-policy', 7)], { parallel: 2 }),
      /naive-ish|no-such-policy/,
    );
  });

  it("carry a bad input's code across the thread boundary (exit 2, not an internal error)", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'rampart-compare-'));
    const file = join(dir, 'no-change.yaml');
    writeFileSync(
      file,
      'apiVersion: rampart.dev/v1alpha1\nkind: Scenario\nmetadata: {name: x}\nspec:\n  duration: 2m\n  fleet: {clusters: [{name: a, nodes: 10}]}\n',
    );
    const job = { file, seed: 1, policy: 'guarded', noNodeSteps: false };
    await assert.rejects(
      runCompareJobs([job, { ...job, seed: 2 }], { parallel: 2 }),
      (err: unknown) => err instanceof RampartError && err.code === ErrorCodes.badInput,
    );
  });
});
