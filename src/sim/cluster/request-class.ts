import type { CostedFlow } from '../../cost/steady-state.js';
import type { LevelLimits } from '../../cost/apf-capacity.js';
import type { FlowOrigin } from '../../cost/flows.js';
import type { RequestCost } from '../../cost/request-cost.js';

/**
 * One aggregate request class in a simulated cluster: a stream of identical requests (same cost, same
 * priority level and fair-queuing flow group). Watches are split in two: the long-running watch (no seat,
 * CPU for events) and its relist companion (the informer's LIST after a restart).
 */
export interface RequestClass {
  readonly id: string;
  readonly origin: FlowOrigin;
  readonly levelIndex: number;
  /** Requests sharing a flow key share one FIFO queue group. */
  readonly groupKey: string;
  readonly flowCount: number;
  cost: RequestCost;
  /** LIST/WATCH the watch cache serves: rejected with 429 while it re-initialises after a restart. */
  cacheServed: boolean;
  /** client-go retries 429s and transport errors (up to 10 times); timeouts are not retried. */
  readonly retries: boolean;
  /** For a watch: the class index of its relist companion. */
  readonly relistOf: number | null;
  readonly kind: 'stream' | 'watch' | 'relist';
}

/** Builds the classes of a cluster from costed flows; returns classes and the index of each flow id. */
export function buildClasses(costed: readonly CostedFlow[], limits: readonly LevelLimits[]): RequestClass[] {
  const classes: RequestClass[] = [];
  const levelIndex = (name: string): number => {
    const i = limits.findIndex((l) => l.name === name);
    return i >= 0 ? i : limits.findIndex((l) => l.name === 'catch-all');
  };
  for (const f of costed) {
    const li = levelIndex(f.classification.priorityLevel);
    const isWatch = f.cost.longRunning;
    classes.push({
      id: f.spec.id,
      origin: f.spec.origin,
      levelIndex: li,
      groupKey: f.classification.flowKey,
      flowCount: Math.max(1, f.spec.flowCount),
      cost: f.cost,
      cacheServed: isCacheServed(f.cost),
      retries: f.spec.origin !== 'dns',
      relistOf: null,
      kind: isWatch ? 'watch' : 'stream',
    });
    if (isWatch && f.relistCost) {
      const watchIndex = classes.length - 1;
      classes.push({
        id: `${f.spec.id}:relist`,
        origin: f.spec.origin,
        levelIndex: li,
        groupKey: f.classification.flowKey,
        flowCount: Math.max(1, f.spec.flowCount),
        cost: f.relistCost,
        cacheServed: true,
        retries: true,
        relistOf: watchIndex,
        kind: 'relist',
      });
    }
  }
  return classes;
}

/** LISTs served from the watch cache (and watches) get "storage is (re)initializing" 429s after a restart. */
export function isCacheServed(cost: RequestCost): boolean {
  return cost.longRunning || cost.servedFrom === 'cache';
}
