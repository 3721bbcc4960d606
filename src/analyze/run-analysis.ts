import { badInput } from '../core/errors.js';
import { loadApiProfiles } from '../config/api-profile.js';
import { loadFleet } from '../config/fleet.js';
import { loadManifests, type SkippedDocument } from '../config/manifests.js';
import type { ChangeSpec } from '../model/api-profile.js';
import { analyzeChange } from './analyze-change.js';
import { auditWindowS, maxAccounts, readAuditLog, type AuditSummary } from './audit-log.js';
import { fleetTargets, ladderTargets, worstVerdict } from './targets.js';
import type { ClusterTarget, Verdict, Workload, WorkloadReport } from './types.js';
import { resolveWorkloads } from './workloads.js';
import { byCodeUnits } from '../core/order.js';

/** What to analyze, as given on the command line. */
export interface AnalyzeRequest {
  readonly manifests: readonly string[];
  readonly profiles: readonly string[];
  readonly fleet?: string;
  readonly auditLog?: string;
  readonly auditNodes?: number;
}

/** Facts about the audit log read, for the report. */
export interface AuditStats {
  readonly file: string;
  readonly lines: number;
  readonly counted: number;
  readonly ignored: number;
  readonly malformed: number;
  readonly firstMalformedLine: number | null;
  readonly windowS: number;
  readonly serviceAccounts: number;
  readonly nodesSeen: number;
  readonly unknownResources: Readonly<Record<string, number>>;
  /** Only when the log has more service accounts than are analyzed (absent otherwise: JSON unchanged). */
  readonly accountsOverCap?: { readonly maxAccounts: number; readonly requestsLeftOut: number };
}

/** The whole analysis: the overall verdict, every workload, and what was skipped. */
export interface AnalysisReport {
  readonly verdict: Verdict;
  readonly sizes: {
    readonly source: 'fleet' | 'ladder';
    readonly file: string | null;
    readonly clusters: readonly ClusterTarget[];
  };
  readonly workloads: readonly WorkloadReport[];
  readonly skipped: readonly SkippedDocument[];
  readonly audit: AuditStats | null;
}

/** The cost model's view of a workload. */
export function changeOf(w: Workload): ChangeSpec {
  return {
    name: w.name,
    kind: w.kind,
    namespace: w.namespace,
    serviceAccount: w.serviceAccount,
    replicas: w.replicas,
    calls: w.calls,
  };
}

/** Analyzes workloads that are already resolved against a set of clusters. */
export function analyzeWorkloads(
  workloads: readonly Workload[],
  targets: readonly ClusterTarget[],
): WorkloadReport[] {
  return workloads.map((workload) => ({ workload, ...analyzeChange(changeOf(workload), targets) }));
}

/** Loads every input, resolves workloads and analyzes each against the fleet (or the default ladder). */
export async function runAnalysis(req: AnalyzeRequest): Promise<AnalysisReport> {
  if (req.manifests.length === 0 && req.profiles.length === 0 && !req.auditLog) {
    throw badInput(
      'analyze: nothing to analyze; give manifests (files or directories), --profile or --audit-log',
    );
  }
  if (req.auditNodes !== undefined && !req.auditLog)
    throw badInput('analyze: --audit-nodes needs --audit-log');
  const manifests = req.manifests.length > 0 ? loadManifests(req.manifests) : null;
  const profiles = [...(manifests?.profiles ?? []), ...req.profiles.flatMap((p) => loadApiProfiles(p))];
  const fleet = req.fleet ? loadFleet(req.fleet) : null;
  const audit = req.auditLog ? await readAuditLog(req.auditLog) : null;
  if (audit && audit.counted === 0) {
    const why =
      audit.malformed > 0
        ? `; ${audit.malformed} malformed line(s), the first at line ${audit.firstMalformedLine ?? 0}`
        : '';
    throw badInput(
      `${audit.file}:${audit.firstMalformedLine ?? 1}: no service-account API requests found in the audit log${why}`,
    );
  }
  const workloads = resolveWorkloads({
    manifests,
    profiles,
    audit,
    ...(req.auditNodes !== undefined ? { auditNodes: req.auditNodes } : {}),
  });
  if (workloads.length === 0) {
    throw badInput(
      'analyze: no workloads found (DaemonSet, Deployment, StatefulSet, Job, CronJob or ApiProfile)',
    );
  }
  const targets = fleet ? fleetTargets(fleet) : ladderTargets();
  const reports = analyzeWorkloads(workloads, targets);
  return {
    verdict: worstVerdict(reports.map((r) => r.verdict)),
    sizes: { source: fleet ? 'fleet' : 'ladder', file: req.fleet ?? null, clusters: targets },
    workloads: reports,
    skipped: manifests?.skipped ?? [],
    audit: audit ? auditStats(audit) : null,
  };
}

function auditStats(a: AuditSummary): AuditStats {
  return {
    file: a.file,
    lines: a.lines,
    counted: a.counted,
    ignored: a.ignored,
    malformed: a.malformed,
    firstMalformedLine: a.firstMalformedLine,
    windowS: auditWindowS(a),
    serviceAccounts: a.users.size,
    nodesSeen: a.nodes.size,
    unknownResources: Object.fromEntries(
      [...a.unknownResources.entries()].sort(([x], [y]) => byCodeUnits(x, y)),
    ),
    ...(a.accountsOverCap !== undefined && a.accountsOverCap > 0
      ? { accountsOverCap: { maxAccounts, requestsLeftOut: a.accountsOverCap } }
      : {}),
  };
}
