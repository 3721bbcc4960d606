import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import type { SimResult } from '../../src/sim/result.js';
import { runCli, tempDir } from '../support/index.js';

const startPst = 14 * 3600 + 45 * 60;
const pst = (hhmm: string): number => {
  const [h, m] = hhmm.split(':').map(Number);
  return (h ?? 0) * 3600 + (m ?? 0) * 60 - startPst;
};

/**
 * The what-if: the incident with break-glass everywhere and a quarantine FlowSchema for the agent. The
 * same saturation happens (nothing prevents it), but recovery comes within minutes of the decision, with
 * the agent still running — and on-call is not let in by break-glass alone while the servers crash-loop.
 */
describe('rampart simulate scenarios/what-if-quarantine.yaml (end to end)', () => {
  let r: SimResult;
  let incident: SimResult;

  before(() => {
    const dir = tempDir();
    for (const [file, out] of [
      ['scenarios/what-if-quarantine.yaml', 'what-if.json'],
      ['scenarios/incident-2024-12-11.yaml', 'incident.json'],
    ] as const) {
      const run = runCli(['simulate', file, '--json', join(dir, out)]);
      assert.equal(run.code, 0, run.stderr);
    }
    r = JSON.parse(readFileSync(join(dir, 'what-if.json'), 'utf8')) as SimResult;
    incident = JSON.parse(readFileSync(join(dir, 'incident.json'), 'utf8')) as SimResult;
  });

  it('saturates the same clusters as the incident: break-glass and quarantine do not prevent, they recover', () => {
    assert.equal(r.fleet.clustersSaturated, incident.fleet.clustersSaturated);
  });

  it('is fully recovered within 15 minutes of the 15:40 decision, hours before the incident was', () => {
    assert.ok(
      r.fleet.fullRecoveryS !== null && r.fleet.fullRecoveryS <= pst('15:55'),
      String(r.fleet.fullRecoveryS),
    );
    assert.ok(incident.fleet.fullRecoveryS !== null && incident.fleet.fullRecoveryS > pst('19:00'));
    assert.ok(r.fleet.customerErrorMinutes < 0.25 * incident.fleet.customerErrorMinutes);
  });

  it('the quarantine goes in once the nodes are cut off, and holds after they are let back in with the agent running', () => {
    const quarantined = r.events.filter(
      (e) => e.type === 'operator.action' && /change quarantined/.test(e.detail ?? ''),
    );
    const saturated = r.clusters.filter((c) => c.saturated).map((c) => c.name);
    assert.deepEqual(
      new Set(quarantined.map((e) => e.cluster)),
      new Set(r.clusters.filter((c) => c.nodes >= 1500).map((c) => c.name)),
    );
    assert.ok(quarantined.every((e) => e.tS >= pst('15:42') && e.tS < pst('15:50')));
    // Nothing deleted: the agent keeps running, quarantined.
    assert.ok(!r.events.some((e) => /change deleted/.test(e.detail ?? '')));
    // Let back in at 15:50, no cluster saturates, loses DNS or locks on-call out again.
    const after = r.events.filter(
      (e) =>
        e.tS >= pst('15:50') &&
        ['apiserver.saturated', 'dns.failures.started', 'admin.lockedout'].includes(e.type),
    );
    assert.deepEqual(after, []);
    for (const name of saturated) {
      const c = r.clusters.find((x) => x.name === name);
      assert.ok(c?.recoveredAtS !== null && (c?.recoveredAtS ?? Infinity) <= pst('15:55'), name);
    }
  });

  it('break-glass alone does not end the lock-out while the API servers crash-loop on memory', () => {
    // Locked out from saturation until the nodes are cut off: reserved seats are not reserved memory.
    const locked = r.clusters.filter((c) => c.saturated && c.oomKills > 0);
    assert.ok(locked.length > 0);
    assert.ok(
      locked.every((c) => c.adminLockedOutS >= 15 * 60),
      JSON.stringify(locked.map((c) => [c.name, c.adminLockedOutS])),
    );
  });
});
