/**
 * etcd behind the API servers: what reads and writes cost it, and how its write latency grows with the
 * read work in flight. The reference (../shared/reference/incident-and-mechanics.md) publishes no etcd
 * throughput figure (§4.4: "no published requests per second"), so every constant here is marked: [U]
 * unconfirmed, [D] derived, [V]/[S] with its section.
 */
export interface EtcdCalibration {
  /** CPU cores of the etcd members' leader [U: etcd's hardware guide sizes large clusters at 8–16 cores]. */
  readonly cores: number;
  /**
   * etcd core-seconds per object a range read returns [U]: a fifth of the 1e-4 s per object an API server
   * spends on a LIST from etcd (§4.3, node-filtered LIST of 100k pods without RV=0: ~10 s), the rest being
   * the API server's decoding and filtering.
   */
  readonly readCoreSecondsPerObject: number;
  /** etcd core-seconds per write (raft append, apply, watch fan-out to the API servers) [U]. */
  readonly writeCoreSeconds: number;
  /** A write's commit latency on an idle etcd: WAL fsync + one raft round trip [U: etcd guidance p99 < 10 ms]. */
  readonly writeBaseS: number;
  /**
   * A kubelet's lease renewal gives up after this long: its heartbeat client's timeout is
   * min(nodeStatusUpdateFrequency 10 s, nodeLeaseDurationSeconds 40 s) [S: kubelet server.go; §2.5 for the
   * 10 s renew interval and the 40 s lease].
   */
  readonly leaseTimeoutS: number;
  /**
   * A node goes NotReady when its lease is not renewed for this long (kube-controller-manager's
   * node-monitor-grace-period, 40 s = nodeLeaseDurationSeconds, §2.5) [V for the lease; the 1.32 grace
   * period is U].
   */
  readonly nodeGracePeriodS: number;
  /** Lease renewals a node attempts per grace period: renew every 10 s (§2.5) ⇒ 4 in 40 s [D]. */
  readonly renewIntervalS: number;
}

export const defaultEtcdCalibration: EtcdCalibration = {
  cores: 8,
  readCoreSecondsPerObject: 2e-5,
  writeCoreSeconds: 2e-4,
  writeBaseS: 0.01,
  leaseTimeoutS: 10,
  nodeGracePeriodS: 40,
  renewIntervalS: 10,
};

/**
 * Write commit latency with `inFlightReadCoreS` core-seconds of range reads in flight [U, the model's
 * assumption]: a write is applied after the read work ahead of it, spread over etcd's cores (large range
 * reads hold the backend and delay commits: etcd logs "apply request took too long"), so paged reads,
 * each a small range, keep writes fast where one unpaged LIST of every pod holds them for seconds.
 */
export function etcdWriteLatencyS(calib: EtcdCalibration, inFlightReadCoreS: number): number {
  return calib.writeBaseS + Math.max(0, inFlightReadCoreS) / calib.cores;
}

/**
 * Share of lease renewals that fail at a write latency of `latencyS`: commit times spread exponentially
 * around the mean (so the 99th percentile is ≈ 4.6 × the mean), and a renewal fails past the lease timeout.
 */
export function leaseFailureShare(calib: EtcdCalibration, latencyS: number): number {
  const over = calib.leaseTimeoutS - calib.writeBaseS;
  if (latencyS <= calib.writeBaseS) return 0;
  const share = Math.exp(-over / (latencyS - calib.writeBaseS));
  // Below one renewal in a million nothing fails: a busy etcd's vanishing tail would otherwise keep the
  // cluster from ever resting (the fast paths wait for a failure-free grace period).
  return share < 1e-6 ? 0 : share;
}

/** The 99th percentile of an exponential spread around `meanS` above the idle latency (ln 100 ≈ 4.6). */
export function etcdP99S(calib: EtcdCalibration, meanS: number): number {
  return calib.writeBaseS + Math.max(0, meanS - calib.writeBaseS) * Math.log(100);
}
