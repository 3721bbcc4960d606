/**
 * How unevenly a load balancer spreads one cluster's requests over its API servers. Clients hold long-lived
 * (HTTP/2) connections to one server each, so servers do not carry exactly the same share [U: no published
 * figure]. Server k's weight is fixed by its index (golden-ratio positions: spread evenly, no two alike,
 * the same every run), so the heaviest server dies first and the rest one by one, as their load grows.
 */
const goldenFraction = (Math.sqrt(5) - 1) / 2;

/** Relative share of the load server `k` (0-based) carries: 1 ± imbalance/2. */
export function serverWeight(k: number, imbalance: number): number {
  const position = ((k + 1) * goldenFraction) % 1;
  return 1 + imbalance * (position - 0.5);
}

/** The heaviest of `servers` servers' share of the load, relative to the mean (1 when balanced). */
export function heaviestServerShare(servers: number, imbalance: number): number {
  const n = Math.max(1, Math.round(servers));
  let sum = 0;
  let max = 0;
  for (let k = 0; k < n; k++) {
    const w = serverWeight(k, imbalance);
    sum += w;
    max = Math.max(max, w);
  }
  return (max * n) / sum;
}
