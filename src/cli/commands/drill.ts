import { Option } from 'commander';
import { writeFileAtomic } from '../../core/atomic-write.js';
import { formatDurationS, requireDurationS } from '../../core/duration.js';
import { badInput } from '../../core/errors.js';
import { loadScenario } from '../../config/scenario.js';
import { chooseClusters } from '../../drill/cluster-choice.js';
import {
  defaultDnsConfigurations,
  dnsConfigurationNames,
  parseDnsConfigurations,
} from '../../drill/dns-configurations.js';
import { revertDrills, runLiveDrill } from '../../drill/live-drill.js';
import { runOutageDrill } from '../../drill/outage-drill.js';
import { outageDrillHtml } from '../../drill/outage-html.js';
import { failingConfigurations, outageDrillText } from '../../drill/outage-text.js';
import { parseStarveTarget } from '../../drill/starve-objects.js';
import { checkReachable } from '../../loadtest/live-cluster.js';
import { KubeHttp } from '../../loadtest/kube-http.js';
import { loadCredentials, type ClusterCredentials } from '../../loadtest/kubeconfig.js';
import { realScheduler } from '../../loadtest/scheduler.js';
import { assertFiniteNumbers } from '../finite.js';
import { progressReporter } from '../progress.js';
import { writeOutput } from '../report-output.js';
import { nonEmptyArg, wholeNumber } from '../whole-number.js';
import type { RegisterCommand } from './context.js';

const maxSeed = 2 ** 31 - 1;
/** A day: longer outages say nothing a day does not, and the run's rings grow with it. */
const maxOutageS = 86_400;

interface OutageFlags {
  readonly controlPlaneOutage?: string;
  readonly clusters: string;
  readonly dns?: string;
  readonly require?: string;
  readonly json?: string;
  readonly report?: string;
  readonly seed?: string;
  readonly quiet?: boolean;
}

interface LiveFlags {
  readonly context?: string;
  readonly kubeconfig?: string;
  readonly starve: string;
  readonly for: string;
}

const outageHelp = `
Simulated: the scenario's fleet at rest (its change, rollout and operator actions left out) loses every
API server of the chosen clusters for the outage, once per DNS configuration: ${dnsConfigurationNames.join(', ')}.
  stock        CoreDNS cache 30 s, no node cache (kubeadm)
  nodelocal    NodeLocal DNSCache (30 s) in front of CoreDNS
  serve-stale  NodeLocal DNSCache with serve_stale (1 h)
  static       service discovery that does not ask the control plane
  scenario     the scenario's own DNS fields
Default --dns: ${defaultDnsConfigurations.join(',')}. --clusters: all (default), names, prefix:P, min-nodes:N,
comma-separated. Per configuration: survival (until the drilled clusters' error ratio passes 1%),
error-minutes, peak error, the relist / retry herd's peak seats when the control plane returns (against
all seats), peak 429/s and when the error ratio was back at or below 1%. Same inputs, same output.

JSON (--json FILE or -): {"scenario","seed","outageS","outageStartS","observedAfterS","clusters":[…],
"configurations":[{"dns","survivalS","survivedOutage","errorMinutes","peakErrorRatio","relistPeakSeats",
"baselineSeats","seatCapacity","peak429PerS","recoveredAfterS"}]}, one row per --dns name in its order;
survivalS and recoveredAfterS are null when the error ratio never passed 1% / never came back.

Live: rampart drill live starves one identity on a real cluster through API Priority and Fairness (see
rampart drill live --help); rampart drill revert removes what a drill left.

Exit codes: 0 ok, 1 a configuration's survival is below --require, 2 bad input, 70 internal error.

Examples:
  rampart drill scenarios/incident-2024-12-11.yaml --control-plane-outage 30m
  rampart drill scenarios/incident-2024-12-11.yaml --control-plane-outage 1h --dns stock,serve-stale --require 30m
  rampart drill scenarios/staging.yaml --control-plane-outage 15m --json out/drill.json --report out/drill.html
  rampart drill live --context staging --starve kube-system/coredns --for 5m
  rampart drill revert --context staging`;

const liveHelp = `
Cuts one client off a real cluster's API without touching the API server: a PriorityLevelConfiguration
(rampart-drill-starved: no seats of its own, none borrowed, no queue) and a FlowSchema matched at
precedence 10 (ahead of every default schema and of break-glass; only exempt goes first) route that
identity to it, so its requests get 429 — what it would see in a control-plane outage — while everyone
else, and on-call through break-glass, is untouched. (A request of it still runs when nothing of it is
running on that server: the API server's rule for requests wider than a level; with any concurrency the
rest get 429.)

--starve: namespace/name (a service account) or group:NAME. Refused: system:masters (exempt),
system:authenticated, system:unauthenticated, and any identity of the drill's own user.

Safe and reversible: both objects carry the label app.kubernetes.io/managed-by=rampart-drill and the
annotations rampart.dev/drill-expires (start + --for), rampart.dev/drill-starves and rampart.dev/drill-undo.
They are removed at the end, on Ctrl-C or SIGTERM, by the next drill once expired (after a crash), and at
any time by rampart drill revert. Nothing else on the cluster is changed. Credentials: token or client
certificate from the kubeconfig (exec plugins are not run); never printed.

Exit codes: 0 drill held and reverted, 2 bad input (or another drill holds the cluster, or rights
missing), 3 the cluster could not be reached (or the objects could not be removed: run the revert
command it names), 130 stopped early (reverted).

Example:
  rampart drill live --context staging --starve kube-system/coredns --for 10m`;

function httpFor(creds: ClusterCredentials): KubeHttp {
  return new KubeHttp(
    {
      server: creds.server,
      ...(creds.caPem !== undefined ? { caPem: creds.caPem } : {}),
      insecureSkipTlsVerify: creds.insecureSkipTlsVerify,
      ...(creds.clientCertPem !== undefined && creds.clientKeyPem !== undefined
        ? { clientCertPem: creds.clientCertPem, clientKeyPem: creds.clientKeyPem }
        : {}),
    },
    { scheduler: realScheduler, maxSockets: 4, timeoutMs: 30_000 },
  );
}

/** Sleeps `ms`, ending early when the signal aborts. */
function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) {
      resolve();
      return;
    }
    const t = setTimeout(done, ms);
    function done(): void {
      clearTimeout(t);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done);
  });
}

/** `rampart drill`: a simulated control-plane outage per DNS configuration; `live` and `revert` on a cluster. */
export const registerDrill: RegisterCommand = (program, { io, setExit }) => {
  const drill = program
    .command('drill')
    .description('rehearse a control-plane outage: simulated per DNS configuration, or live on a cluster')
    .argument('[scenario]', 'a Scenario YAML file (simulated drill)')
    .option('--control-plane-outage <duration>', 'how long every API server of the chosen clusters is down')
    .option('--clusters <selector>', 'all, names, prefix:P, min-nodes:N (comma-separated)', 'all')
    .option('--dns <list>', `DNS configurations, comma-separated (${dnsConfigurationNames.join(', ')})`)
    .option('--require <duration>', 'exit 1 when a configuration keeps the data plane serving for less')
    .option(
      '--json <file>',
      "write the result as JSON to a file, or '-' for stdout (then nothing else is printed)",
      nonEmptyArg('--json', "a file name, or '-' for stdout"),
    )
    .option('--report <file>', 'write a self-contained HTML report of the drill', nonEmptyArg('--report'))
    .option('--seed <n>', 'override the scenario seed (same seed, same output)')
    .addOption(new Option('--quiet', 'no progress'))
    .addHelpText('after', outageHelp)
    .action((file: string | undefined, opts: OutageFlags) => {
      if (file === undefined) throw badInput('drill: give a scenario file, or use drill live / drill revert');
      if (opts.controlPlaneOutage === undefined)
        throw badInput('--control-plane-outage: required (e.g. --control-plane-outage 30m)');
      const outageS = requireDurationS(opts.controlPlaneOutage, '--control-plane-outage');
      if (!(outageS >= 1 && outageS <= maxOutageS))
        throw badInput(`--control-plane-outage: ${opts.controlPlaneOutage} must be from 1s to 24h`);
      const requireS = opts.require === undefined ? undefined : requireDurationS(opts.require, '--require');
      if (requireS !== undefined && !(requireS >= 0 && requireS <= maxOutageS))
        throw badInput(`--require: ${opts.require} must be from 0s to 24h`);
      const dns = opts.dns === undefined ? [...defaultDnsConfigurations] : parseDnsConfigurations(opts.dns);
      const seed = opts.seed === undefined ? undefined : wholeNumber(opts.seed, '--seed', 0, maxSeed);
      const scenario = loadScenario(file, seed);
      const clusters = chooseClusters(opts.clusters, scenario.clusters);
      const toStdout = opts.json === '-';
      if (toStdout && opts.report === '-') throw badInput("--json and --report both write to stdout ('-')");
      const progress =
        toStdout || opts.report === '-'
          ? undefined
          : progressReporter(io, `drilling ${clusters.length} clusters × ${dns.length} DNS configurations`, {
              ...(opts.quiet ? { quiet: true } : {}),
            });
      const result = runOutageDrill(scenario, {
        outageS,
        clusters,
        dns,
        ...(progress ? { onProgress: progress.update } : {}),
      });
      progress?.done();
      assertFiniteNumbers(result, 'the drill result');
      const json = `${JSON.stringify(result)}\n`;
      if (opts.json !== undefined && !toStdout) writeFileAtomic(opts.json, json);
      if (opts.report !== undefined) writeOutput(io, opts.report, outageDrillHtml(result, requireS));
      if (toStdout) io.out(json);
      else if (opts.report !== '-') {
        const written = [
          ...(opts.json !== undefined ? [`JSON written to ${opts.json}`] : []),
          ...(opts.report !== undefined ? [`HTML report written to ${opts.report}`] : []),
        ];
        io.out(`${outageDrillText(result, requireS)}${written.map((l) => `${l}\n`).join('')}`);
      }
      if (requireS !== undefined && failingConfigurations(result, requireS).length > 0) setExit(1);
    });

  drill
    .command('live')
    .description('starve one identity on a real cluster through APF (429s), then revert')
    .option('--context <name>', 'kubeconfig context (default: the current one)')
    .option('--kubeconfig <file>', 'kubeconfig file (default: $KUBECONFIG or ~/.kube/config)')
    .requiredOption('--starve <identity>', 'namespace/name (a service account) or group:NAME')
    .option('--for <duration>', 'how long to hold the drill', '10m')
    .addHelpText('after', liveHelp)
    .action(async (opts: LiveFlags) => {
      const target = parseStarveTarget(opts.starve);
      const forS = requireDurationS(opts.for, '--for');
      if (!(forS >= 1 && forS <= maxOutageS)) throw badInput(`--for: ${opts.for} must be from 1s to 24h`);
      const creds = loadCredentials(opts.kubeconfig, opts.context);
      const http = httpFor(creds);
      const token = creds.token ?? '';
      const stop = new AbortController();
      const onSignal = (): void => {
        if (stop.signal.aborted) return;
        io.err('rampart drill: stopping early, reverting\n');
        stop.abort();
      };
      process.on('SIGINT', onSignal);
      process.on('SIGTERM', onSignal);
      try {
        await checkReachable(http, token, creds.server);
        const outcome = await runLiveDrill(
          http,
          token,
          { target, forS, context: creds.context },
          {
            log: (line) => io.err(`rampart drill: ${line}\n`),
            nowMs: () => Date.now(),
            sleep,
            signal: stop.signal,
          },
        );
        const rejected =
          outcome.rejected === null
            ? '429s not counted (/metrics not readable)'
            : `${outcome.rejected.toLocaleString('en-US')} requests of it got 429`;
        io.out(
          `Drill on ${creds.context}: ${opts.starve} starved for ${formatDurationS(outcome.heldS)}${outcome.interrupted ? ' (stopped early)' : ''}; ${rejected}; reverted: ${outcome.reverted.map((o) => `${o.kind} ${o.name}`).join(', ') || 'nothing left to remove'}\n`,
        );
        if (outcome.interrupted) setExit(130);
      } finally {
        process.off('SIGINT', onSignal);
        process.off('SIGTERM', onSignal);
        http.close();
      }
    });

  drill
    .command('revert')
    .description("remove every drill's objects from a cluster (after a crash, or to end a drill now)")
    .option('--context <name>', 'kubeconfig context (default: the current one)')
    .option('--kubeconfig <file>', 'kubeconfig file (default: $KUBECONFIG or ~/.kube/config)')
    .addHelpText(
      'after',
      `
Deletes every FlowSchema and PriorityLevelConfiguration labelled app.kubernetes.io/managed-by=rampart-drill,
expired or not. Exit codes: 0 removed (or nothing to remove), 2 bad input or rights missing, 3 unreachable.

Example:
  rampart drill revert --context staging`,
    )
    .action(async (opts: { context?: string; kubeconfig?: string }) => {
      const creds = loadCredentials(opts.kubeconfig, opts.context);
      const http = httpFor(creds);
      const token = creds.token ?? '';
      try {
        await checkReachable(http, token, creds.server);
        const removed = await revertDrills(http, token);
        io.out(
          removed.length === 0
            ? `No drill objects on ${creds.context}: nothing to revert\n`
            : `Reverted on ${creds.context}: removed ${removed.map((o) => `${o.kind} ${o.name}`).join(', ')}\n`,
        );
      } finally {
        http.close();
      }
    });
};
