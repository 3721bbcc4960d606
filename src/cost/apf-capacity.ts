import type { PriorityLevel } from '../model/apf.js';

/** Seat limits of one priority level on one API server, per the APF formulas in reference §2.2. */
export interface LevelLimits {
  readonly name: string;
  readonly exempt: boolean;
  readonly nominalSeats: number;
  readonly lendableSeats: number;
  /** Seats the level keeps even when others want them (nominal − lendable). */
  readonly guaranteedSeats: number;
  /** Nominal plus everything the other levels can lend (borrowing is unlimited by default). */
  readonly maxSeatsWithBorrowing: number;
  /** Largest seat count a single request can take in this level (work-estimator cap). */
  readonly maxSeatsPerRequest: number;
  /** Queued requests the whole level can hold: queues × queueLengthLimit (0 for Reject levels). */
  readonly queueCapacity: number;
  /** Queued requests one flow can hold: handSize × queueLengthLimit. */
  readonly perFlowQueueCapacity: number;
}

/**
 * Computes every level's limits for a server with `serverSeats` seats.
 * NominalCL(i) = ceil(ServerCL × NCS(i) / ΣNCS); LendableCL(i) = round(NominalCL(i) × lendable%/100);
 * maxSeats = max(1, min(ceil(0.15 × nominalCL), nominalCL / handSize)) capped by maxListSeats (§2.2, §2.3).
 */
export function levelLimits(
  levels: readonly PriorityLevel[],
  serverSeats: number,
  maxListSeats: number,
): LevelLimits[] {
  const totalShares = levels.reduce((sum, l) => sum + l.shares, 0);
  const base = levels.map((l) => {
    const nominalSeats =
      l.exempt || totalShares === 0 ? 0 : Math.ceil((serverSeats * l.shares) / totalShares);
    const lendableSeats = Math.round((nominalSeats * l.lendablePercent) / 100);
    return { level: l, nominalSeats, lendableSeats };
  });
  const totalLendable = base.reduce((sum, b) => sum + b.lendableSeats, 0);
  return base.map(({ level, nominalSeats, lendableSeats }) => {
    const othersLendable = totalLendable - lendableSeats;
    const borrowCap =
      level.borrowingLimitPercent === null
        ? othersLendable
        : Math.min(othersLendable, Math.round((nominalSeats * level.borrowingLimitPercent) / 100));
    // Only queuing levels get a computed cap; others (exempt, Reject-type catch-all) fall back to the
    // estimator's maximum (apf_controller.go / list_work_estimator.go, reference §2.3).
    const queuing = level.queues > 0 && level.handSize > 0;
    const maxSeatsPerRequest = queuing
      ? Math.min(
          maxListSeats,
          Math.max(1, Math.min(Math.ceil(0.15 * nominalSeats), Math.floor(nominalSeats / level.handSize))),
        )
      : maxListSeats;
    return {
      name: level.name,
      exempt: level.exempt,
      nominalSeats,
      lendableSeats,
      guaranteedSeats: nominalSeats - lendableSeats,
      maxSeatsWithBorrowing: nominalSeats + borrowCap,
      maxSeatsPerRequest,
      queueCapacity: level.queues * level.queueLengthLimit,
      perFlowQueueCapacity: level.handSize * level.queueLengthLimit,
    };
  });
}
