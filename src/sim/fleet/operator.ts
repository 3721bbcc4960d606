import { formatDurationS } from '../../core/duration.js';
import { selectClusters, type OperatorAction } from '../../config/scenario.js';
import type { ClusterSim } from '../cluster/cluster-sim.js';
import type { FleetSim } from './fleet-sim.js';

/** An on-call write (deleting the change, a quarantine FlowSchema) that has to get through the API; retried until it does. */
interface PendingWrite {
  readonly cluster: string;
  readonly write: 'delete' | 'quarantine';
  nextAttemptS: number;
  readonly retryEveryS: number;
  failures: number;
}

/**
 * Carries out the scenario's operator actions at their times. Out-of-band actions (traffic, node count,
 * network blocks, API-server capacity) always work; deleting the change is an API call that succeeds only
 * if on-call's own requests are getting through at that moment (drawn from the seeded generator against
 * the success ratio on-call kubectl sees), so lock-out delays it.
 */
export class OperatorRunner {
  private next = 0;
  private readonly pending: PendingWrite[] = [];

  constructor(
    private readonly fleet: FleetSim,
    private readonly actions: readonly OperatorAction[],
  ) {}

  /** Runs whatever is due at `tS`. */
  tick(tS: number): void {
    while (this.next < this.actions.length && (this.actions[this.next]?.atS ?? Infinity) <= tS) {
      const a = this.actions[this.next++];
      if (a) this.run(a, tS);
    }
    for (const p of this.pending) {
      if (p.nextAttemptS <= tS) this.attemptWrite(p, tS);
    }
    for (let i = this.pending.length - 1; i >= 0; i--)
      if ((this.pending[i]?.nextAttemptS ?? 0) === Infinity) this.pending.splice(i, 1);
  }

  private run(a: OperatorAction, tS: number): void {
    const fleet = this.fleet;
    const names = selectClusters(
      a.clusters,
      fleet.clusters.map((c, i) => ({
        name: c.name,
        nodes: c.nodes,
        saturated: fleet.detectors[i]?.saturatedNow ?? false,
        impacted: (fleet.detectors[i]?.saturatedNow ?? false) || c.readings.dnsFailureRatio > 0.001,
        affected: fleet.detectors[i]?.everSaturated ?? false,
      })),
    );
    const note = a.note ? ` (${a.note})` : '';
    // An action no cluster matched (a playbook step for clusters a contained rollout never hit) changed
    // nothing: the timeline stays about what happened.
    const emit = (what: string): void => {
      if (names.length > 0)
        fleet.emit(tS, 'operator.action', undefined, `${what} on ${names.length} cluster(s)${note}`);
    };
    switch (a.action) {
      case 'shift-traffic':
      case 'restore-traffic':
        for (const n of names) fleet.cluster(n)?.shiftTraffic(a.action === 'shift-traffic');
        emit(a.action === 'shift-traffic' ? 'traffic shifted away' : 'traffic restored');
        return;
      case 'scale-nodes':
        for (const n of names) {
          const c = fleet.cluster(n);
          if (!c) continue;
          c.setNodes(a.nodes ?? Math.max(1, Math.round(c.nodes * (a.fraction ?? 1))));
        }
        emit(`nodes scaled to ${a.nodes ?? `${Math.round((a.fraction ?? 1) * 100)}%`}`);
        return;
      case 'block-admin-api':
      case 'unblock-admin-api':
        for (const n of names) fleet.cluster(n)?.blockAdminApi(a.action === 'block-admin-api');
        emit(
          a.action === 'block-admin-api'
            ? 'network access to the admin API blocked'
            : 'network access to the admin API restored',
        );
        return;
      case 'scale-apiservers':
        for (const n of names) {
          fleet.cluster(n)?.scaleApiServers({
            ...(a.apiServers !== undefined ? { apiServers: a.apiServers } : {}),
            ...(a.memoryGiB ? { memoryGiB: a.memoryGiB } : {}),
            ...(a.cores ? { cores: a.cores } : {}),
          });
        }
        emit(
          `API servers scaled${a.apiServers ? ` to ${a.apiServers}` : ''}${a.memoryGiB ? `, ${a.memoryGiB} GiB` : ''}${a.cores ? `, ${a.cores} cores` : ''}`,
        );
        return;
      case 'delete-change':
        // Nothing to delete where the change was never applied (or is already going).
        this.startWrites(names, 'delete', a.retryEvery, tS, (c) => c.change.applied || c.change.deleting);
        return;
      case 'quarantine':
        this.startWrites(names, 'quarantine', a.retryEvery, tS, (c) => !c.change.quarantined);
        return;
      default: {
        const never: never = a;
        return never;
      }
    }
  }

  /** Starts an on-call write on each named cluster that needs it and has none of that kind pending. */
  private startWrites(
    names: readonly string[],
    write: PendingWrite['write'],
    retryEveryS: number,
    tS: number,
    needed: (c: ClusterSim) => boolean,
  ): void {
    for (const n of names) {
      const c = this.fleet.cluster(n);
      if (!c || !needed(c)) continue;
      if (this.pending.some((p) => p.cluster === n && p.write === write)) continue;
      const p: PendingWrite = { cluster: n, write, nextAttemptS: tS, retryEveryS, failures: 0 };
      this.pending.push(p);
      this.attemptWrite(p, tS);
    }
  }

  private attemptWrite(p: PendingWrite, tS: number): void {
    const fleet = this.fleet;
    const c = fleet.cluster(p.cluster);
    const det = fleet.detector(p.cluster);
    if (!c || !det) return;
    const chance = c.cp.isDown(tS) ? 0 : det.oncallSuccess;
    if (fleet.rng.next() < chance) {
      if (p.write === 'delete') fleet.deleteChange(p.cluster);
      else fleet.quarantineChange(p.cluster);
      const waited =
        p.failures > 0
          ? ` after ${p.failures} failed attempt(s) over ${formatDurationS(p.failures * p.retryEveryS)}`
          : '';
      fleet.emit(
        tS,
        'operator.action',
        p.cluster,
        `${p.write === 'delete' ? 'change deleted' : 'change quarantined'}${waited}`,
      );
      p.nextAttemptS = Infinity;
      return;
    }
    if (p.failures === 0)
      fleet.emit(
        tS,
        'operator.action',
        p.cluster,
        `${p.write} did not get through (on-call kubectl success ${Math.round(chance * 100)}%); retrying every ${formatDurationS(p.retryEveryS)}`,
      );
    p.failures += 1;
    p.nextAttemptS = tS + p.retryEveryS;
  }
}
