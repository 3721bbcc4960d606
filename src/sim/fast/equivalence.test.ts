import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadScenario, type Scenario } from '../../config/scenario.js';
import { simulate } from '../engine.js';
import { repoRoot, smallIncident } from '../small-incident.fixture.js';
import { allFastPaths, newFastStats, noFastPaths, type FastStats, type SimTuning } from './tuning.js';

// The fast paths (orbit replay, frozen windows, dormant clusters, quiet orbits) skip only work that
// cannot change anything: every scenario and fixture must give byte-identical results with all of them
// on and all of them off.

/** Every scenario file: the shipped scenarios, the test fixtures that are scenarios, the benchmark fleet. */
function scenarioFiles(): string[] {
  const yaml = (dir: string): string[] =>
    readdirSync(join(repoRoot, dir))
      .filter((f) => f.endsWith('.yaml'))
      .sort()
      .map((f) => join(dir, f));
  return [...yaml('scenarios'), ...yaml('test/fixtures'), ...yaml('bench')].filter((f) =>
    /^kind: Scenario$/m.test(readFileSync(join(repoRoot, f), 'utf8')),
  );
}

/**
 * Shorter runs of the large scenarios, so the suite stays quick; each still goes past its saturation and
 * remediation into the hours the fast paths take over in. Every other scenario runs in full.
 */
const durationCapS: Readonly<Record<string, number>> = {
  // Saturation, lock-out, the block at 1h48m, the delete and unblock by 2h, the first orbits after.
  'scenarios/incident-2024-12-11.yaml': 2.5 * 3600,
  // The pipeline's rollout (1h of it) with break-glass and quarantine: saturation, then quarantines.
  'scenarios/what-if-quarantine.yaml': 1.5 * 3600,
  // The benign change's rollout over 29 min and an hour of the fleet at rest after it.
  'scenarios/incident-benign.yaml': 1.5 * 3600,
  // 1,000 clusters: the first half hour of the rollout, the rest at rest.
  'bench/fleet-1000.yaml': 3600,
};

function run(scenario: Scenario, tuning: SimTuning, stats: FastStats): string {
  return JSON.stringify(simulate(scenario, { tuning, stats }));
}

void describe('fast paths change nothing', () => {
  const taken = newFastStats();
  for (const file of scenarioFiles()) {
    void it(`${file}: all fast paths on = all off`, () => {
      const full = loadScenario(join(repoRoot, file));
      const cap = durationCapS[file];
      const scenario = cap === undefined ? full : { ...full, durationS: Math.min(cap, full.durationS) };
      const off = run(scenario, noFastPaths, newFastStats());
      const on = run(scenario, allFastPaths, taken);
      assert.ok(on === off, `${file}: results differ with the fast paths on`);
    });
  }

  void it('each fast path was taken in those runs', () => {
    assert.ok(
      taken.replayedSteps > 1000 &&
        taken.windowsFrozen > 1000 &&
        taken.clustersMadeDormant > 0 &&
        taken.quietUpdatesSkipped > 100,
      JSON.stringify(taken),
    );
  });

  void it('each one off alone changes nothing either (the small incident, woken mid-orbit at 4 h)', () => {
    // So that one fast path cannot hide another's difference.
    const scenario = smallIncident();
    const everyStep = run(scenario, noFastPaths, newFastStats());
    for (const name of Object.keys(allFastPaths) as (keyof SimTuning)[])
      assert.equal(
        run(scenario, { ...allFastPaths, [name]: false }, newFastStats()),
        everyStep,
        `${name} off`,
      );
  });
});
