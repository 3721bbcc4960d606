import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { assertFiniteNumbers } from './finite.js';

describe('assertFiniteNumbers', () => {
  it('passes finite numbers and nulls, and names the path of a NaN or an Infinity', () => {
    assertFiniteNumbers({ a: [1, null, { b: 2 }], c: new Float64Array([1, 2]), d: 'NaN' }, 'r');
    assert.throws(
      () => assertFiniteNumbers({ s: { x: [0, 1, Number.NaN] } }, 'r'),
      /^Error: r\.s\.x\[2\] is NaN/,
    );
    assert.throws(() => assertFiniteNumbers([{ y: -Infinity }], 'r'), /r\[0\]\.y is -Infinity/);
    assert.throws(
      () => assertFiniteNumbers({ t: new Float64Array([Infinity]) }, 'r'),
      /r\.t\[0\] is Infinity/,
    );
  });
});
