import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { ApiCall } from '../model/api-profile.js';
import type { ClusterShape } from '../model/resources.js';
import { defaultApiServerCalibration, type ApiServerCalibration } from './calibration.js';
import { requestCost } from './request-cost.js';

// Reference §2.3 (work estimator, serving paths), §4.3 (measured LIST costs). Calibration constants used
// in the hand arithmetic below (calibration.ts, each sourced there):
//   baseRequestS 0.005 s; serveSecondsPerByte 18.3 s / 2.0e9 B = 9.15e-9 s/B;
//   cacheScanSecondsPerObject 0.05 s / 100,000 = 5e-7 s; etcdSecondsPerObject 10 s / 100,000 = 1e-4 s;
//   listMemoryPerByte 5; objectsPerSeat 100. Pods are 20,000 B each (resources.ts, §4.3 ≈20 KB/pod).

const calib = defaultApiServerCalibration;
const etcdCalib: ApiServerCalibration = { ...calib, consistentListFromCache: false };
const big: ClusterShape = { nodes: 5000, podsPerNode: 30 }; // 150,000 pods (§4.1 threshold)
const measured: ClusterShape = { nodes: 4000, podsPerNode: 25 }; // 100,000 pods (§4.3 measurement)

const call = (over: Partial<ApiCall> & Pick<ApiCall, 'verb' | 'scope'>): ApiCall => ({
  resource: 'pods',
  resourceVersion: '0',
  ...over,
});

const close = (actual: number, expected: number, relTol: number, what: string): void => {
  assert.ok(
    Math.abs(actual - expected) <= relTol * Math.abs(expected),
    `${what}: ${actual} not within ${relTol * 100}% of ${expected}`,
  );
};

void describe('requestCost: cluster-wide LIST of pods', () => {
  void it('from the watch cache (RV=0): 150,000 objects ⇒ 1,500 raw seats, capped to 10 (§2.3 example)', () => {
    const c = requestCost(call({ verb: 'list', scope: 'cluster' }), big, calib, 10);
    assert.equal(c.servedFrom, 'cache');
    assert.equal(c.processedObjects, 150_000); // 5000 × 30
    assert.equal(c.seats, 10); // ceil(150,000 / 100) = 1,500 → min(10, 1,500)
    assert.equal(c.returnedObjects, 150_000);
    assert.equal(c.responseBytes, 3e9); // 150,000 × 20,000 B = 3 GB (§4.3 "≈3 GB")
    assert.equal(c.etcdObjects, 0);
    assert.equal(c.longRunning, false);
  });

  void it('the raw estimate is 1,500 seats when the level cap allows it, and 37 under workload-low’s 1.34 cap', () => {
    assert.equal(requestCost(call({ verb: 'list', scope: 'cluster' }), big, calib, 10_000).seats, 1500);
    assert.equal(requestCost(call({ verb: 'list', scope: 'cluster' }), big, calib, 37).seats, 37);
  });

  void it('service time of a 150k-pod JSON LIST from cache ≈ 27.5 s (§4.3 "≈27 s")', () => {
    // 0.005 + 150,000 × 5e-7 (scan, unindexed) + 3e9 × 9.15e-9 = 0.005 + 0.075 + 27.45 = 27.53 s
    const c = requestCost(call({ verb: 'list', scope: 'cluster' }), big, calib, 10);
    close(c.serviceS, 27.53, 1e-9, 'serviceS');
    close(c.cpuCoreS, 27.53, 1e-9, 'cpuCoreS (one goroutine)');
  });

  void it('service time of a 100k-pod JSON LIST from cache ≈ 18.3 s + scan (§4.3 measured 18.3 s / 2.0 GB)', () => {
    // 100,000 × 20,000 B = 2.0e9 B; 0.005 + 100,000 × 5e-7 + 2.0e9 × 9.15e-9 = 0.005 + 0.05 + 18.3 = 18.355 s
    const c = requestCost(call({ verb: 'list', scope: 'cluster' }), measured, calib, 10);
    assert.equal(c.responseBytes, 2e9);
    close(c.serviceS, 18.355, 1e-9, 'serviceS');
  });

  void it('memory per LIST = response bytes × listMemoryPerByte (cache path)', () => {
    // 3e9 B × 5 = 1.5e10 B (15 GB) — §4.5 "2–3 GB JSON each", ×5 for decode + materialise + GC headroom.
    const c = requestCost(call({ verb: 'list', scope: 'cluster' }), big, calib, 10);
    assert.equal(c.memoryBytes, 1.5e10);
  });

  void it('RV="" with consistentListFromCache false ⇒ etcd: processed 2N, every object read from etcd', () => {
    const c = requestCost(call({ verb: 'list', scope: 'cluster', resourceVersion: '' }), big, etcdCalib, 10);
    assert.equal(c.servedFrom, 'etcd');
    assert.equal(c.processedObjects, 300_000); // 2 × limit, limit defaults to N = 150,000
    assert.equal(c.seats, 10); // ceil(300,000 / 100) = 3,000 → 10
    assert.equal(c.etcdObjects, 150_000);
    // 0.005 + 150,000 × 1e-4 + 3e9 × 9.15e-9 = 0.005 + 15 + 27.45 = 42.455 s
    close(c.serviceS, 42.455, 1e-9, 'serviceS');
    // 3e9 × 5 + 150,000 × 20,000 (objects decoded from etcd) = 1.5e10 + 3e9 = 1.8e10
    assert.equal(c.memoryBytes, 1.8e10);
  });

  void it('RV="" with consistentListFromCache true (1.31 default) ⇒ served from the cache', () => {
    const c = requestCost(call({ verb: 'list', scope: 'cluster', resourceVersion: '' }), big, calib, 10);
    assert.equal(c.servedFrom, 'cache');
    assert.equal(c.processedObjects, 150_000);
    assert.equal(c.etcdObjects, 0);
  });
});

void describe('requestCost: node-scoped LIST (fieldSelector spec.nodeName)', () => {
  void it('RV=0: the estimator still counts every pod, but the response is one node’s pods', () => {
    const c = requestCost(call({ verb: 'list', scope: 'node' }), big, calib, 10);
    assert.equal(c.servedFrom, 'cache');
    assert.equal(c.processedObjects, 150_000); // cache ⇒ N regardless of selector (§2.3)
    assert.equal(c.seats, 10); // 1,500 → 10
    assert.equal(c.returnedObjects, 30); // podsPerNode
    assert.equal(c.responseBytes, 600_000); // 30 × 20,000 B
    // The watch cache indexes pods by spec.nodeName, so only the node's 30 pods are touched:
    // 0.005 + 30 × 5e-7 + 600,000 × 9.15e-9 = 0.005 + 0.000015 + 0.00549 = 0.010505 s
    close(c.serviceS, 0.010505, 1e-9, 'serviceS');
    assert.ok(c.serviceS < 0.05, '§4.3: node-filtered RV=0 LIST ≈ 0.05 s at 100k pods, less here');
    assert.equal(c.memoryBytes, 3_000_000); // 600,000 × 5
  });

  void it('without RV=0 and without cache reads: etcd reads every pod (§4.3 "~10 s" at 100k pods)', () => {
    const c = requestCost(
      call({ verb: 'list', scope: 'node', resourceVersion: '' }),
      measured,
      etcdCalib,
      10,
    );
    assert.equal(c.servedFrom, 'etcd');
    assert.equal(c.etcdObjects, 100_000);
    assert.equal(c.returnedObjects, 25);
    // 0.005 + 100,000 × 1e-4 + 25 × 20,000 × 9.15e-9 = 0.005 + 10 + 0.004575 = 10.009575 s
    close(c.serviceS, 10.009575, 1e-9, 'serviceS');
    // ≈200× the RV=0 path (§4.3: ~10 s vs ~0.05 s)
    const cached = requestCost(call({ verb: 'list', scope: 'node' }), measured, calib, 10);
    assert.ok(c.serviceS / cached.serviceS > 100);
  });
});

void describe('requestCost: single objects and watches', () => {
  void it('GET ⇒ 1 seat, one object, no etcd read', () => {
    const c = requestCost(call({ verb: 'get', scope: 'object', resourceVersion: '' }), big, calib, 10);
    assert.equal(c.seats, 1);
    assert.equal(c.servedFrom, 'object');
    assert.equal(c.returnedObjects, 1);
    assert.equal(c.responseBytes, 20_000);
    assert.equal(c.etcdObjects, 0);
    assert.equal(c.longRunning, false);
    // 0.005 + 20,000 × 9.15e-9 = 0.005 + 0.000183 = 0.005183 s
    close(c.serviceS, 0.005183, 1e-9, 'serviceS');
    assert.equal(c.memoryBytes, 100_000); // 20,000 × 5
  });

  void it('a LIST scoped to one object (fieldSelector metadata.name) ⇒ 1 seat (§2.3)', () => {
    const c = requestCost(call({ verb: 'list', scope: 'object' }), big, calib, 10);
    assert.equal(c.seats, 1);
    assert.equal(c.returnedObjects, 1);
  });

  void it('a mutating request ⇒ 1 seat, one etcd write, twice the base time', () => {
    const c = requestCost(
      call({ verb: 'update', scope: 'object', resource: 'leases', resourceVersion: '' }),
      big,
      calib,
      10,
    );
    assert.equal(c.seats, 1);
    assert.equal(c.etcdObjects, 1);
    // 2 × 0.005 + 500 B × 9.15e-9 = 0.01 + 0.000004575 = 0.010004575 s (leases are 500 B)
    close(c.serviceS, 0.010004575, 1e-9, 'serviceS');
  });

  void it('WATCH ⇒ 1 seat, long-running, events = objects in scope × churn', () => {
    const c = requestCost(call({ verb: 'watch', scope: 'node' }), big, calib, 10);
    assert.equal(c.seats, 1);
    assert.equal(c.longRunning, true);
    assert.equal(c.memoryBytes, 0);
    // 30 pods on the node × 1/3600 changes per pod per second = 1/120 events/s
    close(c.watchEventsPerS, 1 / 120, 1e-9, 'watchEventsPerS');
    const cluster = requestCost(call({ verb: 'watch', scope: 'cluster' }), big, calib, 10);
    close(cluster.watchEventsPerS, 150_000 / 3600, 1e-9, 'cluster-wide watch events/s');
  });

  void it('an unknown resource is an error', () => {
    assert.throws(
      () => requestCost(call({ verb: 'get', scope: 'object', resource: 'widgets' }), big, calib, 10),
      /unknown resource widgets/,
    );
  });
});

void describe('requestCost: namespace-scoped LIST', () => {
  void it('reads only the namespace (cache index), but the estimator still counts every pod', () => {
    // services = ceil(150,000 / 20) = 7,500; namespaces = ceil(7,500 / 10) = 750; pods per namespace
    // = ceil(150,000 / 750) = 200.
    const c = requestCost(call({ verb: 'list', scope: 'namespace' }), big, calib, 10);
    assert.equal(c.processedObjects, 150_000);
    assert.equal(c.seats, 10);
    assert.equal(c.returnedObjects, 200);
    assert.equal(c.responseBytes, 4_000_000); // 200 × 20,000
    // 0.005 + 200 × 5e-7 + 4e6 × 9.15e-9 = 0.005 + 0.0001 + 0.0366 = 0.0417 s
    close(c.serviceS, 0.0417, 1e-9, 'serviceS');
  });
});
