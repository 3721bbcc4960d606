import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { orbitReplay } from './cluster-orbit.js';
import { simulate } from './engine.js';
import { loadScenario, type Scenario } from './scenario.js';
import { shortcuts } from './shortcuts.js';

// After the change is deleted, a remediated cluster's CoreDNS cache renews its names in the uneven bursts
// it refilled in: the cluster cycles through the same states every cache TTL for the rest of the run, and
// the engine replays that cycle instead of simulating it. Replaying must change nothing.

/**
 * The incident with a handful of its clusters (a staging cluster and two serving regions' first few), and
 * the first region's nodes cut off from the admin API again for ten minutes at 4 h, long after they began
 * to cycle: that wakes them mid-orbit, so the state a replay leaves behind must be the simulated one.
 */
export function smallIncident(): Scenario {
  const full = loadScenario(join(import.meta.dirname, '..', '..', 'scenarios', 'incident-2024-12-11.yaml'));
  const keep = new Set([
    'staging-us-west',
    'prod-us-east-01',
    'prod-us-east-02',
    'prod-us-east-03',
    'prod-eu-01',
    'prod-eu-02',
  ]);
  const rollout = full.rollout
    ? { ...full.rollout, order: full.rollout.order.filter((n) => keep.has(n)) }
    : undefined;
  const block = full.operator.find((a) => a.action === 'block-admin-api');
  const unblock = full.operator.find((a) => a.action === 'unblock-admin-api');
  assert.ok(block && unblock);
  const operator = [...full.operator, { ...block, atS: 4 * 3600 }, { ...unblock, atS: 4 * 3600 + 600 }];
  return { ...full, clusters: full.clusters.filter((c) => keep.has(c.name)), rollout, operator };
}

void describe('orbit replay', () => {
  void it('gives byte-identical results to simulating every step, and does replay steps', () => {
    const scenario = smallIncident();
    try {
      orbitReplay.enabled = false;
      const simulated = JSON.stringify(simulate(scenario));
      orbitReplay.enabled = true;
      const before = orbitReplay.replayedSteps;
      const replayed = JSON.stringify(simulate(scenario));
      assert.ok(
        orbitReplay.replayedSteps - before > 1000,
        `replayed ${orbitReplay.replayedSteps - before} steps`,
      );
      assert.equal(replayed, simulated);
    } finally {
      orbitReplay.enabled = true;
    }
  });
});

void describe('shortcuts for what cannot change', () => {
  void it('give byte-identical results with each switched off, and are each taken', () => {
    const scenario = smallIncident();
    const switches = ['frozenWindows', 'dormantClusters', 'quietOrbits'] as const;
    try {
      for (const name of switches) shortcuts[name] = false;
      const everyStep = JSON.stringify(simulate(scenario));
      for (const name of switches) shortcuts[name] = true;
      const counted = { ...shortcuts };
      const withShortcuts = JSON.stringify(simulate(scenario));
      const taken = {
        windowsFrozen: shortcuts.windowsFrozen - counted.windowsFrozen,
        clustersMadeDormant: shortcuts.clustersMadeDormant - counted.clustersMadeDormant,
        quietUpdatesSkipped: shortcuts.quietUpdatesSkipped - counted.quietUpdatesSkipped,
      };
      assert.ok(
        taken.windowsFrozen > 1000 && taken.clustersMadeDormant > 0 && taken.quietUpdatesSkipped > 100,
        JSON.stringify(taken),
      );
      assert.equal(withShortcuts, everyStep);
      // And one at a time, so that one shortcut cannot hide another's difference.
      for (const name of switches) {
        shortcuts[name] = false;
        assert.equal(JSON.stringify(simulate(scenario)), everyStep, `${name} off`);
        shortcuts[name] = true;
      }
    } finally {
      for (const name of switches) shortcuts[name] = true;
    }
  });
});
