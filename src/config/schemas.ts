import { z } from 'zod';
import { scenarioSchema } from './scenario-schema.js';
import { analyzeSchemaKinds } from './analyze-schemas.js';
import { rolloutPolicySchema } from './policy-schema.js';
import { fmtDuration } from './common-schemas.js';

/** Every file kind with a JSON Schema (`rampart schema <kind>`); other modules add theirs here. */
export const schemaKinds: Readonly<Record<string, z.ZodType>> = {
  scenario: scenarioSchema,
  ...analyzeSchemaKinds,
  rolloutpolicy: rolloutPolicySchema,
};

/** A JSON Schema node as zod emits it; `range` is durationIn's metadata (see there). */
export interface JsonSchemaNode {
  readonly [key: string]: unknown;
}

/** The schema of a file kind as zod emits it, before jsonSchemaOf joins the descriptions. */
export function rawJsonSchema(schema: z.ZodType): JsonSchemaNode {
  return z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' });
}

const capitalize = (s: string): string => s.charAt(0).toUpperCase() + s.slice(1);

function defaultText(node: Record<string, unknown>, isDuration: boolean): string | undefined {
  if (!('default' in node)) return undefined;
  const d = node.default;
  if (isDuration && typeof d === 'number') return fmtDuration(d);
  return JSON.stringify(d);
}

/**
 * One description per field for editors: what it is (the field's own `.describe()`), then its range (a
 * duration's `range`), then its default unless the text already gives it. The default goes last and in
 * parentheses so the range stays readable by machines ("from 0s to 1h").
 */
function joinDescriptions(node: unknown): void {
  if (Array.isArray(node)) {
    for (const item of node) joinDescriptions(item);
    return;
  }
  if (node === null || typeof node !== 'object') return;
  const n = node as Record<string, unknown>;
  const own = typeof n.description === 'string' ? n.description : undefined;
  const range = typeof n.range === 'string' ? n.range : undefined;
  if (range !== undefined || own !== undefined) {
    const parts = [own, range === undefined ? undefined : own === undefined ? range : capitalize(range)];
    let text = parts.filter((p): p is string => p !== undefined).join('. ');
    const def = defaultText(n, range?.startsWith('a duration') === true);
    if (def !== undefined && !/\bdefault\b/i.test(text)) text += ` (default ${def})`;
    n.description = text;
    delete n.range;
  }
  for (const value of Object.values(n)) joinDescriptions(value);
}

/**
 * The default a field documents: its `.default()`, or `meta({ default })` where the default is applied later
 * (scenario-clusters.ts). zod leaves both out of an input schema when the field transforms (a duration: its
 * default is the output, seconds); every such default here is also a valid input, so it is put back.
 */
function documentedDefault(zodSchema: z.core.$ZodType): { readonly value: unknown } | undefined {
  const def = zodSchema._zod.def;
  if (def.type === 'default') return { value: (def as z.core.$ZodDefaultDef).defaultValue };
  const meta = z.globalRegistry.get(zodSchema);
  return meta !== undefined && 'default' in meta ? { value: meta.default } : undefined;
}

/** The JSON Schema `rampart schema <kind>` prints: zod's, with each field's description and range joined. */
export function jsonSchemaOf(schema: z.ZodType): JsonSchemaNode {
  const emitted = z.toJSONSchema(schema, {
    io: 'input',
    unrepresentable: 'any',
    override: ({ zodSchema, jsonSchema }) => {
      const d = documentedDefault(zodSchema);
      if (d !== undefined && jsonSchema.default === undefined) jsonSchema.default = d.value;
    },
  });
  // A copy: zod's output may share nodes between fields, and each must be joined once.
  const json = JSON.parse(JSON.stringify(emitted)) as Record<string, unknown>;
  joinDescriptions(json);
  return json;
}
