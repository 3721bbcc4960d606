import { PatchStrategy } from '@kubernetes/client-node';
import {
  breakGlassApf,
  breakGlassPrecedence,
  fenceApf,
  fenceLevelName,
  fencePrecedence,
  rampartServiceAccount,
} from '../../apf/breakglass.js';
import { flowSchemaObject, priorityLevelObject, flowcontrolApiVersion } from '../../apf/apf-manifests.js';
import { changeFlowSchemaName, type ChangeFlow } from '../change-flow.js';
import type { KubeConnection } from './connection.js';
import { isNotFound } from './connection.js';
import type { KubeObject } from './change-manifests.js';

/** Field manager of every object Rampart applies (server-side apply). */
export const fieldManager = 'rampart';
const ownLevelAnnotation = 'rampart.dev/own-priority-level';
const handSizeAnnotation = 'rampart.dev/own-hand-size';
const matchedAnnotation = 'rampart.dev/matched-flow-schema';

/** Server-side apply of one object as `rampart`, forcing ownership of the fields it sets. */
export async function serverSideApply(conn: KubeConnection, obj: KubeObject): Promise<KubeObject> {
  return conn.call(() =>
    conn.objects.patch(obj, undefined, undefined, fieldManager, true, PatchStrategy.ServerSideApply),
  );
}

interface FlowSchemaView {
  metadata: { name: string; uid?: string; annotations?: Record<string, string> };
  spec: {
    matchingPrecedence?: number;
    priorityLevelConfiguration: { name: string };
    distinguisherMethod?: { type: 'ByUser' | 'ByNamespace' };
    rules?: {
      subjects?: {
        kind: string;
        user?: { name: string };
        group?: { name: string };
        serviceAccount?: { namespace: string; name: string };
      }[];
      resourceRules?: { verbs: string[]; resources: string[] }[];
    }[];
  };
}

interface PlcView {
  metadata: { name: string; uid?: string };
  spec: {
    type: string;
    limited?: { nominalConcurrencyShares?: number; limitResponse?: { queuing?: { handSize?: number } } };
  };
}

async function list<T>(conn: KubeConnection, kind: string): Promise<T[]> {
  const l = await conn.call(() => conn.objects.list(flowcontrolApiVersion, kind));
  return l.items as unknown as T[];
}

/**
 * The FlowSchema a service account's requests match today (by precedence, then name): the first whose
 * subjects include it and whose rules cover list/watch of pods — the level the change would run on.
 */
export function matchFlowSchema(
  schemas: readonly FlowSchemaView[],
  sa: { namespace: string; name: string },
): FlowSchemaView | null {
  const groups = new Set([
    'system:serviceaccounts',
    `system:serviceaccounts:${sa.namespace}`,
    'system:authenticated',
  ]);
  const user = `system:serviceaccount:${sa.namespace}:${sa.name}`;
  const sorted = [...schemas]
    .filter((s) => !s.metadata.name.startsWith('rampart-change-'))
    .sort(
      (a, b) =>
        (a.spec.matchingPrecedence ?? 1000) - (b.spec.matchingPrecedence ?? 1000) ||
        (a.metadata.name < b.metadata.name ? -1 : 1),
    );
  for (const s of sorted) {
    for (const rule of s.spec.rules ?? []) {
      const subject = (rule.subjects ?? []).some(
        (x) =>
          (x.kind === 'ServiceAccount' &&
            x.serviceAccount?.namespace === sa.namespace &&
            (x.serviceAccount.name === '*' || x.serviceAccount.name === sa.name)) ||
          (x.kind === 'Group' && x.group && (groups.has(x.group.name) || x.group.name === '*')) ||
          (x.kind === 'User' && x.user && (x.user.name === user || x.user.name === '*')),
      );
      const covers = (rule.resourceRules ?? []).some(
        (r) =>
          (r.verbs.includes('*') || r.verbs.includes('list')) &&
          (r.resources.includes('*') || r.resources.includes('pods')),
      );
      if (subject && covers) return s;
    }
  }
  return null;
}

/** Reads the change's FlowSchema; null when it does not exist. */
export async function readChangeFlow(
  conn: KubeConnection,
  change: { name: string },
): Promise<ChangeFlow | null> {
  const name = changeFlowSchemaName(change);
  try {
    const fs = (await conn.call(() =>
      conn.objects.read({ apiVersion: flowcontrolApiVersion, kind: 'FlowSchema', metadata: { name } }),
    )) as unknown as FlowSchemaView;
    const own = fs.metadata.annotations?.[ownLevelAnnotation];
    if (!own) return null;
    return {
      flowSchema: name,
      priorityLevel: own,
      fenced: fs.spec.priorityLevelConfiguration.name === fenceLevelName,
      fenceLevel: fenceLevelName,
      handSize: Number(fs.metadata.annotations?.[handSizeAnnotation] ?? 6) || 6,
    };
  } catch (err) {
    if (isNotFound(err)) return null;
    throw err;
  }
}

/**
 * Applies the change's own FlowSchema: matching only its service account, routed to the level it matches
 * anyway (precedence just ahead of that schema, same distinguisher), or to the fence level while fenced.
 * The own level is found once and kept in annotations, so a resumed rollout reads the same answer.
 */
export async function applyChangeFlow(
  conn: KubeConnection,
  change: { name: string },
  sa: { namespace: string; name: string },
  fence: { on: boolean; seats: number } | null,
): Promise<ChangeFlow> {
  const existing = await readChangeFlow(conn, change);
  let own = existing?.priorityLevel;
  let handSize = existing?.handSize ?? 6;
  let precedence = 8999;
  let distinguisher: 'ByUser' | 'ByNamespace' | 'None' = 'ByUser';
  let matchedName = '';
  const schemas = await list<FlowSchemaView>(conn, 'FlowSchema');
  const matched = matchFlowSchema(schemas, sa);
  if (matched) {
    matchedName = matched.metadata.name;
    precedence = Math.max(2, (matched.spec.matchingPrecedence ?? 1000) - 1);
    distinguisher = matched.spec.distinguisherMethod?.type ?? 'None';
    own ??= matched.spec.priorityLevelConfiguration.name;
  }
  own ??= 'global-default';
  if (!existing) {
    const plcs = await list<PlcView>(conn, 'PriorityLevelConfiguration');
    const plc = plcs.find((p) => p.metadata.name === own);
    handSize = plc?.spec.limited?.limitResponse?.queuing?.handSize ?? 6;
  }
  const fenced = fence?.on ?? existing?.fenced ?? false;
  if (fenced && fence) {
    const add = fenceApf({ serviceAccount: sa, seats: fence.seats });
    await serverSideApply(
      conn,
      priorityLevelObject(add.priorityLevel, {
        'rampart.dev/purpose': `rollout fence: ${fence.seats} seats per API server`,
      }) as unknown as KubeObject,
    );
  }
  const name = changeFlowSchemaName(change);
  const obj = flowSchemaObject(
    {
      name,
      matchingPrecedence: fenced ? fencePrecedence : precedence,
      priorityLevel: fenced ? fenceLevelName : own,
      distinguisher,
      subjects: [{ kind: 'ServiceAccount', name: `${sa.namespace}/${sa.name}` }],
      resources: ['*'],
      verbs: ['*'],
    },
    { nonResource: false },
  );
  await serverSideApply(conn, {
    ...obj,
    metadata: {
      ...obj.metadata,
      labels: { ...obj.metadata.labels },
      annotations: {
        [ownLevelAnnotation]: own,
        [handSizeAnnotation]: String(handSize),
        ...(matchedName ? { [matchedAnnotation]: matchedName } : {}),
      },
    },
  });
  return { flowSchema: name, priorityLevel: own, fenced, fenceLevel: fenceLevelName, handSize };
}

/** Who Rampart is in this cluster (SelfSubjectReview): its user name and groups. */
export async function whoAmI(conn: KubeConnection): Promise<{ username: string; groups: string[] }> {
  const review = (await conn.call(() =>
    conn.objects.create({
      apiVersion: 'authentication.k8s.io/v1',
      kind: 'SelfSubjectReview',
      metadata: { name: '' },
    }),
  )) as unknown as { status?: { userInfo?: { username?: string; groups?: string[] } } };
  return { username: review.status?.userInfo?.username ?? '', groups: review.status?.userInfo?.groups ?? [] };
}

/** Seats the break-glass level reserves per API server (as `rampart breakglass manifests` by default). */
export const breakGlassSeats = 20;

/**
 * Applies the break-glass level and FlowSchema, with Rampart's own identity among its subjects, so its
 * requests (rollbacks included) get reserved seats while the cluster is saturated. An identity in
 * system:masters is exempt from APF already: nothing to route. Returns the level's UID.
 */
export async function applyBreakGlass(
  conn: KubeConnection,
): Promise<{ uid: string | null; exempt: boolean; user: string }> {
  const me = await whoAmI(conn);
  if (me.groups.includes('system:masters')) return { uid: null, exempt: true, user: me.username };
  const plcs = await list<PlcView>(conn, 'PriorityLevelConfiguration');
  const otherShares = plcs
    .filter((p) => p.spec.type === 'Limited' && !p.metadata.name.startsWith('rampart-'))
    .reduce((s, p) => s + (p.spec.limited?.nominalConcurrencyShares ?? 0), 0);
  const add = breakGlassApf({
    groups: [],
    serviceAccounts: [rampartServiceAccount],
    seats: breakGlassSeats,
    ...(otherShares > 0 ? { otherShares } : {}),
  });
  const users = me.username ? [{ kind: 'User' as const, name: me.username }] : [];
  const plc = await serverSideApply(
    conn,
    priorityLevelObject(add.priorityLevel, {
      'rampart.dev/purpose': `break-glass: ${breakGlassSeats} reserved seats per API server`,
    }) as unknown as KubeObject,
  );
  await serverSideApply(
    conn,
    flowSchemaObject(
      {
        ...add.flowSchema,
        matchingPrecedence: breakGlassPrecedence,
        subjects: [...add.flowSchema.subjects, ...users],
      },
      { nonResource: true },
    ) as unknown as KubeObject,
  );
  const uid = (plc.metadata as { uid?: string }).uid ?? null;
  return { uid, exempt: false, user: me.username };
}

/** Where the change's requests would be classified, without changing anything (for `rollout plan`). */
export async function predictChangeFlow(
  conn: KubeConnection,
  change: { name: string },
  sa: { namespace: string; name: string },
): Promise<ChangeFlow> {
  const existing = await readChangeFlow(conn, change);
  if (existing) return existing;
  const matched = matchFlowSchema(await list<FlowSchemaView>(conn, 'FlowSchema'), sa);
  const own = matched?.spec.priorityLevelConfiguration.name ?? 'global-default';
  return {
    flowSchema: changeFlowSchemaName(change),
    priorityLevel: own,
    fenced: false,
    fenceLevel: fenceLevelName,
    handSize: 6,
  };
}
