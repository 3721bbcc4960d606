import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { selectorQuery } from './agents-controller.js';

describe('selectorQuery', () => {
  it('turns a workload selector into the labelSelector query', () => {
    assert.equal(
      selectorQuery({
        matchLabels: { app: 'agent', tier: 'node' },
        matchExpressions: [
          { key: 'zone', operator: 'In', values: ['a', 'b'] },
          { key: 'canary', operator: 'DoesNotExist' },
        ],
      }),
      'app=agent,tier=node,zone in (a,b),!canary',
    );
  });
});
