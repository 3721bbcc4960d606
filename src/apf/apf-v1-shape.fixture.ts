import assert from 'node:assert/strict';
import { parseAllDocuments } from 'yaml';
import { z } from 'zod';

// Test fixture: the strict shape of flowcontrol.apiserver.k8s.io/v1 objects, so tests can check that what
// Rampart renders is a valid PriorityLevelConfiguration / FlowSchema and nothing more.

const meta = z.strictObject({
  name: z
    .string()
    .regex(/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/)
    .max(253),
  labels: z.record(z.string(), z.string()).optional(),
  annotations: z.record(z.string(), z.string()).optional(),
});
const queuing = z
  .strictObject({
    queues: z.number().int().min(1),
    handSize: z.number().int().min(1),
    queueLengthLimit: z.number().int().min(1),
  })
  .refine((q) => q.handSize <= q.queues, 'handSize must be ≤ queues');
const plcSchema = z.strictObject({
  apiVersion: z.literal('flowcontrol.apiserver.k8s.io/v1'),
  kind: z.literal('PriorityLevelConfiguration'),
  metadata: meta,
  spec: z.strictObject({
    type: z.literal('Limited'),
    limited: z.strictObject({
      nominalConcurrencyShares: z.number().int().min(0),
      lendablePercent: z.number().int().min(0).max(100),
      borrowingLimitPercent: z.number().int().min(0).optional(),
      limitResponse: z.discriminatedUnion('type', [
        z.strictObject({ type: z.literal('Queue'), queuing }),
        z.strictObject({ type: z.literal('Reject') }),
      ]),
    }),
  }),
});
const subject = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('Group'), group: z.strictObject({ name: z.string().min(1) }) }),
  z.strictObject({ kind: z.literal('User'), user: z.strictObject({ name: z.string().min(1) }) }),
  z.strictObject({
    kind: z.literal('ServiceAccount'),
    serviceAccount: z.strictObject({ namespace: z.string().min(1), name: z.string().min(1) }),
  }),
]);
const fsSchema = z.strictObject({
  apiVersion: z.literal('flowcontrol.apiserver.k8s.io/v1'),
  kind: z.literal('FlowSchema'),
  metadata: meta,
  spec: z.strictObject({
    priorityLevelConfiguration: z.strictObject({ name: z.string().min(1) }),
    matchingPrecedence: z.number().int().min(1).max(10000),
    distinguisherMethod: z.strictObject({ type: z.enum(['ByUser', 'ByNamespace']) }).optional(),
    rules: z
      .array(
        z.strictObject({
          subjects: z.array(subject).min(1),
          resourceRules: z.array(
            z.strictObject({
              verbs: z.array(z.string()).min(1),
              apiGroups: z.array(z.string()).min(1),
              resources: z.array(z.string()).min(1),
              clusterScope: z.boolean(),
              namespaces: z.array(z.string()),
            }),
          ),
          nonResourceRules: z
            .array(
              z.strictObject({
                verbs: z.array(z.string()).min(1),
                nonResourceURLs: z.array(z.string()).min(1),
              }),
            )
            .optional(),
        }),
      )
      .min(1),
  }),
});
const apfObject = z.union([plcSchema, fsSchema]);

export function parseApfDocs(text: string): z.output<typeof apfObject>[] {
  return parseAllDocuments(text).map((d) => {
    assert.deepEqual(d.errors, []);
    return apfObject.parse(d.toJS());
  });
}
