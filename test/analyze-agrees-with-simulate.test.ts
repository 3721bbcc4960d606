import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { analyzeChange } from '../src/analyze/analyze-change.js';
import { simulate } from '../src/sim/engine.js';
import { loadScenario } from '../src/config/scenario.js';
import { repoRoot } from './support/index.js';

describe('analyze and simulate share one cost model', () => {
  it("analyze's break-even is within 20% of where the simulator first shows saturation", () => {
    const scenario = loadScenario(join(repoRoot, 'test/fixtures/size-ladder.yaml'));
    const result = simulate(scenario);
    const saturated = result.clusters.filter((c) => c.saturated).map((c) => c.nodes);
    const healthy = result.clusters.filter((c) => !c.saturated).map((c) => c.nodes);
    assert.ok(saturated.length > 0 && healthy.length > 0, 'the ladder straddles the break-even');
    const smallestSaturated = Math.min(...saturated);
    // Saturation is monotone in size: nothing larger than the first saturated cluster stays healthy.
    assert.ok(
      healthy.every((n) => n < smallestSaturated),
      `healthy ${healthy.join(',')} vs saturated from ${smallestSaturated}`,
    );
    const largestHealthy = Math.max(...healthy);
    const simulatedOnset = (smallestSaturated + largestHealthy) / 2;

    const change = scenario.change;
    assert.ok(change);
    const template = scenario.clusters[0];
    assert.ok(template);
    const analysis = analyzeChange(change, [
      {
        name: 'probe',
        nodes: 3000,
        podsPerNode: template.podsPerNode,
        apiServers: template.controlPlane.apiServers,
        calibration: template.controlPlane.calibration,
      },
    ]);
    assert.ok(analysis.maxSafeNodes !== null);
    const predicted = analysis.maxSafeNodes;
    const error = Math.abs(predicted - simulatedOnset) / simulatedOnset;
    assert.ok(
      error <= 0.2,
      `analyze says ${predicted} nodes, simulate saturates from ${smallestSaturated} (largest healthy ${largestHealthy}): ${(error * 100).toFixed(0)}% apart`,
    );
    assert.equal(analysis.verdict, 'high');
  });
});
