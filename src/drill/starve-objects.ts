import { badInput } from '../core/errors.js';
import {
  flowSchemaObject,
  priorityLevelObject,
  type FlowSchemaObject,
  type PriorityLevelConfigurationObject,
} from '../apf/apf-manifests.js';
import type { FlowSchemaSubject } from '../model/apf.js';

/**
 * The APF objects of a live starvation drill: a priority level with no seats of its own, none borrowed
 * and no queue (Reject), and a FlowSchema matched ahead of every default schema but exempt that routes
 * one identity to it. The API server then answers that identity with 429 — what CoreDNS, an agent or a
 * person sees in a control-plane outage — and nobody else notices. Nothing else on the cluster changes.
 */

/** Label every drill object carries: what `revert` and the next drill look for. */
export const drillLabel = { key: 'app.kubernetes.io/managed-by', value: 'rampart-drill' } as const;
export const expiresAnnotation = 'rampart.dev/drill-expires';
export const starvesAnnotation = 'rampart.dev/drill-starves';
export const undoAnnotation = 'rampart.dev/drill-undo';

export const drillLevelName = 'rampart-drill-starved';
/**
 * Ahead of every default schema an identity could match (probes 2, system-leader-election 100, …,
 * global-default 9900) and of break-glass (250); only `exempt` (1) goes first, and a drill refuses to
 * starve what it matches (system:masters).
 */
export const drillPrecedence = 10;

/** Who a drill starves: a service account or a group. */
export type StarveTarget =
  | { readonly kind: 'ServiceAccount'; readonly namespace: string; readonly name: string }
  | { readonly kind: 'Group'; readonly name: string };

/** Identities whose starvation would cut off everyone, or that APF exempts anyway. */
const refusedGroups = new Set(['system:authenticated', 'system:unauthenticated', 'system:masters']);

/**
 * Parses `--starve`: `namespace/name` or `serviceaccount:namespace/name` (a service account),
 * `system:serviceaccount:namespace:name` (its user name), or `group:NAME`.
 */
export function parseStarveTarget(text: string): StarveTarget {
  const dns = '[a-z0-9]([-a-z0-9.]*[a-z0-9])?';
  const sa =
    new RegExp(`^(?:serviceaccount:)?(${dns})/(${dns})$`).exec(text) ??
    new RegExp(`^system:serviceaccount:(${dns}):(${dns})$`).exec(text);
  if (sa?.[1] && sa[3]) return { kind: 'ServiceAccount', namespace: sa[1], name: sa[3] };
  if (text.startsWith('group:')) {
    const name = text.slice('group:'.length);
    if (name === '' || name.length > 253 || /\s/.test(name))
      throw badInput(`--starve: "${text}": give a group name after group:`);
    if (refusedGroups.has(name))
      throw badInput(
        `--starve: ${name} is ${name === 'system:masters' ? 'exempt from APF' : 'everyone'}; starve one client (a service account or a narrower group)`,
      );
    return { kind: 'Group', name };
  }
  throw badInput(
    `--starve: "${text}" is neither namespace/name (a service account) nor group:NAME (e.g. kube-system/coredns, group:system:nodes)`,
  );
}

/** How the target reads in messages and annotations. */
export function targetText(t: StarveTarget): string {
  return t.kind === 'Group' ? `group ${t.name}` : `service account ${t.namespace}/${t.name}`;
}

/** True when a user with `username` and `groups` would be starved by the drill. */
export function starves(t: StarveTarget, username: string, groups: readonly string[]): boolean {
  if (t.kind === 'Group') return groups.includes(t.name);
  return username === `system:serviceaccount:${t.namespace}:${t.name}`;
}

/** The FlowSchema's name for a target (one drill per target; names are DNS subdomains). */
export function flowSchemaName(t: StarveTarget): string {
  const raw = t.kind === 'Group' ? `group-${t.name}` : `sa-${t.namespace}-${t.name}`;
  const safe = raw.toLowerCase().replace(/[^a-z0-9.-]+/g, '-');
  return `rampart-drill-${safe}`.slice(0, 253).replace(/[-.]+$/, '');
}

export interface DrillObjects {
  readonly priorityLevel: PriorityLevelConfigurationObject;
  readonly flowSchema: FlowSchemaObject;
}

/** The two objects, labelled and annotated with the target, the expiry (ISO time) and how to undo them. */
export function starveObjects(t: StarveTarget, opts: { expiresAt: string; context: string }): DrillObjects {
  const annotations = {
    [expiresAnnotation]: opts.expiresAt,
    [starvesAnnotation]: targetText(t),
    [undoAnnotation]: `rampart drill revert --context ${opts.context}`,
  };
  const labels = { [drillLabel.key]: drillLabel.value };
  const level = priorityLevelObject(
    {
      name: drillLevelName,
      exempt: false,
      // 0 shares: no seats of its own (the v1 API's "jail"); 0 lent, 0 borrowed; no queue, so Reject.
      shares: 0,
      lendablePercent: 0,
      borrowingLimitPercent: 0,
      queues: 0,
      handSize: 0,
      queueLengthLimit: 0,
    },
    annotations,
  );
  const subject: FlowSchemaSubject =
    t.kind === 'Group'
      ? { kind: 'Group', name: t.name }
      : { kind: 'ServiceAccount', name: `${t.namespace}/${t.name}` };
  const schema = flowSchemaObject(
    {
      name: flowSchemaName(t),
      matchingPrecedence: drillPrecedence,
      priorityLevel: drillLevelName,
      distinguisher: 'None',
      subjects: [subject],
      resources: ['*'],
      verbs: ['*'],
    },
    { nonResource: true },
  );
  return {
    priorityLevel: { ...level, metadata: { ...level.metadata, labels } },
    flowSchema: { ...schema, metadata: { ...schema.metadata, labels, annotations } },
  };
}
