import { existsSync, readFileSync, realpathSync } from 'node:fs';
import { dirname, isAbsolute, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { InvalidArgumentError, Option } from 'commander';
import { writeFileAtomic } from '../../core/atomic-write.js';
import { failsAt, type FailOn } from '../../analyze/targets.js';
import { runAnalysis } from '../../analyze/run-analysis.js';
import { formatJson } from '../../report/analyze-json.js';
import { formatSarif } from '../../report/analyze-sarif.js';
import { formatText } from '../../report/analyze-text.js';
import { badInput } from '../../core/errors.js';
import { maxNodes } from '../../config/common-schemas.js';
import { assertFiniteNumbers } from '../finite.js';
import { nonEmptyArg, wholeNumber } from '../whole-number.js';
import type { RegisterCommand } from './context.js';

const formats = ['text', 'json', 'sarif'] as const;
type Format = (typeof formats)[number];
const failOns = ['high', 'medium', 'never'] as const;

interface AnalyzeOptions {
  readonly fleet?: string;
  readonly profile: string[];
  readonly auditLog?: string;
  readonly auditNodes?: number;
  readonly podsStartPerS?: number;
  readonly profileLibrary?: string | true;
  readonly format: Format;
  readonly failOn: FailOn;
  readonly output?: string;
  readonly json?: string;
  readonly sarif?: string;
  readonly skipInvalid?: boolean;
}

function collectFiles(flag: string): (value: string, previous: string[]) => string[] {
  const file = nonEmptyArg(flag);
  return (value, previous) => [...previous, file(value)];
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

/**
 * The profile library shipped with Rampart (profiles/ at the project root). The CLI may run from a
 * build elsewhere (dist/, or a bundle), so it is looked for beside the sources and beside the
 * bin script that started the process.
 */
function shippedProfileLibrary(): string {
  const candidates = [join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'profiles')];
  const script = process.argv[1];
  if (script) {
    try {
      candidates.push(join(dirname(realpathSync(script)), '..', 'profiles'));
    } catch {
      // not a file (e.g. node -e): only the first candidate applies
    }
  }
  const found = candidates.find((c) => existsSync(c)) ?? candidates[0] ?? 'profiles';
  // Reports name the profiles' files: relative to the working directory when under it, as others are.
  const rel = relative(process.cwd(), found);
  return rel.startsWith('..') || isAbsolute(rel) ? found : rel;
}

const help = `
Where each workload's calls come from, in order of preference: the audit log (--audit-log), an API
profile (--profile, or kind: ApiProfile among the manifests), the annotation rampart.dev/api-profile on
the workload (YAML of the calls list), a library profile matching its images or labels
(--profile-library; profiles/README.md), else an inference from its RBAC (marked rbac-inferred).
Confidence: measured (audit), declared (profiles, annotation, library), inferred (RBAC). An inferred
verdict names the assumption that decides it and the verdict if the agent used its grant more narrowly.

Each workload is costed in three phases, and the worst decides: the steady state; the rollout's
start-up burst (every new pod's informers LIST, at --pods-start-per-s, while the pods already running
keep their load); and the relist storm after an API server restarts (the informers whose watches it held
relist against every server). Past the cluster's own limits a change counts only for what it adds.

Verdicts: high = some cluster's API servers would saturate (seats, CPU or memory); medium = > 50% of the
seats its priority level can get, CPU/memory > 50% with >= 10 points from the change, or O(N²) with a
cluster within 2x of the break-even size; low otherwise. Seats, CPU and memory are per API server.

Audit logs: one audit.k8s.io/v1 Event per line, streamed; gzipped rotations are read as they are.
Per-replica rate = requests / window / replicas. A per-node (DaemonSet-like) account has one replica per
node of the audited cluster: --audit-nodes when given, else the node names seen in the log; other
accounts have one replica per distinct source.

Manifests without any workload (a change to a Service only) are nothing to analyze: exit 0 with a
warning. An unrendered Helm or Jinja template is refused with "render it first"; --skip-invalid reports
and skips any file that cannot be read instead of failing.

Exit codes: 0 below --fail-on (or nothing to analyze), 1 at or above it, 2 bad input (the message names
file:line), 70 internal error.
JSON (--json FILE|-, version 1): {verdict, workloads: [{kind, namespace, name, source, confidence,
assumption (inferred calls: {assumes, grant, call, alternative: {condition, verdict, maxSafeNodes}}), scaling,
maxSafeNodes, dominantCall, fix, verdict, clusters: [{name, nodes, seatDemand, seatCapacity, utilization,
verdict, ...}]}], skipped, audit}.

Examples:
  rampart analyze examples/analyze/manifests --fleet examples/analyze/fleet.yaml
  rampart analyze deploy/ --sarif out/rampart.sarif --fail-on medium
  rampart analyze deploy/ --json - | jq .verdict
  rampart analyze test/fixtures/agents/calico-typha.yaml --profile-library
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
    .option(
      '--profile-library [dir]',
      "profiles matched by container image or labels (default dir: Rampart's own profiles/)",
    )
    .option(
      '--pods-start-per-s <n>',
      'pods a rollout starts per second in one cluster, for the start-up burst (default 25)',
      (v: string) => wholeNumber(v, '--pods-start-per-s', 1, 10_000),
    )
    .option(
      '--fleet <file>',
      'fleet file with the cluster sizes (default: a 10 … 10,000-node ladder)',
      nonEmptyArg('--fleet'),
    )
    .option('--profile <file>', 'API profile of a workload (repeatable)', collectFiles('--profile'), [])
    .option(
      '--audit-log <file>',
      'Kubernetes audit log (JSON lines) from a staging cluster',
      nonEmptyArg('--audit-log'),
    )
    .option('--audit-nodes <n>', 'nodes of the cluster the audit log came from', (v: string) => {
      // commander's own wording ("option '--audit-nodes <n>' argument '0' is invalid"), as for --format.
      try {
        return wholeNumber(v, '--audit-nodes', 1, maxNodes);
      } catch {
        throw new InvalidArgumentError(`not a whole number from 1 to ${maxNodes}`);
      }
    })
    .addOption(new Option('--format <format>', 'output format').choices(formats).default('text'))
    .addOption(
      new Option('--fail-on <verdict>', 'exit 1 at or above this verdict').choices(failOns).default('high'),
    )
    .option('--json <file>', "write the report as JSON to a file, or '-' for stdout", nonEmptyArg('--json'))
    .option(
      '--sarif <file>',
      "write the report as SARIF 2.1.0 to a file, or '-' for stdout",
      nonEmptyArg('--sarif'),
    )
    .option('--skip-invalid', 'report and skip manifest files that cannot be read, instead of failing')
    .option(
      '--output <file>',
      "with --format: write the report to a file (atomically), or '-' for stdout",
      nonEmptyArg('--output'),
    )
    .addHelpText('after', help)
    .action(async (manifests: string[], opts: AnalyzeOptions) => {
      if ([opts.json, opts.sarif, opts.output].filter((o) => o !== undefined).length > 1)
        throw badInput('analyze: give one of --json, --sarif and --output');
      const report = await runAnalysis({
        manifests,
        profiles: opts.profile,
        ...(opts.fleet !== undefined ? { fleet: opts.fleet } : {}),
        ...(opts.auditLog !== undefined ? { auditLog: opts.auditLog } : {}),
        ...(opts.auditNodes !== undefined ? { auditNodes: opts.auditNodes } : {}),
        ...(opts.podsStartPerS !== undefined ? { podsStartPerS: opts.podsStartPerS } : {}),
        skipInvalid: opts.skipInvalid ?? false,
        ...(opts.profileLibrary !== undefined
          ? { profileLibrary: opts.profileLibrary === true ? shippedProfileLibrary() : opts.profileLibrary }
          : {}),
      });
      assertFiniteNumbers(report, 'the analysis');
      // --json FILE and --sarif FILE are the documented form (as simulate --json); --format with --output
      // is the older one, kept.
      const format: Format =
        opts.json !== undefined ? 'json' : opts.sarif !== undefined ? 'sarif' : opts.format;
      const target = opts.json ?? opts.sarif ?? opts.output;
      const text =
        format === 'json'
          ? formatJson(report)
          : format === 'sarif'
            ? formatSarif(report, toolVersion())
            : formatText(report, opts.failOn);
      if (target !== undefined && target !== '-') {
        writeFileAtomic(target, text);
        io.out(`rampart analyze: verdict ${report.verdict}; report written to ${target}\n`);
      } else {
        io.out(text);
      }
      // A failing verdict is not an error: the report is printed and only the exit code changes.
      if (failsAt(report.verdict, opts.failOn)) setExit(1);
    });
};
