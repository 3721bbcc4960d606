import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadScenario } from '../../config/scenario.js';
import { simulate } from '../engine.js';

const fixture = readFileSync(
  fileURLToPath(new URL('../../../test/fixtures/small-fleet.yaml', import.meta.url)),
  'utf8',
);

/** small-fleet.yaml (big saturates at 14:54 and recovers at 15:26) with its operator actions replaced. */
function scenarioWith(operator: string, start?: string): ReturnType<typeof loadScenario> {
  let text = fixture.replace(/ {2}operator:\n(?: {4}- .*\n)+/, `  operator:\n${operator}`);
  if (start)
    text = text.replace('2024-12-11T14:45:00-08:00', start).replace('start: "14:50"', 'start: "23:50"');
  const file = join(mkdtempSync(join(tmpdir(), 'rampart-sel-')), 'scenario.yaml');
  writeFileSync(file, text);
  return loadScenario(file);
}

const scaled = (operator: string): string[] =>
  simulate(scenarioWith(operator))
    .events.filter((e) => e.type === 'operator.action' && /nodes scaled/.test(e.detail ?? ''))
    .map((e) => e.detail ?? '');

void describe('operator selectors at the time of the action', () => {
  const deleteFirst = '    - {at: "15:26", action: delete-change, clusters: all}\n';

  void it('onlyAffected picks the cluster saturated earlier, after the change was deleted', () => {
    assert.deepEqual(
      scaled(
        `${deleteFirst}    - {at: "15:30", action: scale-nodes, clusters: {prefix: "", onlyAffected: true}, fraction: 0.5}\n`,
      ),
      ['nodes scaled to 50% on 1 cluster(s)'],
    );
  });

  void it('onlyAffected picks nothing before any cluster saturated', () => {
    assert.deepEqual(
      scaled(
        `    - {at: "14:52", action: scale-nodes, clusters: {prefix: "", onlyAffected: true}, fraction: 0.5}\n`,
      ),
      [],
    );
  });
});
