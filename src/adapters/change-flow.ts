/**
 * How the change's own requests are told apart in APF metrics, shared by the Kubernetes adapter (which
 * creates the FlowSchema) and the metrics sources (which read its series): a FlowSchema of its own,
 * `rampart-change-<name>`, on the priority level its service account matches anyway — or on the rollout
 * fence's level while fenced.
 */
export interface ChangeFlow {
  readonly flowSchema: string;
  /** The level the change runs on when not fenced (its own level). */
  readonly priorityLevel: string;
  /** True while its requests are routed to the fence level. */
  readonly fenced: boolean;
  readonly fenceLevel: string;
  /** handSize of its own level: with the level's nominal seats it bounds seats per request (reference §2.3). */
  readonly handSize: number;
}

/** Answers where the change's requests are classified in one cluster; null when unknown (not set up yet). */
export interface ChangeFlowResolver {
  changeFlow(cluster: string): Promise<ChangeFlow | null>;
}

/** The FlowSchema name the change's requests are counted under (the signal table's `rampart-change-<change>`). */
export function changeFlowSchemaName(change: { readonly name: string }): string {
  return `rampart-change-${change.name}`.slice(0, 253);
}
