import type { RolloutPolicyFile } from '../config/policy-schema.js';
import { signalPromQL } from '../model/signal-promql.js';
import { signalDefs, signalNames, type SignalDef, type SignalName } from '../model/signals.js';

/**
 * A Grafana dashboard (JSON model, schemaVersion 39) with one panel per gate signal, querying the same
 * PromQL the live gates evaluate (src/model/signals.ts), so the gates can be watched where teams already
 * look. The gate's window `$w` becomes Grafana's `$__rate_interval`; the live queries' placeholders
 * become dashboard variables: `<workload>` → `${workload}` (the metric prefix of the workload's own
 * request counter), `<change>` → `${change}` (the change's name).
 */
export interface DashboardOptions {
  /** The Prometheus data source the dashboard uses by default (a variable, so it can be switched). */
  readonly datasource: string;
  /** Gate thresholds drawn as red lines (absolute thresholds only): the policy that will be watched. */
  readonly policy?: RolloutPolicyFile;
}

/** The dashboard's stable uid: importing it again updates the same dashboard. */
export const dashboardUid = 'rampart-rollout-gates';

/** A panel query: a live gate query as Grafana runs it. */
export function grafanaQuery(live: string): string {
  return live
    .replace(/\$w\b/g, '$__rate_interval')
    .replace(/<workload>/g, '${workload}')
    .replace(/<change>/g, '${change}');
}

/** A change name no regex escaping touches, swapped for the dashboard's `${change}` variable afterwards. */
const changeToken = 'RAMPARTCHANGEVARIABLE';

/**
 * The PromQL queries of a signal's panel: what the live gate evaluates (src/model/signal-promql.ts) with
 * the change as a dashboard variable. change_seat_demand is a composite the gate computes from several
 * queries: its panel shows the change's seats and, as their own queries, the context the gate compares
 * them with (its level's other demand, the seats available).
 */
export function signalQueries(def: SignalDef): { readonly expr: string; readonly legend: string }[] {
  const gate = signalPromQL(def.name, changeToken);
  const [main] = def.live.split('; context:');
  const queries: { expr: string; legend: string }[] = [
    {
      expr: grafanaQuery((gate ?? main ?? def.live).trim()).replaceAll(changeToken, '${change}'),
      legend: def.name,
    },
  ];
  if (def.name === 'change_seat_demand')
    queries.push(
      {
        expr: grafanaQuery(
          'sum by (priority_level) (avg_over_time(apiserver_flowcontrol_current_executing_seats[$w])) + ' +
            'sum by (priority_level) (avg_over_time(apiserver_flowcontrol_current_inqueue_seats[$w]))',
        ),
        legend: 'level demand: {{priority_level}}',
      },
      {
        expr: 'sum by (priority_level) (apiserver_flowcontrol_upper_limit_seats)',
        legend: 'available: {{priority_level}}',
      },
    );
  return queries;
}

/** Grafana's unit for a signal's unit. */
function unitOf(def: SignalDef): string {
  switch (def.unit) {
    case 's':
      return 's';
    case 'ratio':
      return 'percentunit';
    case '1/s':
      return 'reqps';
    default:
      return 'short';
  }
}

/** The absolute thresholds a policy's gates set per signal (the strictest when a signal has several). */
function thresholds(policy: RolloutPolicyFile | undefined): Map<SignalName, number> {
  const out = new Map<SignalName, number>();
  for (const g of policy?.spec.gates ?? []) {
    const v = g.threshold.absolute;
    if (v === undefined) continue;
    const def = signalDefs[g.signal];
    const prev = out.get(g.signal);
    out.set(g.signal, prev === undefined ? v : def.bad === 'lower' ? Math.max(prev, v) : Math.min(prev, v));
  }
  return out;
}

/** The dashboard JSON model. */
export function grafanaDashboard(opts: DashboardOptions): Record<string, unknown> {
  const ds = { type: 'prometheus', uid: '${datasource}' };
  const limits = thresholds(opts.policy);
  const panels = signalNames.map((name, i) => {
    const def = signalDefs[name];
    const limit = limits.get(name);
    const steps: Record<string, unknown>[] = [{ color: 'green', value: null }];
    if (limit !== undefined) steps.push({ color: 'red', value: limit });
    return {
      id: i + 1,
      type: 'timeseries',
      title: `${name} (${def.unit})`,
      description: `${def.description}. Bad when ${def.bad}; gate timing: ${def.timing}.${limit !== undefined ? ` Gate threshold in ${opts.policy?.metadata.name ?? 'the policy'}: ${limit}.` : ''}`,
      datasource: ds,
      gridPos: { h: 8, w: 12, x: (i % 2) * 12, y: Math.floor(i / 2) * 8 },
      fieldConfig: {
        defaults: {
          unit: unitOf(def),
          min: 0,
          custom: {
            lineWidth: 1,
            fillOpacity: 10,
            thresholdsStyle: { mode: limit === undefined ? 'off' : 'line' },
          },
          thresholds: { mode: 'absolute', steps },
        },
        overrides: [],
      },
      options: {
        legend: { displayMode: 'list', placement: 'bottom', showLegend: true },
        tooltip: { mode: 'multi', sort: 'desc' },
      },
      targets: signalQueries(def).map((q, k) => ({
        refId: String.fromCharCode(65 + k),
        datasource: ds,
        expr: q.expr,
        legendFormat: q.legend,
        range: true,
        editorMode: 'code',
      })),
    };
  });
  return {
    uid: dashboardUid,
    title: 'Rampart rollout gates',
    description:
      'One panel per gate signal, with the PromQL the live gates evaluate (rampart grafana dashboard).',
    tags: ['rampart', 'kubernetes', 'apf', 'rollout'],
    timezone: 'browser',
    editable: true,
    graphTooltip: 1,
    schemaVersion: 39,
    version: 1,
    refresh: '30s',
    time: { from: 'now-3h', to: 'now' },
    timepicker: {},
    fiscalYearStartMonth: 0,
    liveNow: false,
    links: [],
    annotations: {
      list: [
        {
          builtIn: 1,
          datasource: { type: 'grafana', uid: '-- Grafana --' },
          enable: true,
          hide: true,
          iconColor: 'rgba(0, 211, 255, 1)',
          name: 'Annotations & Alerts',
          type: 'dashboard',
        },
      ],
    },
    templating: {
      list: [
        {
          name: 'datasource',
          label: 'Prometheus',
          type: 'datasource',
          query: 'prometheus',
          current: { text: opts.datasource, value: opts.datasource },
          hide: 0,
          refresh: 1,
          regex: '',
          options: [],
        },
        textbox(
          'workload',
          'Workload metric prefix',
          'http',
          "<workload>_requests_total is the workload's own request counter",
        ),
        textbox('change', 'Change', 'telemetry-agent', 'the DaemonSet being rolled out'),
      ],
    },
    panels,
  };
}

function textbox(name: string, label: string, value: string, description: string): Record<string, unknown> {
  return {
    name,
    label,
    description,
    type: 'textbox',
    query: value,
    current: { text: value, value },
    options: [{ selected: true, text: value, value }],
    hide: 0,
  };
}
