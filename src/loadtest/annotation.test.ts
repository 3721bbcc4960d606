import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { parseProfileAnnotation } from './annotation.js';

describe('parseProfileAnnotation', () => {
  it('reads the calls analyze reads, and names the object in errors', () => {
    const calls = parseProfileAnnotation(
      'DaemonSet ns/a',
      '- verb: list\n  resource: pods\n  scope: cluster\n  everySeconds: 120\n',
    );
    assert.deepEqual(calls, [
      { verb: 'list', resource: 'pods', scope: 'cluster', everySeconds: 120, resourceVersion: '' },
    ]);
    assert.throws(
      () => parseProfileAnnotation('DaemonSet ns/a', '- verb: list\n  resource: pods\n  scope: cluster\n'),
      /DaemonSet ns\/a.*everySeconds/,
    );
  });
});
