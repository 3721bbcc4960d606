import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  apiServerCalibration,
  defaultApiServerCalibration,
  listMemoryPerByteFor,
  streamsListResponses,
} from './calibration.js';
import { heaviestServerShare, serverWeight } from './server-balance.js';

void describe('memory per LIST by API-server version (docs/calibration.md)', () => {
  it('is the materialised 5× up to 1.32 and the measured streamed 0.4× from 1.33', () => {
    assert.equal(listMemoryPerByteFor('1.31'), 5);
    assert.equal(listMemoryPerByteFor('1.32'), 5);
    assert.equal(listMemoryPerByteFor('1.33'), 0.4);
    assert.equal(listMemoryPerByteFor('1.36'), 0.4);
    assert.equal(streamsListResponses('1.29'), false);
  });

  it('defaults to the version the model describes, and an explicit figure wins over the version', () => {
    assert.equal(defaultApiServerCalibration.version, '1.31');
    assert.deepEqual(apiServerCalibration(), defaultApiServerCalibration);
    assert.equal(apiServerCalibration({ version: '1.33' }).listMemoryPerByte, 0.4);
    assert.equal(apiServerCalibration({ version: '1.33', listMemoryPerByte: 2 }).listMemoryPerByte, 2);
  });
});

void describe('server balance (API servers behind a load balancer)', () => {
  it('weighs every server 1 without imbalance', () => {
    for (let k = 0; k < 8; k++) assert.equal(serverWeight(k, 0), 1);
    assert.equal(heaviestServerShare(5, 0), 1);
  });

  it('spreads weights within 1 ± imbalance/2, no two alike; the heaviest carries a little over the mean', () => {
    const ws = Array.from({ length: 8 }, (_, k) => serverWeight(k, 0.1));
    assert.ok(ws.every((w) => w >= 0.95 && w <= 1.05));
    assert.equal(new Set(ws).size, ws.length);
    const three = heaviestServerShare(3, 0.1);
    assert.ok(three > 1 && three < 1.05, `${three}`);
    assert.equal(heaviestServerShare(1, 0.1), 1);
  });
});
