import { isMap, isSeq, parse as parseYaml } from 'yaml';
import { badInput, RampartError } from '../core/errors.js';
import { unknownSegment } from './suggest.js';
import { fieldPath, loadYamlSource, validate, type YamlSource } from './yaml-source.js';
import { scenarioSchema } from './scenario-schema.js';
import { resolveScenario } from './scenario.js';
import type { Scenario } from './scenario-model.js';

/** A value a scenario field may be set to from the command line: a YAML scalar. */
export type OverrideValue = string | number | boolean | null;

/** One field of the scenario file set to one value (`spec.change.namespace` = `monitoring`). */
export interface ScenarioOverride {
  /** The path as written, for messages and output (`spec.fleet.generate[2].apiServers`). */
  readonly path: string;
  readonly value: OverrideValue;
}

/** A `--set path=v1,v2,…` flag: one path, the values to try. */
export interface OverrideAxis {
  readonly path: string;
  readonly values: readonly OverrideValue[];
}

/**
 * Parses `path=v1,v2,…`: the path is the scenario file's own field path (dots, `[n]` or `.n` for list
 * items), checked against the scenario schema; each value is read as a YAML scalar (`3`, `0.5`, `true`,
 * `20m`, `kube-system`).
 */
export function parseOverrideAxis(text: string, flag = '--set'): OverrideAxis {
  const eq = text.indexOf('=');
  if (eq <= 0)
    throw badInput(
      `${flag} ${text}: expected <path>=<v1,v2,…> (e.g. spec.change.namespace=kube-system,telemetry)`,
    );
  const written = text.slice(0, eq).trim();
  const segments = pathSegments(written, flag);
  checkPath(segments, written, flag);
  // One spelling per field (`generate.2` and `generate[2]` are one path), as the file's errors write it.
  const path = fieldPath(segments).replace(/\.\*(?=\.|$)/g, '[*]');
  const raw = text.slice(eq + 1).split(',');
  const values = raw.map((v) => scalar(v.trim(), `${flag} ${path}`));
  const dup = values.find((v, i) => values.indexOf(v) !== i);
  if (dup !== undefined) throw badInput(`${flag} ${path}: value ${String(dup)} is given twice`);
  return { path, values };
}

/**
 * `spec.fleet.generate[2].apiServers` → ['spec', 'fleet', 'generate', 2, 'apiServers']; `[*]` (every item
 * of the list) stays '*'.
 */
export function pathSegments(path: string, flag = '--set'): PropertyKey[] {
  const parts = path.replace(/\[(\d+|\*)\]/g, '.$1').split('.');
  if (path.length === 0 || parts.some((p) => p.length === 0))
    throw badInput(
      `${flag} ${path}: not a field path (write it as spec.clusterDefaults.apiServer.memoryGiB)`,
    );
  return parts.map((p) => (/^\d+$/.test(p) ? Number(p) : p));
}

function checkPath(segments: readonly PropertyKey[], path: string, flag: string): void {
  // Every item of a list has the schema of its first.
  const bad = unknownSegment(
    scenarioSchema,
    segments.map((k) => (k === '*' ? 0 : k)),
  );
  if (bad === null) return;
  const where = bad.at.length === 0 ? 'the scenario' : fieldPath(bad.at);
  const what =
    typeof bad.key === 'number' ? `[${bad.key}] is not a list item` : `unknown field "${String(bad.key)}"`;
  const near = bad.near === null ? '' : `; did you mean "${fieldPath([...bad.at, bad.near])}"?`;
  throw badInput(`${flag} ${path}: ${what} in ${where}${near}`);
}

function scalar(text: string, where: string): OverrideValue {
  if (text.length === 0) throw badInput(`${where}: an empty value; give one value between each comma`);
  let v: unknown;
  try {
    v = parseYaml(text);
  } catch {
    throw badInput(`${where}: "${text}" is not a YAML scalar`);
  }
  if (v === null || typeof v === 'string' || typeof v === 'boolean') return v;
  if (typeof v === 'number' && Number.isFinite(v)) return v;
  throw badInput(`${where}: "${text}" is not a YAML scalar (a number, true/false, a word or a duration)`);
}

/**
 * Loads a scenario file with fields set: each override is written into the parsed document, and the
 * whole document is then validated and resolved as if the file said so (a value out of range is the
 * same one-line error the file would give, prefixed with the overrides).
 */
export function loadScenarioWith(
  file: string,
  overrides: readonly ScenarioOverride[],
  seedOverride?: number,
): Scenario {
  const base = loadYamlSource(file);
  if (overrides.length === 0) return resolveScenario(validate(base, scenarioSchema), base, seedOverride);
  // A clone of a parsed document is one too (same directives, ranges and contents).
  const doc = base.doc.clone() as typeof base.doc;
  for (const o of overrides) {
    for (const segments of expandItems(base, pathSegments(o.path), o.path)) {
      checkItems(base, segments, o.path);
      doc.setIn(segments, o.value);
    }
  }
  const src: YamlSource = { ...base, doc };
  try {
    return resolveScenario(validate(src, scenarioSchema), src, seedOverride);
  } catch (err) {
    if (!(err instanceof RampartError)) throw err;
    const set = overrides.map((o) => `${o.path}=${String(o.value)}`).join(', ');
    throw new RampartError(err.code, `with --set ${set}: ${err.message}`);
  }
}

/** A path with `[*]` as one path per item of that list in the file. */
function expandItems(src: YamlSource, segments: readonly PropertyKey[], path: string): PropertyKey[][] {
  const star = segments.indexOf('*');
  if (star < 0) return [[...segments]];
  const prefix = segments.slice(0, star);
  const list = src.doc.getIn(prefix, true);
  const length = isSeq(list) ? list.items.length : 0;
  if (length === 0) throw badInput(`--set ${path}: ${fieldPath(prefix)} has no items in ${src.file}`);
  return Array.from({ length }, (_, i) => i).flatMap((i) =>
    expandItems(src, [...prefix, i, ...segments.slice(star + 1)], path),
  );
}

/** A list item named in a path must exist in the file: setting one past the end would invent it. */
function checkItems(src: YamlSource, segments: readonly PropertyKey[], path: string): void {
  for (let i = 0; i < segments.length; i++) {
    const key = segments[i];
    if (typeof key !== 'number') continue;
    const list = src.doc.getIn(segments.slice(0, i), true);
    const length = isSeq(list) ? list.items.length : 0;
    if (key >= length)
      throw badInput(
        `--set ${path}: ${fieldPath(segments.slice(0, i))} has ${length} item(s) in ${src.file}; [${key}] is not one of them`,
      );
  }
  // A map the path goes through must be a map in the file (setIn would otherwise replace a scalar).
  for (let i = 1; i < segments.length; i++) {
    const node = src.doc.getIn(segments.slice(0, i), true);
    if (node !== undefined && node !== null && !isMap(node) && !isSeq(node))
      throw badInput(
        `--set ${path}: ${fieldPath(segments.slice(0, i))} is a value in ${src.file}, not a map`,
      );
  }
}
