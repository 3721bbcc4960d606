import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { z } from 'zod';
import { closestField } from './suggest.js';

const schema = z.strictObject({
  spec: z.strictObject({
    duration: z.string(),
    clusters: z.array(z.strictObject({ name: z.string(), nodes: z.number() })).optional(),
    change: z
      .union([z.strictObject({ replicas: z.number() }), z.strictObject({ podsStartPerS: z.number() })])
      .optional(),
  }),
});

void describe('closest known field', () => {
  void it('suggests a field one or two letters away, through objects, arrays and unions', () => {
    assert.equal(closestField(schema, ['spec'], 'durration'), 'duration');
    assert.equal(closestField(schema, ['spec', 'clusters', 3], 'node'), 'nodes');
    assert.equal(closestField(schema, ['spec', 'change'], 'podStartPerS'), 'podsStartPerS');
    assert.equal(closestField(schema, ['spec'], 'Duration'), 'duration');
  });
  void it('suggests nothing for a name unlike any field', () => {
    assert.equal(closestField(schema, ['spec'], 'colour'), null);
    assert.equal(closestField(schema, ['nowhere'], 'duration'), null);
  });
});
