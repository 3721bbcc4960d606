import { findResource } from '../model/resources.js';
import type { ApiCall, ChangeSpec } from '../model/api-profile.js';
import type { ScalingLaw } from './types.js';

/** A call in words, e.g. `list pods cluster-wide (resourceVersion="", consistent read) every 120 s`. */
export function describeCall(call: ApiCall): string {
  const scope = ((): string => {
    switch (call.scope) {
      case 'cluster':
        return 'cluster-wide';
      case 'namespace':
        return 'in one namespace';
      case 'node':
        return 'of its node (fieldSelector=spec.nodeName)';
      case 'object':
        return 'by name';
      default: {
        const never: never = call.scope;
        return never;
      }
    }
  })();
  const sel = call.selector;
  const selector = sel
    ? ` (${
        [sel.field ? `fieldSelector=${sel.field}` : '', sel.label ? `labelSelector=${sel.label}` : '']
          .filter((x) => x)
          .join(', ') || 'selector'
      }: ${formatShare(sel.share)} of them)`
    : '';
  const who = call.replicas === 'leader' ? ', leader only' : '';
  const pb = call.contentType === 'protobuf' ? ', protobuf' : '';
  if (call.verb === 'watch')
    return `watch ${call.resource} ${scope}${selector}${call.sendInitialEvents ? ' (WatchList: sendInitialEvents=true)' : ''}${pb}${who}`;
  const rv =
    call.verb === 'list'
      ? call.resourceVersion === '0'
        ? ' (resourceVersion=0, watch cache)'
        : ' (resourceVersion="", consistent read)'
      : '';
  const paged = call.limit !== undefined ? ` in pages of ${call.limit}` : '';
  const every =
    call.everySeconds !== undefined
      ? ` every ${formatSeconds(call.everySeconds)} ${call.replicas === 'leader' ? 'by the leader only' : 'per replica'}`
      : '';
  return `${call.verb} ${call.resource} ${scope}${selector}${rv}${paged}${pb}${every}`;
}

const thirdPerson: Readonly<Record<ApiCall['verb'], string>> = {
  get: 'gets',
  list: 'lists',
  watch: 'watches',
  create: 'creates',
  update: 'updates',
  patch: 'patches',
  delete: 'deletes',
};

/** A call as a condition on the agent: `it watches pods cluster-wide`. */
export function callAsCondition(call: ApiCall): string {
  return `it ${thirdPerson[call.verb]}${describeCall(call).slice(call.verb.length)}`;
}

function formatShare(share: number): string {
  const p = share * 100;
  return `${p >= 1 ? Number(p.toPrecision(3)) : Number(p.toPrecision(2))}%`;
}

function formatSeconds(s: number): string {
  if (s >= 1) return `${Number(s.toPrecision(3))} s`;
  return `${Number((s * 1000).toPrecision(3))} ms`;
}

/**
 * What a LIST's `limit` does on 1.31/1.32 (reference §2.3), or null for a call without one: with
 * resourceVersion="" the LIST is paginated from etcd (bounded heap per request, more etcd and CPU in all);
 * with resourceVersion="0" the watch cache ignores the limit.
 */
export function limitNote(call: ApiCall): string | null {
  if (call.verb !== 'list' || call.limit === undefined) return null;
  if (call.resourceVersion === '0')
    return `limit=${call.limit} with resourceVersion=0 bounds nothing: the watch cache ignores the limit and returns every object in one response (1.31/1.32), so the heap it holds is the whole LIST's`;
  return `limit=${call.limit} pages the LIST: a paginated consistent read is served from etcd, not the watch cache (1.31/1.32), as one request per ${call.limit} objects; each page holds only its own heap (memory per request stays bounded) and APF charges it ${call.selector ? 'N + limit objects (selector)' : '2 × limit objects'}, but every page reads etcd, so the whole LIST costs more etcd and API-server CPU and seat time than one from the watch cache (reference §2.3)`;
}

/** What to do about one call, if anything, and whether it is an O(N²) watch fan-out. */
export interface CallAdvice {
  readonly fix: string | null;
  readonly note: string | null;
  readonly watchFanOut: boolean;
}

const fanOutResources = new Set(['endpoints', 'endpointslices', 'services']);

/**
 * Advice for a call, from the patterns the reference names as expensive (§2.3, §4.3: per-node agents must
 * use RV=0 and server-side selectors; a LIST's cost grows with every object of the resource).
 */
export function adviceFor(call: ApiCall, change: Pick<ChangeSpec, 'kind'>, callLaw: ScalingLaw): CallAdvice {
  const perNode = change.kind === 'DaemonSet';
  const wide = call.scope === 'cluster' || call.scope === 'namespace';
  const resource = findResource(call.resource);
  const plural = resource?.name ?? call.resource;
  if (call.verb === 'watch') {
    if (!(perNode && wide && callLaw === 'O(N²)')) return { fix: null, note: null, watchFanOut: false };
    const fix =
      resource?.perNode !== undefined
        ? `watch only this node's ${plural} (fieldSelector=spec.nodeName)`
        : fanOutResources.has(plural)
          ? `watch only the EndpointSlices of the services the agent needs (label selector), or move to a single-replica aggregator that fans out to nodes`
          : `move to a single-replica aggregator (one watch per cluster) that serves the per-node agents`;
    const note = `O(N²) watch fan-out: every agent (one per node) receives every change to ${plural} ${call.scope === 'cluster' ? 'in the cluster' : 'in its namespace'}, and ${plural} grow with the cluster`;
    return { fix, note, watchFanOut: true };
  }
  if (call.verb === 'list') {
    if (perNode && wide) {
      if (resource?.perNode !== undefined) {
        return {
          fix: `use fieldSelector=spec.nodeName with resourceVersion=0 (each agent reads only its node's ${plural}, from the watch cache), or a watch of them instead of a periodic LIST`,
          note: `every node lists all ${plural}: requests grow with nodes and each response grows with the cluster (O(N²))`,
          watchFanOut: false,
        };
      }
      return {
        fix: `move to a single-replica aggregator: one LIST or watch of ${plural} per cluster instead of one per node`,
        note: null,
        watchFanOut: false,
      };
    }
    if (perNode && call.scope === 'node' && callLaw === 'O(N²)') {
      const filter = call.resourceVersion === '0' ? '' : ' and set resourceVersion=0';
      return {
        fix: `use a watch (an informer with fieldSelector=spec.nodeName) instead of a periodic LIST${filter}`,
        note: `grows as O(N²) with a small constant: a node-scoped LIST still scans every ${plural} object and the 1.31 work estimator charges seats for all of them (reference §2.3)`,
        watchFanOut: false,
      };
    }
    if (call.resourceVersion === '' && call.scope !== 'object') {
      return {
        fix: 'set resourceVersion=0 so the watch cache serves the LIST (a consistent read goes to etcd when ConsistentListFromCache is off or etcd lacks progress notify)',
        note: null,
        watchFanOut: false,
      };
    }
    if (call.everySeconds !== undefined) {
      const filter = call.scope === 'node' ? ' with fieldSelector=spec.nodeName' : '';
      return {
        fix: `use a watch (an informer${filter}) instead of a periodic LIST`,
        note: null,
        watchFanOut: false,
      };
    }
    return { fix: null, note: null, watchFanOut: false };
  }
  if (perNode && call.everySeconds !== undefined && call.everySeconds < 60) {
    return {
      fix: `call less often than every ${call.everySeconds} s per node, or batch through an aggregator`,
      note: null,
      watchFanOut: false,
    };
  }
  return { fix: null, note: null, watchFanOut: false };
}
