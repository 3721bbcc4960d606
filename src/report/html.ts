import { offsetLabel, type WallClock } from '../core/wall-clock.js';
import type { SimEvent } from '../sim/result.js';
import { eventTone } from './event-data.js';
import { comparisonCells, policyEnding } from './compare-table.js';
import { formatCompact, formatCount, formatDurationS, formatPercent } from './format.js';
import { clientScript } from './html-client.js';
import { pageData, pickerOrder, runColors } from './html-data.js';
import { pageStyle } from './html-style.js';
import { compareSummary, when, whatHappened } from './narrative.js';
import { recordClock, type CompareRecord, type RunRecord } from './run-record.js';
import { timelineGroups } from './timeline.js';

/** uPlot's script and stylesheet, inlined into every report (the CLI reads them from node_modules). */
export interface ChartAssets {
  readonly uplotJs: string;
  readonly uplotCss: string;
}

/** What a report is about: one simulation, or one scenario under several policies. */
export type HtmlSubject =
  | { readonly kind: 'run'; readonly run: RunRecord }
  | { readonly kind: 'compare'; readonly compare: CompareRecord };

/** Escapes text for HTML content and attribute values. */
export function esc(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/**
 * The self-contained HTML report: one file, no request (a Content-Security-Policy allows none), the
 * chart library and the data inline. The same record gives the same bytes: nothing in it depends on
 * the time it was written or the machine.
 */
export function htmlReport(subject: HtmlSubject, assets: ChartAssets): string {
  const runs = subject.kind === 'run' ? [subject.run] : subject.compare.policies.map((p) => p.run);
  const first = runs[0];
  if (!first) throw new Error('htmlReport needs at least one run');
  const clock = recordClock(first);
  const title =
    subject.kind === 'run'
      ? `${first.scenario}${first.policy ? ` · ${first.policy}` : ''}`
      : `${subject.compare.scenario} · ${runs.map((r) => r.policy ?? '').join(' vs ')}`;
  const data = JSON.stringify(pageData(runs, clock)).replace(/</g, '\\u003c');
  const body = subject.kind === 'run' ? runBody(subject.run, clock) : compareBody(subject.compare, clock);
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src data:">
<title>Rampart · ${esc(title)}</title>
<style>${assets.uplotCss}</style>
<style>${pageStyle}</style>
</head>
<body>
${body}
${chartsSection(runs, clock)}
${subject.kind === 'run' ? timelineSection(subject.run, clock) + clusterTableSection(subject.run, clock, 'all') : compareDetails(subject.compare, clock)}
<footer>Rampart · scenario ${esc(first.scenario)} · ${subject.kind === 'run' ? `seed ${first.seed}` : `seeds ${subject.compare.seeds.join(', ')}`} · every figure is from the simulated run; times ${clock ? offsetLabel(clock) : 'are offsets from the start'}.</footer>
<script type="application/json" id="rampart-data">${data}</script>
<script>${assets.uplotJs}</script>
<script>${clientScript}</script>
</body>
</html>
`;
}

function header(kind: string, r: RunRecord, clock: WallClock | undefined, extra: string): string {
  return `<header><h1>${esc(r.scenario)}</h1><p class="sub">Rampart ${kind} · ${r.clusters.length} clusters · ${formatDurationS(r.durationS)} simulated${extra} · times ${clock ? offsetLabel(clock) : 'are offsets from the start'}</p></header>`;
}

function runBody(r: RunRecord, clock: WallClock | undefined): string {
  const t = (s: number | null, none: string): string => (s === null ? none : when(clock, s));
  const m = r.moments;
  const f = r.fleet;
  const rel = (s: number | null, none: string): string =>
    s === null ? none : s < 0 ? `${formatDurationS(-s)} before` : formatDurationS(s);
  const cards: [string, string, string][] = [
    [
      'Impact start',
      t(f.impactStartS, 'none'),
      f.impactStartS === null ? 'customers saw no errors' : 'first customer errors',
    ],
    [
      'Peak error ratio',
      formatPercent(f.peakErrorRatio),
      f.peakAtS === null ? 'of customer requests' : `of customer requests, at ${when(clock, f.peakAtS)}`,
    ],
    [
      'Blast radius',
      `${f.clustersSaturated} of ${r.clusters.length}`,
      'clusters whose API servers saturated',
    ],
    [
      'Time to detect',
      rel(m.detectS, m.firstImpactS === null ? 'nothing to detect' : 'never'),
      m.firstResponseS === null
        ? 'first impact → first response'
        : `first impact → first response, ${when(clock, m.firstResponseS)}`,
    ],
    [
      'Time to halt',
      r.metrics.halted ? rel(r.metrics.detectS, `halted ${t(r.metrics.haltedAtS, '')}`) : 'never halted',
      r.metrics.halted
        ? r.metrics.detectS === null
          ? 'halted before any cluster saturated'
          : 'first saturation → rollout halted'
        : r.metrics.completed
          ? 'the rollout completed'
          : 'the rollout did not finish',
    ],
    [
      'Time to recover',
      r.metrics.recoverS === null ? 'not recovered' : formatDurationS(r.metrics.recoverS),
      'first impact → last impacted cluster recovered',
    ],
    [
      'Lock-out',
      `${formatCount(r.metrics.lockoutMinutes)} min`,
      `on-call kubectl, summed over ${m.clustersLockedOut} cluster(s)`,
    ],
    ['Error-minutes', f.customerErrorMinutes.toFixed(1), 'all customer requests failing for one minute = 1'],
    ['Scenario', r.scenario, r.start ?? 'no wall-clock start'],
    ['Seed', String(r.seed), 'same seed, same run'],
    ['Policy', r.policy ?? 'none', r.policy ? 'rollout under the controller' : "the scenario's own rollout"],
  ];
  return `${header('simulation', r, clock, `${r.policy ? ` · policy ${esc(r.policy)}` : ''} · seed ${r.seed}`)}
<section id="what"><h2>What happened</h2><p>${whatHappened(r).map(esc).join(' ')}</p></section>
<section id="cards" class="cards">${cards.map(([k, v, note]) => `<div class="card"><div class="k">${esc(k)}</div><div class="v">${esc(v)}</div><div class="n">${esc(note)}</div></div>`).join('')}</section>`;
}

function compareBody(c: CompareRecord, clock: WallClock | undefined): string {
  const first = c.policies[0]?.run;
  if (!first) return '';
  const cells = comparisonCells(c.policies.map((p) => p.comparison));
  const [head, ...rows] = cells;
  const table = `<table class="compare"><thead><tr>${(head ?? []).map((h, i) => `<th${i > 0 ? ` style="color:${runColors[(i - 1) % runColors.length] ?? ''}"` : ''}>${esc(h)}</th>`).join('')}</tr></thead><tbody>${rows.map((row) => `<tr>${row.map((cell, i) => (i === 0 ? `<th>${esc(cell)}</th>` : `<td>${esc(cell)}</td>`)).join('')}</tr>`).join('')}</tbody></table>`;
  const endings = `<ul class="endings">${c.policies.map((p) => `<li><b>${esc(p.comparison.name)}</b>: ${esc(policyEnding(p.comparison, clock))}</li>`).join('')}</ul>`;
  const seeds =
    c.seeds.length === 1
      ? `seed ${c.seeds[0] ?? ''}`
      : `seeds ${c.seeds[0] ?? ''}–${c.seeds[c.seeds.length - 1] ?? ''}`;
  return `${header('compare', first, clock, ` · ${seeds} · ${c.policies.length} policies`)}
<section id="what"><h2>What happened</h2><p>${compareSummary(c).map(esc).join(' ')}</p>${c.seeds.length > 1 ? '<p class="n">Charts, timelines and cluster tables show each policy\'s first seed; the table gives means (worst case) over the seeds.</p>' : ''}</section>
<section id="cards"><h2>Policies side by side</h2>${table}${endings}</section>`;
}

function chartsSection(runs: readonly RunRecord[], clock: WallClock | undefined): string {
  const first = runs[0];
  if (!first) return '';
  const order = pickerOrder(first.clusters);
  const label = (name: string, nodes: number): string => {
    const c = first.clusters.find((x) => x.name === name);
    const sat = c?.saturatedAtS ?? null;
    return `${name} · ${formatCount(nodes)} nodes${runs.length === 1 && sat !== null ? ` · saturated ${when(clock, sat)}` : ''}`;
  };
  const largest = [...first.clusters].sort((a, b) => b.nodes - a.nodes).slice(0, 6);
  const legend = [
    ['bad', 'saturation, lock-out, failed gate, halt'],
    ['warn', 'DNS failures, warnings'],
    ['action', 'operator action, rollback'],
    ['good', 'recovery, rollout completed'],
    ['rollout', 'change applied, node step'],
  ]
    .map(([tone, text]) => `<span class="mk mk-${tone ?? ''}">${esc(text ?? '')}</span>`)
    .join('');
  const bands = runs.length === 1 ? '<span class="band">rollout (waves shaded)</span>' : '';
  const policies =
    runs.length > 1
      ? runs
          .map(
            (r, i) =>
              `<span class="pol" style="--c:${runColors[i % runColors.length] ?? ''}">${esc(r.policy ?? '')}</span>`,
          )
          .join('')
      : '';
  return `<section id="charts"><h2>Fleet over time</h2><p class="legend">${policies}${bands}${legend}</p><div class="grid" id="fleet-charts"></div>
<h2 id="cluster-view">Cluster <span id="picked"></span></h2>
<p class="picker"><label>Cluster <select id="picker">${order.map((c) => `<option value="${esc(c.name)}">${esc(label(c.name, c.nodes))}</option>`).join('')}</select></label> <span class="largest">Largest: ${largest.map((c) => `<button type="button" data-cluster="${esc(c.name)}">${esc(c.name)}</button>`).join(' ')}</span></p>
<div class="grid" id="cluster-charts"></div></section>`;
}

function timelineSection(
  r: RunRecord,
  clock: WallClock | undefined,
  id = 'timeline',
  heading = 'Timeline',
): string {
  const nodes = new Map(r.clusters.map((c) => [c.name, c.nodes]));
  const rows = timelineGroups(r).map((g) => {
    const span =
      g.lastS - g.firstS >= 60 ? `${when(clock, g.firstS)}–${when(clock, g.lastS)}` : when(clock, g.firstS);
    const first: SimEvent | undefined = g.first;
    const names = g.events
      .filter((e) => e.cluster !== undefined)
      .map(
        (e) =>
          `${e.cluster ?? ''}${nodes.has(e.cluster ?? '') ? ` (${formatCount(nodes.get(e.cluster ?? '') ?? 0)})` : ''}`,
      );
    const who =
      names.length <= 3
        ? esc(names.join(', '))
        : `${esc(names.slice(0, 3).join(', '))} <details><summary>+${names.length - 3} more</summary>${esc(names.slice(3).join(', '))}</details>`;
    const detail =
      g.grouped && g.events.length > 1
        ? first?.type === 'operator.action'
          ? (first.detail ?? '')
          : ''
        : (first?.detail ?? '');
    return `<tr class="t-${eventTone(g.type)}"><td class="when">${esc(span)}</td><td><span class="ev">${esc(g.type)}${g.events.length > 1 ? ` ×${g.events.length}` : ''}</span></td><td>${who}</td><td>${esc(detail)}</td></tr>`;
  });
  return `<section id="${id}"><h2>${esc(heading)}</h2><table class="timeline"><thead><tr><th>time</th><th>event</th><th>clusters</th><th>detail</th></tr></thead><tbody>${rows.join('')}</tbody></table></section>`;
}

function clusterTableSection(
  r: RunRecord,
  clock: WallClock | undefined,
  which: 'all' | 'affected',
  id = 'clusters',
  heading = 'Clusters',
): string {
  const affected = (c: RunRecord['clusters'][number]): boolean =>
    c.saturated || c.dnsFailureStartS !== null || c.peakErrorRatio >= 0.001;
  const shown = pickerOrder(r.clusters).filter((c) => which === 'all' || affected(c));
  const time = (s: number | null): string =>
    s === null ? '<td data-v="-1">-</td>' : `<td data-v="${s}">${esc(when(clock, s))}</td>`;
  const num = (v: number, text: string): string => `<td data-v="${v}">${esc(text)}</td>`;
  const head = [
    'cluster',
    'nodes',
    'saturated',
    'DNS fails',
    'peak err',
    'peak seats',
    'p99',
    '429s',
    'OOM',
    'locked out',
    'recovered',
  ];
  const rows = shown.map(
    (c) =>
      `<tr><td><a href="#cluster-view" data-cluster="${esc(c.name)}">${esc(c.name)}</a></td>${num(c.nodes, formatCount(c.nodes))}${time(c.saturatedAtS)}${time(c.dnsFailureStartS)}${num(c.peakErrorRatio, formatPercent(c.peakErrorRatio))}${num(c.peakSeatUtilization, formatPercent(c.peakSeatUtilization))}${num(c.peakApiP99LatencyS, `${c.peakApiP99LatencyS.toFixed(1)}s`)}${num(c.rejected429Total, formatCompact(c.rejected429Total))}${num(c.oomKills, String(c.oomKills))}${num(c.adminLockedOutS, c.adminLockedOutS > 0 ? formatDurationS(c.adminLockedOutS) : '-')}${time(c.recoveredAtS)}</tr>`,
  );
  const rest = r.clusters.length - shown.length;
  return `<section id="${id}"><h2>${esc(heading)}</h2><p class="n">Click a column to sort, a name to chart it.${rest > 0 ? ` ${rest} other cluster(s) were not affected.` : ''}</p><table class="sortable clusters"><thead><tr>${head.map((h) => `<th>${esc(h)}</th>`).join('')}</tr></thead><tbody>${rows.join('')}</tbody></table></section>`;
}

function compareDetails(c: CompareRecord, clock: WallClock | undefined): string {
  return c.policies
    .map((p, i) => {
      const name = p.comparison.name;
      return `<details class="policy"${i === 0 ? ' open' : ''}><summary>${esc(name)}: timeline and affected clusters (seed ${p.run.seed})</summary>${timelineSection(p.run, clock, `timeline-${i}`, `Timeline · ${name}`)}${clusterTableSection(p.run, clock, 'affected', `clusters-${i}`, `Affected clusters · ${name}`)}</details>`;
    })
    .join('\n');
}
