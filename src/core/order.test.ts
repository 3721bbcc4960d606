import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { byCodeUnits } from './order.js';

describe('byCodeUnits', () => {
  it('orders by UTF-16 code units, not by any locale', () => {
    // Danish collation puts "aa" after "z"; German puts "ä" right after "a"; both are code-unit order here.
    assert.deepEqual(['z-west', 'aa-east', 'b'].sort(byCodeUnits), ['aa-east', 'b', 'z-west']);
    assert.deepEqual(['b', 'ä', 'a'].sort(byCodeUnits), ['a', 'b', 'ä']);
    assert.deepEqual(['a', 'B', 'A'].sort(byCodeUnits), ['A', 'B', 'a']);
    assert.deepEqual(['prod-1', 'prod.1', 'prod_1'].sort(byCodeUnits), ['prod-1', 'prod.1', 'prod_1']);
  });
  it('is 0 only for equal strings', () => {
    assert.equal(byCodeUnits('x', 'x'), 0);
    assert.equal(byCodeUnits('', ''), 0);
    assert.equal(byCodeUnits('', 'a'), -1);
    assert.equal(byCodeUnits('ab', 'a'), 1);
  });
});
