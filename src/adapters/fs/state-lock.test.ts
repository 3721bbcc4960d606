import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { lockHeld, lockStateFile } from './state-lock.js';

void describe('state file lock', () => {
  void it('refuses a second holder with one line, and takes over a lock whose process is gone', () => {
    const state = join(mkdtempSync(join(tmpdir(), 'rampart-lock-')), 'r.json');
    const lock = lockStateFile(state);
    assert.ok(lockHeld(state));
    assert.throws(
      () => lockStateFile(state),
      /another rampart rollout \(pid \d+ on .*\) is running on this state file/,
    );
    lock.release();
    assert.equal(lockHeld(state), false);
    // A SIGKILLed run leaves its lock: a pid that does not exist on this host is taken over.
    writeFileSync(`${state}.lock`, JSON.stringify({ pid: 2 ** 22 + 12345, host: hostname() }));
    const again = lockStateFile(state);
    again.release();
  });
});
