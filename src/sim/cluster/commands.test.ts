import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { loadScenario, type Scenario } from '../../config/scenario.js';
import { createFleetRun, type FleetRun } from '../run.js';
import { fenceApf } from '../../apf/breakglass.js';
import type { FlowSchema, PriorityLevel } from '../../model/apf.js';
import { simBreakGlass, switchableRoute } from '../fleet/apf-extras.js';
import { repoRoot } from '../small-incident.fixture.js';
import type { ClusterSim } from './cluster-sim.js';
import type { WorkloadSpec } from './workload.js';

/** The small fleet (tiny 30, mid 600, big 3,000 nodes) for 12 h, with no rollout or operator actions. */
function quietFleet(): Scenario {
  const s = loadScenario(join(repoRoot, 'test', 'fixtures', 'small-fleet.yaml'));
  return { ...s, durationS: 12 * 3600, rollout: undefined, operator: [] };
}

function cluster(run: FleetRun, name: string): ClusterSim {
  const c = run.fleet.cluster(name);
  assert.ok(c, name);
  return c;
}

const levelOf = (c: ClusterSim, classId: string): string | undefined => {
  const k = c.classes.find((x) => x.id === classId);
  return k ? c.limits[k.levelIndex]?.name : undefined;
};

/** Per class id: queued, executing and scheduled retries (what must carry over a rebuild). */
function work(c: ClusterSim): Map<string, [number, number, number]> {
  const cp = c.cp;
  return new Map(
    c.classes.map((k, i) => [k.id, [cp.queued[i] ?? 0, cp.executing[i] ?? 0, cp.scheduled(i)]] as const),
  );
}
const total = (w: Map<string, [number, number, number]>): number =>
  [...w.values()].reduce((sum, [q, e, r]) => sum + q + e + r, 0);

const logShipper: WorkloadSpec = {
  name: 'log-shipper',
  kind: 'DaemonSet',
  namespace: 'logging',
  serviceAccount: 'log-shipper',
  replicas: 1,
  podsStartPerS: 50,
  calls: [{ verb: 'list', resource: 'pods', scope: 'namespace', resourceVersion: '', everySeconds: 30 }],
};

void describe('cluster commands', () => {
  void it('each wakes a resting cluster, and the fleet visits a dormant one again', () => {
    // With the rollout fence installed, as a guarded policy has it.
    const scenario = quietFleet();
    const change = scenario.change;
    assert.ok(change);
    const sa = { namespace: change.namespace, name: change.serviceAccount };
    const fence = switchableRoute(fenceApf({ serviceAccount: sa, seats: 2 }), change, 'rampart.dev:fenced');
    const run = createFleetRun(scenario, {
      apfExtras: {
        priorityLevels: [fence.addition.priorityLevel],
        flowSchemas: [fence.addition.flowSchema],
        fenceIdentity: fence.identity,
      },
    });
    const i = run.fleet.clusters.findIndex((c) => c.name === 'mid');
    const mid = cluster(run, 'mid');
    const commands: [string, () => void][] = [
      ['applyWorkload', () => mid.applyWorkload('telemetry-agent', 0.5)],
      ['deleteWorkload', () => mid.deleteWorkload('telemetry-agent')],
      ['applyWorkloadSpec', () => mid.applyWorkloadSpec(logShipper)],
      ['setNodes', () => mid.setNodes(650)],
      ['scaleApiServers', () => mid.scaleApiServers({ apiServers: 4 })],
      ['blockAdminApi', () => mid.blockAdminApi(true)],
      ['unblockAdminApi', () => mid.blockAdminApi(false)],
      ['shiftTraffic', () => mid.shiftTraffic(true)],
      ['routeWorkload', () => mid.routeWorkload('telemetry-agent', 'fence', true)],
      ['configureApf', () => mid.configureApf(breakGlassApf())],
      ['injectLoad', () => mid.injectLoad({ classId: 'oncall', ratePerS: 1, untilS: run.now + 60 })],
    ];
    for (const [name, command] of commands) {
      // Long enough to settle after the last command: at rest, and dormant in the fleet.
      run.runUntil(run.now + 1800);
      assert.ok(mid.resting && run.fleet.isDormant(i), `${name}: at rest before`);
      command();
      assert.ok(!run.fleet.isDormant(i), `${name}: the fleet visits the cluster again`);
      if (name !== 'shiftTraffic') assert.ok(!mid.resting, `${name}: the cluster simulates again`);
      run.step();
      assert.ok(name === 'shiftTraffic' || mid.steppedLast, `${name}: the next step is simulated`);
    }
  });

  void it('a break-glass level and schema applied mid-run carry every queued, executing and retrying request over', () => {
    const run = createFleetRun(quietFleet());
    const big = cluster(run, 'big');
    run.fleet.applyChange('big');
    // Into the overload: queues full, 429s retried, on-call starved on global-default.
    run.runUntil(400);
    assert.equal(levelOf(big, 'oncall'), 'global-default');
    const before = work(big);
    assert.ok(total(before) > 1000, `busy: ${total(before)}`);
    assert.ok(
      [...before.values()].some(([, , r]) => r > 0),
      'retries scheduled',
    );
    const classesBefore = big.classesVersion;
    big.configureApf(breakGlassApf());
    assert.equal(big.classesVersion, classesBefore + 1);
    // Nothing vanishes: each class keeps its queued, executing and scheduled work, by id.
    assert.deepEqual(work(big), before);
    // From now on, on-call is classified to the break-glass level, and gets its requests answered.
    assert.equal(levelOf(big, 'oncall'), 'rampart-break-glass');
    run.runUntil(run.now + 120);
    const oncall = big.successRatio(big.oncallClass);
    assert.ok(oncall > 0.99, `on-call answered: ${oncall}`);
    assert.throws(
      () => big.configureApf({ flowSchemas: [{ ...breakGlassApf().flowSchemas[0], priorityLevel: 'nope' }] }),
      /unknown priority level "nope"/,
    );
  });

  void it('a second workload applied mid-run adds its load beside the change', () => {
    const run = createFleetRun(quietFleet());
    const twin = createFleetRun(quietFleet());
    for (const r of [run, twin]) r.fleet.applyChange('mid');
    run.runUntil(600);
    twin.runUntil(600);
    const mid = cluster(run, 'mid');
    run.fleet.applyWorkload('mid', logShipper);
    assert.equal(mid.workload('log-shipper')?.applied, true);
    run.runUntil(900);
    twin.runUntil(900);
    const i = mid.classes.findIndex((k) => k.id === 'change:log-shipper:0');
    assert.ok(i >= 0, 'its classes joined the table');
    assert.equal(levelOf(mid, 'change:log-shipper:0'), 'workload-low');
    assert.equal(mid.workload('log-shipper')?.ready, 600, 'a pod per node');
    // 600 pods listing every 30 s: 40 requests per 2-s step, besides the change's own.
    assert.ok(Math.abs((mid.cp.out.arrived[i] ?? 0) - 40) < 1, `arrived ${mid.cp.out.arrived[i]}`);
    assert.equal(mid.change.ready, cluster(twin, 'mid').change.ready);
    const seats = (r: FleetRun): number => cluster(r, 'mid').readings.seatUtilization;
    assert.ok(seats(run) > seats(twin), `${seats(run)} > ${seats(twin)}`);
    // Deleted, its pods stop and its load goes.
    mid.deleteWorkload('log-shipper');
    run.runUntil(run.now + 300);
    assert.equal(mid.workload('log-shipper')?.ready, 0);
    assert.equal(mid.cp.out.arrived[i], 0);
  });

  void it('routing refuses a level the cluster does not have', () => {
    const run = createFleetRun(quietFleet());
    assert.throws(
      () => cluster(run, 'mid').routeWorkload('telemetry-agent', 'quarantine', true),
      /no quarantine level to route to/,
    );
    assert.throws(() => cluster(run, 'mid').applyWorkload('nope'), /no workload "nope" in mid/);
  });

  void it('injected load runs for its duration, then the cluster settles again', () => {
    const run = createFleetRun(quietFleet());
    const tiny = cluster(run, 'tiny');
    run.runUntil(600);
    const k = tiny.oncallClass;
    const base = tiny.cp.out.arrived[k] ?? 0;
    tiny.injectLoad({ classId: 'oncall', ratePerS: 5, untilS: 700 });
    run.step();
    assert.ok(Math.abs((tiny.cp.out.arrived[k] ?? 0) - base - 10) < 1e-9, 'five more per second');
    run.runUntil(700);
    assert.ok((tiny.cp.out.arrived[k] ?? 0) > base + 9, 'still on at the last step before 700 s');
    run.step();
    assert.equal(tiny.cp.out.arrived[k], base, 'gone from 700 s');
    run.runUntil(1500);
    assert.ok(tiny.resting, 'at rest again');
    assert.throws(() => tiny.injectLoad({ classId: 'change:telemetry-agent:0', ratePerS: 1, untilS: 2000 }));
  });
});

/** simBreakGlass as an APF change: its level and schema. */
function breakGlassApf(): {
  readonly priorityLevels: readonly [PriorityLevel];
  readonly flowSchemas: readonly [FlowSchema];
} {
  const bg = simBreakGlass(20);
  return { priorityLevels: [bg.priorityLevel], flowSchemas: [bg.flowSchema] };
}
