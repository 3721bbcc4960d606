import { stringify } from 'yaml';
import { basePolicy, baseScenario } from './cases.js';
import { jsonSchemaOf, leaves, setAt, type JsonSchema } from './schema-gen.js';
import { runCases, type FuzzCase } from './support.js';

// On demand (not part of npm test): every numeric leaf of the scenario and policy schemas at its minimum and
// its maximum, each through the CLI. `node --import tsx test/fuzz/edges.ts [path-filter]`.
const cases: FuzzCase[] = [];
for (const [kind, base] of [
  ['scenario', baseScenario],
  ['rolloutpolicy', basePolicy],
] as const) {
  const root = jsonSchemaOf(kind);
  for (const leaf of leaves(root).filter(
    (l) => !process.argv[2] || l.path.join('.').includes(process.argv[2]),
  )) {
    const s: JsonSchema = leaf.schema;
    const alts = s.anyOf ?? [s];
    for (const a of alts) {
      const types = Array.isArray(a.type) ? a.type : [a.type];
      const m = /(from|more than) (\S+) (?:to|and at most) ([^\s;]+)/.exec(a.description ?? '');
      const values: unknown[] = [];
      if (m) values.push(m[1] === 'more than' ? '1s' : m[2], m[3]);
      else if (types.includes('number') || types.includes('integer'))
        values.push(a.minimum ?? (a.exclusiveMinimum ?? 0) + 1e-6, a.maximum ?? 1e12);
      for (const v of values) {
        const doc = setAt(structuredClone(base), root, leaf.path, v, 0);
        const files: Record<string, string> =
          kind === 'scenario'
            ? { 'in.yaml': stringify(doc) }
            : { 'in.yaml': stringify(baseScenario), 'policy.yaml': stringify(doc) };
        const args =
          kind === 'scenario'
            ? ['simulate', 'in.yaml', '--json', '-']
            : ['simulate', 'in.yaml', '--policy', './policy.yaml', '--json', '-'];
        cases.push({ label: `${kind} ${leaf.path.join('.')}=${JSON.stringify(v)}`, files, args });
      }
    }
  }
}
console.log(`${cases.length} edge cases`);
const results = await runCases(cases, 2);
let failed = 0;
results.forEach((r, i) => {
  const c = cases[i] as FuzzCase;
  const note = r.run.code === 2 ? r.run.stderr.trim().slice(0, 160) : '';
  if (r.failure) failed++;
  console.log(
    `${r.failure ? 'FAIL' : 'ok  '} ${String(r.run.code)} ${(r.run.ms / 1000).toFixed(1)}s ${c.label} ${r.failure ?? ''} ${note}`,
  );
});
console.log(`${failed} failed`);
