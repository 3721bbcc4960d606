import { clientDefaults } from '../../cost/calibration.js';
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
  /** Share of CoreDNS pods running with their informers synced (`informer` mode; 1 otherwise). */
  readonly corednsReadyShare: number;
  /** LISTs per second restarted CoreDNS pods make to sync their informers (`informer` mode). */
  readonly syncListsPerS: number;
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
    corednsReadyShare: n,
    syncListsPerS: n,
  };
  reading.failureRatio = 0;
  reading.nodeCacheMissRatio = 0;
  reading.corednsServfailRatio = 0;
  reading.corednsQps = 0;
  reading.apiLookupsPerS = 0;
  reading.corednsReadyShare = 1;
  reading.syncListsPerS = 0;
  return reading;
}

/** A copy of `r` that later steps leave alone (ClusterDns writes each step's reading into one object). */
export function copyDnsReading(r: DnsReading): DnsReading {
  // Onto an object of the pinned shape (see zeroReading): values are stored, the shape stays.
  return Object.assign(zeroReading(), r);
}

/** A CoreDNS process and its informer copy before queries [U: ~30 MiB, plus ~4 KiB per Service]. */
const corednsBaseMiB = 30;
const corednsKiBPerService = 4;
/**
 * Memory a query waiting for CPU holds (its goroutine and buffers) [U], and how long it waits at most:
 * as long as its client does (glibc `timeout:5`, reference §3.7). Queries past a pod's CPU pile up.
 */
const pendingQueryKiB = 8;
const pendingHoldS = 5;
/** Mean interval between a restarted pod's LIST attempts: the reflector backs off 0.8–30 s (§2.4) [D]. */
const syncRetryS = (clientDefaults.reflectorBackoffMinS + clientDefaults.reflectorBackoffMaxS) / 2;

/**
 * Cluster DNS (reference §1.2, §3.5–3.7): per-node caches that keep answers for their lifetime, CoreDNS
 * with its own short cache in front of one of three backends (`dns.mode`):
 * - `informer` (stock CoreDNS): names come from the informer copy, which an API outage leaves stale but
 *   answering (§3.6). Its pods have memory and CPU: past its CPU a pod sheds queries and the ones waiting
 *   pile up in memory until it is OOM-killed; a pod also restarts when evicted. A restarted pod answers
 *   SERVFAIL for cluster names until its informers LIST through the API (the Service still sends it its
 *   share of queries: an API outage leaves the endpoints as they were). So DNS fails with the control
 *   plane only once pods restart, and then the node caches drain and queries jump by orders of magnitude.
 * - `api-per-miss`: an API call for every CoreDNS miss. When the API stops answering, CoreDNS's cache
 *   empties within its TTL, the node caches drain over theirs, and every lookup that misses multiplies
 *   onto CoreDNS and the API.
 * - `independent`: service discovery that never asks the control plane.
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
  /** CoreDNS pods (`informer` mode): serving with synced informers, running but unsynced, restarting. */
  private podsReady = Number.NaN;
  private podsUnsynced = Number.NaN;
  private podsDown = Number.NaN;
  /** CoreDNS pods OOM-killed or evicted so far (each restart of every pod counts once). */
  corednsRestarts = 0;
  private readonly informer: boolean;
  private readonly needsApi: boolean;
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
    this.podsReady = dns.corednsReplicas;
    this.podsUnsynced = this.podsDown = 1;
    this.podsUnsynced = this.podsDown = 0;
    this.informer = dns.mode === 'informer';
    this.needsApi = dns.mode === 'api-per-miss';
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
   * lookups answered last step (`api-per-miss`), `syncSuccess` the share of its pods' informer LISTs
   * answered last step and `evicted` whether the nodes CoreDNS runs on lost their pods this step
   * (`informer`).
   */
  step(nodes: number, apiLookupSuccess: number, syncSuccess = 1, evicted = false): DnsReading {
    const dp = this.dataPlane;
    const lookupsPerS = nodes * dp.dnsLookupsPerSPerNode;
    const missRatio = this.nodeCacheAdvanced ? this.advancedMissRatio : this.stepNodeCaches();
    this.nodeCacheAdvanced = false;
    // Misses fan out over the search path; expired entries refresh in the background as well.
    const refreshQps = this.nodeCache ? (nodes * dp.namesPerNode) / this.dns.nodeCacheTtlS : 0;
    const corednsQps = lookupsPerS * missRatio * this.dns.searchAmplification + refreshQps;

    const needsApi = this.needsApi;
    const apiOk = needsApi ? apiLookupSuccess : 1;
    const expiredShare = this.corednsCache.step(apiOk, corednsQps / this.serviceNames);
    const cached = this.corednsCache.answeringShare;
    let shed: number;
    if (this.informer) {
      shed = this.stepPods(corednsQps, syncSuccess, evicted);
    } else {
      const capacity = this.dns.corednsReplicas * this.dns.corednsQpsPerReplica;
      shed = corednsQps > capacity ? capacity / corednsQps : 1;
    }
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
    reading.corednsReadyShare = this.podsReady / this.dns.corednsReplicas;
    reading.syncListsPerS = this.podsUnsynced / syncRetryS;
    this.reading = reading;
    return reading;
  }

  /**
   * Steps the CoreDNS pods (`informer` mode) under `corednsQps`; returns the share of queries answered.
   * Pods are symmetric behind the Service, so a pod's memory is every serving pod's: past the limit they
   * are OOM-killed together.
   */
  private stepPods(corednsQps: number, syncSuccess: number, evicted: boolean): number {
    const dns = this.dns;
    const replicas = dns.corednsReplicas;
    const dt = this.stepS;
    if (evicted && this.podsDown < replicas) {
      this.corednsRestarts += this.podsReady + this.podsUnsynced;
      this.podsDown = replicas;
      this.podsReady = this.podsUnsynced = 0;
    }
    // Restarted pods run again, unsynced; unsynced ones sync when their LIST gets an answer (§3.6).
    const back =
      dns.corednsRestartS > 0 ? this.podsDown * Math.min(1, dt / dns.corednsRestartS) : this.podsDown;
    const synced = this.podsUnsynced * Math.min(1, dt / syncRetryS) * syncSuccess;
    this.podsDown -= back;
    this.podsUnsynced += back - synced;
    this.podsReady += synced;
    // A millionth of a pod is none: the pods are whole again (and the DNS can come to rest).
    if (this.podsDown < 1e-6) this.podsDown = 0;
    if (this.podsDown === 0 && this.podsUnsynced < 1e-6 && this.podsUnsynced > 0) {
      this.podsReady = replicas;
      this.podsUnsynced = 0;
    }
    const perPodQps = corednsQps / replicas;
    const capacity = dns.corednsQpsPerReplica;
    const pendingMiB = (Math.max(0, perPodQps - capacity) * pendingHoldS * pendingQueryKiB) / 1024;
    const memoryMiB = corednsBaseMiB + (this.serviceNames * corednsKiBPerService) / 1024 + pendingMiB;
    if (this.podsReady > 0 && memoryMiB > dns.corednsMemoryMiB) {
      this.corednsRestarts += this.podsReady;
      this.podsDown += this.podsReady;
      this.podsReady = 0;
    }
    const shed = perPodQps > capacity ? capacity / perPodQps : 1;
    return (this.podsReady / replicas) * shed;
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
    return this.corednsCache.stateLength + 12;
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
    into[k++] = r.corednsReadyShare;
    into[k++] = r.syncListsPerS;
    into[k++] = this.podsReady;
    into[k++] = this.podsUnsynced;
    into[k++] = this.podsDown;
    into[k++] = this.corednsRestarts;
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
    const ready = from[k + 8] ?? 0;
    if (!Object.is(this.podsReady, ready)) this.podsReady = ready;
    const unsynced = from[k + 9] ?? 0;
    if (!Object.is(this.podsUnsynced, unsynced)) this.podsUnsynced = unsynced;
    const down = from[k + 10] ?? 0;
    if (!Object.is(this.podsDown, down)) this.podsDown = down;
    this.corednsRestarts = from[k + 11] ?? 0;
    return k + 12;
  }

  /** True when every cache is full and CoreDNS answers everything: nothing changes until the API does. */
  get atRest(): boolean {
    return (
      this.corednsSuccess > 1 - 1e-12 &&
      this.podsReady === this.dns.corednsReplicas &&
      this.corednsCache.full &&
      (this.nodeCache?.full ?? true)
    );
  }
}
