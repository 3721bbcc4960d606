/**
 * The shared contract of the three rollout ports: what the executor and the controller rely on, written
 * once and run against every adapter — the simulator's, the fakes in test-support.ts, and later the
 * Kubernetes and Prometheus adapters against a testbed. Each function registers node:test cases; a test
 * file calls it with a factory that builds a fresh world per case (sync or async, since live adapters
 * answer with Promises). Waiting is in the world's own time (`advance`), bounded by its `settleS`: the
 * simulator steps, a testbed sleeps; no assertion here is about wall-clock time.
 */
export { clusterClientContract } from './cluster-client.contract.js';
export { fleetSupplierContract } from './fleet-supplier.contract.js';
export { metricsSourceContract } from './metrics-source.contract.js';
export {
  sharedNodes,
  unknownCluster,
  type ClusterClientWorld,
  type FleetWorld,
  type MetricsWorld,
  type WorldClock,
} from './ports-world.contract.js';
