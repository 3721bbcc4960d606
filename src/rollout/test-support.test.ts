import { signalNames } from '../model/signals.js';
import {
  clusterClientContract,
  fleetSupplierContract,
  metricsSourceContract,
  type ClusterClientWorld,
  type MetricsWorld,
} from './ports.contract.js';
import { fakeWorld, testChange, testFleet } from './test-support.js';

// The in-memory ports the controller's tests run on pass the same contract as the real adapters, so a
// controller test cannot pass on behaviour no adapter has. 30-node clusters: 0.1 × 30 is where a
// floating-point ceiling would give 4 nodes instead of 3.
const clusters = testFleet(3, () => 30);

function world(): ClusterClientWorld & MetricsWorld {
  const w = fakeWorld({ clusters });
  return {
    client: w.client,
    metrics: w.metrics,
    cluster: 'c02',
    nodes: 30,
    change: testChange,
    fenceModelled: true,
    settleS: 0,
    advance: (seconds) => {
      w.now += seconds * 1000;
    },
    nowMs: () => w.now,
    served: signalNames,
    applyChange: () => w.client.apply({ cluster: 'c02', change: testChange, nodeShare: 1 }),
    changeServed: ['change_ready_ratio', 'change_seat_demand'],
  };
}

clusterClientContract('fake ports (rollout/test-support.ts)', world);
metricsSourceContract('fake ports (rollout/test-support.ts)', world);
fleetSupplierContract('fake ports (rollout/test-support.ts)', () => ({
  fleet: fakeWorld({ clusters }).fleet,
  clusters,
  order: clusters.map((c) => c.name),
}));
