import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { ErrorCodes, RampartError } from '../core/errors.js';
import { runCompareJobs } from './compare-run.js';

describe('compare workers', () => {
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
