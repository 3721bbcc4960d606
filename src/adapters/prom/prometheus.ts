import { z } from 'zod';
import type { PrometheusSource } from '../../config/fleet.js';
import type { SignalName } from '../../model/signals.js';
import type { MetricsSource, SignalQuery, SignalReading, SignalSample } from '../../rollout/ports.js';
import type { ChangeFlow, ChangeFlowResolver } from '../change-flow.js';
import { availableSeats as levelAvailable, demandSeats, type DemandParts } from './change-demand.js';
import { signalPromQL } from '../../model/signal-promql.js';
import { changeDemandQueries, hasPlaceholder, resolvePromQL } from './promql.js';

/** The HTTP API's envelope (https://prometheus.io/docs/prometheus/latest/querying/api/): success or error. */
const matrixSchema = z.array(
  z.object({
    metric: z.record(z.string(), z.string()),
    values: z.array(z.tuple([z.number(), z.string()])),
  }),
);
const envelopeSchema = z.discriminatedUnion('status', [
  z.object({
    status: z.literal('success'),
    data: z.object({ resultType: z.string(), result: z.unknown() }),
    warnings: z.array(z.string()).optional(),
  }),
  z.object({ status: z.literal('error'), errorType: z.string(), error: z.string() }),
]);

/** Seconds a query may take: a Prometheus that does not answer within it is missing data, not a hang. */
const queryTimeoutMs = 10_000;

/** Why the last query of a cluster gave no data (shown with an inconclusive gate's reason). */
export type QueryProblem = { readonly cluster: string; readonly signal: SignalName; readonly reason: string };

/**
 * MetricsSource over Prometheus's HTTP API: one range query per signal (the signal table's PromQL with the
 * cluster's selector and rate window), one sample per step inside the window. Unreachable, an error, a
 * timeout or an empty result are 'missing' — an inconclusive gate — never a healthy zero.
 */
export class PrometheusMetricsSource implements MetricsSource {
  /** Last problem per cluster and signal, for messages. */
  readonly problems = new Map<string, string>();

  constructor(
    private readonly sources: ReadonlyMap<string, PrometheusSource>,
    private readonly flows: ChangeFlowResolver,
    /** The change's name: the others-only queries leave its flow schema out. */
    private readonly changeName: string,
    private readonly fetchFn: typeof fetch = fetch,
  ) {}

  /** The PromQL a signal resolves to for a cluster (what `plan` prints). */
  resolved(cluster: string, signal: SignalName, flow: ChangeFlow | null): string[] {
    const src = this.sources.get(cluster);
    if (!src) return [];
    const expr = signalPromQL(signal, this.changeName);
    if (expr !== null) return [resolvePromQL(expr, src.selector, src.rateWindow)];
    const f = flow ?? {
      flowSchema: 'rampart-change-<change>',
      priorityLevel: '<its level>',
      fenced: false,
      fenceLevel: '',
      handSize: 6,
    };
    return Object.entries(changeDemandQueries(f)).map(
      ([k, q]) => `${k}: ${resolvePromQL(q, src.selector, src.rateWindow)}`,
    );
  }

  async evaluate(q: SignalQuery): Promise<SignalReading> {
    const src = this.sources.get(q.cluster);
    if (!src) return 'missing';
    const range = alignedRange(q.nowMs, q.windowS, src.step);
    if (!range) return 'missing';
    if (q.signal === 'change_seat_demand') return this.changeDemand(q, src, range);
    const expr = signalPromQL(q.signal, this.changeName);
    if (expr === null || hasPlaceholder(expr)) return 'missing';
    const series = await this.range(q, src, resolvePromQL(expr, src.selector, src.rateWindow), range);
    if (series === 'missing') return 'missing';
    const samples: SignalSample[] = [];
    for (const [tMs, value] of series) if (Number.isFinite(value) && value >= 0) samples.push({ tMs, value });
    return samples.length > 0 ? samples : 'missing';
  }

  private async changeDemand(q: SignalQuery, src: PrometheusSource, range: Range): Promise<SignalReading> {
    const flow = await this.flows.changeFlow(q.cluster).catch(() => null);
    if (!flow) {
      this.problems.set(`${q.cluster}|${q.signal}`, "the change's FlowSchema is not in place yet");
      return 'missing';
    }
    const queries = changeDemandQueries(flow);
    const names = Object.keys(queries);
    const results = await Promise.all(
      names.map((k) =>
        this.range(q, src, resolvePromQL(queries[k] ?? '', src.selector, src.rateWindow), range),
      ),
    );
    const byName = new Map<string, Map<number, number>>();
    names.forEach((k, i) => {
      const r = results[i];
      byName.set(
        k,
        r === undefined || r === 'missing' ? new Map<number, number>() : new Map<number, number>(r),
      );
    });
    // The level's seats are the context every sample needs: without them there is no verdict.
    const available = byName.get('availableSeats') ?? new Map<number, number>();
    const at = (k: string, t: number): number | undefined => byName.get(k)?.get(t);
    const samples: SignalSample[] = [];
    for (const [tMs, upper] of [...available].sort((a, b) => a[0] - b[0])) {
      const availableSeats = levelAvailable(upper, at('serverSeats', tMs), at('othersLowerSeats', tMs));
      if (!(availableSeats > 0)) continue;
      const spr = at('seatsPerRequest', tMs);
      const parts: DemandParts = {
        execS: at('execS', tMs) ?? 0,
        waitS: at('waitS', tMs) ?? 0,
        rejectedPerS: at('rejectedPerS', tMs) ?? 0,
        executedPerS: at('executedPerS', tMs) ?? 0,
        seatsPerRequest: spr !== undefined && Number.isFinite(spr) ? spr : null,
      };
      const otherSeats = (at('otherExecuting', tMs) ?? 0) + (at('otherQueued', tMs) ?? 0);
      const value = demandSeats(parts, flow, {
        otherSeats,
        availableSeats,
        nominalPerServer: at('nominalPerServer', tMs) ?? null,
      });
      if (value === null || !Number.isFinite(value)) continue;
      samples.push({
        tMs,
        value,
        seats: {
          priorityLevel: flow.priorityLevel,
          otherDemandSeats: Math.max(0, otherSeats),
          availableSeats,
        },
      });
    }
    return samples.length > 0 ? samples : 'missing';
  }

  /** One range query: [tMs, value] pairs of its single series, or 'missing' (and why, in `problems`). */
  private async range(
    q: SignalQuery,
    src: PrometheusSource,
    expr: string,
    range: Range,
  ): Promise<[number, number][] | 'missing'> {
    const key = `${q.cluster}|${q.signal}`;
    const url = new URL('api/v1/query_range', src.url.endsWith('/') ? src.url : `${src.url}/`);
    url.searchParams.set('query', expr);
    url.searchParams.set('start', String(range.startS));
    url.searchParams.set('end', String(range.endS));
    url.searchParams.set('step', String(src.step));
    let body: unknown;
    try {
      const res = await this.fetchFn(url, { signal: AbortSignal.timeout(queryTimeoutMs) });
      body = await res.json();
    } catch (err) {
      this.problems.set(
        key,
        `Prometheus at ${src.url} unreachable (${(err as Error).message.split('\n')[0]})`,
      );
      return 'missing';
    }
    const env = envelopeSchema.safeParse(body);
    if (!env.success) {
      this.problems.set(key, `Prometheus at ${src.url}: unexpected answer`);
      return 'missing';
    }
    if (env.data.status === 'error') {
      this.problems.set(key, `Prometheus query error (${env.data.errorType}): ${env.data.error}`);
      return 'missing';
    }
    const matrix = matrixSchema.safeParse(env.data.data.result);
    if (!matrix.success || env.data.data.resultType !== 'matrix') {
      this.problems.set(key, `Prometheus at ${src.url}: not a matrix`);
      return 'missing';
    }
    const first = matrix.data[0];
    if (!first || first.values.length === 0) {
      this.problems.set(key, 'empty result');
      return 'missing';
    }
    this.problems.delete(key);
    return first.values.map(([t, v]) => [Math.round(t * 1000), Number(v)]);
  }
}

interface Range {
  readonly startS: number;
  readonly endS: number;
}

/**
 * Start and end on step boundaries inside (now − window, now]: the same query at the same moment gives the
 * same samples, and every sample is inside the window the gate asked for.
 */
export function alignedRange(nowMs: number, windowS: number, stepS: number): Range | null {
  const step = Math.max(1, stepS);
  const endS = Math.floor(nowMs / 1000 / step) * step;
  const startS = Math.floor((nowMs / 1000 - windowS) / step) * step + step;
  return startS <= endS ? { startS, endS } : null;
}
