import type { ChangeFlow } from '../change-flow.js';

/**
 * The change's seat demand on its own priority level, from APF metrics of its own FlowSchema (signal
 * table, `change_seat_demand`). Seat-seconds per second: requests executing (Σ execution time per second,
 * Little's law) plus waiting in queues (Σ wait per second) plus the rejected ones (each would have run for
 * the mean execution time), times the seats a request takes on the change's own level. Counters, not
 * sampled gauges: a handful of short requests from a 1% step would otherwise read as 0 or as a burst.
 */
export interface DemandParts {
  /** Σ rate of execution seconds (mean requests executing). */
  readonly execS: number;
  /** Σ rate of queue-wait seconds (mean requests waiting). */
  readonly waitS: number;
  /** Rejected requests per second. */
  readonly rejectedPerS: number;
  /** Completed requests per second (for the mean execution time). */
  readonly executedPerS: number;
  /** Mean seats per request as APF estimated them on the level the requests ran on; null = none ran. */
  readonly seatsPerRequest: number | null;
}

/** Level context of one instant: other demand and the seats the level can get (cluster totals). */
export interface LevelContext {
  readonly otherSeats: number;
  readonly availableSeats: number;
  /** Nominal seats of the level per API server (bounds seats per request while fenced). */
  readonly nominalPerServer: number | null;
}

/** Most seats a cache-served LIST takes (reference §2.3: ≤ 10 in 1.31–1.33 and in size-based 1.34+). */
export const maxListSeats = 10;

/**
 * Seats one request may take on a level: max(1, min(ceil(0.15 × nominal), nominal / handSize)), capped at
 * the LIST maximum (reference §2.3). Used while the change is fenced: the fence's tiny level caps each
 * request at 1 seat, which says nothing of what it will take on its own level, so each is counted at the
 * most it could take there — an estimate that errs towards halting.
 */
export function levelMaxSeats(nominalPerServer: number, handSize: number): number {
  return Math.min(
    maxListSeats,
    Math.max(
      1,
      Math.min(Math.ceil(0.15 * nominalPerServer), Math.floor(nominalPerServer / Math.max(1, handSize))),
    ),
  );
}

/**
 * Seats a level can get: its upper limit (nominal + borrowing; with unlimited borrowing the server's
 * seats on top), but never more than the server's seats less what every other level keeps for itself
 * (their lower limits) — the same bound the simulator's `changeSeats` uses.
 */
export function availableSeats(
  upper: number,
  serverSeats: number | undefined,
  othersLower: number | undefined,
): number {
  if (serverSeats === undefined || othersLower === undefined) return upper;
  return Math.min(upper, Math.max(0, serverSeats - othersLower));
}

/** Seats the change holds or asks for on its own level; null when the per-request seats are unknown. */
export function demandSeats(parts: DemandParts, flow: ChangeFlow, ctx: LevelContext): number | null {
  const meanExecS = parts.executedPerS > 0 ? parts.execS / parts.executedPerS : 0;
  const requests = parts.execS + parts.waitS + parts.rejectedPerS * meanExecS;
  if (requests <= 0) return 0;
  let seats: number | null;
  if (flow.fenced)
    seats = ctx.nominalPerServer === null ? null : levelMaxSeats(ctx.nominalPerServer, flow.handSize);
  else seats = parts.seatsPerRequest ?? 1;
  return seats === null ? null : requests * seats;
}
