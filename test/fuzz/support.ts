import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

/** The fuzz suite's own small helpers (the shared test helpers are moving; these stay put). */
export const repoRoot = resolve(import.meta.dirname, '..', '..');

/** Bounds every run of the CLI gets: a heap cap, an address-space cap (typed arrays live outside the heap), a time limit. */
export const runLimits = { heapMiB: 512, addressSpaceKiB: 3_000_000, timeoutMs: 90_000 } as const;

export interface FuzzRun {
  readonly code: number | null;
  readonly signal: string | null;
  readonly timedOut: boolean;
  readonly stdout: string;
  readonly stderr: string;
  readonly ms: number;
}

/** Runs bin/rampart.js in a child with the limits above (CI=true: no progress lines). */
export function runRampart(args: readonly string[], cwd: string): Promise<FuzzRun> {
  const node = [
    process.execPath,
    `--max-old-space-size=${runLimits.heapMiB}`,
    join(repoRoot, 'bin/rampart.js'),
    ...args,
  ];
  const quoted = node.map((a) => `'${a.replace(/'/g, `'\\''`)}'`).join(' ');
  const started = Date.now();
  return new Promise((done) => {
    const child = spawn('bash', ['-c', `ulimit -v ${runLimits.addressSpaceKiB}; exec ${quoted}`], {
      cwd,
      env: { ...process.env, CI: 'true', RAMPART_DEBUG: '' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    // Outputs are small for tiny scenarios; past 64 MiB something is wrong anyway.
    const cap = 64 * 1024 * 1024;
    child.stdout.on('data', (d: Buffer) => {
      if (stdout.length < cap) stdout += d.toString('utf8');
    });
    child.stderr.on('data', (d: Buffer) => {
      if (stderr.length < cap) stderr += d.toString('utf8');
    });
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, runLimits.timeoutMs);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      done({ code, signal, timedOut, stdout, stderr, ms: Date.now() - started });
    });
  });
}

/** One case: files to lay down in a fresh directory, and the arguments (file names relative to it). */
export interface FuzzCase {
  readonly label: string;
  readonly files: Readonly<Record<string, string>>;
  readonly args: readonly string[];
  /** Files the run may write (--json, --output), checked like stdout. */
  readonly outputs?: readonly string[];
}

/** What a run must do: succeed with finite numbers everywhere, or exit 2 with exactly one line. */
export function judge(c: FuzzCase, r: FuzzRun, dir: string): string | null {
  if (r.timedOut) return `no answer within ${runLimits.timeoutMs / 1000} s`;
  if (r.signal !== null) return `killed by ${r.signal} (memory cap?)`;
  const errLines = r.stderr.split('\n').filter((l) => l.length > 0 && !l.startsWith('rampart: warning: '));
  if (r.code === 0 || r.code === 1) {
    // 1 is a verdict (analyze --fail-on), never an error: nothing but warnings on stderr.
    if (errLines.length > 0) return `exit ${r.code} with stderr: ${errLines.join(' | ').slice(0, 300)}`;
    if (r.code === 1 && c.args[0] !== 'analyze') return 'exit 1 outside analyze';
    const texts = [r.stdout, ...(c.outputs ?? []).map((o) => readIfThere(join(dir, o)))];
    for (const t of texts) {
      const bad = nonFinite(t);
      if (bad) return `output holds ${bad}`;
    }
    return null;
  }
  if (r.code === 2) {
    if (errLines.length !== 1 || !r.stderr.endsWith('\n'))
      return `exit 2 with ${errLines.length} stderr lines: ${r.stderr.slice(0, 400)}`;
    const line = errLines[0] ?? '';
    if (!line.startsWith('rampart: ')) return `exit 2 without "rampart: ": ${line}`;
    if (/malformed YAML|unknown field/.test(line) && !/:\d+:\d+: /.test(line))
      return `a YAML or field error without line:col: ${line}`;
    return null;
  }
  return `exit ${String(r.code)}: ${r.stderr.slice(0, 400)}`;
}

function readIfThere(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return '';
  }
}

/**
 * NaN or Infinity in text, or in JSON a number that is not finite. JSON.stringify writes NaN as null, which a
 * walk cannot tell from a legitimate null: the CLI asserts finiteness before it stringifies (src/cli/finite.ts).
 */
function nonFinite(text: string): string | null {
  const trimmed = text.trim();
  if (trimmed.startsWith('{') || trimmed.startsWith('[')) {
    let doc: unknown;
    try {
      doc = JSON.parse(trimmed);
    } catch {
      return null; // text output that starts with a brace (SARIF is JSON and parses)
    }
    const stack: unknown[] = [doc];
    for (let v = stack.pop(); v !== undefined; v = stack.pop()) {
      if (typeof v === 'number' && !Number.isFinite(v)) return String(v);
      if (typeof v === 'object' && v !== null) stack.push(...(Object.values(v) as unknown[]));
    }
    return null;
  }
  const m = /\b(NaN|-?Infinity)\b/.exec(text);
  return m ? (m[1] ?? 'NaN') : null;
}

/** A fresh directory with the case's files. */
export function layDown(c: FuzzCase): string {
  const dir = mkdtempSync(join(tmpdir(), 'rampart-fuzz-'));
  for (const [name, content] of Object.entries(c.files)) writeFileSync(join(dir, name), content);
  return dir;
}

/** Runs cases `parallel` at a time; returns each case's failure (null when it passed) and its run. */
export async function runCases(
  cases: readonly FuzzCase[],
  parallel: number,
  onDone?: (i: number, failure: string | null, run: FuzzRun) => void,
): Promise<{ failure: string | null; run: FuzzRun; dir: string }[]> {
  const out = new Array<{ failure: string | null; run: FuzzRun; dir: string }>(cases.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    for (let i = next++; i < cases.length; i = next++) {
      const c = cases[i] as FuzzCase;
      const dir = layDown(c);
      const run = await runRampart(c.args, dir);
      const failure = judge(c, run, dir);
      out[i] = { failure, run, dir };
      onDone?.(i, failure, run);
    }
  };
  await Promise.all(Array.from({ length: parallel }, worker));
  return out;
}
