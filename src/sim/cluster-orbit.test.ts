import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { orbitReplay } from './cluster-orbit.js';
import { simulate } from './engine.js';
import { shortcuts } from './shortcuts.js';
import { smallIncident } from './small-incident.fixture.js';

// After the change is deleted, a remediated cluster's CoreDNS cache renews its names in the uneven bursts
// it refilled in: the cluster cycles through the same states every cache TTL for the rest of the run, and
// the engine replays that cycle instead of simulating it. Replaying must change nothing.

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
