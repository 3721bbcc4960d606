import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { ApiCall } from '../model/api-profile.js';
import type { ClusterShape } from '../model/resources.js';
import { defaultApiServerCalibration } from './calibration.js';
import { defaultEtcdCalibration } from './etcd.js';
import { callResponseBytes, protobufBytesRatio, requestCost } from './request-cost.js';

// Reference §2.3: where a LIST is served in 1.31/1.32 (cacher.go shouldDelegateList: a limit with RV≠"0"
// goes to etcd) and the work estimator (etcd ⇒ N + limit with a selector, else 2 × limit). Pods are
// 20,000 B (resources.ts); calibration constants as in request-cost.test.ts.

const calib = defaultApiServerCalibration;
const big: ClusterShape = { nodes: 5000, podsPerNode: 30 }; // 150,000 pods
const list = (over: Partial<ApiCall> = {}): ApiCall => ({
  verb: 'list',
  resource: 'pods',
  scope: 'cluster',
  resourceVersion: '',
  everySeconds: 60,
  ...over,
});

void describe('requestCost: a LIST with a limit (pagination)', () => {
  void it('a consistent LIST with limit 500 is 300 pages from etcd, each 2 × 500 objects ⇒ 10 seats', () => {
    const c = requestCost(list({ limit: 500 }), big, calib, 10);
    assert.equal(c.servedFrom, 'etcd'); // consistentListFromCache does not serve a paginated read
    assert.equal(c.pages, 300); // 150,000 / 500
    assert.equal(c.processedObjects, 1000); // 2 × limit
    assert.equal(c.seats, 10); // ceil(1000 / 100)
    assert.equal(c.returnedObjects, 500);
    assert.equal(c.responseBytes, 500 * 20_000); // 10 MB a page
    assert.equal(callResponseBytes(c), 3e9); // the whole LIST is still 3 GB
    assert.equal(c.etcdObjects, 500);
    // One page's heap: 5 × 10 MB response + 10 MB of etcd values, not the 15 GB of the whole LIST.
    assert.equal(c.memoryBytes, 5 * 10e6 + 10e6);
    // base + 500 × 1e-4 s (etcd) + 1e7 B × 9.15e-9 s/B
    assert.ok(Math.abs(c.serviceS - (0.005 + 0.05 + 0.0915)) < 1e-9, `${c.serviceS}`);
    assert.ok(Math.abs(c.etcdCoreS - 500 * defaultEtcdCalibration.readCoreSecondsPerObject) < 1e-12);
  });

  void it('a small limit costs fewer seats per page: limit 50 ⇒ 2 × 50 = 100 objects ⇒ 1 seat', () => {
    const c = requestCost(list({ limit: 50 }), big, calib, 10);
    assert.equal(c.seats, 1);
    assert.equal(c.pages, 3000);
  });

  void it('with a selector the estimator counts N + limit (max seats) and pages cover the selected objects', () => {
    const c = requestCost(list({ limit: 500, selector: { label: 'app=x', share: 0.1 } }), big, calib, 10);
    assert.equal(c.processedObjects, 150_500);
    assert.equal(c.seats, 10);
    assert.equal(c.pages, 30); // 15,000 selected / 500
    assert.equal(c.etcdObjects, 5000); // etcd still reads all 150,000, spread over the 30 pages
  });

  void it('RV="0" with a limit: the watch cache ignores the limit and returns everything at once', () => {
    const paged = requestCost(list({ limit: 500, resourceVersion: '0' }), big, calib, 10);
    const whole = requestCost(list({ resourceVersion: '0' }), big, calib, 10);
    assert.equal(paged.servedFrom, 'cache');
    assert.equal(paged.pages, 1);
    assert.deepEqual(paged, whole);
  });

  void it('a limit at least the whole result is one page, still from etcd with 2 × min(limit, N) objects', () => {
    const c = requestCost(list({ limit: 1_000_000 }), big, calib, 10);
    assert.equal(c.pages, 1);
    assert.equal(c.servedFrom, 'etcd');
    assert.equal(c.processedObjects, 300_000);
  });

  void it('without a limit nothing changes: one page, from the cache with ConsistentListFromCache', () => {
    const c = requestCost(list(), big, calib, 10);
    assert.equal(c.pages, 1);
    assert.equal(c.servedFrom, 'cache');
    assert.equal(c.etcdCoreS, 0);
  });
});

void describe('requestCost: protobuf and WatchList', () => {
  void it('protobuf scales response bytes, serving time and heap of a LIST by the stated ratio', () => {
    const json = requestCost(list({ resourceVersion: '0' }), big, calib, 10);
    const pb = requestCost(list({ resourceVersion: '0', contentType: 'protobuf' }), big, calib, 10);
    assert.ok(Math.abs(pb.responseBytes - json.responseBytes * protobufBytesRatio) < 1);
    assert.ok(Math.abs(pb.memoryBytes - json.memoryBytes * protobufBytesRatio) < 1);
    const serve = (c: typeof json): number =>
      c.serviceS - calib.baseRequestS - 150_000 * calib.cacheScanSecondsPerObject;
    assert.ok(Math.abs(serve(pb) - serve(json) * protobufBytesRatio) < 1e-9);
    assert.equal(pb.seats, json.seats); // APF counts objects, not bytes (1.31/1.32)
  });

  void it("a WatchList's initial state holds one object's heap, with a LIST's seats and serving time", () => {
    const init: ApiCall = { ...list({ resourceVersion: '0' }), sendInitialEvents: true };
    const streamed = requestCost(init, big, calib, 10);
    const listed = requestCost(list({ resourceVersion: '0' }), big, calib, 10);
    assert.equal(streamed.streamed, true);
    assert.equal(streamed.seats, listed.seats); // §2.3: a sendInitialEvents watch is estimated as a LIST
    assert.equal(streamed.serviceS, listed.serviceS);
    assert.equal(streamed.memoryBytes, 20_000 * calib.listMemoryPerByte);
  });
});
