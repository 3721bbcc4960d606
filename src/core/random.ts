/**
 * Seeded pseudo-random numbers (xoshiro128** over 32-bit words, seeded through splitmix32).
 * Every random choice in Rampart comes from an `Rng` passed in; `fork(label)` gives an independent,
 * reproducible stream per cluster so adding a cluster does not shift another cluster's draws.
 */
export interface Rng {
  /** Uniform in [0, 1). */
  next(): number;
  /** Uniform in [min, max). */
  uniform(min: number, max: number): number;
  /** An independent stream derived from this generator's seed and a label. */
  fork(label: string): Rng;
  /** The seed this stream was created from (for reports). */
  readonly seed: number;
}

function splitmix32(state: number): () => number {
  let s = state >>> 0;
  return () => {
    s = (s + 0x9e3779b9) >>> 0;
    let z = s;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
    return (z ^ (z >>> 16)) >>> 0;
  };
}

function hashLabel(seed: number, label: string): number {
  // FNV-1a over the label, mixed with the seed: stable across platforms and runs.
  let h = (0x811c9dc5 ^ seed) >>> 0;
  for (let i = 0; i < label.length; i++) {
    h ^= label.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}

/**
 * Largest seed: the generator mixes its seed as a 32-bit word, so 2^32 would replay seed 0 (and any larger
 * seed a smaller one). Inputs are checked against this, never wrapped.
 */
export const maxSeed = 2 ** 32 - 1;

/** Creates a seeded generator; same seed, same sequence. */
export function createRng(seed: number): Rng {
  const init = splitmix32(seed);
  let a = init();
  let b = init();
  let c = init();
  let d = init();
  if ((a | b | c | d) === 0) a = 1;
  const next = (): number => {
    const result = Math.imul(rotl(Math.imul(b, 5) >>> 0, 7), 9) >>> 0;
    const t = (b << 9) >>> 0;
    c ^= a;
    d ^= b;
    b ^= c;
    a ^= d;
    c ^= t;
    d = rotl(d, 11);
    return result / 4294967296;
  };
  return {
    seed,
    next,
    uniform: (min, max) => min + (max - min) * next(),
    fork: (label) => createRng(hashLabel(seed, label)),
  };
}

function rotl(x: number, k: number): number {
  return ((x << k) | (x >>> (32 - k))) >>> 0;
}
