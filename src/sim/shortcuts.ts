/**
 * Work the engine skips because it could not change anything, each with a switch and a counter for the
 * tests (results must not differ with any of them off; the counters show each one was taken):
 * - `frozenWindows`: sample windows that repeat the last one are not summed step by step (SeriesRecorder);
 * - `dormantClusters`: clusters at rest with idle detectors are not visited at all (FleetSim);
 * - `quietOrbits`: settled detectors are not fed the readings of quiet orbit replays (FleetSim).
 * Orbit replay itself has its own switch (cluster-orbit.ts).
 */
export const shortcuts = {
  frozenWindows: true,
  dormantClusters: true,
  quietOrbits: true,
  /** Windows sampled without summing, clusters made dormant, detector updates skipped. */
  windowsFrozen: 0,
  clustersMadeDormant: 0,
  quietUpdatesSkipped: 0,
};
