import { readFileSync } from 'node:fs';
import {
  isMap,
  isScalar,
  isSeq,
  LineCounter,
  parseAllDocuments,
  type Document,
  type Node as YamlNode,
} from 'yaml';
import type { z } from 'zod';
import { badInput, RampartError, ErrorCodes } from '../core/errors.js';
import { closestField } from './suggest.js';

/** One parsed YAML document with what is needed to point errors at `file:line:col`. */
export interface YamlSource {
  readonly file: string;
  readonly doc: Document.Parsed;
  readonly lines: LineCounter;
  /** Index of this document in a multi-document file. */
  readonly index: number;
}

/** Reads a file's text, turning OS errors into one-line bad-input errors. */
export function readText(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const why =
      code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'is a directory' : (code ?? 'unreadable');
    throw new RampartError(ErrorCodes.badInput, `${file}: cannot read (${why})`);
  }
}

/** Parses every YAML document in a text; a syntax error names file:line:col. */
export function parseYamlDocuments(file: string, text: string): YamlSource[] {
  const lines = new LineCounter();
  const docs = parseAllDocuments(text, { lineCounter: lines, prettyErrors: false });
  if (!Array.isArray(docs)) return [];
  const out: YamlSource[] = [];
  docs.forEach((doc, index) => {
    const err = doc.errors[0];
    if (err) {
      const pos = lines.linePos(err.pos[0]);
      const what = err.message.split('\n')[0] ?? 'syntax error';
      throw badInput(`${file}:${pos.line}:${pos.col}: malformed YAML: ${what}`);
    }
    // An empty document (a stray or trailing `---`, as Helm and kustomize print, or one of only comments)
    // parses as a null scalar: kubectl skips those, and so does Rampart.
    const c = doc.contents;
    if (c !== null && !(isScalar(c) && c.value === null)) out.push({ file, doc, lines, index });
  });
  return out;
}

/** `file:line:col` of the node at a path (or of its nearest existing parent). */
export function locate(src: YamlSource, path: readonly PropertyKey[]): string {
  let node: unknown = src.doc.contents;
  let found: YamlNode | null = src.doc.contents ?? null;
  for (const key of path) {
    if (isMap(node)) {
      const pair = node.items.find((p) => (p.key as { value?: unknown } | null)?.value === key);
      if (!pair) break;
      node = pair.value;
      found = (pair.value as YamlNode | null) ?? (pair.key as YamlNode);
    } else if (isSeq(node) && typeof key === 'number') {
      node = node.items[key];
      if (!node) break;
      found = node as YamlNode;
    } else break;
  }
  const offset = found?.range?.[0] ?? 0;
  const pos = src.lines.linePos(offset);
  return `${src.file}:${pos.line}:${pos.col}`;
}

/** Dotted field path for messages: `spec.fleet.clusters[3].nodes`. */
export function fieldPath(path: readonly PropertyKey[]): string {
  return path
    .map((k, i) => (typeof k === 'number' ? `[${k}]` : `${i === 0 ? '' : '.'}${String(k)}`))
    .join('');
}

/**
 * Validates a document against a Zod schema; the first issue becomes a one-line error with
 * file:line:col, the field path and what is wrong.
 */
export function validate<S extends z.ZodType>(src: YamlSource, schema: S): z.output<S> {
  const data: unknown = src.doc.toJS({ maxAliasCount: 100 });
  const result = schema.safeParse(data);
  if (result.success) return result.data;
  // An unknown field is often a misspelt one whose absence is also reported: name the cause first.
  const issue = result.error.issues.find((i) => i.code === 'unrecognized_keys') ?? result.error.issues[0];
  if (!issue) throw badInput(`${src.file}: invalid`);
  let where: readonly PropertyKey[] = issue.path;
  const path = where;
  let message = issue.message;
  if (issue.code === 'unrecognized_keys') {
    const key = issue.keys[0] ?? '';
    where = [...path, key];
    const near = closestField(schema, path, key);
    message = `unknown field "${key}"${near ? `; did you mean "${near}"?` : ''}`;
  } else if (
    (issue.code === 'invalid_type' || issue.code === 'invalid_union') &&
    issue.path.length > 0 &&
    valueAt(data, issue.path) === undefined
  ) {
    message = 'required field is missing';
  } else if (issue.code === 'invalid_key') {
    // A map's key failed its own schema (say, an unknown resource): its message says why.
    message = issue.issues[0]?.message ?? message;
  }
  const field = fieldPath(where) || '(document)';
  throw badInput(`${locate(src, where)}: ${field}: ${message}`);
}

/** The value at a path in plain data, or undefined where the path leads nowhere. */
function valueAt(data: unknown, path: readonly PropertyKey[]): unknown {
  let v: unknown = data;
  for (const k of path) {
    if (typeof v !== 'object' || v === null) return undefined;
    v = (v as Record<PropertyKey, unknown>)[k];
  }
  return v;
}

/** Reads, parses and validates a single-document YAML file. */
export function loadYamlFile<S extends z.ZodType>(
  file: string,
  schema: S,
): { value: z.output<S>; source: YamlSource } {
  const docs = parseYamlDocuments(file, readText(file));
  const first = docs[0];
  if (!first) throw badInput(`${file}: empty file; expected a YAML document`);
  return { value: validate(first, schema), source: first };
}
