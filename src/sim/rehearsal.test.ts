import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { orbitReplay } from './cluster-orbit.js';
import { smallIncident } from './small-incident.fixture.js';
import { simulate } from './engine.js';
import { rehearsal, rehearsalOf, rehearseOnce, worthRehearsing } from './rehearsal.js';
import { loadScenario, type Scenario } from '../config/scenario.js';
import { shortcuts } from './shortcuts.js';

const scenarios = join(import.meta.dirname, '..', '..', 'scenarios');
const incident = (): Scenario => loadScenario(join(scenarios, 'incident-2024-12-11.yaml'));

void describe('rehearsal (JIT warm-up before a large run)', () => {
  void it('copies the largest and smallest cluster and the first action of each kind, gaps capped at 10 min', () => {
    const full = incident();
    const r = rehearsalOf(full);
    assert.ok(r);
    const byNodes = [...full.clusters].sort((a, b) => a.nodes - b.nodes);
    assert.deepEqual(
      r.clusters.map((c) => [c.name, c.nodes]),
      [
        ['rehearsal-large', byNodes.at(-1)?.nodes],
        ['rehearsal-small', byNodes[0]?.nodes],
      ],
    );
    // The incident's list: shift-traffic at 15:27, then 16:33 scale-nodes and block, 16:35 scale API
    // servers, 16:38 delete, 16:45 unblock and restore: 66 min capped to 10, the rest kept.
    assert.deepEqual(
      r.operator.map((a) => [a.action, a.atS / 60, a.clusters]),
      [
        ['shift-traffic', 8, ['rehearsal-large']],
        ['scale-nodes', 18, ['rehearsal-large']],
        ['block-admin-api', 18, ['rehearsal-large']],
        ['scale-apiservers', 20, ['rehearsal-large']],
        ['delete-change', 23, ['rehearsal-large']],
        ['unblock-admin-api', 30, ['rehearsal-large']],
        ['restore-traffic', 30, ['rehearsal-large']],
      ],
    );
    assert.equal(r.durationS, 50 * 60);
    assert.deepEqual(r.rollout?.order, ['rehearsal-large', 'rehearsal-small']);
    assert.equal(rehearsalOf({ ...full, change: undefined }), null);
  });

  void it('takes the paths a large run takes later: saturation, lock-out, every action, recovery, orbit replay', () => {
    const r = rehearsalOf(incident());
    assert.ok(r);
    const replayedBefore = orbitReplay.replayedSteps;
    const result = simulate(r);
    const types = new Set(result.events.map((e) => e.type));
    for (const t of ['apiserver.saturated', 'admin.lockedout', 'dns.failures.started', 'cluster.recovered'])
      assert.ok(types.has(t as never), `${t} in ${[...types].join(', ')}`);
    const actions = result.events.filter((e) => e.type === 'operator.action').length;
    assert.equal(actions, r.operator.length);
    assert.ok(orbitReplay.replayedSteps - replayedBefore > 100, 'the recovered cluster replays an orbit');
  });

  void it('changes nothing a later run computes, even of the scenario it was made from', () => {
    // Made from the same objects: a rehearsal that changed its clusters' configs in place would show here.
    const scenario = smallIncident();
    const before = JSON.stringify(simulate(scenario));
    const r = rehearsalOf(scenario);
    assert.ok(r);
    simulate(r);
    assert.equal(JSON.stringify(simulate(scenario)), before);
  });

  void it('runs once per process, only for large runs, and puts the counters back', () => {
    const full = incident();
    assert.equal(worthRehearsing(full), true);
    assert.equal(worthRehearsing(smallIncident()), false);
    const saved = rehearsal.done;
    try {
      rehearsal.done = false;
      const seen: string[] = [];
      rehearseOnce(smallIncident(), (r) => seen.push(r.name));
      assert.equal(seen.length, 0, 'a small run is not rehearsed');
      const counters = { ...shortcuts, replayed: orbitReplay.replayedSteps };
      rehearseOnce(full, (r) => {
        seen.push(r.name);
        shortcuts.windowsFrozen += 5;
        orbitReplay.replayedSteps += 7;
      });
      rehearseOnce(full, (r) => seen.push(r.name));
      assert.deepEqual(seen, ['incident-2024-12-11 (rehearsal)']);
      assert.deepEqual({ ...shortcuts, replayed: orbitReplay.replayedSteps }, counters);
    } finally {
      rehearsal.done = saved;
    }
  });
});
