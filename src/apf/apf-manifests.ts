import { stringify } from 'yaml';
import type { FlowSchema, FlowSchemaSubject, PriorityLevel } from '../model/apf.js';

/**
 * `flowcontrol.apiserver.k8s.io/v1` objects (Kubernetes 1.29+), written from the APF model's shapes so the
 * simulator and a real cluster get the same configuration. Field names follow the v1 API exactly.
 */
export const flowcontrolApiVersion = 'flowcontrol.apiserver.k8s.io/v1';

export interface ObjectMeta {
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly annotations?: Readonly<Record<string, string>>;
}

export interface QueuingConfiguration {
  readonly queues: number;
  readonly handSize: number;
  readonly queueLengthLimit: number;
}

export type LimitResponse =
  { readonly type: 'Queue'; readonly queuing: QueuingConfiguration } | { readonly type: 'Reject' };

export interface PriorityLevelConfigurationObject {
  readonly apiVersion: typeof flowcontrolApiVersion;
  readonly kind: 'PriorityLevelConfiguration';
  readonly metadata: ObjectMeta;
  readonly spec: {
    readonly type: 'Limited';
    readonly limited: {
      readonly nominalConcurrencyShares: number;
      readonly lendablePercent: number;
      readonly borrowingLimitPercent?: number;
      readonly limitResponse: LimitResponse;
    };
  };
}

export type SubjectObject =
  | { readonly kind: 'Group'; readonly group: { readonly name: string } }
  | { readonly kind: 'User'; readonly user: { readonly name: string } }
  | {
      readonly kind: 'ServiceAccount';
      readonly serviceAccount: { readonly namespace: string; readonly name: string };
    };

export interface FlowSchemaObject {
  readonly apiVersion: typeof flowcontrolApiVersion;
  readonly kind: 'FlowSchema';
  readonly metadata: ObjectMeta;
  readonly spec: {
    readonly priorityLevelConfiguration: { readonly name: string };
    readonly matchingPrecedence: number;
    /** Absent = every request of the schema is one flow (the model's "None"). */
    readonly distinguisherMethod?: { readonly type: 'ByUser' | 'ByNamespace' };
    readonly rules: readonly {
      readonly subjects: readonly SubjectObject[];
      readonly resourceRules: readonly {
        readonly verbs: readonly string[];
        readonly apiGroups: readonly string[];
        readonly resources: readonly string[];
        readonly clusterScope: boolean;
        readonly namespaces: readonly string[];
      }[];
      readonly nonResourceRules?: readonly {
        readonly verbs: readonly string[];
        readonly nonResourceURLs: readonly string[];
      }[];
    }[];
  };
}

export type ApfObject = PriorityLevelConfigurationObject | FlowSchemaObject;

const managedBy = { 'app.kubernetes.io/managed-by': 'rampart' } as const;

/** A v1 PriorityLevelConfiguration for a (limited) model priority level; 0 queues ⇒ Reject. */
export function priorityLevelObject(
  pl: PriorityLevel,
  annotations?: Record<string, string>,
): PriorityLevelConfigurationObject {
  if (pl.exempt) throw new Error(`priority level ${pl.name}: exempt levels are not generated`);
  const limitResponse: LimitResponse =
    pl.queues === 0
      ? { type: 'Reject' }
      : {
          type: 'Queue',
          queuing: { queues: pl.queues, handSize: pl.handSize, queueLengthLimit: pl.queueLengthLimit },
        };
  return {
    apiVersion: flowcontrolApiVersion,
    kind: 'PriorityLevelConfiguration',
    metadata: { name: pl.name, labels: managedBy, ...(annotations ? { annotations } : {}) },
    spec: {
      type: 'Limited',
      limited: {
        nominalConcurrencyShares: pl.shares,
        lendablePercent: pl.lendablePercent,
        ...(pl.borrowingLimitPercent === null ? {} : { borrowingLimitPercent: pl.borrowingLimitPercent }),
        limitResponse,
      },
    },
  };
}

/** A v1 FlowSchema for a model flow schema; `nonResource` also matches URLs like /healthz and /metrics. */
export function flowSchemaObject(fs: FlowSchema, opts: { nonResource: boolean }): FlowSchemaObject {
  return {
    apiVersion: flowcontrolApiVersion,
    kind: 'FlowSchema',
    metadata: { name: fs.name, labels: managedBy },
    spec: {
      priorityLevelConfiguration: { name: fs.priorityLevel },
      matchingPrecedence: fs.matchingPrecedence,
      // The v1 API has no "None" type: an absent distinguisherMethod means one flow.
      ...(fs.distinguisher === 'None' ? {} : { distinguisherMethod: { type: fs.distinguisher } }),
      rules: [
        {
          subjects: fs.subjects.map(subjectObject),
          resourceRules: [
            {
              verbs: [...fs.verbs],
              apiGroups: ['*'],
              resources: [...fs.resources],
              clusterScope: true,
              namespaces: ['*'],
            },
          ],
          ...(opts.nonResource
            ? { nonResourceRules: [{ verbs: [...fs.verbs], nonResourceURLs: ['*'] }] }
            : {}),
        },
      ],
    },
  };
}

function subjectObject(s: FlowSchemaSubject): SubjectObject {
  switch (s.kind) {
    case 'Group':
      return { kind: 'Group', group: { name: s.name } };
    case 'User':
      return { kind: 'User', user: { name: s.name } };
    case 'ServiceAccount': {
      const [namespace = '', name = '*'] = s.name.split('/');
      return { kind: 'ServiceAccount', serviceAccount: { namespace, name } };
    }
    default: {
      const never: never = s.kind;
      return never;
    }
  }
}

/** Multi-document YAML (`---` between objects), ready for `kubectl apply -f -`. */
export function renderManifests(objects: readonly ApfObject[]): string {
  return objects.map((o) => stringify(o, { lineWidth: 0 })).join('---\n');
}
