import { closeSync, createReadStream, openSync, readSync, statSync } from 'node:fs';
import { Transform, type Readable, type TransformCallback } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { createInterface } from 'node:readline';
import { RampartError, ErrorCodes } from '../core/errors.js';
import { apiVerbs, type ApiVerb, type CallScope } from '../model/api-profile.js';
import { findResource } from '../model/resources.js';

/** Requests of one (verb, resource, scope, resourceVersion) by one service account. */
export interface AuditRow {
  readonly verb: ApiVerb;
  readonly resource: string;
  readonly scope: CallScope;
  readonly resourceVersion: '' | '0';
  /** A LIST's page size (`limit`), when it sent one; its follow-up pages (`continue`) are not counted. */
  readonly limit?: number;
  count: number;
}

/** What one service account did in the log. */
export interface AuditUser {
  readonly user: string;
  readonly namespace: string;
  readonly name: string;
  /** Line of its first request, for locations in SARIF and messages. */
  readonly firstLine: number;
  /** Distinct nodes (or source IPs when the token names no node) its requests came from. */
  readonly sources: Set<string>;
  readonly rows: Map<string, AuditRow>;
}

/** Aggregates of an audit log: memory grows with users, nodes and call kinds, never with lines. */
export interface AuditSummary {
  readonly file: string;
  lines: number;
  /** Events counted as requests of a service account. */
  counted: number;
  malformed: number;
  firstMalformedLine: number | null;
  /** Well-formed events not counted: other users, other stages, non-resource URLs, unknown verbs. */
  ignored: number;
  readonly unknownResources: Map<string, number>;
  firstMs: number;
  lastMs: number;
  /** Node names seen anywhere (kubelets, node-bound tokens, spec.nodeName selectors). */
  readonly nodes: Set<string>;
  readonly users: Map<string, AuditUser>;
  /** Requests of service accounts past the first maxAccounts, left out (kept no state for them). */
  accountsOverCap?: number;
  /** Sources held over all accounts (bounded by maxSourceEntries). */
  sourceEntries?: number;
}

// Caps keep memory flat on hostile input; a real cluster has far fewer nodes and callers.
const maxSetSize = 200_000;
/**
 * Service accounts analyzed (each is a workload of the report). A cluster runs hundreds; 100,000
 * distinct ones grew past 600 MB. Requests of accounts past the cap are counted and said, not analyzed.
 */
export const maxAccounts = 2_000;
/** Distinct sources over all accounts together (a per-account cap alone multiplies by the accounts). */
const maxSourceEntries = 1_000_000;
/** Resources the cost model does not know, by name: each is listed in the report. */
const maxUnknownResources = 1_000;
/** A longer line is not an audit event (the largest hold a few megabytes of request and response). */
export const maxAuditLineBytes = 16 * 1024 * 1024;
const saPrefix = 'system:serviceaccount:';
const nodeUserPrefix = 'system:node:';
const nodeNameExtra = 'authentication.kubernetes.io/node-name';

/** The log's time span in seconds (at least 1, so a one-instant log still gives finite rates). */
export function auditWindowS(s: AuditSummary): number {
  return s.counted === 0 || s.lastMs <= s.firstMs ? 1 : (s.lastMs - s.firstMs) / 1000;
}

/**
 * Streams an audit log (audit.k8s.io/v1 Event, one JSON object per line) line by line with readline, so
 * memory stays flat whatever the file size. Malformed lines are counted, never fatal.
 */
export async function readAuditLog(file: string): Promise<AuditSummary> {
  const summary: AuditSummary = {
    file,
    lines: 0,
    counted: 0,
    malformed: 0,
    firstMalformedLine: null,
    ignored: 0,
    unknownResources: new Map(),
    firstMs: Number.POSITIVE_INFINITY,
    lastMs: Number.NEGATIVE_INFINITY,
    nodes: new Set(),
    users: new Map(),
    accountsOverCap: 0,
    sourceEntries: 0,
  };
  checkRegularFile(file);
  const raw = createReadStream(file, { highWaterMark: 1 << 20 });
  // Rotated audit logs are gzipped (kube-apiserver --audit-log-compress): read them as they are.
  const gzipped = isGzip(file);
  // readline holds a line until its end: a file without line breaks would be held whole.
  const unzipped: Readable = gzipped ? raw.pipe(createGunzip()) : raw;
  const stream: Readable = unzipped.pipe(lineLengthGuard(file));
  const rl = createInterface({ input: stream, crlfDelay: Infinity });
  rl.on('line', (line) => {
    summary.lines += 1;
    if (line.trim().length === 0) return;
    if (!addLine(summary, line)) {
      summary.malformed += 1;
      summary.firstMalformedLine ??= summary.lines;
    }
  });
  try {
    await new Promise<void>((resolve, reject) => {
      rl.once('close', resolve);
      // readline re-emits input errors; both are listened to so none goes unhandled.
      rl.once('error', reject);
      raw.once('error', reject);
      unzipped.once('error', reject);
      stream.once('error', reject);
    });
  } catch (err) {
    rl.close();
    raw.destroy();
    if (err instanceof RampartError) throw err;
    const code = (err as NodeJS.ErrnoException).code;
    const why =
      code === 'ENOENT'
        ? 'no such file'
        : code === 'EISDIR'
          ? 'is a directory'
          : gzipped && code?.startsWith('Z_')
            ? 'a damaged or truncated gzip file'
            : (code ?? 'unreadable');
    throw new RampartError(ErrorCodes.badInput, `${file}: cannot read audit log (${why})`);
  }
  return summary;
}

/**
 * Only a regular file is read: `/dev/zero` or `/dev/urandom` never end, and a FIFO waits for a writer.
 * A missing file is left to the stream, which says so.
 */
function checkRegularFile(file: string): void {
  const st = statSync(file, { throwIfNoEntry: false });
  if (st && !st.isFile() && !st.isDirectory())
    throw new RampartError(
      ErrorCodes.badInput,
      `${file}: cannot read audit log (not a regular file: a device, FIFO or socket); give a file`,
    );
}

/** Passes bytes through, failing once a line grows past maxAuditLineBytes. */
function lineLengthGuard(file: string): Transform {
  let run = 0;
  let line = 1;
  return new Transform({
    transform(chunk: Buffer, _enc, done: TransformCallback): void {
      for (let from = 0; ;) {
        const nl = chunk.indexOf(0x0a, from);
        run += (nl < 0 ? chunk.length : nl) - from;
        if (run > maxAuditLineBytes) {
          done(
            new RampartError(
              ErrorCodes.badInput,
              `${file}:${line}: a line longer than ${maxAuditLineBytes / 1024 / 1024} MiB; not an audit log (one JSON event per line)`,
            ),
          );
          return;
        }
        if (nl < 0) break;
        run = 0;
        line += 1;
        from = nl + 1;
      }
      done(null, chunk);
    },
  });
}

/** True when the file starts with gzip's magic bytes (false when it cannot be read: the stream says why). */
function isGzip(file: string): boolean {
  let fd: number | undefined;
  try {
    fd = openSync(file, 'r');
    const head = Buffer.alloc(2);
    return readSync(fd, head, 0, 2, 0) === 2 && head[0] === 0x1f && head[1] === 0x8b;
  } catch {
    return false;
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

type Json = Record<string, unknown>;
const isObj = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);

/** Adds one line's event; false when the line is not an audit event. */
export function addLine(s: AuditSummary, line: string): boolean {
  let ev: unknown;
  try {
    ev = JSON.parse(line);
  } catch {
    return false;
  }
  if (!isObj(ev)) return false;
  const verb = str(ev['verb']);
  const userInfo = ev['user'];
  const username = isObj(userInfo) ? str(userInfo['username']) : undefined;
  const ts = Date.parse(str(ev['requestReceivedTimestamp']) ?? str(ev['stageTimestamp']) ?? '');
  if (verb === undefined || username === undefined || Number.isNaN(ts)) return false;

  const extra = isObj(userInfo) ? userInfo['extra'] : undefined;
  const boundNode =
    isObj(extra) && Array.isArray(extra[nodeNameExtra]) ? str(extra[nodeNameExtra][0]) : undefined;
  if (username.startsWith(nodeUserPrefix)) addCapped(s.nodes, username.slice(nodeUserPrefix.length));
  if (boundNode) addCapped(s.nodes, boundNode);

  const stage = str(ev['stage']);
  // One event per request: ResponseComplete (or logs without stages); a watch may only have started.
  if (
    stage !== undefined &&
    stage !== 'ResponseComplete' &&
    !(verb === 'watch' && stage === 'ResponseStarted')
  ) {
    s.ignored += 1;
    return true;
  }
  const ref = ev['objectRef'];
  const mapped: ApiVerb | undefined =
    verb === 'deletecollection'
      ? 'delete'
      : (apiVerbs as readonly string[]).includes(verb)
        ? (verb as ApiVerb)
        : undefined;
  if (!username.startsWith(saPrefix) || !isObj(ref) || mapped === undefined) {
    s.ignored += 1;
    return true;
  }
  const [namespace = '', name = ''] = username.slice(saPrefix.length).split(':');
  const plural = str(ref['resource']) ?? '';
  const group = str(ref['apiGroup']) ?? '';
  const resource = (group ? findResource(`${group}/${plural}`) : undefined) ?? findResource(plural);
  if (!resource) {
    const key = group ? `${group}/${plural}` : plural;
    const known = s.unknownResources.get(key);
    if (known !== undefined || s.unknownResources.size < maxUnknownResources)
      s.unknownResources.set(key, (known ?? 0) + 1);
    s.ignored += 1;
    return true;
  }
  if (ts < s.firstMs) s.firstMs = ts;
  if (ts > s.lastMs) s.lastMs = ts;
  s.counted += 1;

  const query = parseQuery(str(ev['requestURI']) ?? '');
  const selector = query.get('fieldSelector') ?? '';
  const nodeSelector = /(?:^|,)spec\.nodeName=([^,]+)/.exec(selector)?.[1];
  if (nodeSelector) addCapped(s.nodes, nodeSelector);
  const scope: CallScope =
    str(ref['name']) !== undefined || /(?:^|,)metadata\.name=/.test(selector)
      ? 'object'
      : nodeSelector
        ? 'node'
        : str(ref['namespace'])
          ? 'namespace'
          : 'cluster';
  // RV=0 reads the watch cache; so does any other RV without a limit (NotOlderThan), reference §2.3.
  const rvParam = query.get('resourceVersion');
  const rv: '' | '0' =
    rvParam === '0' || (rvParam !== null && rvParam !== '' && !query.has('limit')) ? '0' : '';
  const resourceVersion: '' | '0' = mapped === 'watch' ? '0' : mapped === 'list' ? rv : '';
  // A paginated LIST is one call of several requests: its first page carries the limit, the others a
  // continue token. The call is counted once, with its limit, and costed as pages (request-cost.ts).
  const limitParam = mapped === 'list' ? Number(query.get('limit') ?? '') : Number.NaN;
  const limit = Number.isInteger(limitParam) && limitParam > 0 ? limitParam : undefined;
  if (mapped === 'list' && query.has('continue')) return true;

  let user = s.users.get(username);
  if (!user) {
    if (s.users.size >= maxAccounts) {
      s.accountsOverCap = (s.accountsOverCap ?? 0) + 1;
      return true;
    }
    user = { user: username, namespace, name, firstLine: s.lines, sources: new Set(), rows: new Map() };
    s.users.set(username, user);
  }
  const sourceIps = ev['sourceIPs'];
  const source = boundNode ?? (Array.isArray(sourceIps) ? str(sourceIps[0]) : undefined);
  const entries = s.sourceEntries ?? 0;
  if (source && entries < maxSourceEntries && !user.sources.has(source)) {
    const before = user.sources.size;
    addCapped(user.sources, source);
    s.sourceEntries = entries + user.sources.size - before;
  }
  const key = `${mapped} ${resource.name} ${scope} ${resourceVersion} ${limit ?? ''}`;
  const row = user.rows.get(key);
  if (row) row.count += 1;
  else
    user.rows.set(key, {
      verb: mapped,
      resource: resource.name,
      scope,
      resourceVersion,
      ...(limit !== undefined ? { limit } : {}),
      count: 1,
    });
  return true;
}

function addCapped(set: Set<string>, value: string): void {
  if (set.size < maxSetSize) set.add(value);
}

function parseQuery(uri: string): URLSearchParams {
  const q = uri.indexOf('?');
  return new URLSearchParams(q < 0 ? '' : uri.slice(q + 1));
}
