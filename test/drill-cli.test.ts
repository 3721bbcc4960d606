import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { OutageDrillResult } from '../src/drill/outage-drill.js';
import { runCliInProcess, tempDir } from './support/index.js';

const staging = 'scenarios/staging.yaml';
const fleet = 'test/fixtures/small-fleet.yaml';

const drillJson = async (args: readonly string[]): Promise<{ text: string; result: OutageDrillResult }> => {
  const run = await runCliInProcess(['drill', ...args, '--json', '-']);
  assert.equal(run.code, 0, run.stderr);
  return { text: run.stdout, result: JSON.parse(run.stdout) as OutageDrillResult };
};

void describe('rampart drill (simulated control-plane outage)', () => {
  void it('one row per DNS configuration, named and ordered as on the command line; same inputs, same bytes', async () => {
    const args = [staging, '--control-plane-outage', '10m', '--dns', 'static,stock,serve-stale,nodelocal'];
    const a = await drillJson(args);
    const b = await drillJson(args);
    assert.equal(a.text, b.text, 'deterministic');
    const r = a.result;
    assert.deepEqual(
      r.configurations.map((c) => c.dns),
      ['static', 'stock', 'serve-stale', 'nodelocal'],
    );
    assert.equal(r.outageS, 600);
    assert.deepEqual(r.clusters, ['staging-us-west']);
    const by = new Map(r.configurations.map((c) => [c.dns, c]));
    const stock = by.get('stock');
    const nodelocal = by.get('nodelocal');
    const stale = by.get('serve-stale');
    const stat = by.get('static');
    assert.ok(stock && nodelocal && stale && stat);
    for (const c of r.configurations) {
      for (const key of [
        'errorMinutes',
        'peakErrorRatio',
        'relistPeakSeats',
        'baselineSeats',
        'seatCapacity',
        'peak429PerS',
      ] as const)
        assert.ok(Number.isFinite(c[key]) && c[key] >= 0, `${c.dns}.${key}`);
      assert.ok(c.relistPeakSeats >= c.baselineSeats, `${c.dns}: the return asks at least the baseline`);
    }
    // Stock CoreDNS (30 s cache) fails within the outage; a node cache buys a little; serve_stale and
    // discovery that does not ask the control plane keep serving throughout.
    assert.ok(stock.survivalS !== null && stock.survivalS < 60 && !stock.survivedOutage);
    assert.ok(nodelocal.survivalS !== null && nodelocal.survivalS >= stock.survivalS);
    assert.equal(stale.survivalS, null);
    assert.equal(stat.survivalS, null);
    assert.ok(stale.survivedOutage && stat.survivedOutage);
    assert.ok(stock.errorMinutes > 5 && stat.errorMinutes === 0);
    // The herd: relists and piled-up retries when the control plane returns.
    assert.ok(stock.relistPeakSeats > 5 * stock.baselineSeats, JSON.stringify(stock));
    assert.ok(stock.peak429PerS > 0);
    assert.ok(stock.recoveredAfterS !== null && stock.recoveredAfterS < 1800);
  });

  void it('names the CoreDNS mode behind the configurations; stock CoreDNS (informer) serves through the outage', async () => {
    const perMiss = await drillJson([staging, '--control-plane-outage', '10m', '--dns', 'stock']);
    assert.deepEqual(perMiss.result.corednsModes, ['api-per-miss']);
    const text = await runCliInProcess(['drill', staging, '--control-plane-outage', '10m', '--dns', 'stock']);
    assert.match(
      text.stdout,
      /CoreDNS in every configuration but static: the scenario's dns\.mode, api-per-miss/,
    );
    // The same cluster with stock CoreDNS answering from its informer copy: nothing fails while it lives.
    const dir = tempDir('drill-informer');
    const informer = join(dir, 'staging-informer.yaml');
    const yaml = readFileSync(staging, 'utf8');
    assert.match(yaml, /mode: api-per-miss/);
    writeFileSync(informer, yaml.replace('mode: api-per-miss', 'mode: informer'));
    const stock = await drillJson([informer, '--control-plane-outage', '10m', '--dns', 'stock']);
    assert.deepEqual(stock.result.corednsModes, ['informer']);
    const row = stock.result.configurations[0];
    assert.ok(
      row && row.survivalS === null && row.survivedOutage && row.errorMinutes === 0,
      JSON.stringify(row),
    );
    assert.ok(perMiss.result.configurations[0]!.errorMinutes > 5);
  });

  void it('--clusters picks clusters; the others are not drilled', async () => {
    const { result } = await drillJson([
      fleet,
      '--control-plane-outage',
      '5m',
      '--dns',
      'stock',
      '--clusters',
      'min-nodes:500',
    ]);
    assert.deepEqual(result.clusters, ['mid', 'big']);
    const one = await drillJson([
      fleet,
      '--control-plane-outage',
      '5m',
      '--dns',
      'stock',
      '--clusters',
      'tiny',
    ]);
    assert.deepEqual(one.result.clusters, ['tiny']);
    assert.ok(one.result.configurations[0]!.seatCapacity < result.configurations[0]!.seatCapacity);
  });

  void it('--require gates: exit 1 naming the configurations below it, 0 when all keep serving', async () => {
    const fail = await runCliInProcess([
      'drill',
      staging,
      '--control-plane-outage',
      '10m',
      '--dns',
      'stock,serve-stale',
      '--require',
      '5m',
    ]);
    assert.equal(fail.code, 1, fail.stderr);
    assert.match(fail.stdout, /FAIL: below --require 5m: stock \(/);
    assert.doesNotMatch(fail.stdout, /FAIL:.*serve-stale/);
    const pass = await runCliInProcess([
      'drill',
      staging,
      '--control-plane-outage',
      '10m',
      '--dns',
      'serve-stale,static',
      '--require',
      '5m',
    ]);
    assert.equal(pass.code, 0, pass.stderr);
    assert.match(pass.stdout, /PASS: every configuration kept the data plane serving for at least 5m/);
    assert.match(pass.stdout, /^dns +survival +error-min/m);
  });

  void it('--report writes one self-contained HTML page with the table and the bars', async () => {
    const dir = tempDir('rampart-drill-');
    const file = join(dir, 'drill.html');
    const run = await runCliInProcess([
      'drill',
      staging,
      '--control-plane-outage',
      '10m',
      '--report',
      file,
      '--require',
      '1m',
    ]);
    assert.equal(run.code, 1, run.stderr);
    assert.match(run.stdout, new RegExp(`HTML report written to ${file}`));
    const html = readFileSync(file, 'utf8');
    assert.match(html, /^<!doctype html>/);
    assert.equal((html.match(/<svg /g) ?? []).length, 2);
    assert.equal((html.match(/<tr><td>/g) ?? []).length, 4);
    assert.match(html, /class="fail">FAIL/);
    assert.doesNotMatch(html, /<script|https?:\/\//);
  });

  void it('bad input: one line, exit 2', async () => {
    const cases: [string[], RegExp][] = [
      [[staging], /--control-plane-outage: required/],
      [[staging, '--control-plane-outage', 'soon'], /--control-plane-outage: "soon" is not a duration/],
      [[staging, '--control-plane-outage', '0s'], /must be from 1s to 24h/],
      [
        [staging, '--control-plane-outage', '5m', '--dns', 'stock,coredns'],
        /--dns: unknown configuration "coredns"/,
      ],
      [[staging, '--control-plane-outage', '5m', '--dns', 'stock,stock'], /given twice/],
      [[staging, '--control-plane-outage', '5m', '--clusters', 'nope'], /no cluster named "nope"/],
      [[fleet, '--control-plane-outage', '5m', '--clusters', 'min-nodes:100000'], /picks no cluster/],
      [[staging, '--control-plane-outage', '5m', '--require', 'x'], /--require: "x" is not a duration/],
      [[], /give a scenario file/],
      [['live', '--starve', 'group:system:authenticated'], /everyone/],
      [['live', '--starve', 'coredns'], /neither namespace\/name/],
    ];
    for (const [args, message] of cases) {
      const run = await runCliInProcess(['drill', ...args]);
      assert.equal(run.code, 2, `${args.join(' ')}: ${run.stderr}`);
      assert.match(run.stderr, message);
      assert.equal(run.stderr.trim().split('\n').length, 1, run.stderr);
    }
  });
});
