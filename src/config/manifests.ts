import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { Document, isMap, isSeq, Scalar } from 'yaml';
import { badInput, RampartError } from '../core/errors.js';
import { workloadKinds, type ApiCall, type WorkloadKind } from '../model/api-profile.js';
import {
  apiCallListSchema,
  profileDocumentFromSource,
  toApiCalls,
  type LibraryProfile,
  type LoadedProfile,
} from './api-profile.js';
import { parseYamlDocuments, readText, validate, type YamlSource } from './yaml-source.js';
import { rbacKinds, rbacFromSource, type RbacObjects } from './rbac-manifests.js';
import { byCodeUnits } from '../core/order.js';

/** The annotation carrying a workload's calls (YAML of the ApiProfile `calls` list). */
export const apiProfileAnnotation = 'rampart.dev/api-profile';

/** Where something was declared: file and 1-based line, for messages and SARIF regions. */
export interface SourceLocation {
  readonly file: string;
  readonly line: number;
}

/** A workload found in a manifest, with what its pods run as. */
export interface ManifestWorkload {
  readonly kind: WorkloadKind;
  readonly namespace: string;
  readonly name: string;
  readonly serviceAccount: string;
  /** Declared replicas (DaemonSets: 1, they scale with nodes). */
  readonly replicas: number;
  readonly annotationCalls?: readonly ApiCall[];
  readonly location: SourceLocation;
  /** The pod's long-running containers (init containers run once and are left out). */
  readonly containers: readonly { readonly name: string; readonly image: string }[];
  /** The workload's labels and its pod template's, merged (the template's win). */
  readonly labels: Readonly<Record<string, string>>;
}

/** A document that is not something analyze understands; listed, never fatal. */
export interface SkippedDocument {
  readonly kind: string;
  readonly name: string;
  readonly location: SourceLocation;
}

/** Everything read from the manifests given on the command line. */
export interface ManifestSet extends RbacObjects {
  readonly workloads: readonly ManifestWorkload[];
  /** ApiProfile documents found among the manifests, used as if given with --profile. */
  readonly profiles: readonly LoadedProfile[];
  /** ApiProfile documents with `match` found among the manifests: library profiles, always consulted. */
  readonly libraryProfiles: readonly LibraryProfile[];
  readonly skipped: readonly SkippedDocument[];
  /** Files that could not be read as manifests, skipped because the caller asked (skipInvalid). */
  readonly invalid: readonly InvalidFile[];
  readonly files: readonly string[];
}

/** A manifest file left out, and the one-line reason. */
export interface InvalidFile {
  readonly file: string;
  readonly message: string;
}

/** Options for {@link loadManifests}. */
export interface LoadManifestsOptions {
  /** Report and skip a file that cannot be read as manifests instead of failing on it. */
  readonly skipInvalid?: boolean;
}

const kindOnly = z.object({ kind: z.string().min(1, { message: 'kind is required' }) });

const stringMap = z.record(z.string(), z.string());
const meta = z.object({
  name: z.string().min(1),
  namespace: z.string().min(1).optional(),
  annotations: stringMap.optional(),
  labels: stringMap.nullish(),
});
const container = z.object({ name: z.string().optional(), image: z.string().optional() });
const podTemplate = z.object({
  metadata: z.object({ labels: stringMap.nullish() }).nullish(),
  spec: z
    .object({
      serviceAccountName: z.string().optional(),
      serviceAccount: z.string().optional(),
      containers: z.array(container).nullish(),
    })
    .optional(),
});
// Kubernetes' own range for replicas and parallelism (int32).
const count = z.number().int().min(0).max(2_147_483_647).optional();
// Kubernetes objects carry many fields analyze does not read, so these schemas are not strict.
const workloadSchema = z.object({
  kind: z.enum(workloadKinds),
  metadata: meta,
  spec: z
    .object({
      replicas: count,
      parallelism: count,
      template: podTemplate.optional(),
      jobTemplate: z
        .object({ spec: z.object({ parallelism: count, template: podTemplate.optional() }).optional() })
        .optional(),
    })
    .optional(),
});

/** Expands directories into their YAML files (recursively, sorted) and keeps files as given. */
export function expandManifestPaths(paths: readonly string[]): string[] {
  const out: string[] = [];
  for (const p of paths) {
    let isDir = false;
    try {
      isDir = statSync(p).isDirectory();
    } catch {
      throw badInput(`${p}: cannot read (no such file or directory)`);
    }
    if (!isDir) {
      out.push(p);
      continue;
    }
    // A directory without manifests is nothing to analyze, not an error (analyze says so in its report).
    out.push(...walkYaml(p));
  }
  return out;
}

function walkYaml(dir: string): string[] {
  const entries = readdirSync(dir, { withFileTypes: true }).sort((a, b) => byCodeUnits(a.name, b.name));
  const out: string[] = [];
  for (const e of entries) {
    if (e.name.startsWith('.')) continue;
    const full = join(dir, e.name);
    if (e.isDirectory()) out.push(...walkYaml(full));
    else if (/\.(ya?ml|json)$/i.test(e.name)) out.push(full); // JSON is YAML: kubectl get -o json
  }
  return out;
}

/** Reads manifests (files or directories) into workloads, RBAC objects, profiles and skipped documents. */
export function loadManifests(paths: readonly string[], opts: LoadManifestsOptions = {}): ManifestSet {
  const files = expandManifestPaths(paths);
  const workloads: ManifestWorkload[] = [];
  const profiles: LoadedProfile[] = [];
  const libraryProfiles: LibraryProfile[] = [];
  const skipped: SkippedDocument[] = [];
  const invalid: InvalidFile[] = [];
  const rbac: RbacObjects = { roles: [], bindings: [], serviceAccounts: [] };
  for (const file of files) {
    // A file is taken whole or not at all: what it held is collected apart and kept only if all of it read.
    const found: ManifestSet & RbacObjects = {
      workloads: [],
      profiles: [],
      libraryProfiles: [],
      skipped: [],
      invalid: [],
      files: [],
      roles: [],
      bindings: [],
      serviceAccounts: [],
    };
    try {
      readManifestFile(file, found);
    } catch (err) {
      if (!(err instanceof RampartError) || !opts.skipInvalid) throw err;
      invalid.push({ file, message: err.message });
      continue;
    }
    workloads.push(...found.workloads);
    profiles.push(...found.profiles);
    libraryProfiles.push(...found.libraryProfiles);
    skipped.push(...found.skipped);
    rbac.roles.push(...found.roles);
    rbac.bindings.push(...found.bindings);
    rbac.serviceAccounts.push(...found.serviceAccounts);
  }
  return { workloads, profiles, libraryProfiles, skipped, invalid, files, ...rbac };
}

/** Marks of a template engine that has not run: Helm/Go `{{ … }}` and Jinja `{% … %}`. */
const unrendered = /\{\{[^\n]*\}\}|\{%[^\n]*%\}/;

function readManifestFile(file: string, into: ManifestSet & RbacObjects): void {
  const text = readText(file);
  try {
    readDocuments(file, text, into);
  } catch (err) {
    // Rendered manifests may carry template text in values (alerting rules, dashboards): only a file that
    // does not read is taken for an unrendered template.
    const template = err instanceof RampartError ? unrendered.exec(text) : null;
    if (!template) throw err;
    const line = text.slice(0, template.index).split('\n').length;
    throw badInput(
      `${file}:${line}: looks like an unrendered Helm or Jinja template (${template[0].slice(0, 40)}): render it first (helm template <release> <chart> > rendered.yaml) and analyze the output`,
    );
  }
}

function readDocuments(file: string, text: string, into: ManifestSet & RbacObjects): void {
  const workloads = into.workloads as ManifestWorkload[];
  const profiles = into.profiles as LoadedProfile[];
  const libraryProfiles = into.libraryProfiles as LibraryProfile[];
  const skipped = into.skipped as SkippedDocument[];
  for (const src of parseYamlDocuments(file, text).flatMap(listItems)) {
    const { kind } = validate(src, kindOnly);
    const location = { file, line: docLine(src) };
    if ((workloadKinds as readonly string[]).includes(kind))
      workloads.push(workloadFromSource(src, text, location));
    else if (kind === 'ApiProfile') {
      const d = profileDocumentFromSource(src);
      if (d.kind === 'target') profiles.push(d.profile);
      else libraryProfiles.push(d.profile);
    } else if ((rbacKinds as readonly string[]).includes(kind)) rbacFromSource(src, kind, into);
    else skipped.push({ kind, name: nameOf(src), location });
  }
}

/**
 * The objects of a list document (`kind: List`, as `kubectl get -o yaml` prints, or a typed list such as
 * `DaemonSetList`), each as a document of its own; any other document as it is. Each item keeps its
 * place in the file, so messages still point at its lines.
 */
function listItems(src: YamlSource): YamlSource[] {
  const root = src.doc.contents;
  if (!isMap(root)) return [src];
  const kind: unknown = root.get('kind');
  const items = root.get('items', true);
  if (typeof kind !== 'string' || !kind.endsWith('List') || !isSeq(items)) return [src];
  return items.items.map((item) => {
    const doc = new Document() as Document.Parsed;
    doc.contents = item as Document.Parsed['contents'];
    return { ...src, doc };
  });
}

function docLine(src: YamlSource): number {
  return Math.max(1, src.lines.linePos(src.doc.contents?.range?.[0] ?? 0).line);
}

function nameOf(src: YamlSource): string {
  const name = src.doc.getIn(['metadata', 'name']);
  return typeof name === 'string' ? name : '';
}

function workloadFromSource(src: YamlSource, text: string, location: SourceLocation): ManifestWorkload {
  const w = validate(src, workloadSchema);
  const spec = w.spec;
  const template = w.kind === 'CronJob' ? spec?.jobTemplate?.spec?.template : spec?.template;
  const pod = template?.spec;
  const replicas =
    w.kind === 'DaemonSet'
      ? 1
      : w.kind === 'Job'
        ? (spec?.parallelism ?? 1)
        : w.kind === 'CronJob'
          ? (spec?.jobTemplate?.spec?.parallelism ?? 1)
          : (spec?.replicas ?? 1);
  const annotation = w.metadata.annotations?.[apiProfileAnnotation];
  const base = {
    kind: w.kind,
    namespace: w.metadata.namespace ?? 'default',
    name: w.metadata.name,
    serviceAccount: pod?.serviceAccountName ?? pod?.serviceAccount ?? 'default',
    replicas: Math.max(1, replicas),
    location,
    containers: (pod?.containers ?? []).map((c, i) => ({
      name: c.name ?? `container-${i}`,
      image: c.image ?? '',
    })),
    labels: { ...w.metadata.labels, ...template?.metadata?.labels },
  };
  return annotation === undefined ? base : { ...base, annotationCalls: annotationCalls(src, text) };
}

/**
 * Parses the annotation's YAML so that errors point at the right line of the manifest: the text before
 * the annotation's value is blanked (newlines kept) and parsed in place, so offsets are the file's own.
 */
function annotationCalls(src: YamlSource, text: string): ApiCall[] {
  const node = src.doc.getIn(['metadata', 'annotations', apiProfileAnnotation], true);
  if (!(node instanceof Scalar) || typeof node.value !== 'string' || !node.range) {
    throw badInput(`${src.file}:${docLine(src)}: annotation ${apiProfileAnnotation} must be a string`);
  }
  const [start, end] = node.range;
  let embedded: string;
  if (node.type === Scalar.BLOCK_LITERAL) {
    const contentStart = text.indexOf('\n', start) + 1;
    embedded = blank(text.slice(0, contentStart)) + text.slice(contentStart, end);
  } else if (node.type === Scalar.BLOCK_FOLDED) {
    // Folding joins lines (`yaml` and `kubectl` print long calls that way), so the raw lines are not the
    // value: parse the value from the first content line on (later lines may sit a line or two early).
    embedded = blank(text.slice(0, text.indexOf('\n', start) + 1)) + node.value;
  } else if (node.value.includes('\n')) {
    // A quoted value with line breaks (`\n` escapes, as `kubectl get -o json` writes annotations): its lines
    // start at column 0, so parse it from the start of the line the scalar begins on.
    embedded = blank(text.slice(0, text.lastIndexOf('\n', start) + 1)) + node.value;
  } else {
    const quoted = node.type === Scalar.QUOTE_DOUBLE || node.type === Scalar.QUOTE_SINGLE;
    embedded = blank(text.slice(0, start + (quoted ? 1 : 0))) + node.value;
  }
  try {
    const docs = parseYamlDocuments(src.file, embedded);
    const first = docs[0];
    if (!first) throw badInput(`${src.file}:${docLine(src)}: annotation ${apiProfileAnnotation} is empty`);
    return toApiCalls(validate(first, apiCallListSchema));
  } catch (err) {
    if (!(err instanceof RampartError)) throw err;
    // Name the annotation in the message; the location prefix is already the manifest's file:line:col.
    throw badInput(err.message.replace(/^(.*?:\d+:\d+): /, `$1: annotation ${apiProfileAnnotation}: `));
  }
}

function blank(prefix: string): string {
  return prefix.replace(/[^\n]/g, ' ');
}
