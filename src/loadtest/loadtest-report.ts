import type { LoadtestRun } from './run-loadtest.js';
import type { StepResult } from './ramp.js';

/** The documented --json shape (README "rampart loadtest"); nothing more, nothing less. */
export interface LoadtestJson {
  readonly cluster: { readonly nodes: number; readonly pods: number };
  readonly steps: readonly {
    readonly agents: number;
    readonly requestsPerS: number;
    readonly p50S: number;
    readonly p99S: number;
    readonly rejectedRatio: number;
    readonly seatsInUse: number;
    readonly seatsLimit: number;
    readonly verdict: string;
  }[];
  readonly breakEvenAgents: number | null;
  readonly predictedBreakEvenAgents: number | null;
}

const round = (x: number, digits: number): number => {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
};

export function loadtestJson(run: LoadtestRun): LoadtestJson {
  return {
    cluster: { nodes: run.cluster.nodes, pods: run.cluster.pods },
    steps: run.ramp.steps.map((s) => ({
      agents: s.agents,
      requestsPerS: round(s.requestsPerS, 3),
      p50S: round(s.p50S, 4),
      p99S: round(s.p99S, 4),
      rejectedRatio: round(s.rejectedRatio, 4),
      seatsInUse: round(s.seatsInUse, 2),
      seatsLimit: round(s.seatsLimit, 2),
      verdict: s.verdict,
    })),
    breakEvenAgents: run.ramp.breakEvenAgents,
    predictedBreakEvenAgents: run.prediction.breakEvenAgents,
  };
}

const n0 = (x: number): string => Math.round(x).toLocaleString('en-US');
const pad = (s: string, w: number): string => (s.length >= w ? s : ' '.repeat(w - s.length) + s);

function stepRow(s: StepResult): string {
  const seats =
    s.seatUtilization !== null
      ? `${s.seatsInUse.toFixed(1)}/${s.seatsLimit.toFixed(1)} (${Math.round(s.seatUtilization * 100)}%)`
      : `${s.seatsInUse.toFixed(1)}/${s.seatsLimit.toFixed(1)}`;
  return [
    pad(String(s.agents), 6),
    pad(s.requestsPerS.toFixed(1), 8),
    pad(s.p50S.toFixed(3), 7),
    pad(s.p99S.toFixed(3), 7),
    pad(s.serverP99S.toFixed(2), 7),
    pad(`${(s.rejectedRatio * 100).toFixed(1)}%`, 6),
    pad(s.queueWaitP99S.toFixed(2), 6),
    pad(seats, 17),
    pad(s.estimatedSeatsPerRequest === null ? '-' : s.estimatedSeatsPerRequest.toFixed(1), 5),
    pad(s.serverCpuCores === null ? '-' : s.serverCpuCores.toFixed(2), 5),
    pad(s.serverRssBytes === null ? '-' : String(Math.round(s.serverRssBytes / 2 ** 20)), 6),
    `  ${s.verdict}${s.reasons.length > 0 ? `: ${s.reasons.join('; ')}` : ''}`,
  ].join(' ');
}

/** The objects one call touched, as the server counted them in the last measured step. */
function measuredObjects(run: LoadtestRun): string {
  const last = run.ramp.steps.at(-1);
  if (!last) return 'no step measured';
  const parts = Object.entries(last.listObjects)
    .filter(([, o]) => o.lists > 0)
    .map(([r, o]) => `LIST ${r}: ${n0(o.fetched)} read, ${n0(o.returned)} returned`);
  return parts.length > 0 ? parts.join('; ') : 'no LIST counted by the server';
}

/** Text report: cluster, per-step table, measured vs predicted break-even and their ratio. */
export function loadtestText(run: LoadtestRun): string {
  const c = run.cluster;
  const lines: string[] = [];
  lines.push(
    `cluster ${run.context}: ${n0(c.nodes)} nodes, ${n0(c.pods)} pods, ${c.apiServers} API server(s) of ~${c.serverSeats} seats${c.cores !== null ? ` and ${c.cores} cores` : ''} each`,
  );
  if (!run.confirmed) {
    lines.push('not loaded: declined at the prompt');
    return `${lines.join('\n')}\n`;
  }
  lines.push(
    `the change's requests land in priority level ${run.priorityLevel} (model: ${run.prediction.priorityLevel})`,
  );
  lines.push('');
  lines.push(
    [
      pad('agents', 6),
      pad('req/s', 8),
      pad('p50 s', 7),
      pad('p99 s', 7),
      pad('srv p99', 7),
      pad('429', 6),
      pad('wait99', 6),
      pad('seats used/limit', 17),
      pad('s/req', 5),
      pad('cpu', 5),
      pad('RSS MB', 6),
      '  verdict',
    ].join(' '),
  );
  for (const s of run.ramp.steps) lines.push(stepRow(s));
  lines.push(
    "(req/s, p50, p99, 429: the agents' requests; srv p99: the server's over every non-streaming request; wait99: p99 queue wait in the level; s/req: seats APF charged per request; cpu, RSS: the API server process)",
  );
  if (run.ramp.interrupted) lines.push('interrupted: every agent was stopped');
  lines.push('');
  const steps = run.ramp.steps;
  const be = run.ramp.breakEvenAgents;
  const held = be !== null ? steps.filter((s) => s.verdict === 'ok').at(-1)?.agents : undefined;
  lines.push(
    be === null
      ? `measured break-even: not reached (held at ${steps.at(-1)?.agents ?? 0} agents); ${measuredObjects(run)}`
      : `measured break-even: ${be} agents${held !== undefined ? ` (held at ${held})` : ''}; ${measuredObjects(run)}`,
  );
  const p = run.prediction;
  const calls = p.calls
    .map(
      (k) => `${k.call}: ${n0(k.processedObjects)} objects, ${k.seats} seat(s), ${k.serviceS.toFixed(3)} s`,
    )
    .join('; ');
  lines.push(
    `analyze predicts:    ${p.breakEvenAgents === null ? 'no break-even' : `${p.breakEvenAgents} agents`} at this cluster's size (${p.priorityLevel}, ${p.levelSeats.toFixed(0)} seats; ${calls})`,
  );
  if (be !== null && p.breakEvenAgents !== null)
    lines.push(`measured / predicted: ${(be / p.breakEvenAgents).toFixed(2)}`);
  const cal = run.calibrated;
  const m = run.measuredCall;
  if (cal && m) {
    lines.push(
      `the same model at this server's measured speed (${p.calls[p.dominantCall]?.call ?? 'its main call'} alone: ${m.medianS.toFixed(3)} s, ${n0(m.bytes)} bytes; ${cal.speedFactor.toFixed(1)}x the model's time per object and byte): ${cal.breakEvenAgents === null ? 'no break-even' : `${cal.breakEvenAgents} agents`}`,
    );
    if (be !== null && cal.breakEvenAgents !== null)
      lines.push(`measured / predicted at measured speed: ${(be / cal.breakEvenAgents).toFixed(2)}`);
  }
  return `${lines.join('\n')}\n`;
}
