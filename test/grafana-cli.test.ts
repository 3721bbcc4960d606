import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { signalPromQL } from '../src/model/signal-promql.js';
import { signalDefs, signalNames, type SignalName } from '../src/model/signals.js';
import { grafanaQuery } from '../src/report/grafana.js';
import { parsePromql } from './support/promql.js';
import { runCliInProcess, tempDir } from './support/index.js';

interface Target {
  readonly refId: string;
  readonly expr: string;
  readonly datasource: { readonly type: string; readonly uid: string };
}
interface Panel {
  readonly id: number;
  readonly type: string;
  readonly title: string;
  readonly gridPos: { readonly h: number; readonly w: number; readonly x: number; readonly y: number };
  readonly datasource: { readonly type: string; readonly uid: string };
  readonly targets: readonly Target[];
  readonly fieldConfig: {
    readonly defaults: {
      readonly thresholds: { readonly steps: readonly { readonly value: number | null }[] };
    };
  };
}
interface Dashboard {
  readonly uid: string;
  readonly title: string;
  readonly schemaVersion: number;
  readonly panels: readonly Panel[];
  readonly time: { readonly from: string; readonly to: string };
  readonly templating: {
    readonly list: readonly {
      readonly name: string;
      readonly type: string;
      readonly current: { value: string };
    }[];
  };
}

/** The dashboard's variables as Grafana would interpolate them, so a query can be parsed as PromQL. */
function interpolate(expr: string): string {
  return expr
    .replace(/\$__rate_interval/g, '5m')
    .replace(/\$\{workload\}/g, 'http')
    .replace(/\$\{change\}/g, 'telemetry-agent');
}

async function dashboard(args: readonly string[] = []): Promise<Dashboard> {
  const run = await runCliInProcess(['grafana', 'dashboard', ...args]);
  assert.equal(run.code, 0, run.stderr);
  assert.equal(run.stderr, '');
  return JSON.parse(run.stdout) as Dashboard;
}

describe('rampart grafana dashboard', () => {
  it('has the JSON model’s required fields and a panel per gate signal', async () => {
    const d = await dashboard(['--datasource', 'prom-fleet']);
    assert.equal(typeof d.uid, 'string');
    assert.ok(d.uid.length > 0 && d.uid.length <= 40, 'Grafana uids are at most 40 characters');
    assert.equal(typeof d.title, 'string');
    assert.ok(Number.isInteger(d.schemaVersion));
    assert.deepEqual(d.time, { from: 'now-3h', to: 'now' });
    const ds = d.templating.list.find((v) => v.name === 'datasource');
    assert.equal(ds?.type, 'datasource');
    assert.equal(ds?.current.value, 'prom-fleet', '--datasource is the default data source');
    assert.equal(d.panels.length, signalNames.length);
    const ids = new Set<number>();
    const cells = new Set<string>();
    for (const [i, p] of d.panels.entries()) {
      assert.ok(Number.isInteger(p.id) && !ids.has(p.id), 'unique panel ids');
      ids.add(p.id);
      assert.equal(p.type, 'timeseries');
      assert.ok(p.title.startsWith(signalNames[i] ?? '?'), p.title);
      for (const k of ['h', 'w', 'x', 'y'] as const)
        assert.ok(Number.isInteger(p.gridPos[k]), `${p.title} gridPos.${k}`);
      assert.ok(p.gridPos.x + p.gridPos.w <= 24, 'within the 24-column grid');
      const cell = `${p.gridPos.x},${p.gridPos.y}`;
      assert.ok(!cells.has(cell), 'panels do not overlap');
      cells.add(cell);
      assert.equal(p.datasource.uid, '${datasource}');
      assert.ok(p.targets.length > 0);
      for (const t of p.targets) {
        assert.match(t.refId, /^[A-Z]$/);
        assert.equal(t.datasource.uid, '${datasource}');
        assert.doesNotMatch(t.expr, /\$w\b|<workload>|<change>/, 'every placeholder became a variable');
      }
    }
  });

  it('queries exactly what the live gates evaluate, the window as $__rate_interval', async () => {
    const d = await dashboard();
    for (const [i, name] of signalNames.entries()) {
      // The gate's query for a change named `x`, with the dashboard's variables put back.
      const gate = signalPromQL(name, 'x') ?? signalDefs[name].live.split('; context:')[0]?.trim() ?? '';
      const expected = grafanaQuery(gate)
        .replaceAll('rampart-change-x', 'rampart-change-${change}')
        .replaceAll('"x"', '"${change}"');
      assert.equal(d.panels[i]?.targets[0]?.expr, expected, name);
    }
    // What the live adapter adds to the table: healthy zeros where a counter has no series yet, exempt
    // left out of seat utilisation, no unfillable placeholder.
    const byName = (n: SignalName): string => d.panels[signalNames.indexOf(n)]?.targets[0]?.expr ?? '';
    assert.match(
      byName('apiserver_429_per_s'),
      /or \(0 \* max\(apiserver_flowcontrol_nominal_limit_seats\)\)/,
    );
    assert.match(byName('apf_seat_utilization'), /priority_level!~"exempt\|/);
    for (const p of d.panels) for (const t of p.targets) assert.doesNotMatch(t.expr, /<[a-z-]+>/, p.title);
  });

  it('every panel’s query parses as PromQL', async () => {
    const d = await dashboard();
    const exprs = d.panels.flatMap((p) =>
      p.targets.map((t) => ({ title: p.title, expr: interpolate(t.expr) })),
    );
    for (const { title, expr } of exprs) assert.doesNotThrow(() => parsePromql(expr), `${title}: ${expr}`);
    // promtool, when Debian's prometheus package is installed, parses them as Prometheus itself does.
    const promtool = ['/usr/bin/promtool', '/usr/local/bin/promtool'].find((p) => existsSync(p));
    if (promtool) {
      const file = join(tempDir(), 'rules.yaml');
      const rules = exprs.map(
        (e, k) => `      - record: rampart:panel_${k}\n        expr: ${JSON.stringify(e.expr)}`,
      );
      writeFileSync(file, `groups:\n  - name: rampart\n    rules:\n${rules.join('\n')}\n`);
      const r = spawnSync(promtool, ['check', 'rules', file], { encoding: 'utf8' });
      assert.equal(r.status, 0, `${r.stdout}${r.stderr}`);
    }
  });

  it('the PromQL check rejects what Prometheus would', () => {
    for (const bad of [
      'sum(rate(x[5m])',
      'rate(x[5m]) +',
      'x{a="b"',
      'sum by (le (x)',
      'nosuchfn(x)',
      'x{a=b}',
    ])
      assert.throws(() => parsePromql(bad), /expected|unexpected|unterminated/, bad);
    for (const good of [
      'histogram_quantile(0.99, sum by (le) (rate(a_bucket{verb!~"WATCH|CONNECT"}[5m])))',
      'sum without (pod) (x) / on (job) group_left y offset 5m',
      'x > bool 3',
      'max_over_time(rate(x[1m])[10m:30s])',
    ])
      assert.doesNotThrow(() => parsePromql(good), good);
  });

  it('draws the policy’s absolute gate thresholds; writes a file with --output; refuses an unknown policy', async () => {
    const d = await dashboard(['--policy', 'guarded']);
    const seats = d.panels.find((p) => p.title.startsWith('apf_seat_utilization'));
    assert.deepEqual(
      seats?.fieldConfig.defaults.thresholds.steps.map((s) => s.value),
      [null, 0.9],
    );
    const out = join(tempDir(), 'gates.json');
    const run = await runCliInProcess(['grafana', 'dashboard', '--output', out]);
    assert.equal(run.code, 0, run.stderr);
    assert.equal(run.stdout, '');
    assert.equal((JSON.parse(readFileSync(out, 'utf8')) as Dashboard).uid, d.uid);
    const bad = await runCliInProcess(['grafana', 'dashboard', '--policy', 'nope']);
    assert.equal(bad.code, 2);
    assert.equal(bad.stderr.trim().split('\n').length, 1, bad.stderr);
  });
});
