import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { RampartError } from '../core/errors.js';
import { maxAccounts, maxAuditLineBytes, readAuditLog } from './audit-log.js';

const dir = mkdtempSync(join(tmpdir(), 'rampart-audit-'));
const event = (i: number): string =>
  JSON.stringify({
    stage: 'ResponseComplete',
    verb: 'list',
    requestURI: '/api/v1/pods',
    user: { username: `system:serviceaccount:ns:sa${i}` },
    sourceIPs: ['10.0.0.1'],
    objectRef: { resource: 'pods', apiVersion: 'v1' },
    requestReceivedTimestamp: `2024-12-11T14:00:${String(i % 60).padStart(2, '0')}Z`,
  });
const oneLine = (re: RegExp) => (err: unknown) =>
  err instanceof RampartError && !err.message.includes('\n') && re.test(err.message);

describe('audit log: bounded memory on hostile logs', () => {
  it('keeps state for at most maxAccounts service accounts and counts the rest', async () => {
    const file = join(dir, 'many.jsonl');
    const n = maxAccounts + 500;
    writeFileSync(file, Array.from({ length: n }, (_, i) => event(i)).join('\n'));
    const s = await readAuditLog(file);
    assert.equal(s.users.size, maxAccounts);
    assert.equal(s.accountsOverCap, 500);
    assert.equal(s.counted, n);
  });

  it('refuses what is not a regular file, and a line past the cap', async () => {
    await assert.rejects(readAuditLog('/dev/zero'), oneLine(/not a regular file/));
    const file = join(dir, 'long.jsonl');
    writeFileSync(file, `${event(1)}\n${'x'.repeat(maxAuditLineBytes + 1)}`);
    await assert.rejects(readAuditLog(file), oneLine(/long\.jsonl:2: a line longer than 16 MiB/));
  });
});

describe('audit log: paginated LISTs', () => {
  it('counts a paged LIST once, with its limit, and not its continue pages', async () => {
    const page = (uri: string, i: number): string =>
      JSON.stringify({
        stage: 'ResponseComplete',
        verb: 'list',
        requestURI: uri,
        user: { username: 'system:serviceaccount:ns:pager' },
        sourceIPs: ['10.0.0.1'],
        objectRef: { resource: 'pods', apiVersion: 'v1' },
        requestReceivedTimestamp: `2024-12-11T14:00:0${i}Z`,
      });
    const file = join(dir, 'pages.jsonl');
    writeFileSync(
      file,
      [
        page('/api/v1/pods?limit=500', 0),
        page('/api/v1/pods?limit=500&continue=abc', 1),
        page('/api/v1/pods?limit=500&continue=def', 2),
      ].join('\n'),
    );
    const s = await readAuditLog(file);
    const rows = [...(s.users.get('system:serviceaccount:ns:pager')?.rows.values() ?? [])];
    assert.deepEqual(rows, [
      { verb: 'list', resource: 'pods', scope: 'cluster', resourceVersion: '', limit: 500, count: 1 },
    ]);
    assert.equal(s.counted, 3, 'every page is a request the log holds');
  });
});
