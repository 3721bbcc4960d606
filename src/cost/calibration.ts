/**
 * The constants of the API-server cost model, each with its source in
 * ../shared/reference/incident-and-mechanics.md (section numbers below). Every value is overridable per
 * cluster in a scenario (`apiServer:`) so "what if" questions do not need code changes.
 */
export interface ApiServerCalibration {
  /**
   * Kubernetes minor version of the API servers ("1.31"): decides how a LIST's response is built and so
   * the heap it holds (listMemoryPerByteFor). The model's other figures are 1.31/1.32's (reference header).
   */
  readonly version: string;
  /** Seats per API server with APF on: --max-requests-inflight 400 + --max-mutating-requests-inflight 200 (§2.1). */
  readonly seats: number;
  /** CPU cores per API server [U: not published; a 32-core control-plane VM]. */
  readonly cores: number;
  /** Memory limit per API server in GiB (OpenAI's 7,500-node clusters used up to ~70 GB heap, §1.8 [S]). */
  readonly memoryGiB: number;
  /** --request-timeout: non-long-running requests are cut at 60 s (§2.1). */
  readonly requestTimeoutS: number;
  /** APF queue-wait limit: RequestTimeout/4 = 15 s (§2.1). */
  readonly queueWaitLimitS: number;
  /** Retry-After cap of the dropped-requests tracker (§2.1). */
  readonly maxRetryAfterS: number;
  /**
   * Whether service times also stretch as the heap nears its limit (the "GC death spiral", gcSlowdown in
   * the simulator), on top of the GC headroom already in listMemoryPerByte: GC counted twice. True (the
   * default for now): counted once (false, as docs/calibration.md argues), the simulator's size thresholds
   * sit 22–32% above analyze's, whose burst model was matched to it with the double count.
   */
  readonly gcSlowdownNearLimit: boolean;
  /**
   * Seconds between APF's borrowing adjustments: each level's seat limit follows its smoothed demand,
   * re-set every 10 s in the API server (`borrowingAdjustmentPeriod`, apf_controller.go; §2.2). 0 (the
   * default for now): limits follow each step's demand at once. 10 keeps the incident's published times
   * but removes the agent-namespace mitigation, unexplained yet (README sensitivity table).
   */
  readonly borrowingAdjustmentS: number;
  /** APF work estimator: objects per seat (§2.3, `request/config.go`). */
  readonly objectsPerSeat: number;
  /** MaximumListSeatsLimit before 1.34 (§2.3). */
  readonly maxListSeats: number;
  /** Time for a single-object request at idle [U: typical few-ms GET/PUT]. */
  readonly baseRequestS: number;
  /**
   * Serialisation cost per byte served: a 2.0 GB JSON pod LIST took 18.3 s (§4.3 [S]) ⇒ 9.15e-9 s/B.
   * One LIST is encoded by one goroutine, so this is also its core-seconds.
   */
  readonly serveSecondsPerByte: number;
  /** Scanning the watch cache: node-filtered RV=0 LIST of 100k pods in ~0.05 s (§4.3) ⇒ 5e-7 s/object. */
  readonly cacheScanSecondsPerObject: number;
  /** Reading from etcd: node-filtered LIST without RV=0 of 100k pods ~10 s (§4.3) ⇒ 1e-4 s/object. */
  readonly etcdSecondsPerObject: number;
  /**
   * Resident memory an executing LIST adds per byte of JSON it serves, garbage-collector headroom included
   * (and again as a slowdown near the limit unless gcSlowdownNearLimit is false: docs/calibration.md,
   * "GC counted once"). By default it follows
   * `version` (listMemoryPerByteFor); a scenario may set it outright.
   */
  readonly listMemoryPerByte: number;
  /** Resident heap that does not depend on requests: watch cache ≈1.5× the stored objects + 2 GiB [D]. */
  readonly watchCacheMemoryPerByte: number;
  readonly baseMemoryGiB: number;
  /**
   * How unevenly the load balancer spreads requests over a cluster's API servers: they carry 1 ± this/2
   * of the mean share (src/cost/server-balance.ts) [U: clients keep long-lived connections; no published
   * figure]. 0 (the default for now): all alike, so they all run out of memory in the same step; 0.1 moves
   * the peak of the incident's error plateau from 15:47 to 16:17 (README sensitivity table).
   */
  readonly loadImbalance: number;
  /** Process restart after an OOM kill, until it listens again [U]. */
  readonly restartS: number;
  /**
   * Watch cache re-initialisation after a restart, until its cache-servable LIST/WATCH stop getting 429
   * (§2.1) [U]: the whole of it by default, the fixed part when watchCacheLoadSecondsPerObject is set.
   */
  readonly watchCacheInitS: number;
  /**
   * Seconds per object a restarted server's watch cache takes to load its largest resource from etcd
   * (the cachers load in parallel), on top of watchCacheInitS. Off (0) by default: on, it is the etcd
   * read rate, 1e-4 s/object (§4.3: a non-cached 100k-pod LIST in ~10 s) [D], with watchCacheInitS
   * then the cachers' fixed start (~10 s [U]); docs/calibration.md says why it is not the default.
   */
  readonly watchCacheLoadSecondsPerObject: number;
  /** Whether consistent LISTs (RV="") are served from the watch cache (1.31 beta default-on, §2.3). */
  readonly consistentListFromCache: boolean;
  /** CPU per watch event per watcher (encode + send) [U]. */
  readonly watchEventSeconds: number;
}

/**
 * Kubernetes 1.31/1.32 materialise a LIST's whole response before sending it: decoded objects plus the
 * encoded response, doubled by Go's GC headroom (GOGC=100 lets the heap reach twice what is live before
 * it collects) (§4.3: "memory ≈2 GB vs ≈20 GB" with/without streaming for 16 informers; 70–80 GB → 3 GB
 * in the 1.33 benchmark) [D] ⇒ 5×.
 */
export const materialisedListMemoryPerByte = 5;

/**
 * Kubernetes 1.33+ stream a LIST's JSON object by object: measured RSS growth of a real kube-apiserver
 * 1.36 for a cache-served LIST of 20,000 pods of ~13.9 KB (264 MB of JSON), the pods closest to the
 * model's 20 KB (docs/calibration.md; RSS, so the GC headroom is in it) ⇒ 0.4×.
 */
export const streamedListMemoryPerByte = 0.4;

/** The version the model's figures describe (reference header: the incident ran on 1.31/1.32). */
export const modelTargetVersion = '1.31';

/** Heap per served JSON byte of an executing LIST on an API server of `version` ("1.31", "1.33", …). */
export function listMemoryPerByteFor(version: string): number {
  return streamsListResponses(version) ? streamedListMemoryPerByte : materialisedListMemoryPerByte;
}

/** True from 1.33, where the API server streams LIST responses (reference §4.3) instead of building them. */
export function streamsListResponses(version: string): boolean {
  const [major, minor] = version.split('.').map(Number);
  return (major ?? 1) > 1 || (minor ?? 0) >= 33;
}

/**
 * The calibration of API servers with these fields set (a scenario's or fleet's `apiServer`): the
 * reference defaults, with the memory per LIST following the version unless given outright.
 */
export function apiServerCalibration(overrides: Partial<ApiServerCalibration> = {}): ApiServerCalibration {
  const version = overrides.version ?? modelTargetVersion;
  return {
    ...defaultApiServerCalibration,
    ...overrides,
    version,
    listMemoryPerByte: overrides.listMemoryPerByte ?? listMemoryPerByteFor(version),
  };
}

export const defaultApiServerCalibration: ApiServerCalibration = {
  version: modelTargetVersion,
  seats: 600,
  cores: 32,
  memoryGiB: 64,
  requestTimeoutS: 60,
  queueWaitLimitS: 15,
  maxRetryAfterS: 32,
  gcSlowdownNearLimit: true,
  borrowingAdjustmentS: 0,
  objectsPerSeat: 100,
  maxListSeats: 10,
  baseRequestS: 0.005,
  serveSecondsPerByte: 18.3 / 2.0e9,
  cacheScanSecondsPerObject: 0.05 / 100_000,
  etcdSecondsPerObject: 10 / 100_000,
  listMemoryPerByte: materialisedListMemoryPerByte,
  watchCacheMemoryPerByte: 1.5,
  baseMemoryGiB: 2,
  loadImbalance: 0,
  restartS: 45,
  watchCacheInitS: 30,
  watchCacheLoadSecondsPerObject: 0,
  consistentListFromCache: true,
  watchEventSeconds: 20e-6,
};

/** client-go defaults (§2.4). */
export const clientDefaults = {
  /** maxRetries for 429/5xx with Retry-After. */
  maxRetries: 10,
  /** Reflector relist backoff: 800 ms initial, max 30 s. */
  reflectorBackoffMinS: 0.8,
  reflectorBackoffMaxS: 30,
} as const;

export const GiB = 1024 ** 3;
