import type { ApiCall } from '../model/api-profile.js';
import { findResource } from '../model/resources.js';
import { badInput } from '../core/errors.js';

/** Who a virtual agent is: the pod it stands for and the workload that pod belongs to. */
export interface AgentIdentity {
  readonly namespace: string;
  readonly podName: string;
  readonly nodeName: string;
  readonly workloadName: string;
  /** The workload's plural resource with its API group path, e.g. `apis/apps/v1/daemonsets`. */
  readonly workloadPath: string;
}

export type HttpMethod = 'GET' | 'POST' | 'PATCH' | 'DELETE';

/** One HTTP request a call turns into. */
export interface PlannedRequest {
  readonly method: HttpMethod;
  /** Path and query, starting with `/`. */
  readonly path: string;
  readonly body?: string;
  readonly contentType?: string;
  /** A long-running watch: kept open, its stream counted and discarded. */
  readonly watch: boolean;
}

// Every resource the cost model knows is served at v1 of its group (core, apps, batch, rbac, ...).
function collectionPath(resource: string, namespace: string | undefined): string {
  const info = findResource(resource);
  if (!info) throw badInput(`unknown resource ${resource}`);
  const base = info.group === '' ? '/api/v1' : `/apis/${info.group}/v1`;
  return info.namespaced && namespace !== undefined
    ? `${base}/namespaces/${namespace}/${info.name}`
    : `${base}/${info.name}`;
}

/**
 * The object a per-object call addresses: the agent's own pod or node, where that is what an agent reads
 * or writes (a kubelet-like agent); otherwise an object named after the agent in its namespace, which
 * may not exist — a 404 still passes authentication, APF and the storage read, which is the cost modelled.
 */
function objectPath(resource: string, id: AgentIdentity): string {
  const info = findResource(resource);
  if (!info) throw badInput(`unknown resource ${resource}`);
  if (info.name === 'pods') return `${collectionPath('pods', id.namespace)}/${id.podName}`;
  if (info.name === 'nodes') return `${collectionPath('nodes', undefined)}/${id.nodeName}`;
  if (`${info.group === '' ? 'api/v1' : `apis/${info.group}/v1`}/${info.name}` === id.workloadPath)
    return `${collectionPath(resource, id.namespace)}/${id.workloadName}`;
  return `${collectionPath(resource, id.namespace)}/${id.podName}`;
}

/** Path (without query) for reads of `call` at its scope. */
function readTarget(call: ApiCall, id: AgentIdentity): { path: string; query: string[] } {
  const info = findResource(call.resource);
  if (!info) throw badInput(`unknown resource ${call.resource}`);
  switch (call.scope) {
    case 'cluster':
      return { path: collectionPath(call.resource, undefined), query: [] };
    case 'namespace':
      return { path: collectionPath(call.resource, id.namespace), query: [] };
    case 'node':
      // The node filter an agent would use: pods on its node, its own node; other kinds have no node field.
      if (info.name === 'pods')
        return {
          path: collectionPath('pods', undefined),
          query: [`fieldSelector=${encodeURIComponent(`spec.nodeName=${id.nodeName}`)}`],
        };
      if (info.name === 'nodes')
        return {
          path: collectionPath('nodes', undefined),
          query: [`fieldSelector=${encodeURIComponent(`metadata.name=${id.nodeName}`)}`],
        };
      return { path: collectionPath(call.resource, undefined), query: [] };
    case 'object':
      return { path: objectPath(call.resource, id), query: [] };
    default: {
      const never: never = call.scope;
      return never;
    }
  }
}

const withQuery = (path: string, query: readonly string[]): string =>
  query.length === 0 ? path : `${path}?${query.join('&')}`;

/**
 * The HTTP request for one execution of `call` by agent `id`. Writes go to the agent's own objects; those
 * that would leave garbage behind (create, delete, writes to objects that are not the agent's) are sent
 * with `dryRun=All`, which is authorized, admitted and flow-controlled like the real write but not stored.
 * `update` is sent as a merge patch: the same mutating seat without a read-modify-write round trip.
 * `seq` numbers the agent's requests (names of created objects). With `dryRunWrites` (rampart loadtest on
 * someone's cluster) every write is a dry run: the cluster is loaded but never changed.
 */
export function requestFor(
  call: ApiCall,
  id: AgentIdentity,
  seq: number,
  opts: { readonly dryRunWrites?: boolean } = {},
): PlannedRequest {
  const allDry = opts.dryRunWrites === true;
  const info = findResource(call.resource);
  if (!info) throw badInput(`unknown resource ${call.resource}`);
  const rv = call.resourceVersion === '0' ? ['resourceVersion=0'] : [];
  switch (call.verb) {
    case 'get': {
      const t =
        call.scope === 'object' ? readTarget(call, id) : { path: objectPath(call.resource, id), query: [] };
      return { method: 'GET', path: withQuery(t.path, [...t.query, ...rv]), watch: false };
    }
    case 'list': {
      const t =
        call.scope === 'object' ? readTarget({ ...call, scope: 'namespace' }, id) : readTarget(call, id);
      return { method: 'GET', path: withQuery(t.path, [...t.query, ...rv]), watch: false };
    }
    case 'watch': {
      const t =
        call.scope === 'object' ? readTarget({ ...call, scope: 'namespace' }, id) : readTarget(call, id);
      return {
        method: 'GET',
        path: withQuery(t.path, [...t.query, 'watch=1', 'allowWatchBookmarks=true', ...rv]),
        watch: true,
      };
    }
    case 'create': {
      const ns = info.namespaced ? id.namespace : undefined;
      const name = `${id.podName}-${seq}`.slice(0, 63);
      const body = JSON.stringify(minimalObject(info.name, name, ns, id));
      // Events are what agents create for real, and the API server expires them by itself.
      const dry = info.name === 'events' && !allDry ? [] : ['dryRun=All'];
      return {
        method: 'POST',
        path: withQuery(collectionPath(call.resource, ns), dry),
        body,
        contentType: 'application/json',
        watch: false,
      };
    }
    case 'update':
    case 'patch': {
      const path = objectPath(call.resource, id);
      const own = info.name === 'pods' || info.name === 'nodes';
      const body = JSON.stringify({ metadata: { annotations: { 'rampart.dev/agent-seq': String(seq) } } });
      return {
        method: 'PATCH',
        path: withQuery(path, own && !allDry ? [] : ['dryRun=All']),
        body,
        contentType: 'application/merge-patch+json',
        watch: false,
      };
    }
    case 'delete':
      return {
        method: 'DELETE',
        path: withQuery(objectPath(call.resource, id), ['dryRun=All']),
        watch: false,
      };
    default: {
      const never: never = call.verb;
      return never;
    }
  }
}

function minimalObject(
  plural: string,
  name: string,
  namespace: string | undefined,
  id: AgentIdentity,
): Record<string, unknown> {
  const metadata = namespace === undefined ? { name } : { name, namespace };
  if (plural === 'events') {
    return {
      apiVersion: 'v1',
      kind: 'Event',
      metadata,
      involvedObject: { kind: 'Pod', name: id.podName, namespace: id.namespace },
      reason: 'RampartVirtualAgent',
      message: 'load from a virtual agent',
      type: 'Normal',
    };
  }
  // apiVersion and kind default from the URL; a kind with required fields answers 422 after admission,
  // which has already cost the seat being measured.
  return { metadata };
}
