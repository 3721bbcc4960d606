import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ClusterDetector } from './detectors.js';
import { FleetSim } from './fleet-sim.js';
import { loadScenario } from '../../config/scenario.js';

const fixture = readFileSync(
  fileURLToPath(new URL('../../../test/fixtures/small-fleet.yaml', import.meta.url)),
  'utf8',
);

/** The small fleet with its operator actions replaced and extra spec fields appended. */
function scenarioWith(operator: string, extra = ''): ReturnType<typeof loadScenario> {
  const text = fixture.replace(/ {2}operator:\n(?: {4}- .*\n)+/, `  operator:\n${operator}`) + extra;
  const file = join(mkdtempSync(join(tmpdir(), 'rampart-q-')), 'scenario.yaml');
  writeFileSync(file, text);
  return loadScenario(file);
}

const levelOf = (fleet: FleetSim, cluster: string, classId: string): string | undefined => {
  const c = fleet.cluster(cluster);
  const k = c?.classes.find((x) => x.id === classId);
  return k ? c?.limits[k.levelIndex]?.name : undefined;
};

void describe('scenario break-glass and quarantine', () => {
  void it('spec.breakGlass puts on-call on the reserved level in every cluster', () => {
    const plain = new FleetSim(scenarioWith('    - {at: "15:26", action: delete-change, clusters: all}\n'));
    assert.equal(levelOf(plain, 'big', 'oncall'), 'global-default');
    const bg = new FleetSim(
      scenarioWith(
        '    - {at: "15:26", action: delete-change, clusters: all}\n',
        '  breakGlass: {seats: 20}\n',
      ),
    );
    for (const c of ['tiny', 'mid', 'big']) assert.equal(levelOf(bg, c, 'oncall'), 'rampart-break-glass');
    // No quarantine action, no quarantine copies of the change's classes.
    assert.ok(!bg.cluster('big')?.classes.some((k) => k.id.includes(':quarantined')));
  });

  void it('a quarantine routes the change to the quarantine level; its rejections there are not saturation', () => {
    const sc = scenarioWith('    - {at: "15:00", action: quarantine, clusters: [big], reject: true}\n');
    const fleet = new FleetSim(sc);
    const c = fleet.cluster('big');
    assert.ok(c);
    assert.equal(levelOf(fleet, 'big', 'change:telemetry-agent:0'), 'workload-high');
    assert.equal(levelOf(fleet, 'big', 'change:telemetry-agent:0:quarantined'), 'rampart-quarantine');
    fleet.quarantineChange('big');
    fleet.applyChange('big');
    const detector = new ClusterDetector();
    let contained = 0;
    let worstOncall = 1;
    for (let tS = 0; tS < 600; tS += sc.stepS) {
      c.step(tS);
      detector.update(tS, sc.stepS, c.readings);
      contained += c.readings.containedRejected429;
      assert.ok(c.readings.containedRejected429 <= c.readings.rejected429 + 1e-9);
      if (!Number.isNaN(c.readings.oncallSuccess))
        worstOncall = Math.min(worstOncall, c.readings.oncallSuccess);
    }
    assert.ok(c.change.ready > 2000, 'the agent runs on the nodes');
    assert.ok(contained > 0, 'the quarantine turns its requests away');
    assert.ok(!detector.everSaturated, 'the cluster stays healthy with the agent quarantined');
    assert.ok(worstOncall > 0.95, `on-call served (worst ${worstOncall})`);
  });

  void it('rejects impossible values with the field named', () => {
    assert.throws(
      () =>
        scenarioWith(
          '    - {at: "15:00", action: quarantine, clusters: all}\n',
          '  breakGlass: {seats: 0}\n',
        ),
      /spec\.breakGlass\.seats/,
    );
    assert.throws(
      () => scenarioWith('    - {at: "15:00", action: quarantine, clusters: all, rejct: true}\n'),
      /rejct/,
    );
  });
});
