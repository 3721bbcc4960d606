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
  /**
   * The start-up companion of a periodic call made as each pod starts (FlowSpec.startCall): the same
   * requests as its stream, kept apart so what the pods' start rate paces is not read as steady demand.
   */
  readonly startUp: boolean;
}

/** Suffix of a periodic call's start-up companion class (see RequestClass.startUp). */
export const startUpSuffix = ':start';

/** The flow a class belongs to: its own id, without a relist or start-up companion's suffix. */
export function flowIdOf(c: Pick<RequestClass, 'id' | 'kind' | 'startUp'>): string {
  if (c.kind === 'relist') return c.id.slice(0, -':relist'.length);
  return c.startUp ? c.id.slice(0, -startUpSuffix.length) : c.id;
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
      // A DNS lookup is not retried (the resolver gives up); CoreDNS's informers are client-go's.
      retries: f.spec.origin !== 'dns' || isWatch,
      relistOf: null,
      kind: isWatch ? 'watch' : 'stream',
      startUp: false,
    });
    if (!isWatch && f.spec.startCall) {
      classes.push({
        ...(classes[classes.length - 1] as RequestClass),
        id: `${f.spec.id}${startUpSuffix}`,
        startUp: true,
      });
    }
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
        startUp: false,
      });
    }
  }
  return classes;
}

/** LISTs served from the watch cache (and watches) get "storage is (re)initializing" 429s after a restart. */
export function isCacheServed(cost: RequestCost): boolean {
  return cost.longRunning || cost.servedFrom === 'cache';
}
