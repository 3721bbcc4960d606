import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { loadScenario } from '../../config/scenario.js';
import { createFleetRun } from '../run.js';
import { repoRoot } from '../small-incident.fixture.js';

void describe('takeApiServersDown: a control-plane outage', () => {
  void it('nothing answers until the end, then the servers return, relist and settle again', () => {
    const s = loadScenario(join(repoRoot, 'test', 'fixtures', 'small-fleet.yaml'));
    const scenario = { ...s, durationS: 3600, rollout: undefined, operator: [] };
    const run = createFleetRun(scenario, { tuning: { orbitReplay: false } });
    const c = run.fleet.cluster('big');
    assert.ok(c);
    run.runUntil(120);
    const baseline = c.cp.seatDemand;
    assert.ok(baseline > 0, 'the baseline asks for seats');
    assert.equal(c.cp.upCount(run.now), c.cp.apiServers);
    c.takeApiServersDown(run.now + 600);
    assert.equal(c.cp.upCount(run.now), 0, 'down at once');
    let failedDown = 0;
    while (run.now < 720) {
      run.step();
      assert.equal(c.readings.down, true);
      assert.equal(c.cp.seatDemand, 0);
      failedDown += c.cp.out.failedDown.reduce((a, b) => a + b, 0);
    }
    assert.ok(failedDown > 0, 'requests failed while down');
    assert.ok(
      c.readings.errorRatio > 0.01,
      `DNS, and with it the data plane, failed (${c.readings.errorRatio})`,
    );
    // Back: watch caches re-initialise and every informer relists, asking far more than the baseline.
    let peak = 0;
    while (run.now < 900) {
      run.step();
      peak = Math.max(peak, c.cp.seatDemand);
    }
    assert.equal(c.cp.upCount(run.now), c.cp.apiServers);
    assert.ok(peak > 5 * baseline, `relist peak ${peak} vs baseline ${baseline}`);
    run.runUntil(3600);
    assert.ok(c.readings.errorRatio < 0.01, 'recovered');
    // Other clusters never noticed.
    assert.equal(run.fleet.cluster('tiny')?.readings.errorRatio, 0);
  });
});
