import type { ControlPlane } from './control-plane.js';

/** What the tail sum needs of each class that finished something, gathered once per call (see p99LatencyS). */
let waitS = new Float64Array(16);
let ok = new Float64Array(16);
let timedOut = new Float64Array(16);
let rejected = new Float64Array(16);
let serviceS = new Float64Array(16);

/**
 * p99 latency of the requests a cluster's API servers finished in the last step (all non-watch requests,
 * as `apiserver_request_duration_seconds` records them, queue wait included, reference §3.1): each class's
 * latency is its queue wait plus an exponential service time; timeouts count at the timeout and 429s at
 * their wait. Solved by bisection on the mixture's tail. `exclude` (1 per class) leaves classes out, as a
 * live query leaves out a flow_schema: the rollout's gates judge the latency the change causes others.
 */
export function p99LatencyS(cp: ControlPlane, slowdown: number, exclude?: Uint8Array): number {
  const { classes, out } = cp;
  const tau = cp.requestTimeoutS;
  let total = 0;
  for (let i = 0; i < classes.length; i++) {
    if (classes[i]?.kind === 'watch' || exclude?.[i]) continue;
    total += (out.succeeded[i] ?? 0) + (out.timedOut[i] ?? 0) + (out.rejected[i] ?? 0);
  }
  if (total <= 1e-9) return 0;
  const target = 0.01 * total;
  if (waitS.length < classes.length) {
    const n = classes.length;
    [waitS, ok, timedOut, rejected, serviceS] = [
      new Float64Array(n),
      new Float64Array(n),
      new Float64Array(n),
      new Float64Array(n),
      new Float64Array(n),
    ];
  }
  // Classes that finished nothing add nothing to the tail at any latency: leave them out of the bisection.
  let m = 0;
  for (let i = 0; i < classes.length; i++) {
    const c = classes[i];
    if (!c || c.kind === 'watch' || exclude?.[i]) continue;
    const o = out.succeeded[i] ?? 0;
    const t = out.timedOut[i] ?? 0;
    const r = out.rejected[i] ?? 0;
    if (o === 0 && t === 0 && r === 0) continue;
    waitS[m] = out.queueWaitS[i] ?? 0;
    ok[m] = o;
    timedOut[m] = t;
    rejected[m] = r;
    serviceS[m] = cp.serviceTimeS(i) * slowdown;
    m++;
  }
  let lo = 0;
  let hi = tau + cp.queueWaitLimitS;
  if (tailExceeds(m, hi, tau, target)) return hi;
  for (let k = 0; k < 16; k++) {
    const mid = (lo + hi) / 2;
    if (tailExceeds(m, mid, tau, target)) lo = mid;
    else hi = mid;
  }
  return hi;
}

/**
 * Whether more than `target` requests of the first `m` gathered classes took longer than `x`. Every term
 * is non-negative, and adding a non-negative number never lowers a rounded sum: once the partial sum is
 * past the target the whole one is too, so the rest (and its exponentials) need not be summed.
 */
function tailExceeds(m: number, x: number, tau: number, target: number): boolean {
  let sum = 0;
  for (let j = 0; j < m; j++) {
    const wait = waitS[j] ?? 0;
    const o = ok[j] ?? 0;
    if (o > 0) {
      const s = serviceS[j] ?? 0;
      // Past 745 service times the exponential underflows to exactly 0 (and so does its term): skip it.
      if (x < wait) sum += o;
      else if (!(x - wait > 746 * s)) sum += o * Math.exp(-(x - wait) / s);
    }
    if (x < wait + tau) sum += timedOut[j] ?? 0;
    if (x < wait) sum += rejected[j] ?? 0;
    if (sum > target) return true;
  }
  return false;
}
