import { loadPolicyRef } from '../../config/policy-loader.js';
import { grafanaDashboard } from '../../report/grafana.js';
import { writeOutput } from '../report-output.js';
import type { RegisterCommand } from './context.js';

/** `rampart grafana dashboard`: the gate signals as a Grafana dashboard, with the live gates' PromQL. */
export const registerGrafana: RegisterCommand = (program, { io }) => {
  const grafana = program
    .command('grafana')
    .description('Grafana integration: a dashboard of the gate signals')
    .addHelpText(
      'after',
      '\nExample:\n  rampart grafana dashboard --datasource Prometheus > rampart-gates.json\n' +
        'Exit codes: 0 ok, 2 bad input, 70 internal error.\n',
    );
  grafana
    .command('dashboard')
    .description(
      'print a Grafana dashboard (JSON model) with a panel per gate signal, using the PromQL the live gates evaluate',
    )
    .option('--datasource <name>', 'the Prometheus data source the dashboard uses by default', 'Prometheus')
    .option(
      '--policy <builtin|file>',
      "draw this policy's absolute gate thresholds as red lines (builtin or RolloutPolicy file)",
      'guarded',
    )
    .option('--output <file>', "write the dashboard to a file (atomically), or '-' for stdout", '-')
    .addHelpText(
      'after',
      `
Examples:
  rampart grafana dashboard > rampart-gates.json
  rampart grafana dashboard --datasource prom-fleet --policy ./my-policy.yaml --output gates.json

Import it in Grafana (Dashboards → New → Import). Each panel queries what the live gate evaluates,
with the gate window as $__rate_interval. Variables: datasource; workload, the metric prefix of the
workload's request counter (<workload>_requests_total); change, the name of the DaemonSet rolled out.
Exit codes: 0 ok, 2 bad input (unknown policy, bad policy file), 70 internal error.`,
    )
    .action((opts: { datasource: string; policy: string; output: string }) => {
      const policy = loadPolicyRef(opts.policy);
      const json = `${JSON.stringify(grafanaDashboard({ datasource: opts.datasource, policy }), null, 2)}\n`;
      writeOutput(io, opts.output, json);
    });
};
