import type { RequestClass } from './request-class.js';

/** Kind codes of ClassFacts.kindOf. */
export const kindStream = 0;
export const kindWatch = 1;
export const kindRelist = 2;

/**
 * What a control plane's step reads of each request class, copied out of the class objects into flat
 * per-class arrays (docs/perf.md, "Flat arrays"): the step runs for every busy cluster every step.
 * Kind, level, retries and relist companion are fixed; the cost figures are read again by `recosted()`.
 */
export class ClassFacts {
  readonly n: number;
  readonly kindOf: Uint8Array;
  readonly levelOf: Int32Array;
  /** Whether client-go retries the class's failed requests. */
  readonly retriesOf: Uint8Array;
  /** The watch a relist class belongs to (-1 for others). */
  readonly relistOf: Int32Array;
  readonly watchClasses: Int32Array;
  /** Relist classes with a watch (what a relist storm schedules). */
  readonly relistClasses: Int32Array;
  readonly seatsOf: Float64Array;
  readonly serviceSOf: Float64Array;
  readonly cpuPerServiceS: Float64Array;
  readonly memoryOf: Float64Array;
  readonly watchEventsOf: Float64Array;
  readonly cacheServedOf: Uint8Array;

  constructor(readonly classes: readonly RequestClass[]) {
    const n = classes.length;
    this.n = n;
    this.kindOf = Uint8Array.from(classes, (c) =>
      c.kind === 'watch' ? kindWatch : c.kind === 'relist' ? kindRelist : kindStream,
    );
    this.levelOf = Int32Array.from(classes, (c) => c.levelIndex);
    this.retriesOf = Uint8Array.from(classes, (c) => (c.retries ? 1 : 0));
    this.relistOf = Int32Array.from(classes, (c) => c.relistOf ?? -1);
    this.watchClasses = Int32Array.from(classes.flatMap((c, i) => (c.kind === 'watch' ? [i] : [])));
    this.relistClasses = Int32Array.from(
      classes.flatMap((c, i) => (c.kind === 'relist' && c.relistOf !== null ? [i] : [])),
    );
    this.seatsOf = new Float64Array(n);
    this.serviceSOf = new Float64Array(n);
    this.cpuPerServiceS = new Float64Array(n);
    this.memoryOf = new Float64Array(n);
    this.watchEventsOf = new Float64Array(n);
    this.cacheServedOf = new Uint8Array(n);
    this.recosted();
  }

  /** Reads the classes' costs (and whether the watch cache serves them) again: call after changing any. */
  recosted(): void {
    const classes = this.classes;
    for (let i = 0; i < this.n; i++) {
      const cost = classes[i]?.cost;
      if (!cost) continue;
      this.seatsOf[i] = cost.seats;
      this.serviceSOf[i] = cost.serviceS;
      this.cpuPerServiceS[i] = cost.cpuCoreS / cost.serviceS;
      this.memoryOf[i] = cost.memoryBytes;
      this.watchEventsOf[i] = cost.watchEventsPerS;
      this.cacheServedOf[i] = classes[i]?.cacheServed ? 1 : 0;
    }
  }
}

/**
 * For each class of `next`, the index of the class with the same id in `previous` (-1 when it is new):
 * how a rebuilt class table takes over the state of the one it replaces.
 */
export function classIndexMap(
  next: readonly { readonly id: string }[],
  previous: readonly { readonly id: string }[],
): Int32Array {
  const at = new Map(previous.map((c, i) => [c.id, i]));
  return Int32Array.from(next, (c) => at.get(c.id) ?? -1);
}
