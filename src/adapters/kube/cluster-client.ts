import { PatchStrategy } from '@kubernetes/client-node';
import type {
  ActionOutcome,
  ApplyRequest,
  ChangeRef,
  ClusterClient,
  FenceRequest,
  RollbackRequest,
  WorkloadStatus,
} from '../../rollout/ports.js';
import type { ChangeFlow, ChangeFlowResolver } from '../change-flow.js';
import type { PreviousObjects } from '../fs/run-files.js';
import type { RolloutProgress } from '../rollout-progress.js';
import {
  applyBreakGlass,
  applyChangeFlow,
  fieldManager,
  readChangeFlow,
  serverSideApply,
} from './apf-objects.js';
import { workloadForStep, type ChangeManifests, type KubeObject } from './change-manifests.js';
import {
  apiReason,
  isNotFound,
  isUnreachable,
  type KubeConnection,
  type RequestCount,
} from './connection.js';

/** Where the adapter keeps what each cluster ran before the change (a file beside the state). */
export interface PreviousStore {
  read(): PreviousObjects;
  write(v: PreviousObjects): void;
}

export interface KubeClusterClientOptions {
  readonly connections: ReadonlyMap<string, KubeConnection>;
  readonly change: ChangeManifests;
  readonly previous: PreviousStore;
  /** The subset label key a policy uses (removed from the workload's nodeSelector at share 1). */
  readonly nodeLabelKey: string;
  /**
   * False when the policy has no fence: the change's FlowSchema then routes to its own level even if an
   * earlier fenced rollout of the same change left it fenced (a fence is kept after a rollback).
   */
  readonly policyFences: boolean;
}

/** ceil(share × nodes), with 0.1 × 30 taken as 3 as exact arithmetic has it (as the port contract counts). */
function sharedNodes(share: number, nodes: number): number {
  return Math.min(nodes, Math.max(1, Math.ceil(share * nodes - 1e-9)));
}

interface NodeView {
  metadata: { name: string; labels?: Record<string, string> };
  spec?: { unschedulable?: boolean };
}

/** Server fields dropped from an object before it is applied again (rollback to what ran before). */
function stripServerFields(o: KubeObject): KubeObject {
  const copy = structuredClone(o);
  const m = copy.metadata as Record<string, unknown>;
  for (const f of ['uid', 'resourceVersion', 'generation', 'creationTimestamp', 'managedFields', 'selfLink'])
    delete m[f];
  delete copy['status'];
  return copy;
}

/**
 * The ClusterClient over real clusters (@kubernetes/client-node): server-side apply as `rampart`; a
 * node-share step labels ceil(share × nodes) nodes (those labelled earlier stay) and puts the label in the
 * change's nodeSelector; status from the workload's status (observed generation, desired / updated /
 * ready); rollback re-applies the previous workload or deletes a new one, and removes the labels;
 * break-glass and the fence through flowcontrol.apiserver.k8s.io/v1. Every failure is an outcome.
 */
export class KubeClusterClient implements ClusterClient, ChangeFlowResolver {
  private readonly flows = new Map<string, ChangeFlow | null>();

  constructor(private readonly o: KubeClusterClientOptions) {}

  private conn(cluster: string): KubeConnection | null {
    return this.o.connections.get(cluster) ?? null;
  }

  private unknown(cluster: string): ActionOutcome {
    return { ok: false, reason: `cluster ${cluster} is not in the fleet` };
  }

  private workloadHeader(ns: string): KubeObject {
    const w = this.o.change.workload;
    return { apiVersion: w.apiVersion, kind: w.kind, metadata: { name: w.metadata.name, namespace: ns } };
  }

  async apply(req: ApplyRequest): Promise<ActionOutcome> {
    const conn = this.conn(req.cluster);
    if (!conn) return this.unknown(req.cluster);
    let what = 'read the workload';
    try {
      await this.rememberPrevious(req.cluster, conn);
      what = 'apply supporting objects';
      for (const obj of this.o.change.supporting) await serverSideApply(conn, obj);
      what = "apply the change's FlowSchema";
      if (!this.flows.get(req.cluster)) {
        const flow = await applyChangeFlow(
          conn,
          this.o.change.ref,
          this.o.change.serviceAccount,
          this.o.policyFences ? null : { on: false, seats: 0 },
        );
        this.flows.set(req.cluster, flow);
      }
      if (req.nodeShare < 1 && req.nodeLabel) {
        what = 'label nodes';
        await this.labelNodes(conn, req.nodeShare, req.nodeLabel);
      }
      what = `apply ${this.o.change.ref.kind} ${this.o.change.ref.namespace}/${this.o.change.ref.name}`;
      const label = req.nodeShare < 1 && req.nodeLabel ? req.nodeLabel : null;
      await serverSideApply(conn, workloadForStep(this.o.change.workload, label, this.o.nodeLabelKey));
      if (!label) {
        // On every node now: the subset labels have done their work.
        what = 'remove subset labels';
        await this.unlabelNodes(conn);
      }
      return { ok: true };
    } catch (err) {
      return { ok: false, reason: apiReason(`${req.cluster}: ${what}`, err) };
    }
  }

  async rollback(req: RollbackRequest): Promise<ActionOutcome> {
    const conn = this.conn(req.cluster);
    if (!conn) return this.unknown(req.cluster);
    const prev = this.o.previous.read()[req.cluster];
    let what = 'roll back';
    try {
      const ns = req.change.namespace;
      if (prev?.workload) {
        what = 're-apply the previous workload';
        await serverSideApply(conn, prev.workload as KubeObject);
      } else {
        what = 'delete the change';
        await this.deleteIgnoringMissing(conn, this.workloadHeader(ns));
        for (const c of [...(prev?.created ?? [])].reverse())
          await this.deleteIgnoringMissing(conn, {
            apiVersion: c.apiVersion,
            kind: c.kind,
            metadata: { name: c.name, ...(c.namespace ? { namespace: c.namespace } : {}) },
          });
      }
      what = 'remove subset labels';
      await this.unlabelNodes(conn);
      return { ok: true };
    } catch (err) {
      return { ok: false, reason: apiReason(`${req.cluster}: ${what}`, err) };
    }
  }

  async rolloutStatus(cluster: string, change: ChangeRef): Promise<WorkloadStatus | 'unreachable'> {
    const p = await this.rolloutProgress(cluster, change);
    return p === 'unreachable' ? p : { desiredReplicas: p.desiredReplicas, readyReplicas: p.readyReplicas };
  }

  /**
   * The workload's rollout as its controller reports it: desired, updated (running the current template)
   * and ready replicas, and whether the controller has seen the current generation. Ready counts only
   * updated replicas of the current generation.
   */
  async rolloutProgress(cluster: string, change: ChangeRef): Promise<RolloutProgress | 'unreachable'> {
    const conn = this.conn(cluster);
    if (!conn) return 'unreachable';
    try {
      const w = (await conn.call(() =>
        conn.objects.read(this.workloadHeader(change.namespace)),
      )) as unknown as {
        metadata: { generation?: number };
        spec?: { replicas?: number };
        status?: Record<string, number | undefined>;
      };
      const s = w.status ?? {};
      const current = (s['observedGeneration'] ?? 0) >= (w.metadata.generation ?? 0);
      const [desired, updated, ready] =
        change.kind === 'DaemonSet'
          ? [s['desiredNumberScheduled'] ?? 0, s['updatedNumberScheduled'] ?? 0, s['numberReady'] ?? 0]
          : [w.spec?.replicas ?? 1, s['updatedReplicas'] ?? 0, s['readyReplicas'] ?? 0];
      return {
        desiredReplicas: desired,
        updatedReplicas: current ? updated : 0,
        readyReplicas: current ? Math.min(ready, updated) : 0,
        observedCurrent: current,
      };
    } catch (err) {
      if (isNotFound(err))
        return { desiredReplicas: 0, updatedReplicas: 0, readyReplicas: 0, observedCurrent: true };
      return 'unreachable';
    }
  }

  async ensureBreakGlass(cluster: string): Promise<ActionOutcome> {
    const conn = this.conn(cluster);
    if (!conn) return this.unknown(cluster);
    try {
      const r = await applyBreakGlass(conn);
      conn.breakGlassUid = r.uid;
      return { ok: true };
    } catch (err) {
      return { ok: false, reason: apiReason(`${cluster}: apply break-glass`, err) };
    }
  }

  async fence(req: FenceRequest): Promise<ActionOutcome> {
    const conn = this.conn(req.cluster);
    if (!conn) return this.unknown(req.cluster);
    try {
      const flow = await applyChangeFlow(conn, this.o.change.ref, this.o.change.serviceAccount, {
        on: req.on,
        seats: req.seats,
      });
      this.flows.set(req.cluster, flow);
      return { ok: true };
    } catch (err) {
      return { ok: false, reason: apiReason(`${req.cluster}: fence ${req.on ? 'on' : 'off'}`, err) };
    }
  }

  /**
   * Server-side validation before anything is applied: a dry-run apply of every object (the workload only
   * where its namespace exists already). Returns null when the cluster accepts them, else why not.
   */
  async validate(cluster: string): Promise<{ rejected: string } | null> {
    const conn = this.conn(cluster);
    if (!conn) return { rejected: `cluster ${cluster} is not in the fleet` };
    const dry = (obj: KubeObject): Promise<KubeObject> =>
      conn.call(() =>
        conn.objects.patch(obj, undefined, 'All', fieldManager, true, PatchStrategy.ServerSideApply),
      );
    const ns = this.o.change.ref.namespace;
    let nsExists = true;
    try {
      await conn.call(() =>
        conn.objects.read({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } }),
      );
    } catch (err) {
      if (!isNotFound(err)) throw err;
      nsExists = false;
    }
    for (const obj of [...this.o.change.supporting, ...(nsExists ? [this.o.change.workload] : [])]) {
      if (!nsExists && obj.metadata.namespace === ns) continue;
      try {
        await dry(obj);
      } catch (err) {
        if (isUnreachable(err)) throw err;
        return {
          rejected: apiReason(`${cluster}: ${obj.kind} ${obj.metadata.name} rejected by the API server`, err),
        };
      }
    }
    return null;
  }

  /** The change's flow in a cluster (cached; read from its FlowSchema after a restart). */
  async changeFlow(cluster: string): Promise<ChangeFlow | null> {
    const known = this.flows.get(cluster);
    if (known) return known;
    const conn = this.conn(cluster);
    if (!conn) return null;
    const flow = await readChangeFlow(conn, this.o.change.ref);
    if (flow) this.flows.set(cluster, flow);
    return flow;
  }

  /** Rampart's own request counts per cluster. */
  async requestCounts(): Promise<Record<string, RequestCount>> {
    const counts = await Promise.all(
      [...this.o.connections].map(async ([name, c]) => [name, await c.requestCount()] as const),
    );
    return Object.fromEntries(counts);
  }

  /** Records, before the first apply in a cluster, what ran there: the rollback restores it. */
  private async rememberPrevious(cluster: string, conn: KubeConnection): Promise<void> {
    const all = this.o.previous.read();
    if (all[cluster]) return;
    let workload: KubeObject | null = null;
    try {
      workload = stripServerFields(
        (await conn.call(() =>
          conn.objects.read(this.workloadHeader(this.o.change.ref.namespace)),
        )) as unknown as KubeObject,
      );
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
    const created: PreviousObjects[string]['created'] = [];
    for (const obj of this.o.change.supporting) {
      try {
        await conn.call(() => conn.objects.read(obj));
      } catch (err) {
        if (!isNotFound(err)) throw err;
        created.push({
          apiVersion: obj.apiVersion,
          kind: obj.kind,
          name: obj.metadata.name,
          ...(obj.metadata.namespace ? { namespace: obj.metadata.namespace } : {}),
        });
      }
    }
    // Written before anything is applied: a SIGKILL right after the apply still knows what to restore.
    this.o.previous.write({
      ...this.o.previous.read(),
      [cluster]: { workload: workload, created },
    });
  }

  private async listNodes(conn: KubeConnection, labelSelector?: string): Promise<NodeView[]> {
    const out: NodeView[] = [];
    let cont: string | undefined;
    do {
      const page = await conn.call(() =>
        conn.objects.list(
          'v1',
          'Node',
          undefined,
          undefined,
          undefined,
          undefined,
          undefined,
          labelSelector,
          500,
          cont,
        ),
      );
      out.push(...(page.items as unknown as NodeView[]));
      cont = page.metadata?._continue || undefined;
    } while (cont);
    return out;
  }

  /** Labels nodes until ceil(share × nodes) carry the label; nodes labelled earlier keep it. */
  private async labelNodes(
    conn: KubeConnection,
    share: number,
    label: { key: string; value: string },
  ): Promise<void> {
    const nodes = await this.listNodes(conn);
    const want = sharedNodes(share, nodes.length);
    const has = nodes.filter((n) => n.metadata.labels?.[label.key] === label.value);
    const candidates = nodes
      .filter((n) => n.metadata.labels?.[label.key] !== label.value && !n.spec?.unschedulable)
      .map((n) => n.metadata.name)
      .sort();
    for (const name of candidates.slice(0, Math.max(0, want - has.length)))
      await this.patchNodeLabel(conn, name, label.key, label.value);
  }

  /** Removes the subset label (any value of the policy's key) from every node carrying it. */
  private async unlabelNodes(conn: KubeConnection): Promise<void> {
    const key = this.o.nodeLabelKey;
    for (const n of await this.listNodes(conn, key))
      await this.patchNodeLabel(conn, n.metadata.name, key, null);
  }

  private async patchNodeLabel(
    conn: KubeConnection,
    node: string,
    key: string,
    value: string | null,
  ): Promise<void> {
    await conn.call(() =>
      conn.objects.patch(
        { apiVersion: 'v1', kind: 'Node', metadata: { name: node, labels: { [key]: value as string } } },
        undefined,
        undefined,
        fieldManager,
        undefined,
        PatchStrategy.MergePatch,
      ),
    );
  }

  private async deleteIgnoringMissing(conn: KubeConnection, obj: KubeObject): Promise<void> {
    try {
      await conn.call(() =>
        conn.objects.delete(obj, undefined, undefined, undefined, undefined, 'Background'),
      );
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
  }
}

export { isUnreachable };
