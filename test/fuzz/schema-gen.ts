import fc from 'fast-check';
import { formatDurationS, parseDurationS } from '../../src/core/duration.js';
import { jsonSchemaOf as printedSchema, schemaKinds } from '../../src/config/schemas.js';

/**
 * Generators derived from the file kinds' JSON Schemas (what `rampart schema <kind>` prints), so that a new
 * field, or a new bound, is fuzzed without anyone remembering to: every leaf of the schema is a place a
 * case may set, with values from its own range (edges first) or values outside it.
 */
export interface JsonSchema {
  readonly type?: string | readonly string[];
  readonly properties?: Readonly<Record<string, JsonSchema>>;
  readonly required?: readonly string[];
  readonly items?: JsonSchema;
  readonly anyOf?: readonly JsonSchema[];
  readonly oneOf?: readonly JsonSchema[];
  readonly enum?: readonly unknown[];
  readonly const?: unknown;
  readonly minimum?: number;
  readonly maximum?: number;
  readonly exclusiveMinimum?: number;
  readonly minItems?: number;
  readonly maxItems?: number;
  readonly minLength?: number;
  readonly description?: string;
  readonly additionalProperties?: boolean | JsonSchema;
  readonly default?: unknown;
}

/** The JSON Schema of a file kind, as `rampart schema <kind>` prints it. */
export function jsonSchemaOf(kind: string): JsonSchema {
  const schema = schemaKinds[kind];
  if (!schema) throw new Error(`no schema kind ${kind}`);
  return printedSchema(schema);
}

/** A path into a document: property names, and `[]` for "an element of this list" or `*` for "a key of this map". */
export type Path = readonly string[];
export interface Leaf {
  readonly path: Path;
  readonly schema: JsonSchema;
}

const isScalarSchema = (s: JsonSchema): boolean =>
  s.properties === undefined && s.items === undefined && typeof s.additionalProperties !== 'object';

/** Every leaf (a scalar, or a union of scalars) reachable in a schema. */
export function leaves(schema: JsonSchema, path: Path = []): Leaf[] {
  const alts = schema.anyOf ?? schema.oneOf;
  if (alts) {
    if (alts.every(isScalarSchema)) return [{ path, schema }];
    return alts.flatMap((a) => leaves(a, path));
  }
  if (schema.properties)
    return Object.entries(schema.properties).flatMap(([k, s]) => leaves(s, [...path, k]));
  if (schema.items) return leaves(schema.items, [...path, '[]']);
  if (typeof schema.additionalProperties === 'object')
    return leaves(schema.additionalProperties, [...path, '*']);
  return [{ path, schema }];
}

/** A duration's range from its description ("… from 0s to 1h", "… more than 0s and at most 720h"). */
function durationRange(s: JsonSchema): { min: number; max: number; gt: boolean } | undefined {
  const m = /(from|more than) (\S+) (?:to|and at most) ([^\s;]+)/.exec(s.description ?? '');
  if (!m) return undefined;
  const min = parseDurationS(m[2] ?? '');
  const max = parseDurationS(m[3] ?? '');
  return min === undefined || max === undefined ? undefined : { min, max, gt: m[1] === 'more than' };
}

/**
 * Values inside a leaf's range, edges first: `clamp` narrows a number's or a duration's upper end, so that
 * a case stays small (a scenario of a few minutes, a handful of clusters) while the lower edges stay in.
 */
export function validValue(s: JsonSchema, clampMax = Number.POSITIVE_INFINITY): fc.Arbitrary<unknown> {
  if (s.const !== undefined) return fc.constant(s.const);
  if (s.enum) return fc.constantFrom(...s.enum);
  const alts = s.anyOf ?? s.oneOf;
  if (alts) return fc.oneof(...alts.map((a) => validValue(a, clampMax)));
  const d = durationRange(s);
  if (d) {
    const max = Math.min(d.max, Math.max(clampMax, d.min + 1));
    const lo = d.gt ? Math.min(max, d.min + 0.5) : d.min;
    const secs = fc.oneof(fc.constantFrom(lo, max), fc.integer({ min: Math.ceil(lo), max: Math.floor(max) }));
    return fc.oneof(
      secs,
      secs.map((x) => formatDurationS(x)),
    );
  }
  const types = Array.isArray(s.type) ? s.type : [s.type];
  if (types.includes('integer') || types.includes('number')) {
    const min = s.minimum ?? (s.exclusiveMinimum !== undefined ? s.exclusiveMinimum : -1e6);
    const max = Math.max(min, Math.min(s.maximum ?? 1e6, clampMax));
    if (types.includes('integer')) {
      const lo = Math.ceil(s.exclusiveMinimum !== undefined ? s.exclusiveMinimum + 1 : min);
      const hi = Math.max(lo, Math.floor(max));
      return fc.oneof(fc.constantFrom(lo, hi), fc.integer({ min: lo, max: hi }));
    }
    const lo = s.exclusiveMinimum !== undefined ? s.exclusiveMinimum + 1e-9 : min;
    return fc.oneof(
      fc.constantFrom(lo, max),
      fc.double({ min: lo, max, noNaN: true, noDefaultInfinity: true }),
    );
  }
  if (types.includes('boolean')) return fc.boolean();
  // Names the base documents use (clusters, resources, default priority levels) keep cases meaningful.
  if (types.includes('string'))
    return fc.constantFrom(
      'staging-1',
      'prod-1',
      'pods',
      'nodes',
      'global-default',
      'workload-low',
      'a',
      'x y',
      'ÿ',
    );
  if (types.includes('null')) return fc.constant(null);
  return fc.constant(minimalValue(s));
}

/** Values a field must refuse (or take and still answer with finite numbers). */
export const nastyValue: fc.Arbitrary<unknown> = fc.constantFrom(
  -1,
  0,
  1e-300,
  1e300,
  -1e300,
  2 ** 53 + 1,
  0.5,
  '',
  'x',
  '25:99',
  '0x10',
  '1e3',
  '-5m',
  '99999999999h',
  '.nan',
  [],
  {},
  null,
  true,
  'x'.repeat(5000),
);

/** The smallest value a schema accepts, built without randomness (for lists and objects a path passes through). */
export function minimalValue(s: JsonSchema): unknown {
  if (s.const !== undefined) return s.const;
  if (s.enum) return s.enum[0];
  const alts = s.anyOf ?? s.oneOf;
  if (alts?.[0]) return minimalValue(alts[0]);
  if (s.properties) {
    const out: Record<string, unknown> = {};
    for (const k of s.required ?? []) {
      const p = s.properties[k];
      if (p) out[k] = minimalValue(p);
    }
    return out;
  }
  if (s.items) return Array.from({ length: s.minItems ?? 0 }, () => minimalValue(s.items as JsonSchema));
  if (typeof s.additionalProperties === 'object') return {};
  const d = durationRange(s);
  if (d) return d.gt ? d.min + 1 : d.min;
  const types = Array.isArray(s.type) ? s.type : [s.type];
  if (types.includes('integer') || types.includes('number'))
    return s.minimum ?? (s.exclusiveMinimum ?? 0) + 1;
  if (types.includes('boolean')) return false;
  if (types.includes('string')) return 'x'.repeat(Math.max(1, s.minLength ?? 1));
  return null;
}

/** The schema at a path (through the first object alternative of a union that has the property). */
function schemaAt(root: JsonSchema, path: Path): JsonSchema | undefined {
  let s: JsonSchema | undefined = root;
  for (const seg of path) {
    if (!s) return undefined;
    const alts: readonly JsonSchema[] = s.anyOf ?? s.oneOf ?? [s];
    const next: JsonSchema | undefined = alts
      .map((a) =>
        seg === '[]'
          ? a.items
          : seg === '*'
            ? typeof a.additionalProperties === 'object'
              ? a.additionalProperties
              : undefined
            : a.properties?.[seg],
      )
      .find((x) => x !== undefined);
    s = next;
  }
  return s;
}

/**
 * Sets `value` at `path` in a plain-data document, creating what is missing from the schema (an object, a
 * list with one minimal element). `pick` chooses which element of an existing list, or a map's key.
 */
export function setAt(doc: unknown, root: JsonSchema, path: Path, value: unknown, pick: number): unknown {
  if (path.length === 0) return value;
  const [seg, ...rest] = path as [string, ...string[]];
  if (seg === '[]') {
    const sub = schemaAt(root, ['[]']) ?? {};
    const list: unknown[] = Array.isArray(doc) ? [...(doc as unknown[])] : [];
    if (list.length === 0) list.push(minimalValue(sub));
    const i = pick % list.length;
    list[i] = setAt(list[i] ?? minimalValue(sub), sub, rest, value, pick);
    return list;
  }
  const obj: Record<string, unknown> =
    typeof doc === 'object' && doc !== null && !Array.isArray(doc)
      ? { ...(doc as Record<string, unknown>) }
      : {};
  const key = seg === '*' ? (Object.keys(obj)[pick % Math.max(1, Object.keys(obj).length)] ?? 'pods') : seg;
  const sub = schemaAt(root, [seg]) ?? {};
  obj[key] = setAt(obj[key] ?? (rest.length > 0 ? minimalValue(sub) : undefined), sub, rest, value, pick);
  return obj;
}

/** Path prefixes a generated value may not push past `clamp` (seconds, counts), to keep runs small. */
export type Clamps = ReadonlyArray<readonly [RegExp, number]>;

/**
 * A document from `base` with 1–3 leaves set: inside their range, or (with `mutate`) to a value outside it.
 * The label names what was set, for the failure report.
 */
export function derivedDoc(
  kind: string,
  base: unknown,
  opts: { readonly mutate: boolean; readonly clamps?: Clamps },
): fc.Arbitrary<{ doc: unknown; label: string }> {
  const root = jsonSchemaOf(kind);
  const all = leaves(root);
  const one = fc.nat({ max: all.length - 1 }).chain((li) => {
    const leaf = all[li] as Leaf;
    const dotted = leaf.path.join('.');
    const clamp = (opts.clamps ?? []).find(([re]) => re.test(dotted))?.[1] ?? Number.POSITIVE_INFINITY;
    const value = opts.mutate
      ? fc.oneof(nastyValue, validValue(leaf.schema, clamp))
      : validValue(leaf.schema, clamp);
    return fc.record({ leaf: fc.constant(leaf), value, pick: fc.nat({ max: 7 }) });
  });
  return fc.array(one, { minLength: 1, maxLength: 3 }).map((sets) => {
    let doc: unknown = structuredClone(base);
    for (const s of sets) doc = setAt(doc, root, s.leaf.path, s.value, s.pick);
    return {
      doc,
      label: sets.map((s) => `${s.leaf.path.join('.')}=${JSON.stringify(s.value)?.slice(0, 40)}`).join(', '),
    };
  });
}
