import { badInput } from '../core/errors.js';
import {
  defaultPriorityLevels,
  type FlowSchema,
  type PriorityLevel,
  type RequestIdentity,
  serviceAccountIdentity,
} from '../model/apf.js';
import { flowSchemaObject, priorityLevelObject, type ApfObject } from './apf-manifests.js';

/**
 * Break-glass APF configuration: a priority level with seats reserved (lent to nobody) for the on-call
 * group and Rampart's own identity, matched ahead of the default flow schemas, so a rollback and a
 * person's kubectl get through while the default levels are saturated. And quarantine: a tiny level an
 * offending client is routed to — the in-Kubernetes way to block it without touching the network.
 * Objects per reference §2.2 (v1 fields, default levels and precedences).
 */

export interface ServiceAccountRef {
  readonly namespace: string;
  readonly name: string;
}

/** The identity Rampart runs as (its rollbacks are what break-glass must let through). */
export const rampartServiceAccount: ServiceAccountRef = { namespace: 'rampart-system', name: 'rampart' };

/** Rampart's request identity, for the simulator's rollback requests. */
export const rampartIdentity: RequestIdentity = serviceAccountIdentity(
  rampartServiceAccount.namespace,
  rampartServiceAccount.name,
);

/** Default server concurrency with APF: 400 + 200 seats (§2.1). */
export const defaultServerSeats = 600;

// Ahead of every default schema a person or Rampart could match (system-node-high 400, service-accounts
// 9000, global-default 9900), behind exempt (1); quarantine first so an offender never lands in break-glass.
export const breakGlassPrecedence = 250;
export const quarantinePrecedence = 240;
export const fencePrecedence = 245;

/** A priority level with the flow schema that routes to it: what the simulator adds to a cluster. */
export interface ApfAddition {
  readonly priorityLevel: PriorityLevel;
  readonly flowSchema: FlowSchema;
}

export interface BreakGlassOptions {
  readonly groups: readonly string[];
  /** Default: Rampart's own service account. */
  readonly serviceAccounts: readonly ServiceAccountRef[];
  /** Seats to reserve on each API server. */
  readonly seats: number;
  readonly serverSeats?: number;
  /** Shares of the levels already configured (default: the 1.31/1.32 defaults, 245). */
  readonly otherShares?: number;
}

/** Parses `namespace/name`; a bad value is a one-line bad-input error naming the flag. */
export function parseServiceAccountRef(text: string, flag = '--serviceaccount'): ServiceAccountRef {
  const m = /^([a-z0-9]([-a-z0-9]*[a-z0-9])?)\/([a-z0-9]([-a-z0-9.]*[a-z0-9])?)$/.exec(text);
  if (!m?.[1] || !m[3])
    throw badInput(`${flag}: "${text}" is not namespace/name (e.g. rampart-system/rampart)`);
  return { namespace: m[1], name: m[3] };
}

/**
 * Smallest nominalConcurrencyShares giving at least `seats` seats per server, since
 * NominalCL = ceil(ServerCL × NCS / ΣNCS) and the new level's shares join the sum (§2.2).
 */
export function sharesForSeats(seats: number, serverSeats: number, otherShares: number): number {
  if (!Number.isInteger(seats) || seats < 1 || seats > serverSeats / 2) {
    throw badInput(
      `--seats: ${seats} must be a whole number from 1 to ${Math.floor(serverSeats / 2)} (half the server's ${serverSeats} seats)`,
    );
  }
  // ceil(S·x/(Σ+x)) ≥ N ⇔ S·x/(Σ+x) > N − 1 ⇔ x > (N − 1)·Σ/(S − N + 1): start just below and step up.
  let shares = Math.max(1, Math.floor(((seats - 1) * otherShares) / (serverSeats - seats + 1)));
  while (Math.ceil((serverSeats * shares) / (otherShares + shares)) < seats) shares += 1;
  return shares;
}

const defaultShares = defaultPriorityLevels.reduce((sum, l) => sum + l.shares, 0);

/** The break-glass priority level's name (its FlowSchema shares it). */
export const breakGlassLevelName = 'rampart-break-glass';

/** The break-glass level and schema: reserved seats, no lending, queuing, matched ahead of the defaults. */
export function breakGlassApf(opts: BreakGlassOptions): ApfAddition {
  const serverSeats = opts.serverSeats ?? defaultServerSeats;
  const serviceAccounts = opts.serviceAccounts.length > 0 ? opts.serviceAccounts : [rampartServiceAccount];
  const name = breakGlassLevelName;
  return {
    priorityLevel: {
      name,
      exempt: false,
      shares: sharesForSeats(opts.seats, serverSeats, opts.otherShares ?? defaultShares),
      // Reserved: lendablePercent 0 keeps the seats idle for when they are needed.
      lendablePercent: 0,
      borrowingLimitPercent: null,
      queues: 16,
      handSize: 4,
      queueLengthLimit: 50,
    },
    flowSchema: {
      name,
      matchingPrecedence: breakGlassPrecedence,
      priorityLevel: name,
      distinguisher: 'ByUser',
      subjects: [
        ...opts.groups.map((g) => ({ kind: 'Group' as const, name: g })),
        ...serviceAccounts.map((sa) => ({
          kind: 'ServiceAccount' as const,
          name: `${sa.namespace}/${sa.name}`,
        })),
      ],
      resources: ['*'],
      verbs: ['*'],
    },
  };
}

/** The quarantine level shared by every quarantined client: 1 share, no lending, no borrowing. */
export function quarantineLevel(opts: { reject: boolean }): PriorityLevel {
  return {
    name: 'rampart-quarantine',
    exempt: false,
    shares: 1,
    lendablePercent: 0,
    // Without a borrowing limit the level would borrow idle seats and stop being a quarantine.
    borrowingLimitPercent: 0,
    queues: opts.reject ? 0 : 1,
    handSize: opts.reject ? 0 : 1,
    queueLengthLimit: opts.reject ? 0 : 10,
  };
}

/** Routes one service account to the quarantine level (a schema per offender, one shared level). */
export function quarantineApf(opts: { serviceAccount: ServiceAccountRef; reject?: boolean }): ApfAddition {
  const level = quarantineLevel({ reject: opts.reject ?? false });
  const sa = opts.serviceAccount;
  return {
    priorityLevel: level,
    flowSchema: {
      name: `rampart-quarantine-${sa.namespace}-${sa.name}`.slice(0, 253),
      matchingPrecedence: quarantinePrecedence,
      priorityLevel: level.name,
      distinguisher: 'ByUser',
      subjects: [{ kind: 'ServiceAccount', name: `${sa.namespace}/${sa.name}` }],
      resources: ['*'],
      verbs: ['*'],
    },
  };
}

/** Name of the level a change under rollout is fenced into. */
export const fenceLevelName = 'rampart-rollout-fence';

/**
 * The rollout fence: while a cluster's rollout is in progress, the change's service account is routed to
 * a level of its own with `seats` reserved per server, lent to nobody and borrowing nothing. However
 * expensive the change turns out to be, it can hold no more than those seats (and so no more than that
 * many large LISTs' worth of API server memory): it queues and gets 429s in its own level, which the
 * gates see, instead of taking the seats of CoreDNS, kubelets and on-call. Lifted when the cluster is done.
 */
export function fenceApf(opts: {
  serviceAccount: ServiceAccountRef;
  seats: number;
  serverSeats?: number;
  otherShares?: number;
}): ApfAddition {
  const serverSeats = opts.serverSeats ?? defaultServerSeats;
  const sa = opts.serviceAccount;
  return {
    priorityLevel: {
      name: fenceLevelName,
      exempt: false,
      shares: sharesForSeats(opts.seats, serverSeats, opts.otherShares ?? defaultShares),
      lendablePercent: 0,
      // Borrowing would let the change take idle seats of other levels and defeat the fence.
      borrowingLimitPercent: 0,
      queues: 16,
      handSize: 4,
      queueLengthLimit: 50,
    },
    flowSchema: {
      name: `${fenceLevelName}-${sa.namespace}-${sa.name}`.slice(0, 253),
      matchingPrecedence: fencePrecedence,
      priorityLevel: fenceLevelName,
      distinguisher: 'ByUser',
      subjects: [{ kind: 'ServiceAccount', name: `${sa.namespace}/${sa.name}` }],
      resources: ['*'],
      verbs: ['*'],
    },
  };
}

/** Kubernetes objects for an addition: the PriorityLevelConfiguration first, then its FlowSchema. */
export function additionObjects(add: ApfAddition, note: string): ApfObject[] {
  return [
    priorityLevelObject(add.priorityLevel, { 'rampart.dev/purpose': note }),
    flowSchemaObject(add.flowSchema, { nonResource: true }),
  ];
}
