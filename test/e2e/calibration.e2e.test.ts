import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { defaultApiServerCalibration } from '../../src/cost/calibration.js';
import { findResource } from '../../src/model/resources.js';
import { ensureBuilt } from '../../testbed/launcher/build.js';
import { modelFigures, runCalibration, type ListMeasurement } from '../../testbed/launcher/calibrate.js';
import { KubeJson } from '../../testbed/launcher/kube-client.js';
import {
  acquireTestbedLock,
  apiserverRecord,
  launcher,
  logTails,
  testbedCredentials,
  testbedSkipReason,
} from '../support/testbed.js';

// The cost model's per-object figures (src/cost/calibration.ts) against a real kube-apiserver: LIST every
// pod at ~1k and 5k small pods (Pending, ~1.8 KB of JSON each) and at 1k pods padded to ~15 KB, as the
// service account of an agent would (APF level workload-low). `npm run bench` adds 20k and more padded
// sizes; docs/calibration.md has the figures. Only loose sanity bounds are asserted: timings on a shared
// two-core machine belong to the benchmark.
const name = `cal-${process.pid}`;
const skip = testbedSkipReason();

interface Up {
  kubeconfig: string;
  server: string;
  contexts: { admin: string };
}

describe('calibration: LIST all pods on a real kube-apiserver', { skip, timeout: 60 * 60_000 }, () => {
  let measurements: ListMeasurement[] = [];
  let failed = false;
  let release: (() => void) | undefined;

  before(
    async () => {
      release = await acquireTestbedLock(40 * 60_000);
      try {
        await ensureBuilt((line) => process.stderr.write(`testbed: ${line}\n`));
        const up = JSON.parse(
          await launcher(['up', name, '--nodes', '3', '--pods-per-node', '0'], 10 * 60_000),
        ) as Up;
        const creds = testbedCredentials(up.kubeconfig, up.contexts.admin);
        const caPem = creds.caPem ?? '';
        const token = creds.token ?? '';
        const admin = new KubeJson(up.server, caPem, token, 64);
        try {
          measurements = await runCalibration(
            {
              admin,
              server: up.server,
              caPem,
              adminToken: token,
              apiserverPid: () => apiserverRecord(name)?.pid ?? 0,
            },
            {
              smallPods: [1000, 5000],
              paddedPods: [1000],
              paddingBytes: 12_000,
              runs: 3,
              waitForEstimator: false,
            },
            (line) => process.stderr.write(`calibration: ${line}\n`),
          );
        } finally {
          admin.close();
        }
      } catch (err) {
        failed = true;
        throw err;
      }
    },
    { timeout: 45 * 60_000 },
  );

  after(async () => {
    if (failed) process.stderr.write(`${logTails(name)}\n`);
    await launcher(['down', name], 120_000).catch((err: unknown) => process.stderr.write(`${String(err)}\n`));
    release?.();
  });

  const find = (pods: number, padded: boolean, rv: '' | '0'): ListMeasurement => {
    const m = measurements.find(
      (x) => x.pods === pods && x.paddingBytes > 0 === padded && x.resourceVersion === rv,
    );
    assert.ok(m, `no measurement for ${pods} ${padded ? 'padded' : 'small'} pods rv="${rv}"`);
    return m;
  };

  it('measures latency, bytes, memory growth and seats, and prints them beside the model', (t) => {
    const calib = defaultApiServerCalibration;
    const podBytes = findResource('pods')?.bytesPerObject ?? 20_000;
    for (const m of measurements) {
      const model = modelFigures(m, calib, podBytes);
      t.diagnostic(
        `${m.pods} ${m.paddingBytes > 0 ? 'padded' : 'small'} pods rv="${m.resourceVersion}": ${m.latencyS.toFixed(3)} s (runs ${m.latenciesS.map((x) => x.toFixed(3)).join(', ')}), ${m.bytesPerPod} B/pod, +${m.rssGrowthMiB} MiB RSS (first LIST +${m.firstRssGrowthMiB}, from ${m.rssBeforeMiB}), seats ${m.seats ?? '?'} (estimator saw ${m.estimatorPods ?? '?'} pods), objects read ${m.objectsRead ?? '?'} | model: ${model.latencyAtMeasuredBytesS.toFixed(3)} s at these bytes, ${model.memoryMiB.toFixed(0)} MiB, ${model.seats} seats`,
      );
    }
    assert.equal(measurements.length, 6);
  });

  it('bytes grow with the pods; padded pods are as large as asked; every pod is read', () => {
    for (const rv of ['', '0'] as const) {
      const small1 = find(1000, false, rv);
      const small5 = find(5000, false, rv);
      const padded = find(1000, true, rv);
      const growth = small5.bytes / small1.bytes;
      assert.ok(growth > 4 && growth < 6, `5k/1k bytes ${growth.toFixed(2)}`);
      assert.ok(
        small1.bytesPerPod > 1_000 && small1.bytesPerPod < 10_000,
        `small pod ${small1.bytesPerPod} B`,
      );
      assert.ok(padded.bytesPerPod > 12_000, `padded pod ${padded.bytesPerPod} B`);
      assert.ok(small5.latencyS > small1.latencyS * 1.5, 'a LIST of 5k pods is not slower than one of 1k');
      for (const m of [small1, small5, padded]) {
        assert.ok(m.seats !== null && m.seats >= 1, `seats ${m.seats}`);
        if (m.objectsRead !== null)
          assert.ok(
            Math.abs(m.objectsRead - m.pods) <= m.pods * 0.1 + 20,
            `read ${m.objectsRead} of ${m.pods}`,
          );
      }
    }
  });
});
