import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { byCodeUnits } from '../../core/order.js';
import { createRng } from '../../core/random.js';
import { builtinPolicies } from '../../config/builtin-policies.js';
import type { RolloutPolicyFile } from '../../config/policy-schema.js';
import { loadScenario, type Scenario } from '../../config/scenario.js';
import { signalNames, type SignalName } from '../../model/signals.js';
import {
  clusterClientContract,
  fleetSupplierContract,
  metricsSourceContract,
  type ClusterClientWorld,
  type FleetWorld,
  type MetricsWorld,
} from '../../rollout/ports.contract.js';
import { FleetSim } from '../../sim/fleet/fleet-sim.js';
import { policyApfExtras, SimClusterClient, simFleetSupplier } from './rollout-adapters.js';
import { SignalRecorder } from './signal-recorder.js';
import { SimMetricsSource } from './sim-metrics.js';

// The simulator's ports pass the shared port contract (src/rollout/ports.contract.ts) first; the
// Kubernetes and Prometheus adapters will pass the same one against a testbed.

const fixture = (name: string): Scenario =>
  loadScenario(fileURLToPath(new URL(`../../../test/fixtures/${name}`, import.meta.url)));
const smallFleet = fixture('small-fleet.yaml');

/** What the simulator cannot measure: the change's signals before it runs. */
const notServed: ReadonlySet<SignalName> = new Set(['change_ready_ratio', 'change_seat_demand']);

/**
 * The 30-node cluster of small-fleet.yaml (the change does not saturate it), stepped by `advance`; the
 * policy decides which APF objects the fleet has (guarded: break-glass and the fence).
 */
function simWorld(policy: RolloutPolicyFile): ClusterClientWorld & MetricsWorld {
  const scenario = smallFleet;
  const fleet = new FleetSim(scenario, { apfExtras: policyApfExtras(policy, scenario.change) });
  const recorder = new SignalRecorder(fleet, { signals: new Set(signalNames) });
  let tS = 0;
  const client = new SimClusterClient(fleet, recorder, createRng(scenario.seed).fork('rollout'), () => tS);
  const change = { name: 'telemetry-agent', namespace: 'kube-system', kind: 'DaemonSet' };
  return {
    client,
    metrics: new SimMetricsSource(recorder),
    cluster: 'tiny',
    nodes: 30,
    change,
    // As policyApfExtras reads the policy: what it installs, the client must find.
    breakGlassInstalled: Boolean(policy.spec.breakGlass),
    fenceModelled: Boolean(policy.spec.fence),
    // Pods start within a minute; two-minute windows of 10 s buckets fill in two.
    settleS: 300,
    advance(seconds) {
      for (const endS = tS + seconds; tS < endS; tS += scenario.stepS) {
        fleet.step(tS);
        recorder.record(tS);
      }
    },
    nowMs: () => tS * 1000,
    served: signalNames.filter((s) => !notServed.has(s)),
    applyChange() {
      return client.apply({ cluster: 'tiny', change, nodeShare: 1 });
    },
    changeServed: ['change_ready_ratio', 'change_seat_demand'],
  };
}

clusterClientContract('simulator, guarded (break-glass and fence modelled)', () =>
  simWorld(builtinPolicies.guarded),
);
clusterClientContract('simulator, workload-only (neither break-glass nor fence)', () =>
  simWorld(builtinPolicies['workload-only']),
);
metricsSourceContract('simulator', () => simWorld(builtinPolicies.guarded));

const fleetWorld = (scenario: Scenario): FleetWorld => ({
  fleet: simFleetSupplier(scenario),
  clusters: scenario.clusters.map((c) => ({ name: c.name, nodes: c.nodes })),
  ...(scenario.rollout?.order ? { order: scenario.rollout.order } : {}),
});
fleetSupplierContract('simulator, small-fleet.yaml', () => fleetWorld(smallFleet));
fleetSupplierContract('simulator, rollout-fleet.yaml (generated clusters, a staging label)', () =>
  fleetWorld(fixture('rollout-fleet.yaml')),
);
// Every shipped scenario, loaded once: each case builds its suppliers over the same fleet.
const scenariosDir = fileURLToPath(new URL('../../../scenarios/', import.meta.url));
for (const name of readdirSync(scenariosDir)
  .filter((f) => f.endsWith('.yaml'))
  .sort(byCodeUnits)) {
  let scenario: Scenario | undefined;
  fleetSupplierContract(`simulator, scenarios/${name}`, () =>
    fleetWorld((scenario ??= loadScenario(join(scenariosDir, name)))),
  );
}
