/**
 * A DNS cache as cohorts by expiry time (never one object per entry or per node): the share of entries
 * valid, bucketed by when they expire, plus the share that is empty (or served stale). Used for the
 * per-node caches (≈20-minute lifetime in the incident, reference §1.2) and CoreDNS's own cache (30 s).
 *
 * In steady state entries' ages are uniform, so when upstream stops answering the valid share drains
 * linearly over one lifetime: that is the masking the incident saw.
 */
/**
 * Shares below this are rounding residue of sums near 1, not entries (a trillionth of a cache: no cluster
 * has that many names).
 */
const noiseShare = 1e-12;

export class ExpiryCache {
  private readonly ring: Float64Array;
  private readonly staleRing: Float64Array | null;
  private cursor = 0;
  private staleCursor = 0;
  // NaN, then set in the constructor (docs/perf.md, "Shape pinning").
  private validShare = Number.NaN;
  private staleShare = Number.NaN;
  private readonly slots: number;
  private readonly staleSlots: number;
  /** Inputs and result of the last refill chance computed. */
  private refillSuccess = Number.NaN;
  private refillLookups = Number.NaN;
  private refillLast = Number.NaN;

  constructor(
    private readonly stepS: number,
    ttlS: number,
    serveStaleS = 0,
  ) {
    this.validShare = 1;
    this.staleShare = 0;
    this.refillLast = 0;
    this.slots = Math.max(1, Math.round(ttlS / stepS));
    this.ring = new Float64Array(this.slots + 1).fill(1 / this.slots);
    this.ring[0] = 0;
    this.staleSlots = Math.round(serveStaleS / stepS);
    this.staleRing = this.staleSlots > 0 ? new Float64Array(this.staleSlots + 1) : null;
  }

  /**
   * Advances one step. `upstreamSuccess` is the chance an upstream query is answered; `lookupsPerEntryPerS`
   * how often each name is asked for (empty entries refill at that rate when upstream answers).
   * Returns the share of entries that expired this step (each triggers one upstream refresh).
   */
  step(upstreamSuccess: number, lookupsPerEntryPerS: number): number {
    // Ring positions wrap by comparison, not %: an integer division per step and cache costs more.
    const len = this.ring.length;
    const cursor = this.cursor + 1 === len ? 0 : this.cursor + 1;
    this.cursor = cursor;
    const expired = this.ring[this.cursor] ?? 0;
    this.ring[this.cursor] = 0;
    this.validShare = Math.max(0, this.validShare - expired);

    const stale = this.staleRing;
    if (stale) {
      this.staleCursor = this.staleCursor + 1 === stale.length ? 0 : this.staleCursor + 1;
      this.staleShare = Math.max(0, this.staleShare - (stale[this.staleCursor] ?? 0));
      stale[this.staleCursor] = 0;
    }

    // Empty before this step's expiries: those are refreshed (or not) below, not twice. A full cache
    // leaves a rounding residue here (1 − shares that sum to 1, ±a few 1e-16); refilling it would feed that
    // noise into the ring every step, so a cache that is full stays bit-for-bit as it was.
    const gap = 1 - this.validShare - expired - this.staleShare;
    const empty = gap < noiseShare ? 0 : gap;
    // An expired entry is refreshed by its next lookup; an empty or stale one refills when a lookup gets an answer.
    const refillChance = this.refillChance(upstreamSuccess, lookupsPerEntryPerS);
    const renewedExpired = expired * upstreamSuccess;
    const failedExpired = expired - renewedExpired;
    const refilledEmpty = empty * refillChance;
    const refreshedStale = this.staleShare * refillChance;
    if (stale && refreshedStale > 0) {
      const keep = 1 - refillChance;
      for (let i = 0; i < stale.length; i++) stale[i] = (stale[i] ?? 0) * keep;
      this.staleShare -= refreshedStale;
    }
    if (stale && failedExpired > 0) {
      // serve_stale: the failed entry keeps answering for serveStale seconds.
      const sum = this.staleCursor + this.staleSlots;
      const si = sum >= stale.length ? sum - stale.length : sum;
      stale[si] = (stale[si] ?? 0) + failedExpired;
      this.staleShare += failedExpired;
    }
    const renewed = Math.min(
      renewedExpired + refilledEmpty + refreshedStale,
      Math.max(0, 1 - this.validShare),
    );
    // slots = len − 1: the slot just behind the cursor.
    const slot = cursor === 0 ? len - 1 : cursor - 1;
    this.ring[slot] = (this.ring[slot] ?? 0) + renewed;
    this.validShare += renewed;
    return expired;
  }

  /** Chance an empty entry refills within a step; its inputs mostly stay put, so the exponential is reused. */
  private refillChance(upstreamSuccess: number, lookupsPerEntryPerS: number): number {
    if (upstreamSuccess <= 0) return 0;
    if (upstreamSuccess !== this.refillSuccess || lookupsPerEntryPerS !== this.refillLookups) {
      this.refillSuccess = upstreamSuccess;
      this.refillLookups = lookupsPerEntryPerS;
      this.refillLast = 1 - Math.exp(-lookupsPerEntryPerS * this.stepS * upstreamSuccess);
    }
    return this.refillLast;
  }

  /** Share of entries that answer (fresh or stale). */
  get answeringShare(): number {
    return Math.min(1, this.validShare + this.staleShare);
  }

  /** Share of entries that are fresh. */
  get validShareNow(): number {
    return this.validShare;
  }

  /** True when every entry is fresh (nothing to simulate until something changes). */
  get full(): boolean {
    return this.validShare > 1 - 1e-9;
  }

  /** Length of the record saveState writes. */
  get stateLength(): number {
    return 2 + this.ring.length + (this.staleRing?.length ?? 0);
  }

  /**
   * Writes the cache's whole state at `into[at ..]` and returns the offset after it. The rings are written
   * from their cursors on: only positions relative to the cursor matter, so equal records mean caches
   * that evolve alike.
   */
  saveState(into: Float64Array, at: number): number {
    let k = at;
    into[k++] = this.validShare;
    into[k++] = this.staleShare;
    k = saveRing(this.ring, this.cursor, into, k);
    return this.staleRing ? saveRing(this.staleRing, this.staleCursor, into, k) : k;
  }

  /**
   * Where entry `j` of saveState's record lives now: [ring, index] for ring entries (valid while the
   * cache is not stepped), null for the two shares (restored by loadScalars).
   */
  stateSlot(j: number): [Float64Array, number] | null {
    if (j < 2) return null;
    const ring = this.ring;
    if (j < 2 + ring.length) return [ring, (this.cursor + j - 2) % ring.length];
    const stale = this.staleRing;
    return stale ? [stale, (this.staleCursor + j - 2 - ring.length) % stale.length] : null;
  }

  /** Restores the shares of a record saveState wrote at `from[at ..]`; returns the offset after the record. */
  loadScalars(from: Float64Array, at: number): number {
    const valid = from[at] ?? 0;
    const stale = from[at + 1] ?? 0;
    // Only when they differ (docs/perf.md, "Shape pinning").
    if (!Object.is(this.validShare, valid)) this.validShare = valid;
    if (!Object.is(this.staleShare, stale)) this.staleShare = stale;
    return at + this.stateLength;
  }
}

function saveRing(ring: Float64Array, cursor: number, into: Float64Array, at: number): number {
  into.set(ring.subarray(cursor), at);
  into.set(ring.subarray(0, cursor), at + ring.length - cursor);
  return at + ring.length;
}
