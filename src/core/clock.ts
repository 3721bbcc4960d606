/**
 * Time for live loops (a rollout against real clusters), injected so that tests drive it: `nowMs` is wall
 * time in ms since the epoch, `sleep` waits. Domain code never calls Date.now() or setTimeout itself.
 */
export interface Clock {
  nowMs(): number;
  sleep(ms: number): Promise<void>;
}

/** The machine's clock. */
export const systemClock: Clock = {
  nowMs: () => Date.now(),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, Math.max(0, ms))),
};

/** A clock that only moves when told (tests): `sleep` advances it at once. */
export function manualClock(startMs = 0): Clock & { advance(ms: number): void } {
  let now = startMs;
  return {
    nowMs: () => now,
    sleep: (ms) => {
      now += Math.max(0, ms);
      return Promise.resolve();
    },
    advance: (ms) => {
      now += ms;
    },
  };
}
