/**
 * The one interface the fast paths (orbit replay) need of the simulator's state: a part of a cluster (its
 * control plane, its DNS, the cluster's own scalars) writes what a step evolves and shows into a flat
 * record of doubles, and restores it. Equal records mean equal futures for a steady cluster, which is
 * what lets a replay stand in for simulating (docs/perf.md, "Orbit replay").
 */
export interface StateSnapshot {
  /** Length of the record saveState writes. */
  readonly stateLength: number;
  /** Writes the state at `into[at ..]`; returns the offset after it. */
  saveState(into: Float64Array, at: number): number;
  /**
   * Where entry `j` of the record lives while it is kept in an array: [array, index], restored entry by
   * entry (only the entries that vary along an orbit); null for a scalar, restored by loadScalars.
   */
  stateSlot(j: number): [Float64Array, number] | null;
  /** Restores the scalars of a record saveState wrote at `from[at ..]`; returns the offset after it. */
  loadScalars(from: Float64Array, at: number): number;
}

/** A record's entries that live in arrays (see stateSlot), bound once so a phase is written by stores alone. */
export class SlotBinding {
  private readonly arrays: (Float64Array | null)[];
  private readonly index: Int32Array;

  /** Binds the entries `entries` of `snapshot`'s record (in that order). */
  constructor(snapshot: StateSnapshot, entries: Int32Array) {
    this.arrays = [];
    this.index = new Int32Array(entries.length);
    entries.forEach((j, m) => {
      const slot = snapshot.stateSlot(j);
      this.arrays.push(slot?.[0] ?? null);
      this.index[m] = slot?.[1] ?? 0;
    });
  }

  /** Writes `values[row × entries .. ]`, one value per bound entry, into the arrays they live in. */
  write(values: Float64Array, row: number): void {
    const arrays = this.arrays;
    const index = this.index;
    const at = row * arrays.length;
    for (let m = 0; m < arrays.length; m++) {
      const a = arrays[m];
      if (a) a[index[m] ?? 0] = values[at + m] ?? 0;
    }
  }
}
