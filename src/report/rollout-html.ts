import { signalDefs, type SignalName } from '../model/signals.js';
import { formatCount, formatDurationS, formatPercent } from './format.js';
import { esc, type ChartAssets } from './html.js';
import { pageStyle } from './html-style.js';
import { rolloutClientScript } from './rollout-html-client.js';
import { gateFigure, type GateSeries, type RolloutRecord, type TimelineRow } from './rollout-record.js';

/**
 * The HTML report of a live rollout: one self-contained file (the chart library and data inline, no
 * request allowed by its Content-Security-Policy), drawn from a RolloutRecord — summary cards, the share
 * of the fleet's nodes running the change, each cluster's gate readings against their thresholds with its
 * node steps as bands and verdicts, halts, rollbacks and approvals as marks, the timeline and a table.
 */

/** Points drawn per series at most, over all clusters and gates: the file stays small enough to mail. */
const pointBudget = 150_000;

type Unit = 'ratio' | 's' | 'per_s' | 'plain';

/** What the page's script reads. Times are seconds since the rollout's start. */
export interface RolloutPageData {
  readonly clock: { readonly startOfDayS: number } | null;
  readonly durationS: number;
  readonly clusters: readonly { readonly name: string; readonly nodes: number; readonly wave: string }[];
  readonly defaultCluster: string;
  readonly gates: readonly { readonly name: string; readonly title: string; readonly unit: Unit }[];
  readonly fleet: {
    readonly t: number[];
    readonly share: number[];
    readonly bands: (readonly [number, number, string])[];
    readonly marks: (readonly [number, string, string])[];
  };
  readonly cluster: Readonly<
    Record<
      string,
      {
        readonly share: readonly [number[], number[]];
        /** gate → [t, value, threshold] */
        readonly gates: Readonly<Record<string, readonly [number[], (number | null)[], (number | null)[]]>>;
        readonly bands: (readonly [number, number, string])[];
        readonly marks: (readonly [number, string, string])[];
        /** The span its charts show: from its start to its end, with a margin (the whole rollout if never started). */
        readonly range: readonly [number, number];
      }
    >
  >;
}

function unitOf(signal: SignalName): Unit {
  const u = signalDefs[signal].unit;
  return u === 'ratio' ? 'ratio' : u === 's' ? 's' : u === '1/s' ? 'per_s' : 'plain';
}

const round = (v: number): number => Number(v.toPrecision(5));
const sec = (r: RolloutRecord, ms: number): number => Math.round((ms - r.startMs) / 100) / 10;

/** Keeps at most `max` readings: per bucket the worst verdict (a fail, else an inconclusive), else the last. */
export function thinForDisplay(s: GateSeries, max: number): GateSeries {
  const n = s.tMs.length;
  if (n <= max) return s;
  const rank = { fail: 2, inconclusive: 1, pass: 0 } as const;
  const out: GateSeries = { tMs: [], value: [], threshold: [], verdict: [] };
  const size = Math.ceil(n / max);
  for (let i = 0; i < n; i += size) {
    let pick = Math.min(n - 1, i + size - 1);
    for (let j = i; j < Math.min(n, i + size); j++)
      if (rank[s.verdict[j] ?? 'pass'] > rank[s.verdict[pick] ?? 'pass']) pick = j;
    out.tMs.push(s.tMs[pick] ?? 0);
    out.value.push(s.value[pick] ?? null);
    out.threshold.push(s.threshold[pick] ?? null);
    out.verdict.push(s.verdict[pick] ?? 'pass');
  }
  return out;
}

/** The page data of a record. */
export function rolloutPageData(r: RolloutRecord): RolloutPageData {
  const startOfDayS = r.timeBase === 'wall' ? Math.round(r.startMs / 1000) % 86_400 : null;
  const nodes = new Map(r.clusters.map((c) => [c.name, c.nodes]));
  const totalNodes = r.clusters.reduce((s, c) => s + c.nodes, 0);
  const durationS = Math.max(1, sec(r, r.endMs));

  // The fleet's share of nodes running the change: steps add nodes, rollbacks remove them.
  const shares = new Map<string, number>();
  const fleetT = [0];
  const fleetShare = [0];
  const onNodes = (): number =>
    [...shares].reduce((s, [c, share]) => s + Math.ceil(share * (nodes.get(c) ?? 0) - 1e-9), 0);
  const stepEnds = new Map<string, number>();
  const steps = new Map<string, [number, number, string][]>();
  const closeStep = (cluster: string, t: number): void => {
    const open = steps.get(cluster)?.at(-1);
    if (open && open[1] < 0) open[1] = t;
    stepEnds.set(cluster, t);
  };
  for (const row of r.timeline) {
    const t = sec(r, row.atMs);
    if (row.cluster === null) continue;
    if (row.type === 'rollout.step.applied') {
      const c = r.clusters.find((x) => x.name === row.cluster);
      const step = c?.steps.find((s) => s.atMs === row.atMs);
      if (!step) continue;
      shares.set(row.cluster, step.share);
      closeStep(row.cluster, t);
      const list = steps.get(row.cluster) ?? [];
      list.push([t, -1, formatPercent(step.share, 'significant')]);
      steps.set(row.cluster, list);
    } else if (row.type === 'rollout.cluster.rolledback') {
      shares.set(row.cluster, 0);
      closeStep(row.cluster, t);
    } else if (row.type === 'rollout.cluster.done' || row.type === 'rollout.cluster.rollback-started') {
      closeStep(row.cluster, t);
    } else continue;
    fleetT.push(t);
    fleetShare.push(totalNodes > 0 ? round(onNodes() / totalNodes) : 0);
  }
  fleetT.push(durationS);
  fleetShare.push(fleetShare[fleetShare.length - 1] ?? 0);

  const haltT = r.halt ? sec(r, r.halt.atMs) : null;
  const mark = (row: TimelineRow): readonly [number, string, string] => [
    sec(r, row.atMs),
    row.tone,
    row.detail,
  ];
  const fleetMarks = r.timeline
    .filter((row) => row.cluster === null && row.type !== 'rollout.started')
    .map(mark);

  const perSeries = Math.max(
    60,
    Math.floor(pointBudget / Math.max(1, r.clusters.length * Math.max(1, r.gates.length))),
  );
  const cluster: Record<string, RolloutPageData['cluster'][string]> = {};
  for (const c of r.clusters) {
    const gates: Record<string, readonly [number[], (number | null)[], (number | null)[]]> = {};
    for (const g of r.gates) {
      const s = r.series.get(c.name)?.get(g.name);
      if (!s) continue;
      const d = thinForDisplay(s, perSeries);
      gates[g.name] = [
        d.tMs.map((t) => sec(r, t)),
        d.value.map((v) => (v === null ? null : round(v))),
        d.threshold.map((v) => (v === null ? null : round(v))),
      ];
    }
    const shareT = [0];
    const shareV = [0];
    for (const row of r.timeline) {
      if (row.cluster !== c.name) continue;
      const step = row.type === 'rollout.step.applied' ? c.steps.find((s) => s.atMs === row.atMs) : undefined;
      if (step) {
        shareT.push(sec(r, row.atMs));
        shareV.push(step.share);
      } else if (row.type === 'rollout.cluster.rolledback') {
        shareT.push(sec(r, row.atMs));
        shareV.push(0);
      }
    }
    shareT.push(durationS);
    shareV.push(shareV[shareV.length - 1] ?? 0);
    const bands = (steps.get(c.name) ?? []).map(
      ([from, to, label]) => [from, to < 0 ? (haltT ?? durationS) : to, label] as const,
    );
    const marks = r.timeline
      .filter(
        (row) =>
          row.cluster === c.name ||
          (row.cluster === null &&
            ['rollout.halted', 'rollout.paused', 'rollout.approved', 'rollout.resumed'].includes(row.type)),
      )
      .map(mark);
    const own = [
      ...(c.startedAtMs !== null ? [sec(r, c.startedAtMs)] : []),
      ...(c.endedAtMs !== null ? [sec(r, c.endedAtMs)] : []),
      ...Object.values(gates).flatMap(([t]) => [t[0] ?? 0, t[t.length - 1] ?? 0]),
      ...marks.filter((m) => m[1] !== 'rollout' || c.startedAtMs !== null).map((m) => m[0]),
    ];
    const from = own.length > 0 && c.startedAtMs !== null ? Math.min(...own) : 0;
    const to = own.length > 0 && c.startedAtMs !== null ? Math.max(...own) : durationS;
    const margin = Math.max(30, (to - from) * 0.05);
    const range = [Math.max(0, from - margin), to + margin] as const;
    cluster[c.name] = { share: [shareT, shareV], gates, bands, marks, range };
  }

  const picked =
    r.halt?.gate?.cluster ??
    r.clusters.find((c) => c.group === 'halted')?.name ??
    r.clusters.find((c) => c.group === 'in-flight')?.name ??
    r.clusters.find((c) => c.readings > 0)?.name ??
    r.clusters[0]?.name ??
    '';
  return {
    clock: startOfDayS === null ? null : { startOfDayS },
    durationS,
    clusters: r.clusters.map((c) => ({ name: c.name, nodes: c.nodes, wave: c.wave })),
    defaultCluster: picked,
    gates: r.gates.map((g) => ({
      name: g.name,
      title:
        g.name === 'extrapolation'
          ? 'extrapolation: change_seat_demand projected to 100% of nodes (seats) vs allowed'
          : g.name === g.signal
            ? g.signal
            : `${g.name} (${g.signal})`,
      unit: g.name === 'extrapolation' ? 'plain' : unitOf(g.signal),
    })),
    fleet: {
      t: fleetT,
      share: fleetShare,
      bands: r.waves.map((w) => [sec(r, w.fromMs), sec(r, w.toMs), w.name] as const),
      marks: fleetMarks,
    },
    cluster,
  };
}

/** A time as the report shows it: UTC clock for a live rollout, an offset from the start otherwise. */
function timeText(r: RolloutRecord, ms: number, withDate = false): string {
  if (r.timeBase === 'offset') return `+${formatDurationS(Math.max(0, (ms - r.startMs) / 1000))}`;
  const iso = new Date(ms).toISOString();
  return withDate ? `${iso.slice(0, 10)} ${iso.slice(11, 19)} UTC` : iso.slice(11, 19);
}

function cards(r: RolloutRecord): [string, string, string][] {
  const c = r.counts;
  const total = r.clusters.length;
  const g = r.halt?.gate ?? null;
  const req = r.requests;
  const out: [string, string, string][] = [
    ['Policy', r.policy, `change ${r.title}`],
    [
      'Outcome',
      r.status.kind === 'halted' ? `halted · ${r.status.cause}` : r.status.kind,
      r.status.kind === 'halted'
        ? `at ${timeText(r, r.status.atMs)}${g ? `, gate ${g.gate} on ${g.cluster}` : ''} (details under What happened)`
        : r.status.kind === 'paused'
          ? r.status.detail.slice(0, 200)
          : r.outcome,
    ],
    ['Clusters completed', `${c.completed} of ${total}`, 'every node step passed its gates and bake'],
    [
      'Clusters halted',
      `${c.halted} of ${total}`,
      `${r.clusters.filter((x) => x.outcome.startsWith('rolled back')).length} rolled back, ${r.clusters.filter((x) => x.outcome.startsWith('stopped')).length} left as they were`,
    ],
    [
      'Not started',
      `${c['not-started']} of ${total}`,
      c['in-flight'] > 0 ? `${c['in-flight']} still in flight` : 'never touched by the change',
    ],
    [
      'Time to halt',
      r.halt ? formatDurationS(Math.max(0, (r.halt.atMs - r.startMs) / 1000)) : 'never halted',
      r.halt
        ? `start → halt, at ${timeText(r, r.halt.atMs)}`
        : `ran ${formatDurationS((r.endMs - r.startMs) / 1000)}`,
    ],
  ];
  if (g) {
    const beyond = signalDefs[g.signal].bad === 'lower' ? '<' : '>';
    out.push([
      'Halting gate',
      `${g.gate}: ${gateFigure(g.signal, g.value)} ${beyond} ${gateFigure(g.signal, g.threshold)}`,
      `${g.gate === 'extrapolation' ? 'projected to 100% of nodes vs allowed' : 'measured vs threshold'} on ${g.cluster} at ${formatPercent(g.share, 'significant')} of nodes`,
    ]);
  } else if (r.halt) out.push(['Halt cause', r.halt.cause, r.halt.detail]);
  out.push([
    "Rampart's requests",
    req ? formatCount(req.requests) : 'not recorded',
    req
      ? `${formatCount(req.viaBreakGlass)} via break-glass${(req.exempt ?? 0) > 0 ? `, ${formatCount(req.exempt ?? 0)} exempt` : ''}, ${formatCount(req.throttled)} throttled (429)`
      : 'the journal has no request counts',
  ]);
  out.push([
    'Gate readings',
    formatCount(r.readings),
    `${formatCount(r.clusters.reduce((s, x) => s + x.inconclusive, 0))} inconclusive while they counted`,
  ]);
  out.push([
    'Processes',
    String(Math.max(1, r.sessions.length)),
    r.sessions.length > 1
      ? `the rollout was resumed ${r.sessions.length - 1} time(s)`
      : 'one process drove it',
  ]);
  return out;
}

function whatHappened(r: RolloutRecord): string {
  const total = r.clusters.length;
  const c = r.counts;
  const dur = formatDurationS(Math.max(0, (r.endMs - r.startMs) / 1000));
  const parts: string[] = [];
  if (r.halt) {
    parts.push(
      `The rollout of ${r.title} under policy ${r.policy} halted (${r.halt.cause}) ${formatDurationS(Math.max(0, (r.halt.atMs - r.startMs) / 1000))} after it started: ${r.halt.detail}.`,
    );
  } else if (r.status.kind === 'completed') {
    parts.push(`The rollout of ${r.title} under policy ${r.policy} completed in ${dur}.`);
  } else {
    parts.push(`The rollout of ${r.title} under policy ${r.policy} is ${r.outcome} after ${dur}.`);
  }
  parts.push(
    `${c.completed} of ${total} cluster(s) completed, ${c.halted} halted, ${c['in-flight']} in flight, ${c['not-started']} not started.`,
  );
  if (r.requests)
    parts.push(
      `Rampart made ${formatCount(r.requests.requests)} request(s) to the clusters (${formatCount(r.requests.viaBreakGlass)} via break-glass, ${formatCount(r.requests.throttled)} throttled).`,
    );
  return parts.join(' ');
}

function timelineSection(r: RolloutRecord): string {
  const rows = r.timeline.map(
    (row) =>
      `<tr class="t-${row.tone}"><td class="when">${esc(timeText(r, row.atMs))}</td><td><span class="ev">${esc(row.type)}</span></td><td>${esc(row.cluster ?? '')}</td><td>${esc(row.detail)}</td></tr>`,
  );
  return `<section id="timeline"><h2>Timeline</h2><p class="n">Every event of the controller, what Rampart did besides applying (break-glass, fence, rollback), gate verdicts as they changed, and each process that drove the rollout.</p><table class="timeline"><thead><tr><th>time</th><th>event</th><th>cluster</th><th>detail</th></tr></thead><tbody>${rows.join('')}</tbody></table></section>`;
}

function clusterTable(r: RolloutRecord): string {
  const time = (ms: number | null): string =>
    ms === null ? '<td data-v="-1">-</td>' : `<td data-v="${ms - r.startMs}">${esc(timeText(r, ms))}</td>`;
  const num = (v: number, text: string): string => `<td data-v="${v}">${esc(text)}</td>`;
  const head = [
    'cluster',
    'wave',
    'nodes',
    'outcome',
    'started',
    'ended',
    'node steps',
    'failed gate',
    'projected fill',
    'readings',
    'inconclusive',
    "Rampart's requests",
  ];
  const rows = r.clusters.map((c) => {
    const steps = c.steps
      .map((s) => `${formatPercent(s.share, 'significant')} ${timeText(r, s.atMs)}`)
      .join(' → ');
    const g = c.failedGate;
    const req = c.requests;
    return `<tr><td><a href="#cluster-view" data-cluster="${esc(c.name)}">${esc(c.name)}</a></td><td>${esc(c.wave)}</td>${num(c.nodes, formatCount(c.nodes))}<td class="txt">${esc(c.outcome)}</td>${time(c.startedAtMs)}${time(c.endedAtMs)}<td class="txt">${esc(steps || '-')}</td><td class="txt">${g ? esc(`${g.gate}: ${gateFigure(g.signal, g.value)} vs ${gateFigure(g.signal, g.threshold)}`) : '-'}</td>${num(c.projectedFill ?? -1, c.projectedFill === null ? '-' : formatPercent(c.projectedFill))}${num(c.readings, formatCount(c.readings))}${num(c.inconclusive, formatCount(c.inconclusive))}${num(req?.requests ?? -1, req ? `${formatCount(req.requests)} (${formatCount(req.viaBreakGlass)} break-glass${(req.exempt ?? 0) > 0 ? `, ${formatCount(req.exempt ?? 0)} exempt` : ''}, ${formatCount(req.throttled)} 429)` : '-')}</tr>`;
  });
  return `<section id="clusters"><h2>Clusters</h2><p class="n">Click a column to sort, a name to chart it.</p><table class="sortable clusters"><thead><tr>${head.map((h) => `<th>${esc(h)}</th>`).join('')}</tr></thead><tbody>${rows.join('')}</tbody></table></section>`;
}

const extraStyle = `
table.clusters td.txt { text-align: left; }
.legend .thr::before { content: ""; display: inline-block; width: 16px; height: 0; border-top: 2px dashed #d62728; margin-right: 5px; vertical-align: 3px; }
.empty { color: var(--mute); font-size: 12px; padding: 8px 0; }
`;

/** The self-contained HTML report of a live rollout. Same record, same bytes. */
export function rolloutHtmlReport(r: RolloutRecord, assets: ChartAssets): string {
  const page = rolloutPageData(r);
  const data = JSON.stringify(page).replace(/</g, '\\u003c');
  const times = r.timeBase === 'wall' ? 'times in UTC' : 'times are offsets from the start';
  const legend = [
    ['bad', 'failed gate, halt, failed action'],
    ['warn', 'inconclusive gate, pause, missing baseline'],
    ['action', 'approval, rollback, break-glass, fence, process'],
    ['good', 'cluster done, rollout completed'],
    ['rollout', 'node step, gate verdict'],
  ]
    .map(([tone, text]) => `<span class="mk mk-${tone ?? ''}">${esc(text ?? '')}</span>`)
    .join('');
  const label = (c: RolloutRecord['clusters'][number]): string =>
    `${c.name} · ${formatCount(c.nodes)} nodes · wave ${c.wave} · ${c.outcome.length > 60 ? `${c.outcome.slice(0, 59)}…` : c.outcome}`;
  const notes = [
    r.skippedLines > 0
      ? `${r.skippedLines} journal line(s) could not be read (cut off by a crash) and were skipped.`
      : '',
    r.thinnedAtMs !== null
      ? `The journal reached its size cap at ${timeText(r, r.thinnedAtMs)}: later gate readings are kept only when a verdict changed.`
      : '',
  ].filter(Boolean);
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src data:">
<title>Rampart · rollout of ${esc(r.title)} · ${esc(r.policy)}</title>
<style>${assets.uplotCss}</style>
<style>${pageStyle}${extraStyle}</style>
</head>
<body>
<header><h1>Rollout of ${esc(r.title)}</h1><p class="sub">Rampart live rollout · policy ${esc(r.policy)} · ${esc(r.outcome)} · ${r.clusters.length} clusters · started ${esc(timeText(r, r.startMs, true))} · ${esc(formatDurationS(Math.max(0, (r.endMs - r.startMs) / 1000)))} · ${times}</p></header>
<section id="what"><h2>What happened</h2><p>${esc(whatHappened(r))}</p>${notes.map((n) => `<p class="n">${esc(n)}</p>`).join('')}</section>
<section id="cards" class="cards">${cards(r)
    .map(
      ([k, v, note]) =>
        `<div class="card"><div class="k">${esc(k)}</div><div class="v">${esc(v)}</div><div class="n">${esc(note)}</div></div>`,
    )
    .join('')}</section>
<section id="charts"><h2>Fleet over time</h2><p class="legend"><span class="band">waves (shaded)</span>${legend}</p><div class="grid" id="fleet-charts"></div>
<h2 id="cluster-view">Cluster <span id="picked"></span></h2>
<p class="picker"><label>Cluster <select id="picker">${r.clusters.map((c) => `<option value="${esc(c.name)}"${c.name === page.defaultCluster ? ' selected' : ''}>${esc(label(c))}</option>`).join('')}</select></label></p>
<p class="legend"><span class="band">node steps (shaded)</span><span class="thr">threshold</span>${legend}</p>
<div class="grid" id="cluster-charts"></div></section>
${timelineSection(r)}
${clusterTable(r)}
<footer>Rampart · rollout of ${esc(r.title)} · policy ${esc(r.policy)} · drawn from the state file and its journal (${formatCount(r.readings)} gate readings kept) · ${times}.</footer>
<script type="application/json" id="rampart-data">${data}</script>
<script>${assets.uplotJs}</script>
<script>${rolloutClientScript}</script>
</body>
</html>
`;
}
