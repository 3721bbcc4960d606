import type { AnalysisReport } from '../analyze/run-analysis.js';
import type { ClusterResult, WorkloadReport } from '../analyze/types.js';

/** Version of the JSON output; bump on incompatible changes (documented in `rampart analyze --help`). */
export const analyzeJsonVersion = 1;

const round = (x: number, digits: number): number => {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
};

function clusterJson(c: ClusterResult): Record<string, unknown> {
  return {
    name: c.name,
    nodes: c.nodes,
    podsPerNode: c.podsPerNode,
    apiServers: c.apiServers,
    replicas: c.replicas,
    priorityLevel: c.priorityLevel,
    flowSchema: c.flowSchema,
    seatDemand: round(c.seatDemand, 2),
    changeSeatDemand: round(c.changeSeatDemand, 2),
    seatCapacity: round(c.seatCapacity, 2),
    utilization: round(c.utilization, 4),
    cpuUtilization: round(c.cpuUtilization, 4),
    memoryUtilization: round(c.memoryUtilization, 4),
    serverUtilization: round(c.serverUtilization, 4),
    bindingResource: c.bindingResource,
    phaseUtilization: {
      steady: round(c.phaseUtilization.steady, 4),
      rolloutBurst: round(c.phaseUtilization['rollout-burst'], 4),
      restartRelist: round(c.phaseUtilization['restart-relist'], 4),
    },
    worstPhase: c.worstPhase,
    listResponseBytes: Math.round(c.listResponseBytes),
    listMemoryBytes: Math.round(c.listMemoryBytes),
    listPages: c.listPages,
    etcdUtilization: round(c.etcdUtilization, 4),
    watchEventsPerS: round(c.watchEventsPerS, 2),
    queueRisk: c.queueRisk,
    maxSafeNodes: c.maxSafeNodes,
    verdict: c.verdict,
    reasons: c.reasons,
  };
}

function workloadJson(r: WorkloadReport): Record<string, unknown> {
  const w = r.workload;
  return {
    kind: w.kind,
    namespace: w.namespace,
    name: w.name,
    serviceAccount: w.serviceAccount,
    source: w.source,
    confidence: r.confidence,
    assumption: r.assumption,
    location: w.location,
    calls: w.calls,
    scaling: r.scaling,
    scalingSlope: round(r.scalingSlope, 2),
    costRatio: round(r.costRatio, 2),
    probeNodes: r.probeNodes,
    maxSafeNodes: r.maxSafeNodes,
    maxSafeAt: r.maxSafeAt,
    bindingResource: r.bindingResource,
    decidingPhase: r.decidingPhase,
    dominantCall: r.dominantCall ? { ...r.dominantCall.call, summary: r.dominantCall.summary } : null,
    fix: r.fix,
    flags: r.flags,
    notes: [...w.notes, ...r.notes],
    verdict: r.verdict,
    clusters: r.clusters.map(clusterJson),
  };
}

/**
 * The stable JSON form: `{verdict, workloads: [{kind, namespace, name, source, scaling, maxSafeNodes,
 * decidingPhase, dominantCall, verdict, clusters: [{name, nodes, seatDemand, seatCapacity, utilization, verdict, …}]}]}`.
 * Seats, CPU and memory are per API server (`perApiServer: true`).
 */
export function formatJson(report: AnalysisReport): string {
  const out = {
    version: analyzeJsonVersion,
    verdict: report.verdict,
    perApiServer: true,
    sizes: {
      source: report.sizes.source,
      file: report.sizes.file,
      clusters: report.sizes.clusters.map((c) => ({
        name: c.name,
        nodes: c.nodes,
        podsPerNode: c.podsPerNode,
        apiServers: c.apiServers,
      })),
    },
    workloads: report.workloads.map(workloadJson),
    combined:
      report.combined?.map((c) => ({
        name: c.name,
        nodes: c.nodes,
        worstPhase: c.worstPhase,
        utilization: round(c.utilization, 4),
        bindingResource: c.bindingResource,
        baselineUtilization: round(c.baselineUtilization, 4),
        verdict: c.verdict,
      })) ?? null,
    warnings: report.warnings,
    invalid: report.invalid,
    skipped: report.skipped.map((s) => ({
      kind: s.kind,
      name: s.name,
      file: s.location.file,
      line: s.location.line,
    })),
    audit: report.audit ? { ...report.audit, windowS: round(report.audit.windowS, 1) } : null,
  };
  return `${JSON.stringify(out, null, 2)}\n`;
}
