import { AssertionError } from 'node:assert';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { repoRoot } from './files.js';

/** Where golden files live. */
export const goldenDir = join(repoRoot, 'test/golden');

/** The command that rewrites every golden file from the current outputs. */
export const updateGoldenCommand =
  'UPDATE_GOLDEN=1 node --import ./scripts/register-tsx.js --test test/golden.test.ts';

/**
 * Compares `actual` byte for byte with test/golden/<name>. With UPDATE_GOLDEN=1 it writes the file
 * instead (and passes), so an intended change of output is one command and a reviewable git diff. A
 * mismatch fails with a short unified diff, not two long strings.
 */
export function assertGolden(name: string, actual: string, dir: string = goldenDir): void {
  const file = join(dir, name);
  const shown = relative(repoRoot, file);
  if (process.env['UPDATE_GOLDEN'] === '1') {
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, actual);
    return;
  }
  if (!existsSync(file))
    throw new AssertionError({ message: `${shown} does not exist; create it with: ${updateGoldenCommand}` });
  const expected = readFileSync(file, 'utf8');
  if (actual === expected) return;
  throw new AssertionError({
    message: `output differs from ${shown} (- golden, + actual); if the change is intended: ${updateGoldenCommand}\n${unifiedDiff(expected, actual)}`,
  });
}

/** Lines of a unified diff shown at most; a larger diff says how many it left out. */
const maxDiffLines = 60;
const contextLines = 3;

type Op = { readonly kind: ' ' | '-' | '+'; readonly text: string; readonly a: number; readonly b: number };

/**
 * A unified diff of two texts by lines (3 lines of context), cut at 60 lines. A missing final newline
 * shows as a removed or added empty last line, a carriage return as ␍.
 */
export function unifiedDiff(expected: string, actual: string): string {
  const a = expected.split('\n');
  const b = actual.split('\n');
  const ops = diffLines(a, b);
  if (!ops.some((o) => o.kind !== ' ')) return '(the texts have the same lines)';
  const out: string[] = [];
  let i = 0;
  while (i < ops.length) {
    if (ops[i]?.kind === ' ') {
      i++;
      continue;
    }
    // A hunk: from `contextLines` before this change to `contextLines` after the last change that is at
    // most 2 × contextLines unchanged lines further on.
    const start = Math.max(0, i - contextLines);
    let end = i;
    for (let j = i; j < ops.length; j++) {
      if (ops[j]?.kind !== ' ') end = j;
      else if (j - end > 2 * contextLines) break;
    }
    const stop = Math.min(ops.length, end + contextLines + 1);
    const hunk = ops.slice(start, stop);
    const first = hunk[0];
    const aLen = hunk.filter((o) => o.kind !== '+').length;
    const bLen = hunk.filter((o) => o.kind !== '-').length;
    out.push(`@@ -${(first?.a ?? 0) + 1},${aLen} +${(first?.b ?? 0) + 1},${bLen} @@`);
    // A carriage return would make two different lines look the same.
    for (const o of hunk) out.push(`${o.kind}${o.text.replaceAll('\r', '␍')}`);
    i = stop;
  }
  if (out.length <= maxDiffLines) return out.join('\n');
  return `${out.slice(0, maxDiffLines).join('\n')}\n… ${out.length - maxDiffLines} more diff line(s)`;
}

/** Line edit script: common prefix and suffix trimmed, a longest-common-subsequence table for the rest. */
function diffLines(a: readonly string[], b: readonly string[]): Op[] {
  let pre = 0;
  while (pre < a.length && pre < b.length && a[pre] === b[pre]) pre++;
  let suf = 0;
  while (suf < a.length - pre && suf < b.length - pre && a[a.length - 1 - suf] === b[b.length - 1 - suf])
    suf++;
  const am = a.slice(pre, a.length - suf);
  const bm = b.slice(pre, b.length - suf);
  const n = am.length;
  const m = bm.length;
  // lcs[i * (m + 1) + j]: length of the LCS of am[i..] and bm[j..].
  const lcs = new Uint32Array((n + 1) * (m + 1));
  for (let i = n - 1; i >= 0; i--)
    for (let j = m - 1; j >= 0; j--)
      lcs[i * (m + 1) + j] =
        am[i] === bm[j]
          ? (lcs[(i + 1) * (m + 1) + j + 1] ?? 0) + 1
          : Math.max(lcs[(i + 1) * (m + 1) + j] ?? 0, lcs[i * (m + 1) + j + 1] ?? 0);
  const ops: Op[] = [];
  for (let k = 0; k < pre; k++) ops.push({ kind: ' ', text: a[k] ?? '', a: k, b: k });
  let i = 0;
  let j = 0;
  while (i < n || j < m) {
    if (i < n && j < m && am[i] === bm[j]) {
      ops.push({ kind: ' ', text: am[i] ?? '', a: pre + i, b: pre + j });
      i++;
      j++;
    } else if (i < n && (j >= m || (lcs[(i + 1) * (m + 1) + j] ?? 0) >= (lcs[i * (m + 1) + j + 1] ?? 0))) {
      // Removals before additions, as diff(1) prints them.
      ops.push({ kind: '-', text: am[i] ?? '', a: pre + i, b: pre + j });
      i++;
    } else {
      ops.push({ kind: '+', text: bm[j] ?? '', a: pre + i, b: pre + j });
      j++;
    }
  }
  for (let k = 0; k < suf; k++)
    ops.push({ kind: ' ', text: a[a.length - suf + k] ?? '', a: a.length - suf + k, b: b.length - suf + k });
  return ops;
}
