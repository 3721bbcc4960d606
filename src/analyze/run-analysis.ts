import { badInput } from '../core/errors.js';
import { loadApiProfiles } from '../config/api-profile.js';
import { loadFleet } from '../config/fleet.js';
import { loadManifests, type InvalidFile, type SkippedDocument } from '../config/manifests.js';
import { loadProfileLibrary } from '../config/profile-library.js';
import type { ChangeSpec } from '../model/api-profile.js';
import { analyzeChange, type AnalyzeChangeOptions } from './analyze-change.js';
import { decidingAssumption } from './assumptions.js';
import { analyzeCombined, type CombinedClusterResult } from './combined.js';
import { auditWindowS, maxAccounts, readAuditLog, type AuditSummary } from './audit-log.js';
import { fleetTargets, ladderTargets, worstVerdict } from './targets.js';
import {
  confidenceOf,
  type ClusterTarget,
  type Verdict,
  type Workload,
  type WorkloadReport,
} from './types.js';
import { resolveWorkloads } from './workloads.js';
import { byCodeUnits } from '../core/order.js';

/** What to analyze, as given on the command line. */
export interface AnalyzeRequest {
  readonly manifests: readonly string[];
  readonly profiles: readonly string[];
  readonly fleet?: string;
  readonly auditLog?: string;
  readonly auditNodes?: number;
  /** Pods a rollout starts per second in one cluster (the start-up burst). */
  readonly podsStartPerS?: number;
  /** Report and skip manifest files that cannot be read instead of failing. */
  readonly skipInvalid?: boolean;
  /** A profile library directory (`--profile-library`): profiles matched by image or labels. */
  readonly profileLibrary?: string;
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
  /** All workloads in each cluster at once, when there is more than one (they share the API servers). */
  readonly combined: readonly CombinedClusterResult[] | null;
  /** Things the reader should know that are not findings (a workload given twice, nothing to analyze). */
  readonly warnings: readonly string[];
  readonly skipped: readonly SkippedDocument[];
  /** Manifest files left out under --skip-invalid, with why. */
  readonly invalid: readonly InvalidFile[];
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

/**
 * Analyzes workloads that are already resolved against a set of clusters. A workload whose calls are
 * inferred from RBAC also gets the assumption that decides its verdict, with the verdict it would have if
 * the agent used its grant more narrowly (a second analysis of that variant).
 */
export function analyzeWorkloads(
  workloads: readonly Workload[],
  targets: readonly ClusterTarget[],
  opts: AnalyzeChangeOptions = {},
): WorkloadReport[] {
  return workloads.map((workload) => {
    const confidence = confidenceOf(workload.source);
    const inferred = confidence === 'inferred';
    const change = changeOf(workload);
    const analysis = analyzeChange(change, targets, inferred ? { ...opts, callsInferred: true } : opts);
    const assumption = inferred ? decidingAssumption(workload, change, analysis, targets, opts) : null;
    // An inferred verdict's fix is that of the call it hangs on (the deciding one), if that has one.
    const fix = assumption ? (assumption.fix ?? analysis.fix) : analysis.fix;
    return { workload, ...analysis, fix, confidence, assumption };
  });
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
  const manifests =
    req.manifests.length > 0 ? loadManifests(req.manifests, { skipInvalid: req.skipInvalid ?? false }) : null;
  const profiles = [...(manifests?.profiles ?? []), ...req.profiles.flatMap((p) => loadApiProfiles(p))];
  const library = [
    ...(manifests?.libraryProfiles ?? []),
    ...(req.profileLibrary !== undefined ? loadProfileLibrary(req.profileLibrary) : []),
  ];
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
    library,
    ...(req.auditNodes !== undefined ? { auditNodes: req.auditNodes } : {}),
  });
  const warnings: string[] = [];
  if (workloads.length === 0) {
    // Manifests without a workload (a pull request that touches only a Service) are nothing to judge, not
    // an error; profiles or an audit log that yield none are.
    if (profiles.length > 0 || audit)
      throw badInput(
        'analyze: no workloads found (DaemonSet, Deployment, StatefulSet, Job, CronJob or ApiProfile)',
      );
    warnings.push(
      `no workloads (DaemonSet, Deployment, StatefulSet, Job, CronJob or ApiProfile) in ${req.manifests.join(', ')}: nothing to analyze`,
    );
  }
  warnings.push(...duplicateWarnings(workloads));
  const targets = fleet ? fleetTargets(fleet) : ladderTargets();
  const opts = req.podsStartPerS !== undefined ? { podsStartPerS: req.podsStartPerS } : {};
  const reports = analyzeWorkloads(workloads, targets, opts);
  return {
    verdict: worstVerdict(reports.map((r) => r.verdict)),
    sizes: { source: fleet ? 'fleet' : 'ladder', file: req.fleet ?? null, clusters: targets },
    workloads: reports,
    combined: workloads.length > 1 ? analyzeCombined(workloads.map(changeOf), targets, opts) : null,
    warnings,
    skipped: manifests?.skipped ?? [],
    invalid: manifests?.invalid ?? [],
    audit: audit ? auditStats(audit) : null,
  };
}

/** One warning per workload that appears more than once (same kind, namespace and name). */
function duplicateWarnings(workloads: readonly Workload[]): string[] {
  const seen = new Map<string, Workload[]>();
  for (const w of workloads) {
    const key = `${w.kind} ${w.namespace}/${w.name}`;
    seen.set(key, [...(seen.get(key) ?? []), w]);
  }
  return [...seen.entries()]
    .filter(([, ws]) => ws.length > 1)
    .map(
      ([key, ws]) =>
        `${key} is given ${ws.length} times (${ws.map((w) => `${w.location.file}:${w.location.line}`).join(', ')}): each is analyzed, and the combined view counts it ${ws.length} times`,
    );
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
