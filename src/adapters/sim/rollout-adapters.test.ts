import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { createRng } from '../../core/random.js';
import { builtinPolicies } from '../../config/builtin-policies.js';
import type { ClusterInfo } from '../../rollout/ports.js';
import { FleetSim } from '../../sim/fleet/fleet-sim.js';
import {
  clusterInfo,
  policyApfExtras,
  SimClusterClient,
  simFleetSupplier,
  sizeClass,
} from './rollout-adapters.js';
import { loadScenario } from '../../config/scenario.js';
import { SignalRecorder } from './signal-recorder.js';
import { changeSeats, clusterPlan } from '../../sim/cluster/change-seats.js';
import { ClusterDetector } from '../../sim/fleet/detectors.js';

const scenario = loadScenario(
  fileURLToPath(new URL('../../../test/fixtures/small-fleet.yaml', import.meta.url)),
);
const change = { name: 'telemetry-agent', namespace: 'kube-system', kind: 'DaemonSet' };

function world(policy = builtinPolicies.guarded, seed = 1, fence = false) {
  const fleet = new FleetSim(scenario, {
    apfExtras: policyApfExtras(policy, fence ? scenario.change : undefined),
  });
  const recorder = new SignalRecorder(fleet, { signals: new Set() });
  let tS = 0;
  const client = new SimClusterClient(fleet, recorder, createRng(seed).fork('rollout'), () => tS);
  const step = (n = 1): void => {
    for (let k = 0; k < n; k++, tS += scenario.stepS) {
      fleet.step(tS);
      recorder.record(tS);
    }
  };
  return { fleet, recorder, client, step };
}

const levelOf = (fleet: FleetSim, cluster: string, classId: string): string | undefined => {
  const c = fleet.cluster(cluster);
  const k = c?.classes.find((x) => x.id === classId);
  return k ? c?.limits[k.levelIndex]?.name : undefined;
};

void describe('simulated FleetSupplier', () => {
  void it('lists the clusters in the scenario’s rollout order, with size class, staging label and cache TTL', () => {
    const list = simFleetSupplier(scenario).listClusters() as readonly ClusterInfo[];
    assert.deepEqual(
      list.map((c) => c.name),
      scenario.rollout?.order,
    );
    assert.deepEqual(
      list.map((c) => c.labels['rampart.dev/size-class']),
      ['small', 'medium', 'large'],
    );
    assert.ok(
      list.every((c) => c.dnsCacheTtlS === 1200),
      'node cache 20m (the default)',
    );
    const staging = { ...scenario.clusters[0]!, name: 'staging-eu' };
    assert.equal(clusterInfo(staging).labels['rampart.dev/stage'], 'staging');
    assert.deepEqual(
      [sizeClass(299), sizeClass(300), sizeClass(1499), sizeClass(1500)],
      ['small', 'medium', 'medium', 'large'],
    );
  });
});

void describe('simulated ClusterClient', () => {
  void it('applies on ceil(share × nodes) nodes and reports status; break-glass is there with the policy', () => {
    const w = world();
    assert.deepEqual(
      w.client.apply({ cluster: 'tiny', change, nodeShare: 0.01, nodeLabel: { key: 'k', value: 'v' } }),
      { ok: true },
    );
    assert.equal(w.fleet.cluster('tiny')?.desiredReplicas(), 1, '1% of 30 nodes is one node, never zero');
    w.step(5);
    assert.deepEqual(w.client.rolloutStatus('tiny'), { desiredReplicas: 1, readyReplicas: 1 });
    assert.deepEqual(w.client.ensureBreakGlass('tiny'), { ok: true });
    assert.equal(world(builtinPolicies['workload-only']).client.ensureBreakGlass('tiny').ok, false);
    assert.equal(w.client.apply({ cluster: 'nope', change, nodeShare: 1 }).ok, false);
  });

  void it('puts Rampart and on-call on the reserved break-glass level only when the policy asks for it', () => {
    const guarded = world().fleet;
    assert.equal(levelOf(guarded, 'big', 'rampart'), 'rampart-break-glass');
    assert.equal(levelOf(guarded, 'big', 'oncall'), 'rampart-break-glass');
    const plain = world(builtinPolicies['workload-only']).fleet;
    assert.equal(levelOf(plain, 'big', 'rampart'), 'workload-low');
    assert.equal(levelOf(plain, 'big', 'oncall'), 'global-default');
  });

  void it('a rollback is an API request: refused while the API servers are down, retried until it gets through', () => {
    const w = world();
    const c = w.fleet.cluster('big');
    assert.ok(c);
    w.client.apply({ cluster: 'big', change, nodeShare: 1 });
    let k = 0;
    for (; k < 300 && !c.cp.isDown(k * scenario.stepS); k++) w.step();
    assert.ok(k < 300, 'the bad change takes the 3,000-node cluster down');
    const refused = w.client.rollback({ cluster: 'big', change });
    assert.ok(!refused.ok && /connection refused/.test(refused.reason), JSON.stringify(refused));
    assert.equal(w.client.rolloutStatus('big'), 'unreachable');
    let attempts = 1;
    for (; attempts < 200 && !w.client.rollback({ cluster: 'big', change }).ok; attempts++) w.step();
    assert.ok(attempts < 200, 'gets through once a server is back');
    assert.equal(c.desiredReplicas(), 0);
  });

  void it('draws against the recent success of Rampart’s requests, and not at all when they all succeed', () => {
    const w = world(builtinPolicies.guarded, 7);
    const i = w.fleet.clusters.findIndex((c) => c.name === 'mid');
    w.recorder.controllerSuccess[i] = 0;
    const r = w.client.rollback({ cluster: 'mid', change });
    assert.ok(!r.ok && /did not get through \(0% of Rampart's requests answered\)/.test(r.reason));
    const rng = createRng(7).fork('rollout');
    const probe = new SimClusterClient(w.fleet, w.recorder, rng, () => 0);
    w.recorder.controllerSuccess[i] = 1;
    assert.ok(probe.rollback({ cluster: 'mid', change }).ok);
    assert.equal(rng.next(), createRng(7).fork('rollout').next(), 'a healthy API costs no draw');
    w.recorder.controllerSuccess[i] = 0.5;
    const outcomes = Array.from({ length: 20 }, () => probe.rollback({ cluster: 'mid', change }).ok);
    assert.ok(outcomes.includes(true) && outcomes.includes(false), 'about half get through');
  });

  void it('the rollout fence holds the bad change in its own level: no saturation, on-call served, demand still seen', () => {
    const w = world(builtinPolicies.guarded, 1, true);
    const c = w.fleet.cluster('big');
    assert.ok(c);
    assert.equal(levelOf(w.fleet, 'big', 'change:telemetry-agent:0:fenced'), 'rampart-rollout-fence');
    assert.equal(levelOf(w.fleet, 'big', 'change:telemetry-agent:0'), 'workload-high');
    assert.deepEqual(w.client.fence({ cluster: 'big', change, on: true, seats: 2 }), { ok: true });
    w.client.apply({ cluster: 'big', change, nodeShare: 1 });
    const detector = new ClusterDetector();
    const plan = clusterPlan(c);
    let fenced429 = 0;
    let worstOncall = 1;
    let demand = { mine: 0, others: 0, available: 0 };
    for (let k = 0; k < 300; k++) {
      const tS = k * scenario.stepS;
      w.step();
      detector.update(tS, scenario.stepS, c.readings);
      fenced429 += c.readings.containedRejected429;
      if (!Number.isNaN(c.readings.oncallSuccess))
        worstOncall = Math.min(worstOncall, c.readings.oncallSuccess);
      demand = changeSeats(c, plan, tS) ?? demand;
      assert.ok(!c.cp.isDown(tS), `API servers up at ${tS}s`);
    }
    assert.ok(!detector.everSaturated, 'the fenced change’s 429s are not the cluster saturating');
    assert.ok(fenced429 > 0, 'the fence turns the change away');
    assert.ok(worstOncall > 0.95, `on-call kubectl answered (worst ${worstOncall})`);
    // What the change asks for on its own level, judged at that level's seat cost: far beyond what it can get.
    assert.ok(demand.mine > demand.available, JSON.stringify(demand));
    // Lift the fence and the same change takes the cluster down: the fence is what held it.
    assert.deepEqual(w.client.fence({ cluster: 'big', change, on: false, seats: 2 }), { ok: true });
    let k = 0;
    for (; k < 300 && !c.cp.isDown((300 + k) * scenario.stepS); k++) w.step();
    assert.ok(k < 300, 'unfenced, the API servers go down');
  });

  void it('fencing needs the fence in the fleet’s APF model', () => {
    const w = world();
    const r = w.client.fence({ cluster: 'big', change, on: true, seats: 2 });
    assert.ok(!r.ok && /not modelled/.test(r.reason));
  });
});
