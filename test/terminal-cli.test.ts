import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import type { CliIo } from '../src/cli/io.js';
import { terminal } from '../src/cli/io.js';
import { main } from '../src/cli/main.js';
import { progressReporter } from '../src/cli/progress.js';
import { repoRoot, runCli, runCliInProcess, tempDir } from './support/index.js';

const small = 'test/fixtures/small-fleet.yaml';
/** ANSI escapes, built from a string so the linter's no-control-regex does not apply to a literal. */
const esc = '\u001b';
const anyEscape = new RegExp(esc);
const sgr = new RegExp(`${esc}\\[[0-9;]*m`, 'g');
const version = (JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as { version: string })
  .version;

/** Runs main() with a terminal-like CliIo: what a person at a TTY gets. */
async function atTerminal(
  args: readonly string[],
  opts: { color: boolean },
): Promise<{ out: string; err: string; code: number }> {
  let out = '';
  let err = '';
  const io: CliIo = {
    out: (t) => void (out += t),
    err: (t) => void (err += t),
    isTty: true,
    errIsTty: true,
    color: opts.color,
  };
  const code = await main(['node', 'rampart', ...args], io);
  return { out, err, code };
}

describe('terminal: version, help, colour, progress, quiet', () => {
  it('rampart --version prints package.json’s version', async () => {
    for (const flag of ['--version', '-V']) {
      const run = await runCliInProcess([flag]);
      assert.equal(run.code, 0);
      assert.equal(run.stdout, `${version}\n`);
    }
  });

  it('every command’s --help shows an example', async () => {
    const commands = [
      [],
      ['simulate'],
      ['compare'],
      ['schema'],
      ['analyze'],
      ['breakglass'],
      ['breakglass', 'manifests'],
      ['breakglass', 'quarantine'],
      ['breakglass', 'fence'],
      ['grafana'],
      ['grafana', 'dashboard'],
      ['loadtest'],
      ['drill'],
      ['drill', 'live'],
      ['drill', 'revert'],
      ['sweep'],
    ];
    const top = await runCliInProcess(['--help']);
    for (const name of top.stdout.matchAll(/^ {2}([a-z-]+)(?: \[options\]| <)/gm)) {
      if (name[1] && name[1] !== 'help' && !commands.some((c) => c.length === 1 && c[0] === name[1]))
        assert.fail(`command ${name[1]} is not in this test's list`);
    }
    for (const c of commands) {
      const run = await runCliInProcess([...c, '--help']);
      assert.equal(run.code, 0, c.join(' '));
      assert.match(
        run.stdout,
        /Examples?:\n {2}rampart /,
        `${c.join(' ') || 'rampart'} --help has an example`,
      );
    }
  });

  it('colours the timeline on a terminal, with the same text underneath', async () => {
    const plain = await atTerminal(['simulate', small], { color: false });
    const coloured = await atTerminal(['simulate', small], { color: true });
    assert.equal(plain.code, 0, plain.err);
    assert.doesNotMatch(plain.out, anyEscape);
    assert.ok(coloured.out.includes(`${esc}[31mapiserver.saturated`), 'saturation in red');
    assert.equal(coloured.out.replace(sgr, ''), plain.out, 'colour adds escapes only');
    assert.match(coloured.err, /\rsimulating \d+ clusters… \d+%/, 'progress as one rewritten line');
  });

  it('no colour when NO_COLOR is set, output is piped or CI=true', () => {
    const env = (e: Record<string, string>): Record<string, string | undefined> => e;
    assert.equal(terminal({ stdoutTty: true, stderrTty: true, env: env({}) }).color, true);
    assert.equal(terminal({ stdoutTty: true, stderrTty: true, env: env({ NO_COLOR: '1' }) }).color, false);
    assert.equal(terminal({ stdoutTty: true, stderrTty: true, env: env({ NO_COLOR: '' }) }).color, true);
    assert.equal(terminal({ stdoutTty: false, stderrTty: true, env: env({}) }).color, false);
    const ci = terminal({ stdoutTty: true, stderrTty: true, env: env({ CI: 'true' }) });
    assert.deepEqual(ci, { isTty: false, errIsTty: false, color: false });
    // Piped for real: a spawned CLI writes no escape.
    const run = runCli(['simulate', small, '--quiet']);
    assert.equal(run.code, 0, run.stderr);
    assert.doesNotMatch(run.stdout + run.stderr, anyEscape);
  });

  it('--progress prints plain lines (no carriage return) when nobody watches; without it, nothing', async () => {
    const lines = await runCliInProcess(['simulate', small, '--progress']);
    assert.equal(lines.code, 0, lines.stderr);
    assert.doesNotMatch(lines.stderr, /\r/);
    assert.match(lines.stderr, /^simulating \d+ clusters… 0%\n/);
    assert.match(lines.stderr, /simulating \d+ clusters… done\n$/);
    const silent = await runCliInProcess(['simulate', small, '--quiet']);
    assert.equal(silent.stderr, '');
    // The reporter itself: a tenth at most once, never 100% before done.
    let err = '';
    const p = progressReporter({ out: () => undefined, err: (t) => void (err += t), isTty: false }, 'x', {
      lines: true,
    });
    for (const s of [0, 0.05, 0.1, 0.55, 0.99, 1]) p?.update(s);
    p?.done();
    assert.equal(err, 'x… 0%\nx… 10%\nx… 50%\nx… 90%\nx… done\n');
  });

  it('--quiet prints only the summary: no timeline, no progress, even on a terminal', async () => {
    const quiet = await atTerminal(['simulate', small, '--quiet'], { color: true });
    assert.equal(quiet.code, 0, quiet.err);
    assert.equal(quiet.err, '');
    assert.doesNotMatch(quiet.out, /^Timeline$/m);
    assert.match(quiet.out, /^Clusters$/m);
    const cmp = await runCliInProcess([
      'compare',
      small,
      '--policies',
      'naive,guarded',
      '--parallel',
      '1',
      '--quiet',
    ]);
    assert.equal(cmp.code, 0, cmp.stderr);
    assert.match(cmp.stdout, /clusters saturated \(blast radius\)/);
    assert.doesNotMatch(cmp.stdout, /How each ended/);
  });

  it('one output to stdout at most; a report to stdout is the only thing printed', async () => {
    const both = await runCliInProcess(['simulate', small, '--json', '-', '--report', '-']);
    assert.equal(both.code, 2);
    assert.match(both.stderr, /^rampart: --json and --report both write to stdout/);
    assert.equal(both.stderr.split('\n').length, 2, 'one line');
    const md = await runCliInProcess(['simulate', small, '--postmortem', '-']);
    assert.equal(md.code, 0, md.stderr);
    assert.match(md.stdout, /^# Postmortem: small-fleet \(simulated\)\n/);
    const dir = tempDir();
    const html = join(dir, 'r.html');
    const withFile = await runCliInProcess(['simulate', small, '--report', html, '--postmortem', '-']);
    assert.equal(withFile.code, 0, withFile.stderr);
    assert.match(readFileSync(html, 'utf8'), /^<!doctype html>/);
    assert.equal(withFile.stdout, md.stdout, 'the same run, the same postmortem');
  });
});
