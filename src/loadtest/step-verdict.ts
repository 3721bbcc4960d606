import { badInput } from '../core/errors.js';
import { parseDurationS } from '../core/duration.js';

/**
 * Thresholds a load step must stay under. Defaults: the builtin rollout policy's (429s above 1% of the
 * change's requests, the apiserver_p99_latency_s gate's absolute 2 s, and the apf_seat_utilization gate's
 * 0.9 of the level's seats).
 */
export interface Thresholds {
  readonly maxRejectedRatio: number;
  readonly maxP99S: number;
  readonly maxSeatFraction: number;
}

export const defaultThresholds: Thresholds = { maxRejectedRatio: 0.01, maxP99S: 2, maxSeatFraction: 0.9 };

/** Why a step stopped the ramp; `ok` when it did not. */
export const stepVerdicts = ['ok', 'rejected', 'latency', 'seats', 'unreachable'] as const;
export type StepVerdict = (typeof stepVerdicts)[number];

/** What one step measured, from the agents and from the API server's metrics. */
export interface StepMeasurement {
  readonly agents: number;
  readonly windowS: number;
  /** Requests the agents completed in the window (any status). */
  readonly requests: number;
  readonly rejected: number;
  /** Requests without an HTTP answer (connection refused, reset, timed out). */
  readonly unanswered: number;
  /** What the agents saw: latency quantiles of their requests. */
  readonly p50S: number;
  readonly p99S: number;
  /** The server's p99 over every non-streaming request (the policy's apiserver_p99_latency_s). */
  readonly serverP99S: number;
  /** Mean over the window of the change's priority level: seats executing, and its current limit. */
  readonly seatsInUse: number;
  readonly seatsLimit: number;
  /** Mean seat utilization the server sampled itself (null when it does not export it). */
  readonly seatUtilization: number | null;
  /** Scrapes of /metrics that failed in the window (the cluster stopped answering). */
  readonly failedScrapes: number;
  readonly scrapes: number;
}

export interface StepJudgement {
  readonly verdict: StepVerdict;
  /** One phrase per broken threshold, in the order checked. */
  readonly reasons: readonly string[];
}

const pct = (x: number): string => `${(x * 100).toFixed(x < 0.1 ? 1 : 0)}%`;

/** The fraction of the level's seats in use: the server's own sampling when present, else the means. */
export function seatFraction(m: StepMeasurement): number {
  if (m.seatUtilization !== null) return m.seatUtilization;
  return m.seatsLimit > 0 ? m.seatsInUse / m.seatsLimit : 0;
}

/**
 * Judges a step. A cluster that stopped answering (half the agents' requests without an answer, or no
 * /metrics in the window) is `unreachable`; otherwise the first broken threshold names the verdict and
 * every broken one is listed.
 */
export function judgeStep(m: StepMeasurement, t: Thresholds = defaultThresholds): StepJudgement {
  const answered = m.requests - m.unanswered;
  if (
    (m.scrapes > 0 && m.failedScrapes === m.scrapes) ||
    (m.requests > 0 && m.unanswered / m.requests > 0.5) ||
    (m.requests === 0 && m.failedScrapes > 0)
  )
    return {
      verdict: 'unreachable',
      reasons: [
        `the cluster stopped answering (${m.unanswered} of ${m.requests} requests unanswered, ${m.failedScrapes} of ${m.scrapes} metrics scrapes failed)`,
      ],
    };
  const found: { verdict: StepVerdict; reason: string }[] = [];
  const ratio = answered > 0 ? m.rejected / m.requests : 0;
  if (ratio > t.maxRejectedRatio)
    found.push({ verdict: 'rejected', reason: `429 ratio ${pct(ratio)} > ${pct(t.maxRejectedRatio)}` });
  if (m.serverP99S > t.maxP99S)
    found.push({
      verdict: 'latency',
      reason: `server p99 ${m.serverP99S.toFixed(2)} s > ${t.maxP99S} s`,
    });
  const seats = seatFraction(m);
  if (seats >= t.maxSeatFraction)
    found.push({
      verdict: 'seats',
      reason: `seats ${pct(seats)} of the level's limit ≥ ${pct(t.maxSeatFraction)}`,
    });
  return { verdict: found[0]?.verdict ?? 'ok', reasons: found.map((f) => f.reason) };
}

/** Parses `--agents 1,10,50,100`: strictly increasing whole numbers from 1 to 100,000. */
export function parseAgentSteps(text: string): number[] {
  const parts = text.split(',').map((p) => p.trim());
  const steps: number[] = [];
  for (const p of parts) {
    const n = Number(p);
    if (!/^\d+$/.test(p) || !Number.isSafeInteger(n) || n < 1 || n > 100_000)
      throw badInput(`--agents: "${p}" is not a whole number from 1 to 100000 (e.g. --agents 1,10,50,100)`);
    const last = steps.at(-1);
    if (last !== undefined && n <= last)
      throw badInput(`--agents: steps must increase (${last} then ${n}); e.g. --agents 1,10,50,100`);
    steps.push(n);
  }
  return steps;
}

/** Parses `--hold 60s`: 5 s to 1 h per step. */
export function parseHold(text: string): number {
  const s = parseDurationS(text);
  if (s === undefined) throw badInput(`--hold: "${text}" is not a duration like 60s or 2m`);
  if (!(s >= 5 && s <= 3600)) throw badInput(`--hold: ${text} must be from 5s to 1h`);
  return s;
}
