import { onCallIdentity } from '../../cost/flows.js';
import {
  serviceAccountIdentity,
  type FlowSchema,
  type PriorityLevel,
  type RequestIdentity,
} from '../../model/apf.js';
import {
  breakGlassApf,
  quarantineApf,
  rampartServiceAccount,
  type ApfAddition,
} from '../../apf/breakglass.js';
import type { Scenario } from '../../config/scenario.js';
import type { ClusterApfExtras } from '../cluster/apf-change.js';

export type { ClusterApfExtras } from '../cluster/apf-change.js';

/**
 * The APF objects the simulator adds to clusters (break-glass, rollout fence, quarantine), built the way
 * `rampart breakglass` prints them for a real cluster.
 */

/** The break-glass level for on-call (their non-system groups) and Rampart, with `seats` per API server. */
export function simBreakGlass(seats: number): ApfAddition {
  return breakGlassApf({
    groups: onCallIdentity.groups.filter((g) => !g.startsWith('system:')),
    serviceAccounts: [rampartServiceAccount],
    seats,
  });
}

/**
 * A level the change can be routed to mid-run (fence, quarantine). In a cluster its FlowSchema matches the
 * change's service account and exists only while it routes; here it matches a group only a copy of the
 * change's request classes carries (`identity`), so the routing can switch when the write gets through.
 */
export function switchableRoute(
  add: ApfAddition,
  change: { readonly namespace: string; readonly serviceAccount: string },
  group: string,
): { readonly addition: ApfAddition; readonly identity: RequestIdentity } {
  const sa = serviceAccountIdentity(change.namespace, change.serviceAccount);
  return {
    addition: { ...add, flowSchema: { ...add.flowSchema, subjects: [{ kind: 'Group', name: group }] } },
    identity: { ...sa, groups: [...sa.groups, group] },
  };
}

/**
 * APF objects the scenario itself puts in every cluster: its break-glass level (`spec.breakGlass`), and the
 * quarantine level when an operator action may route the change there. Merged after a policy's own
 * (`extras`); a level the policy already adds is not added twice.
 */
export function scenarioApfExtras(scenario: Scenario, extras: ClusterApfExtras = {}): ClusterApfExtras {
  const levels: PriorityLevel[] = [...(extras.priorityLevels ?? [])];
  const schemas: FlowSchema[] = [...(extras.flowSchemas ?? [])];
  const add = (a: ApfAddition): void => {
    if (levels.some((l) => l.name === a.priorityLevel.name)) return;
    levels.push(a.priorityLevel);
    schemas.push(a.flowSchema);
  };
  if (scenario.breakGlassSeats !== null) add(simBreakGlass(scenario.breakGlassSeats));
  let quarantineIdentity: RequestIdentity | undefined;
  const quarantine = scenario.operator.find((a) => a.action === 'quarantine');
  const change = scenario.change;
  if (quarantine?.action === 'quarantine' && change) {
    const sa = { namespace: change.namespace, name: change.serviceAccount };
    const route = switchableRoute(
      quarantineApf({ serviceAccount: sa, reject: quarantine.reject }),
      change,
      'rampart.dev:quarantined',
    );
    add(route.addition);
    quarantineIdentity = route.identity;
  }
  return {
    ...extras,
    ...(levels.length > 0 ? { priorityLevels: levels, flowSchemas: schemas } : {}),
    ...(quarantineIdentity ? { quarantineIdentity } : {}),
  };
}
