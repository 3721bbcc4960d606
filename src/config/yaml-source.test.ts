import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { RampartError } from '../core/errors.js';
import { maxInputBytes, parseYamlDocuments, readText, validate } from './yaml-source.js';
import { z } from 'zod';

const badLine = (re: RegExp) => (err: unknown) =>
  err instanceof RampartError && !err.message.includes('\n') && re.test(err.message);

const parseAndValidate = (text: string): unknown =>
  parseYamlDocuments('f.yaml', text).map((src) => validate(src, z.unknown()));

describe('YAML inputs: one line for what would exhaust or crash the parser', () => {
  it('an alias bomb is a bad input, not an internal error', () => {
    const levels = ['a: &a [x, x, x, x, x, x, x, x, x]'];
    for (let i = 1; i < 8; i++) {
      const prev = String.fromCharCode(96 + i);
      const name = String.fromCharCode(97 + i);
      levels.push(`${name}: &${name} [${Array(9).fill(`*${prev}`).join(', ')}]`);
    }
    assert.throws(() => parseAndValidate(levels.join('\n')), badLine(/^f\.yaml:\d+:\d+: malformed YAML/));
  });

  it('names an alias without an anchor, and one inside its own anchor, at its line:col', () => {
    assert.throws(
      () => parseAndValidate('a: 1\nb: *nope\n'),
      badLine(/^f\.yaml:2:4: .*\*nope has no anchor/),
    );
    assert.throws(() => parseAndValidate('a: &a [1, *a]\n'), badLine(/^f\.yaml:1:11: .*inside the node/));
  });

  it('caps the aliases of a document', () => {
    const text = `a: &a 1\nb: [${Array(1001).fill('*a').join(', ')}]\n`;
    assert.throws(() => parseAndValidate(text), badLine(/more than 1000 aliases/));
  });

  it('finds a duplicate key among tens of thousands in linear time, at its line:col', () => {
    const keys = Array.from({ length: 40_000 }, (_, i) => `k${i}: ${i}`);
    const started = Date.now();
    assert.throws(
      () => parseYamlDocuments('f.yaml', `${keys.join('\n')}\nk17: again\n`),
      badLine(/^f\.yaml:40001:1: malformed YAML: duplicate key "k17"/),
    );
    // The library's own check took 77 s here; generous for a loaded machine.
    assert.ok(Date.now() - started < 30_000, `${Date.now() - started} ms`);
    assert.equal(parseYamlDocuments('f.yaml', 'a: 1\n"1": x\n1: y\n').length, 1, '1 and "1" differ');
  });

  it('reads regular files only, and only up to the documented size', () => {
    const dir = mkdtempSync(join(tmpdir(), 'rampart-yaml-'));
    assert.throws(() => readText('/dev/zero'), badLine(/not a regular file/));
    assert.throws(() => readText(dir), badLine(/is a directory/));
    const fifo = join(dir, 'fifo');
    if (spawnSync('mkfifo', [fifo]).status === 0)
      assert.throws(() => readText(fifo), badLine(/not a regular file/));
    const big = join(dir, 'big.yaml');
    writeFileSync(big, Buffer.alloc(maxInputBytes + 1, 0x20));
    assert.throws(() => readText(big), badLine(/at most 8\.0 MiB/));
  });
});
