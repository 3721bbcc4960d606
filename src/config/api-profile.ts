import { z } from 'zod';
import type { ApiCall, WorkloadKind } from '../model/api-profile.js';
import { badInput } from '../core/errors.js';
import { apiCallSchema, intIn, maxCalls, metadataSchema, workloadKind } from './common-schemas.js';
import { parseYamlDocuments, readText, validate, type YamlSource } from './yaml-source.js';

/** The `calls` list of an API profile or of the `rampart.dev/api-profile` annotation. */
export const apiCallListSchema = z
  .array(apiCallSchema)
  .min(1, { message: 'list at least one call' })
  .max(maxCalls, { message: `at most ${maxCalls} calls` });

/**
 * An API profile: what each replica of a workload asks of the API server. `target` names the workload;
 * `serviceAccount` and `replicas` matter only when no manifest of the workload is given.
 */
export const apiProfileSchema = z.strictObject({
  apiVersion: z.literal('rampart.dev/v1alpha1'),
  kind: z.literal('ApiProfile'),
  metadata: metadataSchema,
  spec: z.strictObject({
    target: z.strictObject({
      kind: workloadKind,
      namespace: z.string().min(1).default('default'),
      name: z.string().min(1),
      /** Defaults to the target's name. */
      serviceAccount: z.string().min(1).optional(),
      /** Replicas for non-DaemonSet kinds (default 1). */
      replicas: intIn(1, 1_000_000).optional(),
    }),
    calls: apiCallListSchema,
  }),
});

export type ApiProfileFile = z.output<typeof apiProfileSchema>;

/** Parsed calls as model ApiCalls (an absent everySeconds is left out, not set to undefined). */
export function toApiCalls(calls: z.output<typeof apiCallListSchema>): ApiCall[] {
  return calls.map(({ everySeconds, ...rest }) =>
    everySeconds === undefined ? rest : { ...rest, everySeconds },
  );
}

/** A validated profile with where it came from (for SARIF locations and messages). */
export interface LoadedProfile {
  readonly target: {
    readonly kind: WorkloadKind;
    readonly namespace: string;
    readonly name: string;
    readonly serviceAccount?: string;
    readonly replicas?: number;
  };
  readonly calls: readonly ApiCall[];
  readonly file: string;
  readonly line: number;
}

/** Validates one parsed document as an ApiProfile. */
export function profileFromSource(src: YamlSource): LoadedProfile {
  const value = validate(src, apiProfileSchema);
  const offset = src.doc.contents?.range?.[0] ?? 0;
  const t = value.spec.target;
  return {
    target: {
      kind: t.kind,
      namespace: t.namespace,
      name: t.name,
      ...(t.serviceAccount !== undefined ? { serviceAccount: t.serviceAccount } : {}),
      ...(t.replicas !== undefined ? { replicas: t.replicas } : {}),
    },
    calls: toApiCalls(value.spec.calls),
    file: src.file,
    line: Math.max(1, src.lines.linePos(offset).line),
  };
}

/** Loads every ApiProfile document of a file (multi-document YAML is allowed). */
export function loadApiProfiles(file: string): LoadedProfile[] {
  const docs = parseYamlDocuments(file, readText(file));
  if (docs.length === 0) throw badInput(`${file}: empty file; expected an ApiProfile document`);
  return docs.map(profileFromSource);
}
