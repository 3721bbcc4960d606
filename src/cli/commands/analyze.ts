import { readFileSync } from 'node:fs';
import { InvalidArgumentError, Option } from 'commander';
import { writeFileAtomic } from '../../core/atomic-write.js';
import { failsAt, type FailOn } from '../../analyze/targets.js';
import { runAnalysis } from '../../analyze/run-analysis.js';
import { formatJson } from '../../report/analyze-json.js';
import { formatSarif } from '../../report/analyze-sarif.js';
import { formatText } from '../../report/analyze-text.js';
import type { RegisterCommand } from './context.js';

const formats = ['text', 'json', 'sarif'] as const;
type Format = (typeof formats)[number];
const failOns = ['high', 'medium', 'never'] as const;

interface AnalyzeOptions {
  readonly fleet?: string;
  readonly profile: string[];
  readonly auditLog?: string;
  readonly auditNodes?: number;
  readonly format: Format;
  readonly failOn: FailOn;
  readonly output?: string;
}

function positiveInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n <= 0) throw new InvalidArgumentError('must be a positive integer');
  return n;
}

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

function toolVersion(): string {
  try {
    const pkg: unknown = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8'));
    const v = typeof pkg === 'object' && pkg !== null ? (pkg as { version?: unknown }).version : undefined;
    return typeof v === 'string' ? v : '0.0.0';
  } catch {
    return '0.0.0';
  }
}

const help = `
Where each workload's calls come from, in order of preference: the audit log (--audit-log), an API
profile (--profile, or kind: ApiProfile among the manifests), the annotation rampart.dev/api-profile on
the workload (YAML of the calls list), else an inference from its RBAC (marked rbac-inferred).

Verdicts: high = some cluster's API servers would saturate (seats, CPU or memory); medium = > 50% of the
seats its priority level can get, CPU/memory > 50% with >= 10 points from the change, or O(N²) with a
cluster within 2x of the break-even size; low otherwise. Seats, CPU and memory are per API server.

Audit logs: one audit.k8s.io/v1 Event per line, streamed; gzipped rotations are read as they are.
Per-replica rate = requests / window / replicas. A per-node (DaemonSet-like) account has one replica per
node of the audited cluster: --audit-nodes when given, else the node names seen in the log; other
accounts have one replica per distinct source.

Exit codes: 0 below --fail-on, 1 at or above it, 2 bad input (the message names file:line).
JSON (--format json, version 1): {verdict, workloads: [{kind, namespace, name, source, scaling,
maxSafeNodes, dominantCall, fix, verdict, clusters: [{name, nodes, seatDemand, seatCapacity, utilization,
verdict, ...}]}], skipped, audit}.

Examples:
  rampart analyze examples/analyze/manifests --fleet examples/analyze/fleet.yaml
  rampart analyze deploy/ --format sarif --output rampart.sarif --fail-on medium
  rampart analyze --audit-log examples/analyze/audit/staging-audit.jsonl --audit-nodes 40
`;

/** `rampart analyze`: predicts a change's API-server cost at every cluster size and fails CI on it. */
export const registerAnalyze: RegisterCommand = (program, { io, setExit }) => {
  program
    .command('analyze')
    .description("preflight: predict a change's control-plane cost at every cluster size")
    .argument(
      '[manifests...]',
      'manifest files or directories (YAML or JSON; multi-document, or kubectl get -o yaml/json lists)',
    )
    .option('--fleet <file>', 'fleet file with the cluster sizes (default: a 10 … 10,000-node ladder)')
    .option('--profile <file>', 'API profile of a workload (repeatable)', collect, [])
    .option('--audit-log <file>', 'Kubernetes audit log (JSON lines) from a staging cluster')
    .option('--audit-nodes <n>', 'nodes of the cluster the audit log came from', positiveInt)
    .addOption(new Option('--format <format>', 'output format').choices(formats).default('text'))
    .addOption(
      new Option('--fail-on <verdict>', 'exit 1 at or above this verdict').choices(failOns).default('high'),
    )
    .option('--output <file>', 'write the report to a file (atomically) instead of stdout')
    .addHelpText('after', help)
    .action(async (manifests: string[], opts: AnalyzeOptions) => {
      const report = await runAnalysis({
        manifests,
        profiles: opts.profile,
        ...(opts.fleet !== undefined ? { fleet: opts.fleet } : {}),
        ...(opts.auditLog !== undefined ? { auditLog: opts.auditLog } : {}),
        ...(opts.auditNodes !== undefined ? { auditNodes: opts.auditNodes } : {}),
      });
      const text =
        opts.format === 'json'
          ? formatJson(report)
          : opts.format === 'sarif'
            ? formatSarif(report, toolVersion())
            : formatText(report, opts.failOn);
      if (opts.output !== undefined) {
        writeFileAtomic(opts.output, text);
        io.out(`rampart analyze: verdict ${report.verdict}; report written to ${opts.output}\n`);
      } else {
        io.out(text);
      }
      // A failing verdict is not an error: the report is printed and only the exit code changes.
      if (failsAt(report.verdict, opts.failOn)) setExit(1);
    });
};
