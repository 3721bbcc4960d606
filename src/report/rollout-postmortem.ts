import { signalDefs } from '../model/signals.js';
import { formatCount, formatDurationS, formatPercent } from './format.js';
import { gateFigure, type RolloutRecord } from './rollout-record.js';

/**
 * A live rollout as a Markdown write-up in the shape teams publish after a halted change: summary, what
 * stopped it (the gate and its figures), where every cluster was left, the timeline, and Rampart's own
 * footprint on the clusters. Every figure comes from the record (state and journal).
 */
export function rolloutPostmortem(r: RolloutRecord): string {
  const at = (ms: number): string =>
    r.timeBase === 'wall'
      ? `${new Date(ms).toISOString().slice(11, 19)}`
      : `+${formatDurationS(Math.max(0, (ms - r.startMs) / 1000))}`;
  const cell = (s: string): string => s.replace(/\|/g, '\\|').replace(/\n/g, ' ');
  const lines: string[] = [];
  const dur = formatDurationS(Math.max(0, (r.endMs - r.startMs) / 1000));
  lines.push(`# Rollout of ${r.title}: ${r.outcome}`, '');
  lines.push('## Summary', '');
  const start =
    r.timeBase === 'wall' ? ` started at ${new Date(r.startMs).toISOString().slice(0, 19)}Z and` : '';
  lines.push(`The rollout of ${r.title} under policy \`${r.policy}\`${start} is ${r.outcome} after ${dur}.`);
  if (r.halt)
    lines.push(
      '',
      `It halted (${r.halt.cause}) ${formatDurationS(Math.max(0, (r.halt.atMs - r.startMs) / 1000))} after the start, at ${at(r.halt.atMs)}: ${r.halt.detail}.`,
    );
  const c = r.counts;
  lines.push(
    '',
    `| Clusters | |`,
    `|---|---|`,
    `| completed | ${c.completed} of ${r.clusters.length} |`,
    `| halted (rolled back or left as they were) | ${c.halted} |`,
    `| in flight | ${c['in-flight']} |`,
    `| not started | ${c['not-started']} |`,
  );
  const g = r.halt?.gate;
  if (g) {
    const beyond = signalDefs[g.signal].bad === 'lower' ? 'below' : 'above';
    lines.push('', '## What stopped it', '');
    lines.push(
      g.gate === 'extrapolation'
        ? `The extrapolation gate on ${g.cluster}, at ${formatPercent(g.share, 'significant')} of its nodes, projected the change to all nodes: ${gateFigure(g.signal, g.value)}, ${beyond} the ${gateFigure(g.signal, g.threshold)} allowed.`
        : `Gate \`${g.gate}\` on ${g.cluster}, at ${formatPercent(g.share, 'significant')} of its nodes: ${g.signal} ${gateFigure(g.signal, g.value)}, ${beyond} its threshold ${gateFigure(g.signal, g.threshold)}.`,
      '',
      `> ${g.reason}`,
    );
  }
  lines.push('', '## Where each cluster was left', '');
  lines.push('| cluster | wave | nodes | outcome | node steps |', '|---|---|---:|---|---|');
  for (const x of r.clusters)
    lines.push(
      `| ${cell(x.name)} | ${cell(x.wave)} | ${formatCount(x.nodes)} | ${cell(x.outcome)} | ${x.steps.map((s) => `${formatPercent(s.share, 'significant')} at ${at(s.atMs)}`).join(' → ') || '-'} |`,
    );
  lines.push('', `## Timeline (${r.timeBase === 'wall' ? 'UTC' : 'from the start'})`, '');
  // Gate verdicts as they changed are the HTML report's detail; the write-up keeps what happened.
  for (const row of r.timeline.filter((t) => !t.type.startsWith('gate ')))
    lines.push(`- **${at(row.atMs)}** \`${row.type}\` ${row.detail}`);
  lines.push('', "## Rampart's footprint", '');
  if (r.requests)
    lines.push(
      `Rampart made ${formatCount(r.requests.requests)} request(s) to the clusters: ${formatCount(r.requests.viaBreakGlass)} through break-glass, ${formatCount(r.requests.throttled)} throttled (429), over ${Math.max(1, r.sessions.length)} process(es).`,
    );
  else lines.push('The journal holds no request counts.');
  lines.push('');
  return `${lines.join('\n')}\n`;
}
