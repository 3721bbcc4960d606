import type { Distinguisher, FlowSchema, RequestIdentity } from '../model/apf.js';

export interface Classification {
  readonly flowSchema: string;
  readonly priorityLevel: string;
  readonly distinguisher: Distinguisher;
  /** The flow key within the level: requests with the same key share one fair-queuing flow. */
  readonly flowKey: string;
}

/**
 * Matches a request against flow schemas the way the API server does: the lowest matchingPrecedence
 * whose subjects and rules match wins (reference §2.2).
 */
export function classify(
  schemas: readonly FlowSchema[],
  who: RequestIdentity,
  verb: string,
  resource: string,
): Classification {
  const plural = resource.includes('/') ? resource.slice(resource.lastIndexOf('/') + 1) : resource;
  const sorted = [...schemas].sort((a, b) => a.matchingPrecedence - b.matchingPrecedence);
  for (const schema of sorted) {
    if (!schema.subjects.some((s) => subjectMatches(s, who))) continue;
    if (!schema.resources.includes('*') && !schema.resources.includes(plural)) continue;
    if (!schema.verbs.includes('*') && !schema.verbs.includes(verb)) continue;
    return {
      flowSchema: schema.name,
      priorityLevel: schema.priorityLevel,
      distinguisher: schema.distinguisher,
      flowKey: `${schema.name}/${flowDistinguisher(schema.distinguisher, who)}`,
    };
  }
  return {
    flowSchema: 'catch-all',
    priorityLevel: 'catch-all',
    distinguisher: 'ByUser',
    flowKey: `catch-all/${who.user}`,
  };
}

function flowDistinguisher(d: Distinguisher, who: RequestIdentity): string {
  switch (d) {
    case 'ByUser':
      return who.user;
    case 'ByNamespace':
      return who.serviceAccount?.namespace ?? '';
    case 'None':
      return '';
    default: {
      const never: never = d;
      return never;
    }
  }
}

function subjectMatches(subject: FlowSchema['subjects'][number], who: RequestIdentity): boolean {
  switch (subject.kind) {
    case 'Group':
      return (
        who.groups.includes(subject.name) ||
        (subject.name === 'system:authenticated' && who.groups.length > 0)
      );
    case 'User':
      return subject.name === '*' || subject.name === who.user;
    case 'ServiceAccount': {
      if (!who.serviceAccount) return false;
      const [ns, name] = subject.name.split('/');
      return ns === who.serviceAccount.namespace && (name === '*' || name === who.serviceAccount.name);
    }
    default: {
      const never: never = subject.kind;
      return never;
    }
  }
}
