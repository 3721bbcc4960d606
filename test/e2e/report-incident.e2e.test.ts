import assert from 'node:assert/strict';
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { BrowserContext, Page } from 'playwright-core';
import { chartAssets } from '../../src/cli/report-output.js';
import { loadScenario } from '../../src/config/scenario.js';
import { htmlReport } from '../../src/report/html.js';
import { runContext } from '../../src/report/run-context.js';
import { runRecord } from '../../src/report/run-record.js';
import type { SimResult } from '../../src/sim/result.js';
import type { CompareOutput } from '../../src/cli/commands/compare.js';
import { formatCompact, formatCount, formatDurationS, formatPercent } from '../../src/core/format.js';
import { clockTimeAt, parseWallClock } from '../../src/core/wall-clock.js';
import { ensureChromium, keepScreenshot, launchChromium, openWatched } from '../support/chromium.js';
import { runCliInProcess, tempDir } from '../support/index.js';

const incident = 'scenarios/incident-2024-12-11.yaml';
const smallFleet = 'test/fixtures/rollout-fleet.yaml';
/** The aim for a report one can mail. */
const maxReportBytes = 2 * 1024 * 1024;

// One incident run and one compare run for every check here: the incident takes seconds.
const dir = tempDir('rampart-report-');
const files = {
  json: join(dir, 'incident.json'),
  html: join(dir, 'incident.html'),
  md: join(dir, 'incident.md'),
  compareHtml: join(dir, 'compare.html'),
  compareMd: join(dir, 'compare.md'),
  compareJson: join(dir, 'compare.json'),
};
let result: SimResult;
let compare: CompareOutput;

before(async () => {
  const sim = await runCliInProcess([
    'simulate',
    incident,
    '--json',
    files.json,
    '--report',
    files.html,
    '--postmortem',
    files.md,
  ]);
  assert.equal(sim.code, 0, sim.stderr);
  assert.match(
    sim.stdout,
    new RegExp(
      `JSON written to ${files.json}\nHTML report written to ${files.html}\nPostmortem written to ${files.md}\n$`,
    ),
  );
  result = JSON.parse(readFileSync(files.json, 'utf8')) as SimResult;
  const cmp = await runCliInProcess([
    'compare',
    smallFleet,
    '--parallel',
    '1',
    '--report',
    files.compareHtml,
    '--postmortem',
    files.compareMd,
    '--json',
    files.compareJson,
  ]);
  assert.equal(cmp.code, 0, cmp.stderr);
  compare = JSON.parse(readFileSync(files.compareJson, 'utf8')) as CompareOutput;
});

describe('the incident’s HTML report, as a file', () => {
  it(`is one self-contained file under ${maxReportBytes / 1024 / 1024} MB`, (t) => {
    const html = readFileSync(files.html, 'utf8');
    const bytes = statSync(files.html).size;
    t.diagnostic(`incident report: ${bytes} bytes (${(bytes / 1024).toFixed(0)} KiB)`);
    assert.ok(bytes <= maxReportBytes, `${bytes} bytes`);
    assert.doesNotMatch(html, /<(script|link|img)[^>]+(src|href)=/i, 'nothing loaded from elsewhere');
    assert.match(html, /Content-Security-Policy" content="default-src 'none'/);
    assert.match(html, /uPlot \(v1\.6\.32\)/, 'the chart library is inline');
  });

  it('is the same bytes when built again from the JSON: it depends on the run alone', () => {
    const scenario = loadScenario(incident);
    const again = htmlReport(
      { kind: 'run', run: runRecord(result, runContext(scenario, result.clusters)) },
      chartAssets(),
    );
    assert.ok(again === readFileSync(files.html, 'utf8'), 'same run, same HTML bytes');
  });
});

describe('the HTML reports in headless Chromium', () => {
  let ctx: BrowserContext | undefined;
  let missing: string | null = null;

  before(async () => {
    missing = ensureChromium();
    if (missing === null) ctx = await launchChromium();
  });
  // Closed even when a test failed, so no browser outlives the run.
  after(async () => {
    await ctx?.close();
  });

  /** Skips locally without Chromium; under CI a missing browser is a failure, never a silent pass. */
  const browser = (t: { skip: (m: string) => void }): BrowserContext | undefined => {
    if (ctx) return ctx;
    if (process.env['CI'] === 'true') assert.fail(`Chromium is required under CI: ${missing ?? ''}`);
    t.skip(`no Chromium: ${missing ?? 'not launched'}`);
    return undefined;
  };

  const drawnCharts = (page: Page): Promise<{ id: string; points: number; coloured: number }[]> =>
    page.evaluate(() => {
      type Chart = {
        id: string;
        u: {
          ctx: { getImageData(x: number, y: number, w: number, h: number): { data: Uint8ClampedArray } };
          bbox: { left: number; top: number; width: number; height: number };
          data: number[][];
        };
      };
      const charts = (globalThis as unknown as { rampart: { charts: Chart[] } }).rampart.charts;
      return charts.map((c) => {
        const { left, top, width, height } = c.u.bbox;
        const px = c.u.ctx.getImageData(left, top, width, height).data;
        let coloured = 0;
        for (let i = 0; i < px.length; i += 4) {
          const r = px[i] ?? 0;
          const g = px[i + 1] ?? 0;
          const b = px[i + 2] ?? 0;
          // A line's colour, not the grid's grey or the bands' tint.
          if ((px[i + 3] ?? 0) > 200 && Math.max(r, g, b) - Math.min(r, g, b) > 60) coloured++;
        }
        return { id: c.id, points: c.u.data[1]?.length ?? 0, coloured };
      });
    });

  it('the incident: loads with no console error and no request, every chart drawn, picker and sorting work', async (t) => {
    const c = browser(t);
    if (!c) return;
    const { page, watch } = await openWatched(c, files.html);
    try {
      await page.waitForSelector('html[data-ready="true"]', { timeout: 30_000 });
      const charts = await drawnCharts(page);
      assert.equal(charts.length, 10, 'five fleet charts and five cluster charts');
      for (const chart of charts) {
        assert.ok(chart.points > 100, `${chart.id} has its series`);
        assert.ok(chart.coloured > 50, `${chart.id} has drawn content (${chart.coloured} coloured pixels)`);
      }
      t.diagnostic(`screenshot: ${await keepScreenshot(page, 'report-incident.png')}`);

      // The picker: another cluster's series replace the first one's.
      const first = await page.inputValue('#picker');
      const other = 'staging-us-west';
      assert.notEqual(first, other);
      const before = await page.evaluate(() =>
        (
          globalThis as unknown as { rampart: { charts: { id: string; u: { data: number[][] } }[] } }
        ).rampart.charts
          .find((x) => x.id === 'cluster-errorRatio')
          ?.u.data[1]?.slice(),
      );
      await page.selectOption('#picker', other);
      assert.equal(await page.textContent('#picked'), other);
      const shown = await page.evaluate(() => {
        const r = (
          globalThis as unknown as { rampart: { charts: { id: string; u: { data: number[][] } }[] } }
        ).rampart;
        return r.charts.find((x) => x.id === 'cluster-seatUtilization')?.u.data[1]?.slice() ?? [];
      });
      const expected = result.series.clusters[other]?.seatUtilization ?? [];
      assert.ok(
        shown.length > 0 && Math.max(...shown) <= Math.max(...expected) * 1.01,
        'the picked cluster’s seats',
      );
      assert.ok(Math.max(...shown) < 0.05, 'staging’s seats stay low');
      assert.notDeepEqual(before, shown);
      await keepScreenshot(page, 'report-incident-picked.png');

      // The cluster table sorts by a column, then the other way.
      const nodesHead = page.locator('table.clusters th', { hasText: /^nodes$/ });
      const nodes = async (): Promise<number[]> =>
        await page
          .locator('table.clusters tbody tr td:nth-child(2)')
          .evaluateAll((tds: { getAttribute(name: string): string | null }[]) =>
            tds.map((td) => Number(td.getAttribute('data-v'))),
          );
      await nodesHead.click();
      assert.equal(await nodesHead.getAttribute('aria-sort'), 'ascending');
      const up = await nodes();
      assert.deepEqual(
        up,
        [...up].sort((a, b) => a - b),
      );
      assert.equal(up.length, result.clusters.length);
      await nodesHead.click();
      assert.equal(await nodesHead.getAttribute('aria-sort'), 'descending');
      const down = await nodes();
      assert.deepEqual(
        down,
        [...down].sort((a, b) => b - a),
      );

      assert.deepEqual(watch.requests, [], 'no network request');
      assert.deepEqual(watch.errors, [], 'no console error');
    } finally {
      await page.close();
    }
  });

  it('compare: the policies side by side on shared axes, no error, no request', async (t) => {
    const c = browser(t);
    if (!c) return;
    const { page, watch } = await openWatched(c, files.compareHtml);
    try {
      await page.waitForSelector('html[data-ready="true"]', { timeout: 30_000 });
      const charts = await drawnCharts(page);
      assert.equal(charts.length, 10);
      for (const chart of charts) assert.ok(chart.coloured > 50, `${chart.id} has drawn content`);
      const series = await page.evaluate(() =>
        (
          globalThis as unknown as {
            rampart: { charts: { id: string; u: { series: { label: string }[] } }[] };
          }
        ).rampart.charts
          .find((x) => x.id === 'fleet-errorRatio')
          ?.u.series.slice(1)
          .map((s) => s.label),
      );
      assert.deepEqual(series, ['naive', 'workload-only', 'guarded'], 'one line per policy on one chart');
      assert.match((await page.textContent('#what')) ?? '', /guarded would have contained it/);
      t.diagnostic(`screenshot: ${await keepScreenshot(page, 'report-compare.png')}`);
      assert.deepEqual(watch.requests, []);
      assert.deepEqual(watch.errors, []);
    } finally {
      await page.close();
    }
  });
});

describe('the incident postmortem: its figures are the run’s', () => {
  const md = (): string => readFileSync(files.md, 'utf8');
  const clock = parseWallClock('2024-12-11T14:45:00-08:00');
  const hhmm = (tS: number | null): string =>
    clock && tS !== null ? clockTimeAt(clock, tS).slice(0, 5) : '?';
  const sum = (f: (c: SimResult['clusters'][number]) => number): number =>
    result.clusters.reduce((s, c) => s + f(c), 0);

  it('has the sections teams publish', () => {
    const headings = md()
      .split('\n')
      .filter((l) => l.startsWith('## '));
    assert.deepEqual(headings, [
      '## Summary',
      '## Impact',
      '## Timeline (UTC-08:00)',
      '## Causal chain',
      '## Detection and remediation',
      '## Contributing factors',
    ]);
  });

  it('impact: window, peak, error-minutes, blast radius, lock-out', () => {
    const f = result.fleet;
    const text = md();
    assert.ok(
      text.includes(`| Impact window | ${hhmm(f.impactStartS)} – ${hhmm(f.fullRecoveryS)} (`),
      'window',
    );
    assert.ok(
      text.includes(
        `| Peak | ${formatPercent(f.peakErrorRatio)} of customer requests failing at ${hhmm(f.peakAtS)} |`,
      ),
      'peak',
    );
    assert.ok(text.includes(`| Customer error-minutes | ${f.customerErrorMinutes.toFixed(1)} |`));
    assert.ok(
      text.includes(
        `| Clusters saturated (blast radius) | ${f.clustersSaturated} of ${result.clusters.length} |`,
      ),
    );
    const locked = result.clusters.filter((c) => c.adminLockedOutS > 0).length;
    const minutes = Math.round((sum((c) => c.adminLockedOutS) / 60) * 10) / 10;
    assert.ok(
      text.includes(`| On-call lock-out | ${locked} cluster(s), ${formatCount(minutes)} cluster-minutes |`),
      'lock-out',
    );
  });

  it('causal chain: OOM kills, 429s, the fleet’s peak 429 rate, DNS delays, the longest lock-out', () => {
    const text = md();
    assert.ok(text.includes(`OOM-killed ${formatCount(sum((c) => c.oomKills))} times in all`), 'OOM kills');
    assert.ok(
      text.includes(`${formatCompact(sum((c) => c.rejected429Total))} requests were rejected with 429`),
      '429s',
    );
    // The peak fleet-wide 429 rate, from the JSON's per-cluster series (3 significant digits, as drawn).
    const n = result.series.tS.length;
    let peak = 0;
    for (let i = 0; i < n; i++)
      peak = Math.max(
        peak,
        Object.values(result.series.clusters).reduce((s, c) => s + (c.rejected429PerS[i] ?? 0), 0),
      );
    assert.ok(
      text.includes(`up to ${formatCompact(Number(peak.toPrecision(3)))} a second fleet-wide`),
      `peak 429/s ${peak}`,
    );
    const delays = result.clusters
      .flatMap((c) =>
        c.saturatedAtS !== null && c.dnsFailureStartS !== null ? [c.dnsFailureStartS - c.saturatedAtS] : [],
      )
      .sort((a, b) => a - b);
    const mid = delays.length / 2;
    const median =
      delays.length % 2 ? (delays[Math.floor(mid)] ?? 0) : ((delays[mid - 1] ?? 0) + (delays[mid] ?? 0)) / 2;
    assert.ok(
      text.includes(
        `DNS failures began in ${delays.length} clusters, a median ${formatDurationS(median)} after`,
      ),
      'DNS',
    );
    const longest = [...result.clusters].sort((a, b) => b.adminLockedOutS - a.adminLockedOutS)[0];
    assert.ok(longest);
    assert.ok(
      text.includes(`longest ${formatDurationS(longest.adminLockedOutS)} in ${longest.name}`),
      'longest lock-out',
    );
  });

  it('timeline and remediation in wall clock, from the events', () => {
    const text = md();
    for (const type of ['rollout.started', 'impact.started', 'fleet.recovered']) {
      const e = result.events.find((x) => x.type === type);
      assert.ok(e?.at);
      assert.ok(text.includes(`- **${e.at.slice(11, 16)}** \`${type}\``), type);
    }
    const firstAction = result.events.find((e) => e.type === 'operator.action');
    assert.ok(
      firstAction?.at && text.includes(`  - ${firstAction.at.slice(11, 16)}: ${firstAction.detail ?? ''}`),
    );
  });

  it('compare: says which policy would have contained it, with the table’s figures', () => {
    const text = readFileSync(files.compareMd, 'utf8');
    assert.match(text, /^## Which policy would have contained it$/m);
    const contained = compare.policies.filter((p) => p.worst.blastRadius === 0);
    assert.ok(contained.length > 0, 'the fixture has a policy that contains it');
    const best = contained[0];
    assert.ok(best);
    assert.ok(text.includes(`${best.name} would have contained it: gate `), 'names the policy and its gate');
    const row = text.split('\n').find((l) => l.startsWith('| clusters saturated (blast radius) |'));
    assert.equal(
      row,
      `| clusters saturated (blast radius) | ${compare.policies.map((p) => p.blastRadius).join(' | ')} |`,
    );
    const halt = best.runs[0]?.haltReason ?? '';
    const figures = halt.split(': ')[1]?.split(' (gate')[0] ?? '?';
    assert.ok(text.includes(figures), `the gate's figures: ${figures}`);
  });
});
