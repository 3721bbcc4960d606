import type { ApiCall } from '../model/api-profile.js';
import { type ClusterShape, findResource, objectCount } from '../model/resources.js';
import type { ApiServerCalibration } from './calibration.js';

/** What one request costs the API server, at idle (no CPU contention). */
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
  const bytes = resource.bytesPerObject;

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
      longRunning: false,
      watchEventsPerS: 0,
    };
  }

  const fromCache = call.resourceVersion === '0' || calib.consistentListFromCache;
  // Work estimator, 1.31/1.32 (§2.3): cache ⇒ all stored objects; etcd ⇒ N + limit with a selector, else
  // 2 × limit; limit defaults to N, so both are 2N.
  const processed = fromCache ? total : 2 * total;
  const seats = Math.min(maxSeatsPerRequest, Math.max(1, Math.ceil(processed / calib.objectsPerSeat)));
  const responseBytes = selected * bytes;
  const etcdObjects = fromCache ? 0 : call.scope === 'namespace' ? inScope : total;
  // The watch cache indexes objects by namespace, and pods by spec.nodeName (the pod registry's
  // indexer), so those reads touch only what they return; any other field selector scans everything.
  const indexed = call.scope === 'namespace' || (call.scope === 'node' && resource.perNode !== undefined);
  const scanned = fromCache ? (indexed ? inScope : total) : 0;
  const serviceS =
    calib.baseRequestS +
    scanned * calib.cacheScanSecondsPerObject +
    etcdObjects * calib.etcdSecondsPerObject +
    responseBytes * calib.serveSecondsPerByte;
  return {
    seats,
    processedObjects: processed,
    returnedObjects: selected,
    responseBytes,
    servedFrom: fromCache ? 'cache' : 'etcd',
    serviceS,
    cpuCoreS: serviceS,
    memoryBytes: responseBytes * calib.listMemoryPerByte + etcdObjects * bytes,
    etcdObjects,
    longRunning: false,
    watchEventsPerS: 0,
  };
}
