import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { assertGolden, runCliInProcess, tempDir, unifiedDiff, writeTemp } from './index.js';

describe('golden files', () => {
  const lines = Array.from({ length: 100 }, (_, i) => `line ${i + 1}`);
  const text = `${lines.join('\n')}\n`;

  it('a one-line change is one short hunk with three lines of context', () => {
    const diff = unifiedDiff(text, text.replace('line 50\n', 'line fifty\n'));
    assert.equal(
      diff,
      [
        '@@ -47,7 +47,7 @@',
        ' line 47',
        ' line 48',
        ' line 49',
        '-line 50',
        '+line fifty',
        ' line 51',
        ' line 52',
        ' line 53',
      ].join('\n'),
    );
  });

  it('a large change is cut short and says how much it left out; a carriage return is visible', () => {
    const diff = unifiedDiff(text, text.toUpperCase());
    const shown = diff.split('\n');
    assert.equal(shown.length, 61);
    assert.match(shown.at(-1) ?? '', /^… \d+ more diff line\(s\)$/);
    assert.match(unifiedDiff('a\nb\n', 'a\r\nb\n'), /^\+a␍$/m);
  });

  it('passes on equal bytes, fails with the diff and the update command, writes with UPDATE_GOLDEN=1', () => {
    const dir = tempDir();
    writeTemp(dir, 'g.txt', text);
    assertGolden('g.txt', text, dir);
    assert.throws(
      () => assertGolden('g.txt', text.replace('line 3\n', ''), dir),
      (err: Error) =>
        /differs from .*g\.txt/.test(err.message) &&
        /UPDATE_GOLDEN=1 node --import \.\/scripts\/register-tsx\.js --test test\/golden\.test\.ts/.test(
          err.message,
        ) &&
        /^-line 3$/m.test(err.message),
    );
    assert.throws(
      () => assertGolden('new.txt', text, dir),
      /does not exist; create it with: UPDATE_GOLDEN=1/,
    );
    const saved = process.env['UPDATE_GOLDEN'];
    process.env['UPDATE_GOLDEN'] = '1';
    try {
      assertGolden('new.txt', text, dir);
    } finally {
      if (saved === undefined) delete process.env['UPDATE_GOLDEN'];
      else process.env['UPDATE_GOLDEN'] = saved;
    }
    assert.ok(existsSync(join(dir, 'new.txt')));
    assert.equal(readFileSync(join(dir, 'new.txt'), 'utf8'), text);
  });
});

describe('runCliInProcess', () => {
  it('resolves relative paths against its cwd and puts the working directory and environment back', async () => {
    const dir = tempDir();
    writeTemp(
      dir,
      'here.yaml',
      'apiVersion: rampart.dev/v1alpha1\nkind: Scenario\nmetadata: {name: here}\nspec:\n  duration: 1h\n  fleet:\n    clusters:\n      - {name: a, nodes: -5}\n',
    );
    const cwd = process.cwd();
    const ci = process.env['CI'];
    const run = await runCliInProcess(['simulate', 'here.yaml'], {
      cwd: dir,
      env: { RAMPART_TEST_MARK: 'x' },
    });
    assert.equal(run.code, 2);
    assert.match(run.stderr, /^rampart: here\.yaml:8:\d+: spec\.fleet\.clusters\[0\]\.nodes: /);
    assert.equal(process.cwd(), cwd);
    assert.equal(process.env['RAMPART_TEST_MARK'], undefined);
    assert.equal(process.env['CI'], ci);
  });

  it('runs started together each get their own output', async () => {
    const [fleet, scenario, help] = await Promise.all([
      runCliInProcess(['schema', 'fleet']),
      runCliInProcess(['schema', 'scenario']),
      runCliInProcess(['--help']),
    ]);
    assert.equal(fleet.stdout, (await runCliInProcess(['schema', 'fleet'])).stdout);
    assert.notEqual(fleet.stdout, scenario.stdout);
    assert.match(help.stdout, /^Usage: rampart /);
    for (const r of [fleet, scenario, help]) {
      assert.equal(r.code, 0);
      assert.equal(r.stderr, '');
    }
  });
});
