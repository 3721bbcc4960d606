/**
 * Orders strings by their UTF-16 code units: the same order on every machine. `localeCompare` orders by
 * the process's locale (taken from LANG / LC_ALL): under da_DK "aa" sorts after "z", so a rollout order,
 * an event list or an analysis sorted with it changed with the machine it ran on.
 */
export function byCodeUnits(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
