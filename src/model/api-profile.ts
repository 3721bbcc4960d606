/** What a workload asks of the API server, per replica. Shared by simulate, analyze and rollout. */
export const apiVerbs = ['get', 'list', 'watch', 'create', 'update', 'patch', 'delete'] as const;
export type ApiVerb = (typeof apiVerbs)[number];

export const callScopes = ['cluster', 'namespace', 'node', 'object'] as const;
export type CallScope = (typeof callScopes)[number];

export interface ApiCall {
  readonly verb: ApiVerb;
  /** Plural resource name, optionally `group/plural`. */
  readonly resource: string;
  readonly scope: CallScope;
  /** Period of the call per replica; absent for watches (long-lived). */
  readonly everySeconds?: number;
  /** "" = consistent read (etcd unless served from cache), "0" = watch cache, any staleness. */
  readonly resourceVersion: '' | '0';
  /** `leader`: only the elected leader among the replicas makes the call (leader election). */
  readonly replicas?: 'leader';
  /**
   * A field or label selector narrower than the scope: the share of the scope's objects it returns. The
   * server still reads every object in scope (only namespace and pods-by-node are indexed).
   */
  readonly selector?: CallSelector;
  /**
   * A periodic call also made once when a replica starts (an agent LISTs on start, then every period).
   * Default: true for a LIST (a leader-only one: once, as the leader starts), false otherwise.
   */
  readonly onStart?: boolean;
  /**
   * LIST page size (`limit`, as client-go's pager, kubectl and a reflector's relist after "resource version
   * too old" send it): the LIST is made as ceil(returned / limit) page requests. A consistent LIST with a
   * limit is served from etcd in 1.31/1.32; with resourceVersion "0" the watch cache ignores the limit.
   */
  readonly limit?: number;
  /** Response encoding: JSON (the default) or protobuf (smaller responses, less serving CPU and heap). */
  readonly contentType?: ContentType;
  /**
   * WatchList (a watch with `sendInitialEvents=true`): the informer's initial state is streamed from the
   * watch cache as events instead of LISTed (no response held in memory; seats only while it initialises).
   */
  readonly sendInitialEvents?: boolean;
}

export const contentTypes = ['json', 'protobuf'] as const;
export type ContentType = (typeof contentTypes)[number];

/** Whether a replica makes `call` once as it starts, besides its period (watches: their informer's LIST). */
export function callsOnStart(call: Pick<ApiCall, 'verb' | 'replicas' | 'onStart'>): boolean {
  if (call.verb === 'watch') return true;
  return call.onStart ?? call.verb === 'list';
}

/** A selector and the share of the scope's objects it selects (0 < share ≤ 1). */
export interface CallSelector {
  readonly field?: string;
  readonly label?: string;
  readonly share: number;
}

/** How many replicas make a call: all of them, or one elected leader. */
export function callReplicas(call: Pick<ApiCall, 'replicas'>, replicas: number): number {
  return call.replicas === 'leader' ? Math.min(1, replicas) : replicas;
}

export const workloadKinds = ['DaemonSet', 'Deployment', 'StatefulSet', 'Job', 'CronJob'] as const;
export type WorkloadKind = (typeof workloadKinds)[number];

/** A change to roll out: a workload and the calls each replica makes. */
export interface ChangeSpec {
  readonly name: string;
  readonly kind: WorkloadKind;
  readonly namespace: string;
  readonly serviceAccount: string;
  /** Replicas for non-DaemonSet kinds; a DaemonSet runs one per node. */
  readonly replicas: number;
  readonly calls: readonly ApiCall[];
}

/** Replicas of a change in a cluster of `nodes` nodes. */
export function replicasFor(change: Pick<ChangeSpec, 'kind' | 'replicas'>, nodes: number): number {
  return change.kind === 'DaemonSet' ? nodes : change.replicas;
}
