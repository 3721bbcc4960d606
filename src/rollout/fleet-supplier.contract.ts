import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { byCodeUnits } from '../core/order.js';
import type { Awaitable, ClusterInfo } from './ports.js';
import { call, inWorld, type FleetWorld } from './ports-world.contract.js';

/**
 * FleetSupplier: every cluster the world holds, once, with its name, node count and labels, in the same
 * order on every call and from every supplier over the same fleet.
 */
export function fleetSupplierContract(name: string, makeWorld: () => Awaitable<FleetWorld>): void {
  const withWorld = inWorld(makeWorld);
  const list = (w: FleetWorld): Awaitable<readonly ClusterInfo[]> =>
    call('listClusters', () => w.fleet.listClusters());

  void describe(`FleetSupplier contract: ${name}`, () => {
    void it(
      'lists every cluster once, with its name, node count and labels',
      withWorld(async (w) => {
        const clusters = await list(w);
        const names = clusters.map((c) => c.name);
        assert.equal(new Set(names).size, names.length, `each cluster once: ${names.join(', ')}`);
        assert.deepEqual([...names].sort(byCodeUnits), w.clusters.map((c) => c.name).sort(byCodeUnits));
        for (const c of clusters) assertClusterInfo(c, w.clusters.find((x) => x.name === c.name)?.nodes);
      }),
    );

    void it(
      'lists them in one order: on every call, from a second supplier, and as the world defines it',
      withWorld(async (w) => {
        const first = (await list(w)).map((c) => c.name);
        assert.deepEqual(
          (await list(w)).map((c) => c.name),
          first,
        );
        const again = await makeWorld();
        try {
          assert.deepEqual(
            (await list(again)).map((c) => c.name),
            first,
          );
        } finally {
          await again.close?.();
        }
        if (w.order) assert.deepEqual(first, [...w.order]);
      }),
    );
  });
}

const labelKey = /^([a-z0-9]([-a-z0-9.]*[a-z0-9])?\/)?[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/;
const labelValue = /^([A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?)?$/;

function assertClusterInfo(c: ClusterInfo, nodes: number | undefined): void {
  assert.ok(typeof c.name === 'string' && c.name.length > 0, 'a name');
  assert.ok(Number.isSafeInteger(c.nodes) && c.nodes >= 0, `${c.name}: a node count`);
  assert.equal(c.nodes, nodes, `${c.name}: its node count`);
  assert.equal(typeof c.labels, 'object');
  // Policies select clusters with Kubernetes label selectors: keys and values must be valid labels.
  for (const [k, v] of Object.entries(c.labels)) {
    assert.match(k, labelKey, `${c.name}: label key ${k}`);
    assert.ok(typeof v === 'string' && v.length <= 63 && labelValue.test(v), `${c.name}: label ${k}=${v}`);
  }
  if (c.dnsCacheTtlS !== undefined)
    assert.ok(Number.isFinite(c.dnsCacheTtlS) && c.dnsCacheTtlS > 0, `${c.name}: DNS cache TTL`);
}
