import { ExpiryCache } from './expiry-cache.js';
import type { DataPlaneConfig, DnsConfig } from '../../config/scenario.js';
import type { StateSnapshot } from '../fast/snapshot.js';

/** One step's DNS readings for a cluster. */
export interface DnsReading {
  /** Share of the data plane's lookups that fail (what applications see). */
  readonly failureRatio: number;
  /** Share of lookups that miss the node cache and go to CoreDNS. */
  readonly nodeCacheMissRatio: number;
  /** Share of queries CoreDNS answers with SERVFAIL. */
  readonly corednsServfailRatio: number;
  /** Queries per second reaching CoreDNS. */
  readonly corednsQps: number;
  /** API requests per second CoreDNS makes to resolve names (when names need the control plane). */
  readonly apiLookupsPerS: number;
}

type MutableDnsReading = { -readonly [K in keyof DnsReading]: DnsReading[K] };

/** A zeroed reading, built from fractions first (docs/perf.md, "Shape pinning"). */
function zeroReading(): MutableDnsReading {
  const n = Number.NaN;
  const reading = {
    failureRatio: n,
    nodeCacheMissRatio: n,
    corednsServfailRatio: n,
    corednsQps: n,
    apiLookupsPerS: n,
  };
  reading.failureRatio = 0;
  reading.nodeCacheMissRatio = 0;
  reading.corednsServfailRatio = 0;
  reading.corednsQps = 0;
  reading.apiLookupsPerS = 0;
  return reading;
}

/** A copy of `r` that later steps leave alone (ClusterDns writes each step's reading into one object). */
export function copyDnsReading(r: DnsReading): DnsReading {
  // Onto an object of the pinned shape (see zeroReading): values are stored, the shape stays.
  return Object.assign(zeroReading(), r);
}

/**
 * Cluster DNS as the incident had it (reference §1.2, §3.5–3.7): per-node caches that keep answers for a
 * long lifetime, CoreDNS with its own short cache, and — when `serviceNamesNeedControlPlane` — an API call
 * for every CoreDNS miss. When the API stops answering, CoreDNS's cache empties within its TTL, the node
 * caches drain over theirs, and every lookup that misses multiplies onto CoreDNS and the API.
 */
export class ClusterDns implements StateSnapshot {
  private readonly nodeCache: ExpiryCache | null;
  private readonly corednsCache: ExpiryCache;
  // Ratios that turn fractional mid-run: NaN, then set in the constructor (docs/perf.md, "Shape pinning").
  private corednsSuccess = Number.NaN;
  /** Set by advanceNodeCaches: the node caches already took this step, missing this share. */
  private nodeCacheAdvanced = false;
  private advancedMissRatio = Number.NaN;
  private serviceNames = Number.NaN;
  /** The last step's reading: overwritten by the next step (keep a copyDnsReading); a replayed phase's own. */
  reading: DnsReading;
  private readonly ownReading: MutableDnsReading;

  constructor(
    private readonly dns: DnsConfig,
    private readonly dataPlane: DataPlaneConfig,
    private readonly stepS: number,
    serviceNames: number,
  ) {
    this.corednsSuccess = 1;
    this.advancedMissRatio = 1;
    this.serviceNames = serviceNames;
    // A TTL of 0 is no node cache (documented): one of 0 s would refresh every name infinitely often.
    this.nodeCache =
      dns.nodeCacheEnabled && dns.nodeCacheTtlS > 0
        ? new ExpiryCache(stepS, dns.nodeCacheTtlS, dns.serveStaleS)
        : null;
    this.corednsCache = new ExpiryCache(stepS, dns.corednsCacheTtlS);
    this.ownReading = zeroReading();
    this.reading = this.ownReading;
  }

  /** Updates the number of service names (after a scale-down). */
  setServiceNames(n: number): void {
    this.serviceNames = Math.max(1, n);
  }

  /**
   * Advances one step. `nodes` is the current node count, `apiLookupSuccess` the share of CoreDNS's API
   * requests answered last step (1 when names do not need the API).
   */
  step(nodes: number, apiLookupSuccess: number): DnsReading {
    const dp = this.dataPlane;
    const lookupsPerS = nodes * dp.dnsLookupsPerSPerNode;
    const missRatio = this.nodeCacheAdvanced ? this.advancedMissRatio : this.stepNodeCaches();
    this.nodeCacheAdvanced = false;
    // Misses fan out over the search path; expired entries refresh in the background as well.
    const refreshQps = this.nodeCache ? (nodes * dp.namesPerNode) / this.dns.nodeCacheTtlS : 0;
    const corednsQps = lookupsPerS * missRatio * this.dns.searchAmplification + refreshQps;

    const needsApi = this.dns.serviceNamesNeedControlPlane;
    const apiOk = needsApi ? apiLookupSuccess : 1;
    const expiredShare = this.corednsCache.step(apiOk, corednsQps / this.serviceNames);
    const cached = this.corednsCache.answeringShare;
    const capacity = this.dns.corednsReplicas * this.dns.corednsQpsPerReplica;
    const shed = corednsQps > capacity ? capacity / corednsQps : 1;
    this.corednsSuccess = (cached + (1 - cached) * apiOk) * shed;
    // Every miss asks the API, and so does every expiring name CoreDNS refreshes.
    const apiLookupsPerS = needsApi
      ? (corednsQps * (1 - cached) + (expiredShare * this.serviceNames) / this.stepS) * shed
      : 0;
    const failureRatio = missRatio * (1 - this.corednsSuccess);
    const reading = this.ownReading;
    reading.failureRatio = failureRatio;
    reading.nodeCacheMissRatio = missRatio;
    reading.corednsServfailRatio = 1 - this.corednsSuccess;
    reading.corednsQps = corednsQps;
    reading.apiLookupsPerS = apiLookupsPerS;
    this.reading = reading;
    return reading;
  }

  /** Steps the node caches (upstream is CoreDNS as it answered last step); returns the share of lookups they miss. */
  private stepNodeCaches(): number {
    if (!this.nodeCache) return 1;
    const dp = this.dataPlane;
    this.nodeCache.step(this.corednsSuccess, dp.dnsLookupsPerSPerNode / dp.namesPerNode);
    return 1 - this.nodeCache.answeringShare;
  }

  /**
   * Steps the node caches ahead of the coming `step` (which then uses this result): they depend on nothing
   * but CoreDNS's last answer, so a replay of the rest of the cluster can check that they still behave as
   * recorded. Returns the miss share.
   */
  advanceNodeCaches(): number {
    this.advancedMissRatio = this.stepNodeCaches();
    this.nodeCacheAdvanced = true;
    return this.advancedMissRatio;
  }

  /**
   * A replayed step took the node caches' step (advanceNodeCaches) and showed `reading`; the rest of the
   * state is restored later, by loadScalars, when needed.
   */
  replayed(reading: DnsReading): void {
    this.reading = reading;
    this.nodeCacheAdvanced = false;
  }

  /** True when the node caches are full (or there are none). */
  get nodeCacheFull(): boolean {
    return this.nodeCache?.full ?? true;
  }

  /** Length of the record saveState writes. */
  get stateLength(): number {
    return this.corednsCache.stateLength + 6;
  }

  /** Writes the state of everything but the node caches at `into[at ..]`; returns the offset after it. */
  saveState(into: Float64Array, at: number): number {
    let k = this.corednsCache.saveState(into, at);
    const r = this.reading;
    into[k++] = this.corednsSuccess;
    into[k++] = r.failureRatio;
    into[k++] = r.nodeCacheMissRatio;
    into[k++] = r.corednsServfailRatio;
    into[k++] = r.corednsQps;
    into[k++] = r.apiLookupsPerS;
    return k;
  }

  /** Where entry `j` of saveState's record lives (see ExpiryCache.stateSlot); null for scalars. */
  stateSlot(j: number): [Float64Array, number] | null {
    return j < this.corednsCache.stateLength ? this.corednsCache.stateSlot(j) : null;
  }

  /**
   * Restores the scalars of a record saveState wrote at `from[at ..]` (the reading it shows is restored
   * with its phase, see ClusterSim.materialize); returns the offset after the record.
   */
  loadScalars(from: Float64Array, at: number): number {
    const k = this.corednsCache.loadScalars(from, at);
    const success = from[k] ?? 0;
    if (!Object.is(this.corednsSuccess, success)) this.corednsSuccess = success;
    return k + 6;
  }

  /** True when every cache is full and CoreDNS answers everything: nothing changes until the API does. */
  get atRest(): boolean {
    return this.corednsSuccess > 1 - 1e-12 && this.corednsCache.full && (this.nodeCache?.full ?? true);
  }
}
