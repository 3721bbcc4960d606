import { clientDefaults } from '../cost/calibration.js';
import { badInput } from '../core/errors.js';
import { formatDurationS } from '../core/duration.js';

/** What the estimate reads of a resolved cluster (scenario.ts's RingShape has it; no import cycle). */
export interface RingShape {
  readonly controlPlane: {
    readonly priorityLevels: readonly unknown[];
    readonly calibration: { readonly maxRetryAfterS: number; readonly restartS: number };
  };
  readonly dns: {
    readonly corednsCacheTtlS: number;
    readonly nodeCacheEnabled: boolean;
    readonly nodeCacheTtlS: number;
    readonly serveStaleS: number;
  };
}

/**
 * Most memory a run's per-step rings may take. The simulator holds, per cluster, delay lines one slot per
 * step over the longest delay (a Retry-After, a reflector backoff, twice an API server's restart) for every
 * request class, and DNS caches one slot per step over their TTLs. Each field is bounded, but together
 * (10,000 clusters, 100 ms steps, hour-long restarts) they would ask for hundreds of GB: such a scenario is
 * refused up front, with what to change.
 */
export const maxRingBytes = 4 * 1024 ** 3;

/** Request classes per cluster, over-estimated: 15–17 with Kubernetes' default levels. */
const classesPerCluster = (c: RingShape): number => 8 + 2 * c.controlPlane.priorityLevels.length;

/** Bytes of one cluster's rings at `stepS` (an estimate that errs high). */
export function clusterRingBytes(c: RingShape, stepS: number): number {
  const cal = c.controlPlane.calibration;
  const longestDelayS = Math.max(cal.maxRetryAfterS, clientDefaults.reflectorBackoffMaxS, 2 * cal.restartS);
  const delaySlots = Math.ceil((longestDelayS + 2 * stepS) / stepS) + 2;
  const slots = (ttlS: number): number => Math.max(1, Math.round(ttlS / stepS)) + 1;
  const dns = c.dns;
  const cacheSlots =
    slots(dns.corednsCacheTtlS) +
    (dns.nodeCacheEnabled && dns.nodeCacheTtlS > 0 ? slots(dns.nodeCacheTtlS) + slots(dns.serveStaleS) : 0);
  return 8 * (classesPerCluster(c) * delaySlots + cacheSlots);
}

/** Refuses a scenario whose rings would pass maxRingBytes; `where` is `file:line:col: spec.step`. */
export function checkRingMemory(clusters: readonly RingShape[], stepS: number, where: string): void {
  let bytes = 0;
  for (const c of clusters) bytes += clusterRingBytes(c, stepS);
  if (bytes <= maxRingBytes) return;
  const gib = (b: number): string => `${(b / 1024 ** 3).toFixed(1)} GiB`;
  throw badInput(
    `${where}: ${clusters.length.toLocaleString('en-US')} clusters in steps of ${stepS < 1 ? `${Math.round(stepS * 1000)}ms` : formatDurationS(stepS)} would hold about ${gib(bytes)} of per-step delay lines and DNS caches; at most ${gib(maxRingBytes)} (a longer step, fewer clusters, or shorter restartS, maxRetryAfterS and DNS TTLs)`,
  );
}
