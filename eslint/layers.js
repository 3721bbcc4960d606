// Local ESLint rules that keep src/ layered: a folder imports only folders below it, and no import cycles.
// The table is the architecture (README "Layout"); change it there and here together.
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';

const below = {
  core: [],
  model: ['core'],
  cost: ['core', 'model'],
  apf: ['core', 'model', 'cost'],
  config: ['core', 'model', 'cost', 'apf'],
  sim: ['core', 'model', 'cost', 'apf', 'config'],
  rollout: ['core', 'model', 'cost', 'apf', 'config'],
  analyze: ['core', 'model', 'cost', 'apf', 'config'],
  adapters: ['core', 'model', 'cost', 'apf', 'config', 'sim', 'rollout', 'analyze'],
  compare: ['core', 'model', 'cost', 'apf', 'config', 'sim', 'rollout', 'analyze', 'adapters'],
  loadtest: ['core', 'model', 'cost', 'apf', 'config', 'sim', 'rollout', 'analyze', 'adapters'],
  report: [
    'core',
    'model',
    'cost',
    'apf',
    'config',
    'sim',
    'rollout',
    'analyze',
    'adapters',
    'compare',
    'loadtest',
  ],
  drill: [
    'core',
    'model',
    'cost',
    'apf',
    'config',
    'sim',
    'rollout',
    'analyze',
    'adapters',
    'compare',
    'loadtest',
    'report',
  ],
  serve: [
    'core',
    'model',
    'cost',
    'apf',
    'config',
    'sim',
    'rollout',
    'analyze',
    'adapters',
    'compare',
    'loadtest',
    'report',
  ],
  testbed: ['core', 'model', 'cost', 'apf', 'config', 'loadtest'],
};
const topLevel = Object.keys(below);
// src/index.ts (the library's API) and cli/ may import any folder; nothing imports cli/.
const everything = [...topLevel];

const specifierOf = (node) =>
  node.source && typeof node.source.value === 'string' ? node.source.value : null;

/** The folder under src/ a file belongs to ('' for src/index.ts), or null outside src/. */
function folderOf(srcRoot, file) {
  const rel = relative(srcRoot, file);
  if (rel.startsWith('..')) return null;
  const parts = rel.split(sep);
  return parts.length === 1 ? '' : parts[0];
}

function allowedFrom(folder) {
  if (folder === '' || folder === 'cli') return everything;
  return below[folder];
}

const layers = {
  meta: {
    type: 'problem',
    schema: [],
    messages: {
      up: 'src/{{from}}/ may not import src/{{to}}/ (layers point one way: eslint/layers.js).',
      unknown: 'src/{{folder}}/ is not in the layer table (eslint/layers.js): add it where it belongs.',
    },
  },
  create(context) {
    const file = context.filename;
    const srcRoot = resolve(context.cwd, 'src');
    const from = folderOf(srcRoot, file);
    if (from === null) return {};
    const allowed = allowedFrom(from);
    const check = (node) => {
      const spec = specifierOf(node);
      if (!spec || !spec.startsWith('.')) return;
      const to = folderOf(srcRoot, resolve(dirname(file), spec));
      if (to === null || to === from) return;
      if (!allowed) return context.report({ node, messageId: 'unknown', data: { folder: from } });
      if (to === 'cli' || to === '' || !allowed.includes(to))
        context.report({ node, messageId: 'up', data: { from, to: to || 'index.ts' } });
    };
    return {
      ImportDeclaration: check,
      ExportNamedDeclaration: check,
      ExportAllDeclaration: check,
      ImportExpression: check,
    };
  },
};

// Cycles: the import graph of src/ is read once per lint run (imports by text, type-only ones included,
// since a type cycle is still a knot in the layering), and a file in a strongly connected component of
// more than one file is reported.
let cycleOf = null;
function importsOf(file) {
  const text = readFileSync(file, 'utf8');
  const out = [];
  for (const m of text.matchAll(/(?:from|import)\s*\(?\s*'(\.{1,2}\/[^']+)'/g)) {
    const target = resolve(dirname(file), m[1]).replace(/\.js$/, '.ts');
    out.push(target);
  }
  return out;
}
function walk(dir, files) {
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) walk(p, files);
    else if (p.endsWith('.ts') && !p.endsWith('.test.ts')) files.push(p);
  }
  return files;
}
function computeCycles(srcRoot) {
  const files = walk(srcRoot, []);
  const known = new Set(files);
  const edges = new Map(files.map((f) => [f, importsOf(f).filter((t) => known.has(t))]));
  // Tarjan's strongly connected components.
  let index = 0;
  const idx = new Map(),
    low = new Map(),
    stack = [],
    on = new Set(),
    result = new Map();
  const strong = (v) => {
    idx.set(v, index);
    low.set(v, index);
    index++;
    stack.push(v);
    on.add(v);
    for (const w of edges.get(v) ?? []) {
      if (!idx.has(w)) {
        strong(w);
        low.set(v, Math.min(low.get(v), low.get(w)));
      } else if (on.has(w)) low.set(v, Math.min(low.get(v), idx.get(w)));
    }
    if (low.get(v) === idx.get(v)) {
      const comp = [];
      let w;
      do {
        w = stack.pop();
        on.delete(w);
        comp.push(w);
      } while (w !== v);
      if (comp.length > 1) for (const f of comp) result.set(f, comp.map((c) => relative(srcRoot, c)).sort());
    }
  };
  for (const f of files) if (!idx.has(f)) strong(f);
  return result;
}
const noCycles = {
  meta: { type: 'problem', schema: [], messages: { cycle: 'import cycle: {{files}}' } },
  create(context) {
    const srcRoot = resolve(context.cwd, 'src');
    if (folderOf(srcRoot, context.filename) === null || context.filename.endsWith('.test.ts')) return {};
    cycleOf ??= computeCycles(srcRoot);
    const comp = cycleOf.get(context.filename);
    return comp
      ? { Program: (node) => context.report({ node, messageId: 'cycle', data: { files: comp.join(', ') } }) }
      : {};
  },
};

export const layersPlugin = { rules: { layers, 'no-cycles': noCycles } };
