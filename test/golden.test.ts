// Golden files: the CLI's text reports, compared byte for byte with test/golden/*.txt, so a change that
// moves one character of what a user reads shows up as a diff in review. Each file is the stdout of the
// command in its test, run from the repository root.
//
// When a change of output is intended, rewrite them and review the diff:
//
//   UPDATE_GOLDEN=1 node --import ./scripts/register-tsx.js --test test/golden.test.ts
//   git diff test/golden/
//
// A mismatch prints a short unified diff (- golden, + actual).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { assertGolden, runCliInProcess } from './support/index.js';

describe('golden files (test/golden/)', () => {
  it('simulate scenarios/incident-2024-12-11.yaml: header, timeline, cluster table, fleet summary', async () => {
    const run = await runCliInProcess(['simulate', 'scenarios/incident-2024-12-11.yaml']);
    assert.equal(run.code, 0, run.stderr);
    // The shipped scenario asks for nothing it does not get: no warnings.
    assert.equal(run.stderr, '');
    assertGolden('simulate-incident.txt', run.stdout);
  });

  it('compare test/fixtures/rollout-fleet.yaml --policies naive,guarded --seeds 2: the comparison table', async () => {
    // The table of the incident itself takes 3 policies × 2 seeds of the full fleet (≈ 20 s of CPU); this
    // fleet keeps what the table shows (saturation under naive, a guarded halt, means and worst cases).
    const run = await runCliInProcess([
      'compare',
      'test/fixtures/rollout-fleet.yaml',
      '--policies',
      'naive,guarded',
      '--seeds',
      '2',
    ]);
    assert.equal(run.code, 0, run.stderr);
    assert.equal(run.stderr, '');
    assertGolden('compare-rollout-fleet.txt', run.stdout);
  });

  it('analyze examples/analyze/manifests --fleet examples/analyze/fleet.yaml: the text report', async () => {
    const run = await runCliInProcess([
      'analyze',
      'examples/analyze/manifests',
      '--fleet',
      'examples/analyze/fleet.yaml',
    ]);
    assert.equal(run.code, 1, 'the incident agent is high on this fleet');
    assert.equal(run.stderr, '');
    assertGolden('analyze-examples.txt', run.stdout);
  });
});
