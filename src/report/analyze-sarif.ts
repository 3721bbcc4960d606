import { isAbsolute, relative, sep } from 'node:path';
import { phaseLabels } from '../analyze/analyze-change.js';
import type { AnalysisReport } from '../analyze/run-analysis.js';
import type { WorkloadReport } from '../analyze/types.js';

/** SARIF rules analyze reports; the index in this list is each result's ruleIndex. */
export const sarifRules = [
  {
    id: 'rampart/control-plane-saturation',
    name: 'ControlPlaneSaturation',
    shortDescription: { text: 'The change would saturate the API servers of some fleet cluster' },
    fullDescription: {
      text: 'Predicted steady-state load (APF seats, CPU or memory per API server) reaches capacity in at least one cluster of the fleet.',
    },
    help: {
      text: 'Apply the suggested fix (for per-node agents: server-side selectors, resourceVersion=0, watches instead of periodic LISTs) and re-run rampart analyze.',
    },
    defaultConfiguration: { level: 'error' },
  },
  {
    id: 'rampart/control-plane-headroom',
    name: 'ControlPlaneHeadroom',
    shortDescription: {
      text: 'The change uses most of a priority level or grows as O(N²) close to its break-even',
    },
    fullDescription: {
      text: 'More than 50% of the seats the priority level can get, or CPU/memory above 50% with a large share from the change, or O(N²) growth with a cluster within 2× of the break-even size.',
    },
    help: { text: 'Reduce the call rate or the objects each call reads; see the fix in the message.' },
    defaultConfiguration: { level: 'warning' },
  },
  {
    id: 'rampart/watch-fan-out',
    name: 'WatchFanOut',
    shortDescription: { text: 'Per-node agents watch a cluster-wide resource (O(N²) watch events)' },
    fullDescription: {
      text: 'Every replica of a per-node workload receives every change to a resource that grows with the cluster.',
    },
    help: {
      text: 'Watch only what the node needs (field or label selectors) or fan out from a single-replica aggregator.',
    },
    defaultConfiguration: { level: 'note' },
  },
  {
    id: 'rampart/inferred-calls',
    name: 'InferredCalls',
    shortDescription: {
      text: "The verdict rests on calls inferred from RBAC, not on the agent's declared calls",
    },
    fullDescription: {
      text: 'RBAC says what an agent may do, not what it does: the verdict assumes an informer per granted resource; the message names the assumption that decides it and the verdict if it does not hold.',
    },
    help: {
      text: 'Declare the calls: an ApiProfile (--profile), the rampart.dev/api-profile annotation, a library profile (--profile-library), or an audit log (--audit-log).',
    },
    defaultConfiguration: { level: 'note' },
  },
] as const;

type RuleId = (typeof sarifRules)[number]['id'];

/** SARIF artifact URIs are relative to the working directory with forward slashes (code-scanning UIs). */
function uriFor(file: string, cwd: string): string {
  const rel = isAbsolute(file) ? relative(cwd, file) : file;
  return rel.split(sep).join('/').replace(/^\.\//, '');
}

function result(
  r: WorkloadReport,
  ruleId: RuleId,
  level: 'error' | 'warning' | 'note',
  text: string,
  cwd: string,
): Record<string, unknown> {
  const w = r.workload;
  return {
    ruleId,
    ruleIndex: sarifRules.findIndex((x) => x.id === ruleId),
    level,
    message: { text },
    locations: [
      {
        physicalLocation: {
          artifactLocation: { uri: uriFor(w.location.file, cwd) },
          region: { startLine: w.location.line },
        },
        logicalLocations: [
          {
            name: `${w.namespace}/${w.name}`,
            kind: 'resource',
            fullyQualifiedName: `${w.kind}/${w.namespace}/${w.name}`,
          },
        ],
      },
    ],
    partialFingerprints: { workload: `${w.kind}/${w.namespace}/${w.name}` },
    properties: {
      verdict: r.verdict,
      scaling: r.scaling,
      maxSafeNodes: r.maxSafeNodes,
      decidingPhase: r.decidingPhase,
      source: w.source,
      confidence: r.confidence,
      ...(r.assumption ? { assumption: r.assumption.text } : {}),
      clusters: r.clusters.filter((c) => c.verdict !== 'low').map((c) => c.name),
    },
  };
}

function message(r: WorkloadReport): string {
  const w = r.workload;
  const bad = r.clusters
    .filter((c) => c.verdict === r.verdict && c.reasons.length > 0)
    .map((c) => `${c.name} (${c.nodes} nodes): ${c.reasons.join('; ')}`);
  const fits =
    r.maxSafeNodes === null
      ? 'no cluster size fits'
      : `fits up to ${r.maxSafeNodes.toLocaleString('en-US')} nodes${r.decidingPhase && r.decidingPhase !== 'steady' ? ` (decided by ${phaseLabels[r.decidingPhase]})` : ''}`;
  const parts = [
    `${w.kind} ${w.namespace}/${w.name} is ${r.verdict}: ${r.scaling}, ${fits}.`,
    r.dominantCall ? `Dominant call: ${r.dominantCall.summary}.` : '',
    bad.length > 0 ? `Clusters: ${bad.join(' | ')}.` : '',
    r.fix ? `Fix: ${r.fix}.` : '',
    `Calls from ${w.source} (confidence ${r.confidence}).`,
    r.assumption ? `Inferred from RBAC: ${r.assumption.text}.` : '',
  ];
  return parts.filter((p) => p).join(' ');
}

/**
 * SARIF 2.1.0: a result per workload at medium or high, a note per low verdict that rests on calls
 * inferred from RBAC (naming the assumption), and a note per O(N²) watch fan-out.
 */
export function formatSarif(report: AnalysisReport, version: string, cwd: string = process.cwd()): string {
  const results: Record<string, unknown>[] = [];
  for (const r of report.workloads) {
    if (r.verdict === 'high')
      results.push(result(r, 'rampart/control-plane-saturation', 'error', message(r), cwd));
    else if (r.verdict === 'medium')
      results.push(result(r, 'rampart/control-plane-headroom', 'warning', message(r), cwd));
    else if (r.assumption) results.push(result(r, 'rampart/inferred-calls', 'note', message(r), cwd));
    if (r.flags.includes('watch-fan-out')) {
      const note = r.notes.find((n) => n.startsWith('O(N²) watch fan-out')) ?? 'O(N²) watch fan-out';
      results.push(
        result(
          r,
          'rampart/watch-fan-out',
          'note',
          `${r.workload.kind} ${r.workload.namespace}/${r.workload.name}: ${note}.${r.fix ? ` Fix: ${r.fix}.` : ''}`,
          cwd,
        ),
      );
    }
  }
  const sarif = {
    $schema: 'https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json',
    version: '2.1.0',
    runs: [
      {
        tool: {
          driver: {
            name: 'rampart',
            version,
            rules: sarifRules,
          },
        },
        columnKind: 'utf16CodeUnits',
        results,
        properties: { verdict: report.verdict },
      },
    ],
  };
  return `${JSON.stringify(sarif, null, 2)}\n`;
}
