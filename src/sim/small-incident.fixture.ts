import assert from 'node:assert/strict';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadScenario, type Scenario } from '../config/scenario.js';

/** The repository's root (this file is src/sim/). */
export const repoRoot = join(import.meta.dirname, '..', '..');

/**
 * The incident with a handful of its clusters (a staging cluster and two serving regions' first few), and
 * the first region's nodes cut off from the admin API again for ten minutes at 4 h, long after they began
 * to cycle: that wakes them mid-orbit, so the state a replay leaves behind must be the simulated one.
 */
export function smallIncident(): Scenario {
  // Found from this file, not through test/: src/ imports nothing outside src/.
  const full = loadScenario(
    fileURLToPath(new URL('../../scenarios/incident-2024-12-11.yaml', import.meta.url)),
  );
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
