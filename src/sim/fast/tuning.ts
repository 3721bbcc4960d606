/**
 * The fast paths a run takes: work skipped because it could not change anything. Results are the same
 * byte for byte with any of them off (fast/equivalence.test.ts checks every scenario); docs/perf.md says
 * what each saves.
 */
export interface SimTuning {
  /** Clusters caught in an exactly periodic orbit replay it instead of simulating it (OrbitReplay). */
  readonly orbitReplay: boolean;
  /** Sample windows that repeat the last one are not summed step by step (FrozenWindows). */
  readonly frozenWindows: boolean;
  /** Clusters at rest with idle detectors are not visited at all (FleetSim). */
  readonly dormantClusters: boolean;
  /** Settled detectors are not fed the readings of quiet orbit replays (FleetSim). */
  readonly quietOrbits: boolean;
}

/** Every fast path on: the default. */
export const allFastPaths: SimTuning = {
  orbitReplay: true,
  frozenWindows: true,
  dormantClusters: true,
  quietOrbits: true,
};

/** Every fast path off: every step of every cluster simulated and recorded. */
export const noFastPaths: SimTuning = {
  orbitReplay: false,
  frozenWindows: false,
  dormantClusters: false,
  quietOrbits: false,
};

/** How often each fast path was taken in a run (the tests check that each one was). */
export interface FastStats {
  replayedSteps: number;
  windowsFrozen: number;
  clustersMadeDormant: number;
  quietUpdatesSkipped: number;
  /** Warm-up runs before the run (0 or 1; see warm-up.ts). */
  warmUps: number;
}

export function newFastStats(): FastStats {
  return { replayedSteps: 0, windowsFrozen: 0, clustersMadeDormant: 0, quietUpdatesSkipped: 0, warmUps: 0 };
}
