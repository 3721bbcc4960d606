import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createFleetRun, recordSeries, runResult, simulate } from './engine.js';
import { smallIncident } from './small-incident.fixture.js';

void describe('a steppable fleet run', () => {
  void it('stepped in pieces gives the result of one simulate()', () => {
    // The small incident: saturation, remediation, orbits, and a wake mid-orbit at 4 h.
    const scenario = smallIncident();
    const whole = JSON.stringify(simulate(scenario));
    const run = createFleetRun(scenario);
    const recorder = recordSeries(run);
    const now = (): number => run.now;
    assert.equal(now(), 0);
    run.runUntil(1234.5);
    assert.equal(now(), 1236, 'every step before 1234.5 s ran');
    run.step();
    run.step();
    run.runUntil(now());
    assert.equal(now(), 1240);
    for (let chunk = 977; !run.done; chunk += 311) run.runUntil(now() + chunk);
    assert.equal(now(), scenario.durationS);
    run.step();
    run.runUntil(Number.POSITIVE_INFINITY);
    assert.equal(now(), scenario.durationS, 'nothing past the end');
    assert.equal(JSON.stringify(runResult(run, recorder)), whole);
  });

  void it('counts the fast paths it takes on its own stats, and takes none it was told not to', () => {
    const scenario = { ...smallIncident(), durationS: 3 * 3600 };
    const on = createFleetRun(scenario);
    on.runUntil(scenario.durationS);
    assert.ok(on.stats.replayedSteps > 0 && on.stats.clustersMadeDormant > 0, JSON.stringify(on.stats));
    const off = createFleetRun(scenario, { tuning: { orbitReplay: false, dormantClusters: false } });
    off.runUntil(scenario.durationS);
    assert.deepEqual([off.stats.replayedSteps, off.stats.clustersMadeDormant], [0, 0]);
  });
});
