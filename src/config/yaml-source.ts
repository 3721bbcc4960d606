import { readFileSync, statSync } from 'node:fs';
import {
  isAlias,
  isCollection,
  isMap,
  isPair,
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

/**
 * The largest YAML or JSON input file (scenario, policy, fleet, API profile, each manifest file). The `yaml`
 * library parses one to two megabytes a second here, so 8 MiB is several seconds; a larger manifest list is
 * better split, or narrowed to the workloads (`kubectl get ds,deploy,sts,job,cronjob -o yaml`).
 */
export const maxInputBytes = 8 * 1024 * 1024;

/**
 * Aliases one document may use. Each alias the library resolves scans the document (quadratic in their
 * number), and together they can expand a few lines into gigabytes (an alias bomb); hand-written files use a
 * few.
 */
export const maxAliases = 1_000;

/**
 * Reads a file's text, turning OS errors into one-line bad-input errors. Only a regular file is read, and
 * only up to maxInputBytes: `/dev/zero`, `/dev/urandom` or a FIFO would fill memory or wait for ever.
 */
export function readText(file: string): string {
  try {
    // stat before open: opening a FIFO blocks until someone writes to it.
    const st = statSync(file);
    if (st.isDirectory()) throw Object.assign(new Error(), { code: 'EISDIR' });
    if (!st.isFile())
      throw badInput(`${file}: cannot read (not a regular file: a device, FIFO or socket); give a file`);
    if (st.size > maxInputBytes) throw tooLarge(file, st.size);
    const text = readFileSync(file, 'utf8');
    // It may have grown between the stat and the read.
    if (text.length > maxInputBytes) throw tooLarge(file, Buffer.byteLength(text));
    return text;
  } catch (err) {
    if (err instanceof RampartError) throw err;
    const code = (err as NodeJS.ErrnoException).code;
    const why =
      code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'is a directory' : (code ?? 'unreadable');
    throw new RampartError(ErrorCodes.badInput, `${file}: cannot read (${why})`);
  }
}

function tooLarge(file: string, bytes: number): RampartError {
  const mib = (b: number): string => `${(b / 1024 / 1024).toFixed(1)} MiB`;
  return badInput(
    `${file}: ${mib(bytes)}; an input file is at most ${mib(maxInputBytes)} (split it into several files)`,
  );
}

/** Parses every YAML document in a text; a syntax error names file:line:col. */
export function parseYamlDocuments(file: string, text: string): YamlSource[] {
  const lines = new LineCounter();
  const docs = parseAll(file, text, lines);
  if (!Array.isArray(docs)) return [];
  const out: YamlSource[] = [];
  docs.forEach((doc, index) => {
    const err = doc.errors[0];
    if (err) {
      const pos = lines.linePos(err.pos[0]);
      const what = err.message.split('\n')[0] ?? 'syntax error';
      throw badInput(`${file}:${pos.line}:${pos.col}: malformed YAML: ${what}`);
    }
    checkNodes(file, doc, lines);
    // An empty document (a stray or trailing `---`, as Helm and kustomize print, or one of only comments)
    // parses as a null scalar: kubectl skips those, and so does Rampart.
    const c = doc.contents;
    if (c !== null && !(isScalar(c) && c.value === null)) out.push({ file, doc, lines, index });
  });
  return out;
}

function parseAll(file: string, text: string, lines: LineCounter) {
  try {
    // uniqueKeys: the library's own check compares each key with every earlier one (a map of 40,000 keys
    // took 77 s); checkNodes does it with a set per map.
    return parseAllDocuments(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: false });
  } catch (err) {
    // The parser recurses per nesting level: deep enough nesting may exhaust the stack.
    if (err instanceof RangeError) throw badInput(`${file}: malformed YAML: nested too deeply`);
    throw err;
  }
}

/**
 * One pass over a document's nodes (a loop, not recursion, so any nesting depth the parser took is fine):
 * keys unique in every map (in linear time), and every alias naming an anchor set before it, outside the
 * aliased node itself, at most maxAliases times. Each is a one-line error at the offending node.
 */
function checkNodes(file: string, doc: Document.Parsed, lines: LineCounter): void {
  const at = (node: { range?: readonly number[] | null | undefined }, what: string): RampartError => {
    const pos = lines.linePos(node.range?.[0] ?? 0);
    return badInput(`${file}:${pos.line}:${pos.col}: malformed YAML: ${what}`);
  };
  // An anchor is open while its node is walked (an alias to it there would make the value contain itself).
  const anchors = new Map<string, 'open' | 'done'>();
  let aliases = 0;
  type Item = { readonly node: unknown; readonly exit?: string };
  const stack: Item[] = [{ node: doc.contents }];
  for (let item = stack.pop(); item; item = stack.pop()) {
    if (item.exit !== undefined) {
      anchors.set(item.exit, 'done');
      continue;
    }
    const node = item.node;
    if (isAlias(node)) {
      const state = anchors.get(node.source);
      if (state === undefined)
        throw at(node, `alias *${node.source} has no anchor &${node.source} before it`);
      if (state === 'open') throw at(node, `alias *${node.source} is inside the node it names`);
      if (++aliases > maxAliases)
        throw at(
          node,
          `more than ${maxAliases} aliases in one document (an alias bomb?); write the values out`,
        );
      continue;
    }
    if (isPair(node)) {
      stack.push({ node: node.value }, { node: node.key });
      continue;
    }
    if (!isScalar(node) && !isCollection(node)) continue;
    if (node.anchor) {
      anchors.set(node.anchor, 'open');
      stack.push({ node: null, exit: node.anchor });
    }
    if (isMap(node)) checkUniqueKeys(node.items, at);
    if (isCollection(node))
      for (let i = node.items.length - 1; i >= 0; i--) stack.push({ node: node.items[i] });
  }
}

/** Keys are equal as the library compares them: scalars of equal value (`1` and `"1"` differ). */
function checkUniqueKeys(
  pairs: readonly unknown[],
  at: (node: { range?: readonly number[] | null | undefined }, what: string) => RampartError,
): void {
  const seen = new Set<unknown>();
  for (const pair of pairs) {
    const key = isPair(pair) ? pair.key : undefined;
    if (!isScalar(key)) continue;
    if (seen.has(key.value)) throw at(key, `duplicate key "${String(key.value)}" (map keys must be unique)`);
    seen.add(key.value);
  }
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
  let data: unknown;
  try {
    data = src.doc.toJS({ maxAliasCount: 100 });
  } catch (err) {
    // The library's own alias checks, behind checkNodes's: still one line, at the document.
    if (!(err instanceof ReferenceError)) throw err;
    throw badInput(`${locate(src, [])}: malformed YAML: ${err.message.split('\n')[0] ?? ''}`);
  }
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

/** Reads and parses a single-document YAML file (not yet validated). */
export function loadYamlSource(file: string): YamlSource {
  const first = parseYamlDocuments(file, readText(file))[0];
  if (!first) throw badInput(`${file}: empty file; expected a YAML document`);
  return first;
}

/** Reads, parses and validates a single-document YAML file. */
export function loadYamlFile<S extends z.ZodType>(
  file: string,
  schema: S,
): { value: z.output<S>; source: YamlSource } {
  const first = loadYamlSource(file);
  return { value: validate(first, schema), source: first };
}
