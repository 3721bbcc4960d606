import type { ApiCall } from '../model/api-profile.js';
import { type ClusterShape, findResource, objectCount } from '../model/resources.js';
import type { ApiServerCalibration } from './calibration.js';
import { defaultEtcdCalibration } from './etcd.js';

/**
 * Bytes of a protobuf response per byte of the same response in JSON [D]: the reference has only "protobuf
 * is several times smaller than JSON" (§4.3, §4.5); measured on the testbed (docs/calibration.md, "Pages,
 * protobuf and etcd") for structured objects, rounded up for the long strings real pods carry, which
 * protobuf does not shrink. Serving CPU and the heap a LIST holds scale with the bytes it encodes, so they
 * scale by it too.
 */
export const protobufBytesRatio = 0.4;

/** Bytes a response takes per byte of JSON in the call's encoding. */
export function encodingRatio(call: Pick<ApiCall, 'contentType'>): number {
  return call.contentType === 'protobuf' ? protobufBytesRatio : 1;
}

/**
 * What one request costs the API server, at idle (no CPU contention). A LIST with a `limit` is `pages`
 * requests per call: every figure here is one page's (one request's).
 */
export interface RequestCost {
  /** APF seats per the 1.31/1.32 work estimator, clamped to the level's per-request maximum. */
  readonly seats: number;
  /** Objects the estimator counts (drives seats). */
  readonly processedObjects: number;
  readonly returnedObjects: number;
  readonly responseBytes: number;
  readonly servedFrom: 'cache' | 'etcd' | 'object';
  /** Time the request occupies its seats at idle. */
  readonly serviceS: number;
  /** Core-seconds of API-server CPU (a request runs on one goroutine, so ≤ serviceS). */
  readonly cpuCoreS: number;
  /** Heap held while it executes. */
  readonly memoryBytes: number;
  /** Objects read from etcd. */
  readonly etcdObjects: number;
  /** etcd core-seconds the request costs: its range read, or its write (see etcd.ts). */
  readonly etcdCoreS: number;
  /** Requests one call makes: ceil(returned / limit) pages for a paged LIST from etcd, else 1. */
  readonly pages: number;
  /** A WatchList's initial state: streamed as events, so no whole response is held in memory. */
  readonly streamed: boolean;
  /** Watches are long-running: they hold no seat after initialisation. */
  readonly longRunning: boolean;
  /** For watches: events per second each watcher receives. */
  readonly watchEventsPerS: number;
}

/**
 * Costs one call in a cluster of a given shape, following the work estimator and the serving paths of
 * reference §2.3 (LIST from watch cache vs etcd, selectors applied after reading everything) and the
 * measured per-object costs of §4.3 (see calibration.ts).
 */
export function requestCost(
  call: ApiCall,
  shape: ClusterShape,
  calib: ApiServerCalibration,
  maxSeatsPerRequest: number,
): RequestCost {
  const resource = findResource(call.resource);
  if (!resource) throw new Error(`unknown resource ${call.resource}`);
  const total = Math.max(1, objectCount(resource, shape));
  const namespaces = Math.max(1, objectCount(findResource('namespaces') ?? resource, shape));
  // Encoded bytes per object in the call's encoding (JSON unless it asks for protobuf).
  const bytes = resource.bytesPerObject * encodingRatio(call);
  const etcdRead = defaultEtcdCalibration.readCoreSecondsPerObject;

  const inScope = ((): number => {
    switch (call.scope) {
      case 'cluster':
        return total;
      case 'namespace':
        return resource.namespaced ? Math.max(1, Math.ceil(total / namespaces)) : total;
      case 'node':
        return resource.perNode
          ? resource.perNode(shape)
          : Math.max(1, Math.ceil(total / Math.max(1, shape.nodes)));
      case 'object':
        return 1;
      default: {
        const never: never = call.scope;
        return never;
      }
    }
  })();

  // A selector narrows what is returned (and watched), not what is read.
  const selected = Math.max(call.selector ? 1 : 0, inScope * (call.selector?.share ?? 1));

  if (call.verb === 'watch') {
    return {
      seats: 1,
      processedObjects: 1,
      returnedObjects: 0,
      responseBytes: 0,
      servedFrom: 'cache',
      serviceS: calib.baseRequestS,
      cpuCoreS: calib.baseRequestS,
      memoryBytes: 0,
      etcdObjects: 0,
      etcdCoreS: 0,
      pages: 1,
      streamed: false,
      longRunning: true,
      watchEventsPerS: selected * resource.churnPerObjectPerS,
    };
  }

  if (call.verb !== 'list' || call.scope === 'object') {
    // A review (TokenReview, SubjectAccessReview) is a create that writes nothing: it costs a read.
    const mutating = call.verb !== 'get' && call.verb !== 'list' && resource.stored !== false;
    const serviceS = calib.baseRequestS * (mutating ? 2 : 1) + bytes * calib.serveSecondsPerByte;
    return {
      seats: 1,
      processedObjects: 1,
      returnedObjects: 1,
      responseBytes: bytes,
      servedFrom: 'object',
      serviceS,
      cpuCoreS: serviceS,
      memoryBytes: bytes * calib.listMemoryPerByte,
      etcdObjects: mutating ? 1 : 0,
      // A GET by name reads the watch cache only with RV=0; otherwise one key from etcd (the reads of
      // objects are small beside the writes, and left out of etcd's load like before).
      etcdCoreS: mutating ? defaultEtcdCalibration.writeCoreSeconds : 0,
      pages: 1,
      streamed: false,
      longRunning: false,
      watchEventsPerS: 0,
    };
  }

  // Serving rules of 1.31/1.32 (§2.3, cacher.go shouldDelegateList): RV="0" is served by the watch cache,
  // which ignores a limit and returns everything at once; a consistent read (RV="") goes to the cache with
  // ConsistentListFromCache, unless it has a limit: paginated requests other than RV="0" go to etcd.
  const limit = call.limit;
  const fromCache = call.resourceVersion === '0' || (calib.consistentListFromCache && limit === undefined);
  // Work estimator, 1.31/1.32 (§2.3): cache ⇒ all stored objects; etcd ⇒ N + limit with a selector, else
  // 2 × limit; limit defaults to N (and counts at most N), so unpaged both are 2N.
  const pageLimit = limit === undefined ? total : Math.min(limit, total);
  const processed = fromCache ? total : call.selector ? total + pageLimit : 2 * pageLimit;
  const seats = Math.min(maxSeatsPerRequest, Math.max(1, Math.ceil(processed / calib.objectsPerSeat)));
  // Pages: the pager asks for `limit` objects at a time until the continue token runs out; etcd reads the
  // scope once over all of them (a selector makes each page read on until it has `limit` matches).
  const pages = fromCache || limit === undefined ? 1 : Math.max(1, Math.ceil(selected / limit));
  const responseBytes = (selected * bytes) / pages;
  const etcdObjects = fromCache ? 0 : (call.scope === 'namespace' ? inScope : total) / pages;
  // The watch cache indexes objects by namespace, and pods by spec.nodeName (the pod registry's
  // indexer), so those reads touch only what they return; any other field selector scans everything.
  const indexed = call.scope === 'namespace' || (call.scope === 'node' && resource.perNode !== undefined);
  const scanned = fromCache ? (indexed ? inScope : total) : 0;
  const serviceS =
    calib.baseRequestS +
    scanned * calib.cacheScanSecondsPerObject +
    etcdObjects * calib.etcdSecondsPerObject +
    responseBytes * calib.serveSecondsPerByte;
  // A WatchList's initial events are encoded and sent one at a time from the watch cache (§4.3, API
  // streaming: ≈2 GB instead of ≈20 GB): it holds about one object, not the whole response.
  const streamed = call.sendInitialEvents === true;
  return {
    seats,
    processedObjects: processed,
    returnedObjects: selected / pages,
    responseBytes,
    servedFrom: fromCache ? 'cache' : 'etcd',
    serviceS,
    cpuCoreS: serviceS,
    memoryBytes: streamed
      ? bytes * calib.listMemoryPerByte
      : // etcd's raw values (its own encoding, whatever the client asked for) plus the response.
        responseBytes * calib.listMemoryPerByte + etcdObjects * resource.bytesPerObject,
    etcdObjects,
    etcdCoreS: etcdObjects * etcdRead,
    pages,
    streamed,
    longRunning: false,
    watchEventsPerS: 0,
  };
}

/** Bytes of a whole LIST call (every page). */
export function callResponseBytes(cost: Pick<RequestCost, 'responseBytes' | 'pages'>): number {
  return cost.responseBytes * cost.pages;
}
