import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { jsonSchemaOf, rawJsonSchema, schemaKinds, type JsonSchemaNode } from '../src/config/schemas.js';
import { runCliInProcess } from './support/index.js';

type Node = Readonly<Record<string, unknown>>;
const isNode = (v: unknown): v is Node => v !== null && typeof v === 'object' && !Array.isArray(v);

/**
 * Every property path in a JSON Schema whose schema has no description of its own: a duration's range
 * (`range`) alone says how much, not what the field is.
 */
function undocumented(node: JsonSchemaNode, path: string, out: string[]): void {
  const props = node.properties;
  if (isNode(props)) {
    for (const [key, child] of Object.entries(props)) {
      if (!isNode(child)) continue;
      const p = path === '' ? key : `${path}.${key}`;
      const d = child.description;
      if (typeof d !== 'string' || d.trim() === '') out.push(p);
      undocumented(child, p, out);
    }
  }
  if (isNode(node.items)) undocumented(node.items, `${path}[]`, out);
  if (isNode(node.additionalProperties)) undocumented(node.additionalProperties, `${path}.*`, out);
  for (const key of ['anyOf', 'oneOf', 'allOf'] as const) {
    const branches = node[key];
    if (!Array.isArray(branches)) continue;
    branches.forEach((b: unknown, i) => {
      if (isNode(b)) undocumented(b, `${path}<${key}[${i}]>`, out);
    });
  }
}

void describe('JSON Schema descriptions (rampart schema <kind>)', () => {
  for (const [kind, schema] of Object.entries(schemaKinds)) {
    void it(`every property of ${kind} has a description of its own`, () => {
      const missing: string[] = [];
      undocumented(rawJsonSchema(schema), '', missing);
      assert.deepEqual(
        missing,
        [],
        `${kind}: describe these fields in the zod schema:\n  ${missing.join('\n  ')}`,
      );
    });
  }

  void it("joins a field's description, a duration's range and the default into one", () => {
    const json = jsonSchemaOf(schemaKinds.scenario ?? assert.fail('no scenario kind'));
    const spec = (json.properties as Record<string, Node>).spec as Node;
    const step = (spec.properties as Record<string, Node>).step as Node;
    assert.match(
      String(step.description),
      /^Simulation step: .+\. A duration \(90, 90s, 29m, 1h30m\) from 100ms to 1m \(default 2s\)$/,
    );
    assert.equal('range' in step, false, 'the range is joined into the description, not printed apart');
  });

  void it('rampart schema prints the joined descriptions', async () => {
    const run = await runCliInProcess(['schema', 'rolloutpolicy']);
    assert.equal(run.code, 0, run.stderr);
    assert.doesNotMatch(run.stdout, /"range":/);
    assert.match(run.stdout, /"description": "[^"]+\. A duration \(90, 90s, 29m, 1h30m\) from/);
  });
});
