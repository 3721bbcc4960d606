import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { parseArgs, parseMemory, splitSeats } from './args.js';

describe('testbed arguments', () => {
  it('parses up with its flags and defaults', () => {
    assert.deepEqual(parseArgs(['up', 'a1', '--nodes', '20', '--pods-per-node=5']), {
      verb: 'up',
      name: 'a1',
      nodes: 20,
      podsPerNode: 5,
      podPaddingBytes: 0,
      seats: 600,
    });
    const withMemory = parseArgs(['up', 'b', '--nodes', '3', '--seats', '30', '--apiserver-memory', '2Gi']);
    assert.equal(withMemory.verb === 'up' && withMemory.apiserverMemoryBytes, 2 * 2 ** 30);
  });

  it('parses limit: a quantity or off', () => {
    assert.deepEqual(parseArgs(['limit', 'a1', '--apiserver-memory', '1Gi']), {
      verb: 'limit',
      name: 'a1',
      apiserverMemoryBytes: 2 ** 30,
    });
    assert.deepEqual(parseArgs(['limit', 'a1', '--apiserver-memory=off']), {
      verb: 'limit',
      name: 'a1',
      apiserverMemoryBytes: null,
    });
  });

  it('refuses bad input with one line', () => {
    for (const argv of [
      [],
      ['up'],
      ['up', 'A_b', '--nodes', '1'],
      ['up', 'a', '--nodes', 'x'],
      ['up', 'a', '--nodez', '1'],
      ['down'],
      ['limit', 'a'],
      ['limit', 'a', '--nodes', '3'],
      ['limit', 'a', '--apiserver-memory', '1Gi', 'x'],
      ['fly'],
    ]) {
      assert.throws(
        () => parseArgs(argv),
        (e: Error) => !e.message.includes('\n') && e.name === 'RampartError',
        argv.join(' '),
      );
    }
    assert.throws(() => parseMemory('2 GB'), /quantity/);
    assert.throws(() => parseMemory('100Mi'), /below 256Mi/);
  });

  it('splits seats 2:1 between read-only and mutating', () => {
    assert.deepEqual(splitSeats(600), { readonly: 400, mutating: 200 });
    assert.deepEqual(splitSeats(30), { readonly: 20, mutating: 10 });
  });
});
