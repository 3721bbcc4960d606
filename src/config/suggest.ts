import type { z } from 'zod';

/** The parts of a Zod schema's definition the walk below reads (Zod 4's `_zod.def`). */
interface Def {
  readonly type: string;
  readonly shape?: Readonly<Record<string, z.ZodType>>;
  readonly innerType?: z.ZodType;
  readonly in?: z.ZodType;
  readonly element?: z.ZodType;
  readonly options?: readonly z.ZodType[];
  readonly valueType?: z.ZodType;
  readonly left?: z.ZodType;
  readonly right?: z.ZodType;
}

function defOf(schema: z.ZodType): Def {
  return (schema as unknown as { _zod: { def: Def } })._zod.def;
}

/** Every object schema the value at `path` may be checked against (unions give several). */
function objectsAt(schema: z.ZodType, path: readonly PropertyKey[]): Def[] {
  return defsAt(schema, path).filter((d) => d.type === 'object');
}

/** Every schema (wrappers unwrapped) the value at `path` may be checked against (unions give several). */
function defsAt(schema: z.ZodType, path: readonly PropertyKey[], depth = 0): Def[] {
  if (depth > 64) return [];
  const def = defOf(schema);
  const next = (s: z.ZodType | undefined, rest = path): Def[] => (s ? defsAt(s, rest, depth + 1) : []);
  switch (def.type) {
    case 'optional':
    case 'default':
    case 'prefault':
    case 'nullable':
    case 'readonly':
    case 'catch':
    case 'nonoptional':
      return next(def.innerType);
    case 'pipe':
      return next(def.in);
    case 'union':
      return (def.options ?? []).flatMap((o) => next(o));
    case 'intersection':
      return [...next(def.left), ...next(def.right)];
    default:
      break;
  }
  const [key, ...rest] = path;
  if (key === undefined) return [def];
  if (def.type === 'object') return next(def.shape?.[String(key)], rest);
  if (def.type === 'array' && typeof key === 'number') return next(def.element, rest);
  if (def.type === 'record') return next(def.valueType, rest);
  return [];
}

/** Edit distance between two short strings (insertions, deletions, substitutions). */
function distance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1]?.toLowerCase() === b[j - 1]?.toLowerCase() ? 0 : 1;
      row.push(Math.min((prev[j] ?? 0) + 1, (row[j - 1] ?? 0) + 1, (prev[j - 1] ?? 0) + cost));
    }
    prev = row;
  }
  return prev[b.length] ?? Math.max(a.length, b.length);
}

/**
 * The known field closest to an unknown one at `path` in `schema` (the object that holds it), or null
 * when none is close: a typo of at most a third of the name's letters, or the same name in another case.
 */
export function closestField(
  schema: z.ZodType,
  path: readonly PropertyKey[],
  unknown: string,
): string | null {
  const known = [...new Set(objectsAt(schema, path).flatMap((d) => Object.keys(d.shape ?? {})))];
  let best: string | null = null;
  let bestDistance = Number.POSITIVE_INFINITY;
  for (const k of known) {
    const d = distance(unknown, k);
    if (d < bestDistance) {
      best = k;
      bestDistance = d;
    }
  }
  const allowed = Math.max(1, Math.floor(unknown.length / 3));
  return best !== null && bestDistance <= allowed ? best : null;
}

/**
 * Checks that `path` names a field `schema` knows, segment by segment. Returns null when it does, else
 * the first segment it does not know (with the path to the object that should hold it) and the closest
 * known field there, if any.
 */
export function unknownSegment(
  schema: z.ZodType,
  path: readonly PropertyKey[],
): { readonly at: readonly PropertyKey[]; readonly key: PropertyKey; readonly near: string | null } | null {
  for (let i = 0; i < path.length; i++) {
    const at = path.slice(0, i);
    const key = path[i] as PropertyKey;
    const defs = defsAt(schema, at);
    const known = defs.some(
      (d) =>
        d.type === 'record' ||
        (d.type === 'array' && typeof key === 'number') ||
        (d.type === 'object' &&
          typeof key === 'string' &&
          d.shape !== undefined &&
          Object.hasOwn(d.shape, key)),
    );
    if (!known) return { at, key, near: typeof key === 'string' ? closestField(schema, at, key) : null };
  }
  return null;
}
