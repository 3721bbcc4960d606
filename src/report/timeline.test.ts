import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadScenario } from '../config/scenario.js';
import { parseWallClock } from '../core/wall-clock.js';
import { simulate } from '../sim/engine.js';
import { controlPlaneRecoveryS } from '../sim/result-builder.js';
import type { SimEvent } from '../sim/result.js';
import { renderTimeline } from './timeline.js';

/** small-fleet.yaml moved to start 5 minutes before a midnight, with its operator actions replaced. */
function lateScenario(operator: string, start: string): ReturnType<typeof loadScenario> {
  const fixture = readFileSync(
    fileURLToPath(new URL('../../test/fixtures/small-fleet.yaml', import.meta.url)),
    'utf8',
  );
  const text = fixture
    .replace(/ {2}operator:\n(?: {4}- .*\n)+/, `  operator:\n${operator}`)
    .replace('2024-12-11T14:45:00-08:00', start)
    .replace('start: "14:50"', 'start: "23:50"');
  const file = join(mkdtempSync(join(tmpdir(), 'rampart-tl-')), 'scenario.yaml');
  writeFileSync(file, text);
  return loadScenario(file);
}

void describe('timeline', () => {
  void it('dates the events of a later day than the start', () => {
    const scenario = lateScenario(
      '    - {at: "00:20", action: delete-change, clusters: all}\n',
      '2024-12-11T23:45:00-08:00',
    );
    const result = simulate(scenario);
    const text = renderTimeline(result, parseWallClock('2024-12-11T23:45:00-08:00'));
    assert.match(text, /^23:50 {8}rollout\.started/m);
    assert.match(text, /^12-12 00:20 +operator\.action .*change deleted/m);
  });
});

void describe('timeline: what ran out, and when the control plane came back', () => {
  const fixture = fileURLToPath(new URL('../../test/fixtures/small-fleet.yaml', import.meta.url));
  const base = simulate(loadScenario(fixture));
  const saturated = (cluster: string, detail: string): SimEvent => ({
    tS: 600,
    at: null,
    type: 'apiserver.saturated',
    cluster,
    detail,
  });

  void it('names the exhausted resource of a group of saturated clusters, with counts when they differ', () => {
    const events = [
      saturated('a', 'memory: API servers OOM-killed, crash loop'),
      saturated('b', 'memory: API servers OOM-killed, crash loop'),
      saturated('c', 'seats 100%, 429s 40/step'),
    ];
    const mixed = renderTimeline({ ...base, events }, undefined);
    assert.match(mixed, /apiserver\.saturated ×3 .* — out of memory \(OOM crash loop\) ×2, seats ×1$/m);
    const oneKind = renderTimeline({ ...base, events: events.slice(0, 2) }, undefined);
    assert.match(oneKind, /apiserver\.saturated ×2 .* — out of memory \(OOM crash loop\)$/m);
  });

  void it('dates control-plane recovery by the last saturated cluster’s API servers, null while one is down', () => {
    const recovered = (cluster: string, tS: number): SimEvent => ({
      tS,
      at: null,
      type: 'apiserver.recovered',
      cluster,
    });
    const events = [
      saturated('a', 'seats'),
      saturated('b', 'seats'),
      recovered('a', 900),
      recovered('b', 1500),
    ];
    assert.equal(controlPlaneRecoveryS(events), 1500);
    assert.equal(controlPlaneRecoveryS([...events, saturated('a', 'seats')]), null);
    assert.equal(controlPlaneRecoveryS([]), null);
  });
});
