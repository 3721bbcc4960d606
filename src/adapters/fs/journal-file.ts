import { appendFileSync, closeSync, existsSync, openSync, readFileSync, readSync, statSync } from 'node:fs';
import { RampartError, ErrorCodes } from '../../core/errors.js';
import type { JournalEntry } from '../../rollout/journal.js';

/**
 * Appends journal entries to `path`, one JSON object per line, each batch in one `write` to a file opened
 * for appending: what was written before a SIGKILL stays, and at worst the last line is cut off (the
 * reader skips it; the next process starts on a fresh line). `scrub` removes secrets from every line
 * before it is written (the CLI passes the kubeconfig redactor: an action's error text could carry one).
 * It is a RolloutJournalSink that answers at once.
 */
export function fileJournal(
  path: string,
  scrub: (line: string) => string = (l) => l,
): { append(entries: readonly JournalEntry[]): void; bytes(): number } {
  let size = existsSync(path) ? statSync(path).size : 0;
  let fresh = size === 0 || endsWithNewline(path);
  return {
    append(entries) {
      if (entries.length === 0) return;
      const text = `${fresh ? '' : '\n'}${entries.map((e) => scrub(JSON.stringify(e))).join('\n')}\n`;
      try {
        appendFileSync(path, text, { mode: 0o600 });
      } catch (err) {
        const why = err instanceof Error ? err.message.split('\n')[0] : String(err);
        throw new RampartError(ErrorCodes.io, `${path}: could not append to the journal (${why})`);
      }
      fresh = true;
      size += Buffer.byteLength(text);
    },
    bytes: () => size,
  };
}

function endsWithNewline(path: string): boolean {
  const fd = openSync(path, 'r');
  try {
    const buf = Buffer.alloc(1);
    readSync(fd, buf, 0, 1, statSync(path).size - 1);
    return buf[0] === 0x0a;
  } finally {
    closeSync(fd);
  }
}

/** A journal's entries, and how many lines could not be read (cut off by a crash, or edited by hand). */
export interface JournalRead {
  readonly entries: JournalEntry[];
  readonly skippedLines: number;
}

/** Reads a journal; a missing file is an empty journal (a rollout started before journals existed). */
export function readJournal(path: string): JournalRead {
  if (!existsSync(path)) return { entries: [], skippedLines: 0 };
  const entries: JournalEntry[] = [];
  let skippedLines = 0;
  let text: string;
  try {
    // Not readText: a journal is not an input file and may be larger than its limit.
    text = readFileSync(path, 'utf8');
  } catch (err) {
    const why = err instanceof Error ? err.message.split('\n')[0] : String(err);
    throw new RampartError(ErrorCodes.io, `${path}: could not read the journal (${why})`);
  }
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    try {
      const v = JSON.parse(line) as unknown;
      if (isEntry(v)) entries.push(v);
      else skippedLines += 1;
    } catch {
      skippedLines += 1;
    }
  }
  return { entries, skippedLines };
}

/** Enough shape for the report to read an entry safely: a type it knows and a finite time. */
function isEntry(v: unknown): v is JournalEntry {
  if (typeof v !== 'object' || v === null) return false;
  const o = v as { type?: unknown; atMs?: unknown };
  return (
    typeof o.type === 'string' &&
    (o.type.startsWith('rollout.') || o.type.startsWith('journal.')) &&
    typeof o.atMs === 'number' &&
    Number.isFinite(o.atMs)
  );
}
