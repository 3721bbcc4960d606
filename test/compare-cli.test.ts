import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import type { CompareOutput } from '../src/cli/commands/compare.js';
import type { SimResult } from '../src/sim/result.js';
import { runCliInProcess, tempDir, writeTemp } from './support/index.js';

const fleet = 'test/fixtures/rollout-fleet.yaml';

describe('rampart simulate --policy', () => {
  it('runs the scenario’s change under a builtin policy; the JSON names the policy and has the rollout events', async () => {
    const run = await runCliInProcess(['simulate', fleet, '--policy', 'guarded', '--json', '-']);
    assert.equal(run.code, 0, run.stderr);
    const r = JSON.parse(run.stdout) as SimResult;
    assert.equal(r.policy, 'guarded');
    for (const type of [
      'rollout.started',
      'rollout.wave.started',
      'rollout.step.applied',
      'rollout.gate.failed',
      'rollout.halted',
      'rollout.cluster.rolledback',
    ])
      assert.ok(
        r.events.some((e) => e.type === type),
        type,
      );
    const gate = r.events.find((e) => e.type === 'rollout.gate.failed');
    assert.match(gate?.detail ?? '', /^change_seat_demand \d+ vs threshold \d+ \(gate extrapolation/);
    const text = await runCliInProcess(['simulate', fleet, '--policy', 'guarded-no-node-steps', '--quiet']);
    assert.equal(text.code, 0, text.stderr);
    assert.match(text.stdout, /policy guarded-no-node-steps/);
  });

  it('takes a RolloutPolicy file', async () => {
    const dir = tempDir();
    const file = writeTemp(
      dir,
      'p.yaml',
      readFileSync('examples/policies/guarded.yaml', 'utf8').replace('name: guarded', 'name: team-policy'),
    );
    const run = await runCliInProcess(['simulate', fleet, '--policy', file, '--json', '-']);
    assert.equal(run.code, 0, run.stderr);
    const r = JSON.parse(run.stdout) as SimResult;
    assert.equal(r.policy, 'team-policy');
    assert.deepEqual(
      r.events.filter((e) => e.type === 'rollout.warning'),
      [],
      'the documented policy has nothing to warn about',
    );
  });

  it('shows the policy’s warnings in the timeline: a bake shorter than the DNS caches', async () => {
    const dir = tempDir();
    const file = writeTemp(
      dir,
      'short.yaml',
      readFileSync('examples/policies/guarded.yaml', 'utf8').replace('bakeMargin: 5m', 'bake: 5m'),
    );
    const run = await runCliInProcess(['simulate', fleet, '--policy', file]);
    assert.equal(run.code, 0, run.stderr);
    assert.match(
      run.stdout,
      /rollout\.warning +guarded: bake 5m is shorter than the longest DNS cache TTL in the fleet \(20m on /,
    );
  });

  it('bad input is one line and exit 2', async () => {
    const dir = tempDir();
    const bad = writeTemp(
      dir,
      'bad.yaml',
      'apiVersion: rampart.dev/v1alpha1\nkind: RolloutPolicy\nmetadata: {name: x}\nspec:\n  bake: soon\n',
    );
    for (const [args, expect] of [
      [['--policy', 'gaurded'], /--policy: unknown builtin "gaurded"; use naive, workload-only, guarded/],
      [['--policy', bad], /bad\.yaml:5:\d+: spec\.bake/],
      [['--no-node-steps'], /--no-node-steps: only with --policy/],
    ] as const) {
      const run = await runCliInProcess(['simulate', fleet, ...args]);
      assert.equal(run.code, 2, run.stderr);
      assert.match(run.stderr, expect);
      assert.equal(run.stderr.trim().split('\n').length, 1);
      assert.equal(run.stdout, '');
    }
  });
});

describe('rampart compare', () => {
  it('prints the policies side by side and writes the documented JSON (means and worst case over seeds)', async () => {
    const out = join(tempDir(), 'compare.json');
    const run = await runCliInProcess([
      'compare',
      fleet,
      '--policies',
      'naive,guarded',
      '--seeds',
      '2',
      '--json',
      out,
    ]);
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /^Rampart compare · rollout-fleet · seeds 1–2 · 14 clusters/);
    assert.match(run.stdout, /clusters saturated \(blast radius\)/);
    assert.match(run.stdout, /guarded: halted \d\d:\d\d, before any cluster saturated/);
    const j = JSON.parse(readFileSync(out, 'utf8')) as CompareOutput;
    assert.deepEqual(j.seeds, [1, 2]);
    assert.deepEqual(
      j.policies.map((p) => p.name),
      ['naive', 'guarded'],
    );
    for (const p of j.policies) {
      for (const k of [
        'blastRadius',
        'customerErrorMinutes',
        'detectS',
        'recoverS',
        'lockoutMinutes',
        'rolloutDurationS',
        'completed',
        'halted',
      ])
        assert.ok(k in p, `${p.name}.${k}`);
      assert.equal(p.runs.length, 2);
      assert.deepEqual(
        p.runs.map((r) => r.seed),
        [1, 2],
      );
    }
    const [naive, guarded] = j.policies;
    assert.ok(naive && guarded);
    assert.equal(naive.completed, 1);
    assert.ok((naive.blastRadius ?? 0) > 0 && (naive.worst.blastRadius ?? 0) >= (naive.blastRadius ?? 0));
    assert.equal(guarded.halted, 1);
    assert.equal(guarded.blastRadius, 0);
    // Worker threads or not, the numbers are the same.
    const serial = await runCliInProcess([
      'compare',
      fleet,
      '--policies',
      'naive,guarded',
      '--seeds',
      '2',
      '--parallel',
      '1',
      '--json',
      '-',
    ]);
    assert.equal(serial.code, 0, serial.stderr);
    assert.equal(serial.stdout, readFileSync(out, 'utf8'));
  });

  it('bad input is one line and exit 2, before anything runs', async () => {
    for (const [args, expect] of [
      [['--policies', 'naive,nope'], /--policy: unknown builtin "nope"/],
      [['--seeds', '0'], /--seeds: "0" is not a whole number from 1 to 1000/],
      [['--policies', ' , '], /--policies: name at least one policy/],
      [['--policies', 'guarded,naive,guarded'], /--policies: "guarded" is named twice/],
      [
        ['--seed', '4294967295', '--seeds', '2'],
        /--seed: "4294967295" is not a whole number from 0 to 4294967294/,
      ],
    ] as const) {
      const run = await runCliInProcess(['compare', fleet, ...args]);
      assert.equal(run.code, 2, run.stderr);
      assert.match(run.stderr, expect);
      assert.equal(run.stderr.trim().split('\n').length, 1);
    }
  });
});
