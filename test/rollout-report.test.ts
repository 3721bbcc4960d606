import assert from 'node:assert/strict';
import { appendFileSync, existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { fileJournal, readJournal } from '../src/adapters/fs/journal-file.js';
import { fileStateStore } from '../src/adapters/fs/state-file.js';
import { runFiles } from '../src/adapters/fs/run-files.js';
import { chartAssets } from '../src/cli/report-output.js';
import {
  rolloutPolicySchema,
  type RolloutPolicyFile,
  type RolloutPolicyInput,
} from '../src/config/policy-schema.js';
import { createRolloutExecutor } from '../src/rollout/executor.js';
import { memoryJournal, type JournalEntry } from '../src/rollout/journal.js';
import { fakeWorld, testChange, testFleet } from '../src/rollout/test-support.js';
import { rolloutHtmlReport, rolloutPageData } from '../src/report/rollout-html.js';
import { gateFigure, rolloutRecord } from '../src/report/rollout-record.js';
import { rolloutPostmortem } from '../src/report/rollout-postmortem.js';
import { runCliInProcess, tempDir } from './support/index.js';
import { simulatedRollout } from './support/rollout-report.js';

/** The page without its scripts: what a person reads, and the data block, where NaN must never be. */
const readable = (html: string): string =>
  html.replace(/<script>[\s\S]*?<\/script>/g, '').replace(/<style>[\s\S]*?<\/style>/g, '');

describe('the rollout report of a halted rollout, driven on the simulator', () => {
  const run = simulatedRollout('rollout-fleet.yaml');
  const record = rolloutRecord({
    state: run.state,
    entries: run.entries,
    skippedLines: 0,
    timeBase: 'offset',
  });
  const html = rolloutHtmlReport(record, chartAssets());

  it('the journal holds the controller’s events, gate readings and actions', (t) => {
    t.diagnostic(`journal: ${run.entries.length} entries, ${run.journalBytes} bytes`);
    const types = new Set(run.entries.map((e) => e.type));
    for (const type of [
      'rollout.started',
      'rollout.wave.started',
      'rollout.step.applied',
      'rollout.gate.failed',
      'rollout.halted',
      'journal.gate',
      'journal.action',
    ])
      assert.ok(types.has(type as JournalEntry['type']), `journal has ${type}`);
    // Every entry is in time order as written, with a finite time.
    for (const e of run.entries) assert.ok(Number.isFinite(e.atMs));
    const rollbacks = run.entries.filter((e) => e.type === 'journal.action' && e.action === 'rollback');
    assert.ok(rollbacks.length > 0, 'the halt rolled something back');
  });

  it('names the halting gate with its projected and allowed figures, and the outcome', () => {
    assert.equal(run.state.status.kind, 'halted');
    const failed = run.entries.find((e) => e.type === 'rollout.gate.failed');
    assert.ok(failed?.type === 'rollout.gate.failed');
    assert.equal(record.halt?.cause, 'gate-failed');
    assert.deepEqual(
      {
        cluster: record.halt?.gate?.cluster,
        gate: record.halt?.gate?.gate,
        value: record.halt?.gate?.value,
        threshold: record.halt?.gate?.threshold,
      },
      { cluster: failed.cluster, gate: failed.gate, value: failed.value, threshold: failed.threshold },
    );
    const text = readable(html);
    assert.ok(
      text.includes(
        `${failed.gate}: ${gateFigure(failed.signal, failed.value)} &#62; ${gateFigure(failed.signal, failed.threshold)}`,
      ),
      'halting gate card',
    );
    assert.ok(text.includes('halted · gate-failed'), 'outcome card');
    assert.ok(text.includes('projected to 100% of nodes vs allowed'), 'extrapolation: projected vs allowed');
  });

  it('every cluster appears, with where it ended; counts add up', () => {
    const text = readable(html);
    for (const c of run.state.clusters) {
      assert.ok(text.includes(`data-cluster="${c.name}"`), `${c.name} in the table`);
      assert.ok(text.includes(`<option value="${c.name}"`), `${c.name} in the picker`);
    }
    const { completed, halted, 'in-flight': inFlight, 'not-started': notStarted } = record.counts;
    assert.equal(completed + halted + inFlight + notStarted, run.state.clusters.length);
    assert.equal(completed, run.state.clusters.filter((c) => c.phase.kind === 'done').length);
    assert.ok(halted >= 1 && notStarted >= 1, `${halted} halted, ${notStarted} not started`);
    assert.ok(text.includes(`${completed} of ${run.state.clusters.length}`));
  });

  it('charts have data for the halting cluster: readings against thresholds, its steps as bands', () => {
    const page = rolloutPageData(record);
    const halting = record.halt?.gate?.cluster ?? '';
    assert.equal(page.defaultCluster, halting, 'the picker opens on the halting cluster');
    const c = page.cluster[halting];
    assert.ok(c);
    const extrapolation = c.gates['extrapolation'];
    assert.ok(extrapolation && extrapolation[0].length > 0, 'extrapolation readings');
    assert.ok(
      extrapolation[1].some((v) => v !== null && v > (extrapolation[2].find((x) => x !== null) ?? Infinity)),
      'a reading above its threshold',
    );
    assert.ok(c.bands.length >= 1, 'node steps as bands');
    assert.ok(
      c.marks.some((m) => m[1] === 'bad'),
      'the failed gate and the halt marked',
    );
    assert.ok(
      page.fleet.share.some((v) => v > 0),
      'some nodes ran the change',
    );
    assert.ok(page.fleet.bands.length >= 1, 'waves as bands');
  });

  it('has no NaN, loads nothing from elsewhere, and is small', (t) => {
    const text = readable(html);
    assert.doesNotMatch(text, /NaN|undefined|Infinity/);
    assert.doesNotMatch(html, /<(script|link|img)[^>]+(src|href)=/i);
    assert.match(html, /Content-Security-Policy" content="default-src 'none'/);
    t.diagnostic(`report of the simulated halted rollout: ${Buffer.byteLength(html)} bytes`);
    assert.ok(Buffer.byteLength(html) < 2 * 1024 * 1024);
  });

  it('the postmortem: what stopped it with the gate’s figures, every cluster, the timeline', () => {
    const md = rolloutPostmortem(record);
    const g = record.halt?.gate;
    assert.ok(g);
    assert.deepEqual(
      md.split('\n').filter((l) => l.startsWith('## ')),
      [
        '## Summary',
        '## What stopped it',
        '## Where each cluster was left',
        '## Timeline (from the start)',
        "## Rampart's footprint",
      ],
    );
    assert.ok(
      md.includes(`${gateFigure(g.signal, g.value)}, above the ${gateFigure(g.signal, g.threshold)} allowed`),
      'projected vs allowed',
    );
    for (const c of run.state.clusters) assert.ok(md.includes(`| ${c.name} |`), c.name);
    assert.match(md, /`rollout\.halted`/);
    assert.doesNotMatch(md, /NaN|undefined/);
  });

  it('is the same bytes built twice from the same state and journal', () => {
    const again = rolloutHtmlReport(
      rolloutRecord({ state: run.state, entries: run.entries, skippedLines: 0, timeBase: 'offset' }),
      chartAssets(),
    );
    assert.ok(again === html);
  });
});

describe('the rollout report of a completed rollout', () => {
  it('every cluster completed; no halt card', () => {
    const run = simulatedRollout('rollout-fleet-benign.yaml');
    assert.equal(run.state.status.kind, 'completed');
    const record = rolloutRecord({
      state: run.state,
      entries: run.entries,
      skippedLines: 0,
      timeBase: 'offset',
    });
    assert.equal(record.counts.completed, run.state.clusters.length);
    assert.equal(record.halt, null);
    const text = readable(rolloutHtmlReport(record, chartAssets()));
    assert.ok(text.includes('never halted'));
    assert.doesNotMatch(text, /NaN/);
    for (const c of run.state.clusters) assert.ok(text.includes(`data-cluster="${c.name}"`));
  });
});

type Spec = NonNullable<RolloutPolicyInput['spec']>;
/** A small policy for the in-memory ports: two node steps, short bakes, a relative and an absolute gate. */
const quickPolicy = (over: Partial<Spec> = {}): RolloutPolicyFile =>
  rolloutPolicySchema.parse({
    apiVersion: 'rampart.dev/v1alpha1',
    kind: 'RolloutPolicy',
    metadata: { name: 'quick' },
    spec: {
      waves: { plan: 'auto', canarySize: 1, growth: 2 },
      nodeSteps: { shares: [0.1, 1], bake: 60, extrapolation: { window: 60 } },
      bake: 120,
      gates: [
        { signal: 'apf_seat_utilization', window: 30, threshold: { absolute: 0.9 } },
        {
          signal: 'apiserver_p99_latency_s',
          window: 60,
          threshold: { absolute: 2, relative: { factor: 3, margin: 0.25 } },
        },
      ],
      inconclusive: { timeout: 300 },
      breakGlass: true,
      ...over,
    },
  });

describe('the journal on disk survives a crash, and a resumed run’s report covers the whole rollout', () => {
  it('SIGKILL mid-rollout (a line cut off), resume, complete: one report from both processes', () => {
    const dir = tempDir('rampart-journal-');
    const statePath = join(dir, 'rollout.json');
    const files = runFiles(statePath);
    const world = fakeWorld({ clusters: testFleet(4) });
    const exec = (): ReturnType<typeof createRolloutExecutor> =>
      createRolloutExecutor({
        fleet: world.fleet,
        client: world.client,
        metrics: world.metrics,
        store: fileStateStore(statePath),
        policy: quickPolicy(),
        change: testChange,
        journal: fileJournal(files.journalPath),
      });
    // First process: a session, then ticks until two clusters are done.
    fileJournal(files.journalPath).append([{ type: 'journal.session', atMs: 0, how: 'run' }]);
    const first = exec();
    let t = 0;
    for (; t < 3_600_000; t += 10_000) {
      world.now = t;
      const r = first.tickSync(t);
      if (r.state.clusters.filter((c) => c.phase.kind === 'done').length >= 2) break;
    }
    // Rampart's running totals: the later count of a process supersedes its earlier one.
    const count = (requests: number, viaBreakGlass: number) => ({
      c01: { requests, throttled: 1, viaBreakGlass, exempt: 0 },
    });
    fileJournal(files.journalPath).append([
      { type: 'journal.requests', atMs: t, session: 0, clusters: count(5, 1) },
      { type: 'journal.requests', atMs: t, session: 0, clusters: count(7, 2) },
    ]);
    const beforeCrash = readJournal(files.journalPath).entries.length;
    // Killed while writing: half a line, no newline, no session end.
    appendFileSync(files.journalPath, '{"type":"journal.gate","atMs":');
    // Second process: resumes from the state file and appends after the cut-off line.
    t += 10_000;
    fileJournal(files.journalPath).append([
      { type: 'journal.session', atMs: t, how: 'resume' },
      { type: 'journal.requests', atMs: t, session: t, clusters: count(3, 3) },
    ]);
    const second = exec();
    for (; !second.finished() && t < 7_200_000; t += 10_000) {
      world.now = t;
      second.tickSync(t);
    }
    assert.ok(second.finished(), 'the resumed rollout finished');
    const read = readJournal(files.journalPath);
    assert.equal(read.skippedLines, 1, 'only the cut-off line is lost');
    assert.ok(read.entries.length > beforeCrash + 1, 'the second process appended after it');
    const state = fileStateStore(statePath).load();
    assert.ok(state);
    const record = rolloutRecord({
      state,
      entries: read.entries,
      skippedLines: read.skippedLines,
      timeBase: 'offset',
    });
    assert.equal(record.sessions.length, 2);
    assert.deepEqual(
      record.sessions.map((s) => s.how),
      ['run', 'resume'],
    );
    assert.equal(record.counts.completed, 4);
    // Each process's last total, summed over both.
    assert.deepEqual(record.requests, { requests: 10, throttled: 2, viaBreakGlass: 5, exempt: 0 });
    assert.deepEqual(record.clusters.find((c) => c.name === 'c01')?.requests, record.requests);
    // Every cluster's node steps are known, those before the crash and those after.
    for (const c of record.clusters)
      assert.deepEqual(
        c.steps.map((s) => s.share),
        state.policy.shares,
        `${c.name}: every node step`,
      );
    const html = rolloutHtmlReport(record, chartAssets());
    assert.ok(readable(html).includes('1 journal line(s) could not be read'));
  });

  it('secrets in an action’s error never reach the journal (the CLI scrubs every line)', async () => {
    const dir = tempDir('rampart-journal-');
    const path = join(dir, 'j.jsonl');
    const { redact } = await import('../src/adapters/kube/connection.js');
    const world = fakeWorld({
      clusters: testFleet(1),
      applyOutcome: () => ({
        ok: false,
        reason: 'HTTP 401: Authorization: Bearer s3cr3t-t0ken-value refused',
      }),
    });
    const e = createRolloutExecutor({
      fleet: world.fleet,
      client: world.client,
      metrics: world.metrics,
      store: fileStateStore(join(dir, 's.json')),
      policy: quickPolicy(),
      change: testChange,
      journal: fileJournal(path, redact),
    });
    for (let t = 0; t < 60_000; t += 10_000) e.tickSync(t);
    const text = readFileSync(path, 'utf8');
    assert.match(text, /"ok":false/);
    assert.match(text, /Bearer \[redacted\]/);
    assert.ok(!text.includes('s3cr3t-t0ken-value'));
  });
});

describe('the journal stays bounded on a long rollout', () => {
  it('a gate inconclusive for 12 hours keeps few readings, and every verdict change', (tc) => {
    const journal = memoryJournal();
    let missing = true;
    const world = fakeWorld({
      clusters: testFleet(1),
      signal: (q) => (q.signal === 'apf_seat_utilization' && missing ? 'missing' : undefined),
    });
    const e = createRolloutExecutor({
      fleet: world.fleet,
      client: world.client,
      metrics: world.metrics,
      store: fileStateStore(join(tempDir('rampart-journal-'), 's.json')),
      policy: quickPolicy({ inconclusive: { timeout: 86_400, then: 'halt' } }),
      change: testChange,
      journal,
    });
    const hours = 12;
    for (let t = 0; t <= hours * 3_600_000; t += 10_000) {
      world.now = t;
      if (t === 6 * 3_600_000) missing = false;
      if (t === 6 * 3_600_000 + 600_000) missing = true;
      e.tickSync(t);
    }
    const readings = journal
      .entries()
      .filter((x) => x.type === 'journal.gate' && x.gate === 'apf_seat_utilization');
    tc.diagnostic(`12 h hold: ${readings.length} readings of one gate kept of ${hours * 360} ticks`);
    // 4,320 ticks; kept: every 30 s at first, then every age/240: a few hundred.
    assert.ok(readings.length < 1_000, `${readings.length} readings kept of ${hours * 360}`);
    assert.ok(readings.length > 100, `${readings.length} readings kept`);
    const verdicts = readings.map((r) => (r.type === 'journal.gate' ? r.verdict : ''));
    assert.ok(verdicts.includes('pass') && verdicts.includes('inconclusive'), 'both verdicts kept');
    const changes = readings.filter((r) => r.type === 'journal.gate' && r.reason !== undefined);
    assert.ok(changes.length >= 3, 'the change to pass and back carry their reasons');
  });

  it('past its size cap, only verdict changes are kept, and the report says so', () => {
    const journal = memoryJournal();
    const world = fakeWorld({ clusters: testFleet(2) });
    const e = createRolloutExecutor({
      fleet: world.fleet,
      client: world.client,
      metrics: world.metrics,
      store: fileStateStore(join(tempDir('rampart-journal-'), 's.json')),
      policy: quickPolicy(),
      change: testChange,
      journal,
      journalOptions: { maxBytes: 4_000 },
    });
    for (let t = 0; !e.finished() && t < 7_200_000; t += 10_000) {
      world.now = t;
      e.tickSync(t);
    }
    const entries = journal.entries();
    const thinned = entries.findIndex((x) => x.type === 'journal.thinned');
    assert.ok(thinned >= 0);
    assert.equal(entries.filter((x) => x.type === 'journal.thinned').length, 1);
    assert.ok(
      entries.slice(thinned).some((x) => x.type === 'rollout.cluster.done'),
      'events still kept',
    );
    const state = e.state();
    assert.ok(state);
    const record = rolloutRecord({ state, entries, skippedLines: 0, timeBase: 'offset' });
    assert.ok(record.thinnedAtMs !== null);
    assert.match(readable(rolloutHtmlReport(record, chartAssets())), /reached its size cap/);
  });
});

describe('rampart rollout report', () => {
  it('writes the report from a state file and its journal; - prints it; no state is exit 2', async () => {
    const dir = tempDir('rampart-rollout-report-');
    const statePath = join(dir, 'rollout.json');
    const files = runFiles(statePath);
    const world = fakeWorld({ clusters: testFleet(3) });
    const e = createRolloutExecutor({
      fleet: world.fleet,
      client: world.client,
      metrics: world.metrics,
      store: fileStateStore(statePath),
      policy: quickPolicy(),
      change: testChange,
      journal: fileJournal(files.journalPath),
    });
    // Stopped part-way: a report of a rollout still in progress.
    for (let t = 0; t < 400_000; t += 10_000) {
      world.now = t;
      e.tickSync(t);
    }
    const out = join(dir, 'out.html');
    const r = await runCliInProcess(['rollout', 'report', '--state', statePath, '--report', out]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, `HTML report written to ${out}\n`);
    const html = readFileSync(out, 'utf8');
    for (const c of testFleet(3)) assert.ok(html.includes(`data-cluster="${c.name}"`));
    assert.match(readable(html), /running/);
    const byDefault = await runCliInProcess(['rollout', 'report', '--state', statePath]);
    assert.equal(byDefault.code, 0, byDefault.stderr);
    assert.ok(existsSync(join(dir, 'rollout.html')) && statSync(join(dir, 'rollout.html')).size > 0);
    const dash = await runCliInProcess(['rollout', 'report', '--state', statePath, '--report', '-']);
    assert.equal(dash.code, 0);
    assert.match(dash.stdout, /^<!doctype html>/);
    const md = await runCliInProcess(['rollout', 'report', '--state', statePath, '--postmortem', '-']);
    assert.equal(md.code, 0, md.stderr);
    assert.match(md.stdout, /^# Rollout of DaemonSet telemetry\/node-telemetry: running/);
    const both = await runCliInProcess([
      'rollout',
      'report',
      '--state',
      statePath,
      '--report',
      '-',
      '--postmortem',
      '-',
    ]);
    assert.equal(both.code, 2);
    const none = await runCliInProcess(['rollout', 'report', '--state', join(dir, 'nope.json')]);
    assert.equal(none.code, 2);
    assert.match(none.stderr, /nope\.json: no rollout state here/);
  });
});
