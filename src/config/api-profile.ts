import { z } from 'zod';
import type { ApiCall, WorkloadKind } from '../model/api-profile.js';
import { badInput } from '../core/errors.js';
import { apiCallSchema, intIn, maxCalls, metadataSchema, toApiCall, workloadKind } from './common-schemas.js';
import { parseYamlDocuments, readText, validate, type YamlSource } from './yaml-source.js';

/** The `calls` list of an API profile or of the `rampart.dev/api-profile` annotation. */
export const apiCallListSchema = z
  .array(apiCallSchema)
  .min(1, { message: 'list at least one call' })
  .max(maxCalls, { message: `at most ${maxCalls} calls` });

/** Image patterns: `*` matches any characters (slashes included); see imageMatches. */
const imagePatterns = z.array(z.string().min(1)).min(1);
const labelMap = z.record(z.string().min(1), z.string());

/**
 * Which workloads a library profile describes: any container image matching one of `images`, or pod labels
 * including every one of `labels`; `alongside` narrows it to manifest sets that also hold a workload
 * matching it (e.g. calico-node when a Typha Deployment is there to fan out for it).
 */
export const profileMatchSchema = z
  .strictObject({
    images: imagePatterns
      .optional()
      .describe('container image patterns, e.g. "*/fluent-bit:*" or "*/fluent-bit"'),
    labels: labelMap
      .optional()
      .describe('pod or workload labels that must all be present, e.g. app.kubernetes.io/name'),
    alongside: z
      .strictObject({
        images: imagePatterns.optional().describe('Container image patterns of the other workload'),
        labels: labelMap.optional().describe('Labels the other workload must all have'),
      })
      .refine((a) => a.images !== undefined || a.labels !== undefined, { message: 'give images or labels' })
      .optional()
      .describe('only when the manifests also hold a workload matching this (a fan-out proxy, …)'),
  })
  .refine((m) => m.images !== undefined || m.labels !== undefined, {
    message: 'give images or labels to match',
  })
  .describe('Makes this a library profile: the workloads whose images or labels match (--profile-library)');

/**
 * An API profile: what each replica of a workload asks of the API server. Either `target` names the
 * workload (`serviceAccount` and `replicas` matter only when no manifest of the workload is given), or
 * `match` makes it a library profile for every workload whose images or labels match (`--profile-library`).
 */
export const apiProfileSchema = z.strictObject({
  apiVersion: z.literal('rampart.dev/v1alpha1').describe('File format version'),
  kind: z.literal('ApiProfile').describe('File kind'),
  metadata: metadataSchema,
  spec: z
    .strictObject({
      target: z
        .strictObject({
          kind: workloadKind.describe("The workload's kind"),
          namespace: z.string().min(1).default('default').describe("The workload's namespace"),
          name: z.string().min(1).describe("The workload's name"),
          serviceAccount: z
            .string()
            .min(1)
            .optional()
            .describe("Service account its calls are made as (default: the target's name)"),
          replicas: intIn(1, 1_000_000).optional().describe('Replicas for non-DaemonSet kinds (default 1)'),
        })
        .optional()
        .describe('The workload this profile describes (give target or match)'),
      match: profileMatchSchema.optional(),
      calls: apiCallListSchema.describe('The API calls each replica makes'),
    })
    .refine((sp) => (sp.target === undefined) !== (sp.match === undefined), {
      message: 'give either target (one workload) or match (a library profile), not both',
    })
    .describe('What each replica of the workload asks of the API server'),
});

export type ApiProfileFile = z.output<typeof apiProfileSchema>;

/** Parsed calls as model ApiCalls (an absent everySeconds is left out, not set to undefined). */
export function toApiCalls(calls: z.output<typeof apiCallListSchema>): ApiCall[] {
  return calls.map(toApiCall);
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

/** What a library profile matches (see profileMatchSchema). */
export interface ProfileMatch {
  readonly images: readonly string[];
  readonly labels: Readonly<Record<string, string>>;
  readonly alongside: {
    readonly images: readonly string[];
    readonly labels: Readonly<Record<string, string>>;
  } | null;
}

/** A library profile: calls for every workload its match selects. */
export interface LibraryProfile {
  readonly name: string;
  readonly description: string | null;
  readonly match: ProfileMatch;
  readonly calls: readonly ApiCall[];
  readonly file: string;
  readonly line: number;
}

/** An ApiProfile document: one workload's (`target`) or a library entry (`match`). */
export type ProfileDocument =
  | { readonly kind: 'target'; readonly profile: LoadedProfile }
  | { readonly kind: 'library'; readonly profile: LibraryProfile };

/** Validates one parsed document as an ApiProfile of either kind. */
export function profileDocumentFromSource(src: YamlSource): ProfileDocument {
  const value = validate(src, apiProfileSchema);
  const offset = src.doc.contents?.range?.[0] ?? 0;
  const line = Math.max(1, src.lines.linePos(offset).line);
  const m = value.spec.match;
  if (m) {
    return {
      kind: 'library',
      profile: {
        name: value.metadata.name,
        description: value.metadata.description ?? null,
        match: {
          images: m.images ?? [],
          labels: m.labels ?? {},
          alongside: m.alongside
            ? { images: m.alongside.images ?? [], labels: m.alongside.labels ?? {} }
            : null,
        },
        calls: toApiCalls(value.spec.calls),
        file: src.file,
        line,
      },
    };
  }
  const t = value.spec.target;
  if (!t) throw new Error('unreachable: the schema requires target or match');
  return {
    kind: 'target',
    profile: {
      target: {
        kind: t.kind,
        namespace: t.namespace,
        name: t.name,
        ...(t.serviceAccount !== undefined ? { serviceAccount: t.serviceAccount } : {}),
        ...(t.replicas !== undefined ? { replicas: t.replicas } : {}),
      },
      calls: toApiCalls(value.spec.calls),
      file: src.file,
      line,
    },
  };
}

/** Loads every ApiProfile document of a file (multi-document YAML is allowed), of either kind. */
export function loadApiProfileDocuments(file: string): ProfileDocument[] {
  const docs = parseYamlDocuments(file, readText(file));
  if (docs.length === 0) throw badInput(`${file}: empty file; expected an ApiProfile document`);
  return docs.map(profileDocumentFromSource);
}

/** Loads the workload (target) ApiProfiles of a file; a library (match) profile there is an error. */
export function loadApiProfiles(file: string): LoadedProfile[] {
  return loadApiProfileDocuments(file).map((d) => {
    if (d.kind === 'target') return d.profile;
    throw badInput(
      `${d.profile.file}:${d.profile.line}: ApiProfile ${d.profile.name} has match, not target: pass it with --profile-library`,
    );
  });
}
