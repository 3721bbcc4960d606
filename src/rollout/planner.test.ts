import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import type { ClusterInfo } from './ports.js';
import {
  largestDecile,
  planAsListed,
  planAutoWaves,
  planSelectorWaves,
  planSmallestFirst,
  type AutoPlanOptions,
} from './planner.js';

const opts: AutoPlanOptions = {
  stagingLabel: { key: 'rampart.dev/stage', value: 'staging' },
  stagingSize: 1,
  canarySize: 2,
  growth: 2,
  maxWaveSize: null,
  approveAfterCanary: false,
};
const cluster = (name: string, nodes: number, labels: Record<string, string> = {}): ClusterInfo => ({
  name,
  nodes,
  labels,
});
const fleet = (sizes: readonly number[]): ClusterInfo[] => sizes.map((n, i) => cluster(`k${i}`, n));

void describe('planner', () => {
  void it('orders by risk: staging (smallest), canary with a largest-decile cluster, then growing waves', () => {
    const sizes = [
      50, 7000, 120, 3000, 800, 15, 400, 2500, 60, 900, 200, 5000, 30, 1500, 75, 90, 300, 650, 1100, 2000,
    ];
    const waves = planAutoWaves(fleet(sizes), opts);
    assert.deepEqual(
      waves.map((w) => w.name),
      ['staging', 'canary', 'wave-1', 'wave-2', 'wave-3'],
    );
    assert.deepEqual(waves[0]?.clusters, ['k5']); // 15 nodes
    const decile = new Set(largestDecile(fleet(sizes)).map((c) => c.name));
    assert.deepEqual([...decile].sort(), ['k1', 'k11']); // 7000 and 5000
    assert.ok(
      waves[1]?.clusters.some((c) => decile.has(c)),
      'canary includes the largest decile',
    );
    assert.ok(waves[1]?.clusters.includes('k11'), "the decile's smallest member: scale at the least risk");
    assert.deepEqual(
      waves.slice(2).map((w) => w.clusters.length),
      [4, 8, 5],
    );
    const flat = waves.flatMap((w) => w.clusters);
    assert.equal(new Set(flat).size, sizes.length);
  });

  void it('uses labelled staging clusters when there are any', () => {
    const cs = [cluster('a', 10), cluster('b', 500, { 'rampart.dev/stage': 'staging' }), cluster('c', 900)];
    const waves = planAutoWaves(cs, opts);
    assert.deepEqual(waves[0]?.clusters, ['b']);
    assert.deepEqual(waves[1]?.clusters, ['a', 'c']);
  });

  void it('caps wave size and can ask for approval after the canary', () => {
    const waves = planAutoWaves(fleet(Array.from({ length: 30 }, (_, i) => 10 + i)), {
      ...opts,
      maxWaveSize: 5,
      approveAfterCanary: true,
    });
    assert.ok(waves.slice(2).every((w) => w.clusters.length <= 5));
    assert.equal(waves[2]?.requireApproval, true);
    assert.equal(waves[3]?.requireApproval, false);
  });

  void it('handles tiny fleets', () => {
    assert.deepEqual(planAutoWaves([], opts), []);
    assert.deepEqual(
      planAutoWaves(fleet([10]), opts).map((w) => w.clusters),
      [['k0']],
    );
    assert.deepEqual(
      planAutoWaves(fleet([10, 20]), opts).map((w) => w.clusters),
      [['k0'], ['k1']],
    );
  });

  void it('property: every cluster exactly once, and a canary from the largest decile when the fleet has ≥ 3 clusters', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 1, max: 10_000 }), { minLength: 3, maxLength: 200 }),
        fc.integer({ min: 1, max: 6 }),
        (sizes, canarySize) => {
          const cs = fleet(sizes);
          const waves = planAutoWaves(cs, { ...opts, canarySize });
          const flat = waves.flatMap((w) => w.clusters);
          assert.equal(flat.length, cs.length);
          assert.equal(new Set(flat).size, cs.length);
          const decile = new Set(largestDecile(cs).map((c) => c.name));
          assert.equal(waves[1]?.name, 'canary');
          assert.ok(waves[1]?.clusters.some((c) => decile.has(c)));
        },
      ),
    );
  });

  void it('smallest-first grows from the smallest cluster up', () => {
    const waves = planSmallestFirst(fleet([500, 10, 300, 20, 40, 1000, 70]), { ...opts, canarySize: 1 });
    assert.deepEqual(
      waves.map((w) => w.clusters),
      [['k1'], ['k3', 'k4'], ['k6', 'k2', 'k0', 'k5']],
    );
  });

  void it('as-listed keeps the fleet order in one wave', () => {
    assert.deepEqual(planAsListed(fleet([3, 1, 2]))[0]?.clusters, ['k0', 'k1', 'k2']);
  });

  void it('selector waves: first match wins, the rest is reported', () => {
    const cs = [
      cluster('s1', 5, { env: 'staging' }),
      cluster('p1', 100),
      cluster('p2', 5000),
      cluster('x', 50),
    ];
    const { waves, unmatched } = planSelectorWaves(cs, [
      { name: 'staging', selector: { matchLabels: { env: 'staging' } }, requireApproval: false },
      { name: 'small', selector: { maxNodes: 200, names: ['s1', 'p1'] }, requireApproval: false },
      { name: 'large', selector: { minNodes: 1000 }, requireApproval: true, maxInFlight: 1 },
    ]);
    assert.deepEqual(
      waves.map((w) => w.clusters),
      [['s1'], ['p1'], ['p2']],
    );
    assert.equal(waves[2]?.maxInFlight, 1);
    assert.deepEqual(unmatched, ['x']);
  });
});
