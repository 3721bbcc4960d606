import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { BrowserContext, Page } from 'playwright-core';
import { chartAssets } from '../../src/cli/report-output.js';
import { rolloutHtmlReport } from '../../src/report/rollout-html.js';
import { rolloutRecord } from '../../src/report/rollout-record.js';
import { ensureChromium, keepScreenshot, launchChromium, openWatched } from '../support/chromium.js';
import { tempDir } from '../support/index.js';
import { simulatedRollout } from '../support/rollout-report.js';

// The live rollout's HTML report in a real headless Chromium: a guarded rollout the simulator drove until
// its extrapolation gate halted it, drawn from its state and journal as `rampart rollout report` does.
const run = simulatedRollout('rollout-fleet.yaml');
const record = rolloutRecord({ state: run.state, entries: run.entries, skippedLines: 0, timeBase: 'wall' });
const file = join(tempDir('rampart-rollout-report-'), 'rollout.html');
writeFileSync(file, rolloutHtmlReport(record, chartAssets()));

interface ChartView {
  id: string;
  points: number;
  coloured: number;
}

/** Every chart with the number of x points it holds and the coloured pixels it drew. */
const drawnCharts = (page: Page): Promise<ChartView[]> =>
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
        if ((px[i + 3] ?? 0) > 200 && Math.max(r, g, b) - Math.min(r, g, b) > 60) coloured++;
      }
      return { id: c.id, points: c.u.data[0]?.length ?? 0, coloured };
    });
  });

describe('the live rollout report in headless Chromium', () => {
  let ctx: BrowserContext | undefined;
  let missing: string | null = null;

  before(async () => {
    missing = ensureChromium();
    if (missing === null) ctx = await launchChromium();
  });
  after(async () => {
    await ctx?.close();
  });

  const browser = (t: { skip: (m: string) => void }): BrowserContext | undefined => {
    if (ctx) return ctx;
    if (process.env['CI'] === 'true') assert.fail(`Chromium is required under CI: ${missing ?? ''}`);
    t.skip(`no Chromium: ${missing ?? 'not launched'}`);
    return undefined;
  };

  it('loads with no console error and no request; every chart drawn; the picker switches clusters', async (t) => {
    const c = browser(t);
    if (!c) return;
    const { page, watch } = await openWatched(c, file);
    try {
      await page.waitForSelector('html[data-ready="true"]', { timeout: 30_000 });
      const halting = record.halt?.gate?.cluster ?? '';
      assert.equal(await page.inputValue('#picker'), halting, 'opens on the halting cluster');
      assert.equal(await page.textContent('#picked'), halting);
      const charts = await drawnCharts(page);
      // The fleet's node share, the cluster's node share, and one chart per gate.
      assert.equal(charts.length, 2 + record.gates.length);
      for (const chart of charts) {
        assert.ok(chart.points > 0, `${chart.id} has data`);
        assert.ok(chart.coloured > 50, `${chart.id} has drawn content (${chart.coloured} coloured pixels)`);
      }
      t.diagnostic(`screenshot: ${await keepScreenshot(page, 'report-rollout.png')}`);

      // Another cluster that ran the change: its readings replace the halting cluster's.
      const other = record.clusters.find((x) => x.name !== halting && x.readings > 0)?.name;
      assert.ok(other, 'a second cluster with readings');
      const points = (): Promise<number[]> =>
        page.evaluate(() =>
          (
            globalThis as unknown as { rampart: { charts: { id: string; u: { data: number[][] } }[] } }
          ).rampart.charts
            .filter((x) => x.id.startsWith('cluster-gate-'))
            .map((x) => x.u.data[0]?.length ?? 0),
        );
      const before = await points();
      await page.selectOption('#picker', other);
      assert.equal(await page.textContent('#picked'), other);
      const afterPick = await points();
      const expected = record.gates.map((g) => record.series.get(other)?.get(g.name)?.tMs.length ?? 0);
      assert.deepEqual(afterPick, expected, 'the picked cluster’s readings');
      assert.notDeepEqual(afterPick, before);
      for (const chart of (await drawnCharts(page)).filter((x) => x.id === 'cluster-share'))
        assert.ok(chart.coloured > 50, 'the picked cluster’s node share drawn');
      await keepScreenshot(page, 'report-rollout-picked.png');

      // A cluster's name in the table charts it.
      await page.click(`table.clusters a[data-cluster="${halting}"]`);
      assert.equal(await page.inputValue('#picker'), halting);

      // The table sorts by nodes.
      const nodesHead = page.locator('table.clusters th', { hasText: /^nodes$/ });
      await nodesHead.click();
      const nodes = await page
        .locator('table.clusters tbody tr td:nth-child(3)')
        .evaluateAll((tds: { getAttribute(name: string): string | null }[]) =>
          tds.map((td) => Number(td.getAttribute('data-v'))),
        );
      assert.deepEqual(
        nodes,
        [...nodes].sort((a, b) => a - b),
      );
      assert.equal(nodes.length, record.clusters.length);

      assert.match((await page.textContent('#what')) ?? '', /halted \(gate-failed\)/);
      assert.deepEqual(watch.requests, [], 'no network request');
      assert.deepEqual(watch.errors, [], 'no console error');
    } finally {
      await page.close();
    }
  });
});
