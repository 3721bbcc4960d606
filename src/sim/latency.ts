import type { ControlPlane } from './control-plane.js';

/**
 * p99 latency of the requests a cluster's API servers finished in the last step (all non-watch requests,
 * as `apiserver_request_duration_seconds` records them, queue wait included, reference §3.1): each class's
 * latency is its queue wait plus an exponential service time; timeouts count at the timeout and 429s at
 * their wait. Solved by bisection on the mixture's tail.
 */
export function p99LatencyS(cp: ControlPlane, slowdown: number): number {
  const { classes, out, calib } = cp;
  const tau = calib.requestTimeoutS;
  let total = 0;
  for (let i = 0; i < classes.length; i++) {
    if (classes[i]?.kind === 'watch') continue;
    total += (out.succeeded[i] ?? 0) + (out.timedOut[i] ?? 0) + (out.rejected[i] ?? 0);
  }
  if (total <= 1e-9) return 0;
  const target = 0.01 * total;
  const tail = (x: number): number => {
    let sum = 0;
    for (let i = 0; i < classes.length; i++) {
      const c = classes[i];
      if (!c || c.kind === 'watch') continue;
      const wait = out.queueWaitS[i] ?? 0;
      const ok = out.succeeded[i] ?? 0;
      if (ok > 0) sum += x < wait ? ok : ok * Math.exp(-(x - wait) / (c.cost.serviceS * slowdown));
      if (x < wait + tau) sum += out.timedOut[i] ?? 0;
      if (x < wait) sum += out.rejected[i] ?? 0;
    }
    return sum;
  };
  let lo = 0;
  let hi = tau + calib.queueWaitLimitS;
  if (tail(hi) > target) return hi;
  for (let k = 0; k < 16; k++) {
    const mid = (lo + hi) / 2;
    if (tail(mid) > target) lo = mid;
    else hi = mid;
  }
  return hi;
}
