import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { defaultEtcdCalibration, etcdWriteLatencyS, leaseFailureShare } from '../../cost/etcd.js';
import { EtcdLoad } from './etcd-load.js';

// src/cost/etcd.ts: 8 cores, a write commits after the read work in flight (spread over the cores), a
// lease renewal fails past 10 s, a node is NotReady once every renewal of the 40 s grace period failed.

const calib = defaultEtcdCalibration;

/** Steps an EtcdLoad for `seconds` with `executing` requests of one class, each `e` etcd core-seconds over `t` s. */
function run(load: EtcdLoad, fromS: number, seconds: number, executing: number, e: number, t: number): void {
  const exec = Float64Array.of(executing);
  const core = Float64Array.of(e);
  const busy = Float64Array.of(e / t);
  for (let s = fromS; s < fromS + seconds; s += 2) load.step(s, exec, core, busy, 1);
}

void describe('etcd load', () => {
  void it('an idle etcd commits in its base latency and loses no node', () => {
    const load = new EtcdLoad(2);
    run(load, 0, 120, 0, 0, 1);
    assert.equal(load.writeLatencyS, calib.writeBaseS);
    assert.equal(load.notReadyShare, 0);
    assert.equal(load.atRest, true);
  });

  void it('paged reads keep writes fast where unpaged ones of the same volume hold them for seconds', () => {
    // 150,000 pods read per LIST (3 etcd core-s), 100 LISTs executing, each taking 20 s: 15 cores busy.
    const unpaged = new EtcdLoad(2);
    run(unpaged, 0, 60, 100, 3, 20);
    // The same reads in pages of 500 (0.01 core-s over 0.0667 s each): as many cores busy.
    const paged = new EtcdLoad(2);
    run(paged, 0, 60, 100, 0.01, 0.0667);
    assert.ok(unpaged.utilization > 1, `unpaged: ${unpaged.utilization}`);
    assert.ok(unpaged.writeLatencyS > 5, `unpaged write latency ${unpaged.writeLatencyS}`);
    assert.ok(paged.writeLatencyS < 0.2, `paged write latency ${paged.writeLatencyS}`);
    assert.ok(paged.p99S < unpaged.p99S);
  });

  void it('nodes go NotReady only after the grace period of failing renewals, and come back', () => {
    const load = new EtcdLoad(2);
    // In flight: 400 requests × 3 core-s each, all in etcd: 1,200 core-s over 8 cores ⇒ writes wait 150 s × u.
    run(load, 0, 30, 400, 3, 3);
    assert.ok(load.leaseFailure > 0.9, `renewals failing: ${load.leaseFailure}`);
    assert.equal(load.notReadyShare, 0, 'not before 40 s of failures');
    run(load, 30, 30, 400, 3, 3);
    assert.ok(load.notReadyShare > 0.8, `NotReady share ${load.notReadyShare}`);
    assert.equal(load.atRest, false);
    run(load, 60, 60, 0, 0, 1);
    assert.equal(load.notReadyShare, 0, 'renewals succeed again');
    assert.equal(load.atRest, true);
  });

  void it('latency and failure share follow the stated formulas', () => {
    assert.equal(etcdWriteLatencyS(calib, 80), calib.writeBaseS + 10);
    assert.equal(leaseFailureShare(calib, calib.writeBaseS), 0);
    const l = calib.writeBaseS + 10;
    assert.ok(Math.abs(leaseFailureShare(calib, l) - Math.exp(-(10 - calib.writeBaseS) / 10)) < 1e-12);
  });
});
