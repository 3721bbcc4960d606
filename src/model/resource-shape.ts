/** Types and derived counts shared by the built-in resource table (resources.ts) and the custom-resource rules. */
export interface ClusterShape {
  readonly nodes: number;
  readonly podsPerNode: number;
  /** Explicit object counts override the derived ones. */
  readonly objects?: Readonly<Partial<Record<string, number>>>;
}

export interface ResourceInfo {
  readonly name: string;
  readonly group: string;
  readonly namespaced: boolean;
  readonly bytesPerObject: number;
  /** Objects of this resource in a cluster of this shape. */
  readonly count: (shape: ClusterShape) => number;
  /** How many of them a per-node agent sees with fieldSelector spec.nodeName (pods only; else all). */
  readonly perNode?: (shape: ClusterShape) => number;
  /** Fraction of objects changed per second (drives watch fan-out). */
  readonly churnPerObjectPerS: number;
  /**
   * False for review resources (TokenReview, SubjectAccessReview): a create is answered and nothing is
   * written to etcd or held in the watch cache. Absent means stored.
   */
  readonly stored?: boolean;
  /** Custom resources only: how the object count was chosen, and whether it is only assumed. */
  readonly custom?: CustomResourceCount;
}

/** How a custom resource's object count is derived when the fleet file does not give it. */
export interface CustomResourceCount {
  /** e.g. "≈ 1 per pod (one CiliumEndpoint per pod)" or "assumed 1 per node". */
  readonly rule: string;
  /** True when nothing is known of the resource (a default, not a documented rule of thumb). */
  readonly assumed: boolean;
}

/** Pods in a cluster of this shape. */
export const podCount = (s: ClusterShape): number => s.nodes * s.podsPerNode;
/** Services grow with the workload; one service per ~20 pods is a common ratio [U]. */
export const serviceCount = (s: ClusterShape): number => Math.max(10, Math.ceil(podCount(s) / 20));
/** Namespaces: about one per ten services [U]. */
export const namespaceCount = (s: ClusterShape): number => Math.max(5, Math.ceil(serviceCount(s) / 10));
