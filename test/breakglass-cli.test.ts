import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { sharesForSeats } from '../src/apf/breakglass.js';
import { parseApfDocs as parseDocs } from '../src/apf/apf-v1-shape.fixture.js';
import { runCliInProcess } from './support/index.js';

async function cli(args: string[]): Promise<{ code: number; out: string; err: string }> {
  const r = await runCliInProcess(args);
  return { code: r.code, out: r.stdout, err: r.stderr };
}

void describe('rampart breakglass (CLI)', () => {
  void it('manifests: prints a PLC and a FlowSchema, defaulting to Rampart’s own service account', async () => {
    const r = await cli(['breakglass', 'manifests', '--group', 'oncall', '--seats', '12']);
    assert.equal(r.code, 0, r.err);
    const [plc, fs] = parseDocs(r.out);
    assert.ok(plc?.kind === 'PriorityLevelConfiguration' && fs?.kind === 'FlowSchema');
    assert.equal(plc.spec.limited.nominalConcurrencyShares, sharesForSeats(12, 600, 245));
    assert.deepEqual(
      fs.spec.rules[0]?.subjects.map((s) => s.kind),
      ['Group', 'ServiceAccount'],
    );
  });

  void it('quarantine: prints the quarantine objects; --reject uses a Reject level', async () => {
    const r = await cli(['breakglass', 'quarantine', '--serviceaccount', 'telemetry/collector', '--reject']);
    assert.equal(r.code, 0, r.err);
    const [plc, fs] = parseDocs(r.out);
    assert.ok(plc?.kind === 'PriorityLevelConfiguration' && fs?.kind === 'FlowSchema');
    assert.equal(plc.spec.limited.limitResponse.type, 'Reject');
    assert.equal(plc.spec.limited.borrowingLimitPercent, 0);
    assert.equal(fs.metadata.name, 'rampart-quarantine-telemetry-collector');
  });

  void it('fence: prints a non-lending, non-borrowing level and a schema for the change', async () => {
    const r = await cli([
      'breakglass',
      'fence',
      '--serviceaccount',
      'kube-system/telemetry-agent',
      '--seats',
      '3',
    ]);
    assert.equal(r.code, 0, r.err);
    const [plc, fs] = parseDocs(r.out);
    assert.ok(plc?.kind === 'PriorityLevelConfiguration' && fs?.kind === 'FlowSchema');
    assert.equal(plc.metadata.name, 'rampart-rollout-fence');
    assert.equal(plc.spec.limited.lendablePercent, 0);
    assert.equal(plc.spec.limited.borrowingLimitPercent, 0);
    assert.equal(plc.spec.limited.nominalConcurrencyShares, sharesForSeats(3, 600, 245));
    assert.deepEqual(
      fs.spec.rules[0]?.subjects.map((s) => s.kind),
      ['ServiceAccount'],
    );
    assert.equal((await cli(['breakglass', 'fence', '--serviceaccount', 'x/y', '--seats', '0'])).code, 2);
  });

  void it('bad flags exit 2 with one line', async () => {
    const r = await cli(['breakglass', 'quarantine', '--serviceaccount', 'nope']);
    assert.equal(r.code, 2);
    assert.equal(r.err.trim().split('\n').length, 1);
    assert.match(r.err, /--serviceaccount: "nope" is not namespace\/name/);
    assert.equal((await cli(['breakglass', 'manifests', '--seats', 'x'])).code, 2);
  });
});
