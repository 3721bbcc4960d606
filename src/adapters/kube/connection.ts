import { request as httpsRequest, type RequestOptions } from 'node:https';
import { homedir } from 'node:os';
import { delimiter, join } from 'node:path';
import { existsSync } from 'node:fs';
import {
  ApiException,
  createConfiguration,
  KubeConfig,
  KubernetesObjectApi,
  ServerConfiguration,
  type Configuration,
  type Middleware,
  type RequestContext,
  type ResponseContext,
} from '@kubernetes/client-node';
import { badInput } from '../../core/errors.js';
import type { Clock } from '../../core/clock.js';
import { breakGlassLevelName } from '../../apf/breakglass.js';
import type { RequestCount as JournalRequestCount } from '../../rollout/journal.js';

/** Where a cluster's credentials come from: a kubeconfig file (or several, as $KUBECONFIG lists) and a context. */
export interface KubeTarget {
  readonly cluster: string;
  readonly context: string;
  /** Paths joined with the platform delimiter, as $KUBECONFIG takes them. */
  readonly kubeconfig: string;
  /** Where the target was declared, for errors (e.g. `fleet.yaml: cluster eu-1`). */
  readonly where: string;
}

/** The kubeconfig path(s) for a cluster: its own field, else --kubeconfig, else $KUBECONFIG, else ~/.kube/config. */
export function kubeconfigPath(own: string | undefined, flag: string | undefined): string {
  return own ?? flag ?? process.env['KUBECONFIG'] ?? join(homedir(), '.kube', 'config');
}

/** Secrets a kubeconfig holds (tokens, passwords, key data): never shown, replaced in any message. */
const secretsSeen = new Set<string>();

/** Replaces every known credential (and anything that looks like a bearer token) in a text. */
export function redact(text: string): string {
  let out = text.replace(/(Bearer|Basic)\s+[A-Za-z0-9._~+/=-]+/gi, '$1 [redacted]');
  for (const s of secretsSeen) if (s.length >= 6) out = out.split(s).join('[redacted]');
  return out;
}

/** Loads the context of a target; a missing file or context is a one-line bad-input error. */
export function loadKubeConfig(t: KubeTarget): KubeConfig {
  const files = t.kubeconfig.split(delimiter).filter((f) => f.length > 0);
  const missing = files.filter((f) => !existsSync(f));
  if (files.length === 0 || missing.length === files.length)
    throw badInput(
      `${t.where}: kubeconfig ${t.kubeconfig} not found; set kubeconfig, --kubeconfig or $KUBECONFIG`,
    );
  const kc = new KubeConfig();
  try {
    if (files.length === 1 && files[0]) kc.loadFromFile(files[0]);
    else {
      // Several files merge as kubectl merges them: the first definition of a name wins.
      const merged = new KubeConfig();
      for (const f of files.filter((x) => existsSync(x))) {
        const one = new KubeConfig();
        one.loadFromFile(f);
        merged.mergeConfig(one, false);
      }
      kc.loadFromString(merged.exportConfig());
    }
  } catch (err) {
    throw badInput(`${t.where}: kubeconfig ${t.kubeconfig} unreadable (${firstLine(err)})`);
  }
  for (const u of kc.getUsers()) for (const s of [u.token, u.password, u.keyData]) if (s) secretsSeen.add(s);
  if (!kc.getContextObject(t.context)) {
    const known = kc.getContexts().map((c) => c.name);
    throw badInput(
      `${t.where}: context "${t.context}" is not in ${t.kubeconfig} (known: ${known.slice(0, 8).join(', ') || 'none'})`,
    );
  }
  kc.setCurrentContext(t.context);
  if (!kc.getCurrentCluster()) throw badInput(`${t.where}: context "${t.context}" names no cluster`);
  return kc;
}

export function firstLine(err: unknown): string {
  const text = err instanceof Error ? err.message : String(err);
  return redact(text.split('\n')[0] ?? 'error').slice(0, 300);
}

/** The journal's request count; a connection always tells the exempt level apart. */
export type RequestCount = Required<JournalRequestCount>;

/** Per-request timeout: an API server that does not answer within it is unreachable for this request. */
const requestTimeoutMs = 20_000;
/** Longest single Retry-After honoured (the APF maximum, reference §2.1) and the total per call. */
const maxRetryAfterS = 32;
const maxBackoffTotalMs = 90_000;

/**
 * One cluster's connection: a generic object client whose every request (discovery included) is counted,
 * carries a timeout, and whose APF priority level is noted; calls that get 429 wait per Retry-After and
 * retry, so a throttled write is never taken as done.
 */
export class KubeConnection {
  readonly objects: KubernetesObjectApi;
  private readonly total = { requests: 0, throttled: 0 };
  /** Responses per serving priority level's UID: which UID is break-glass is resolved by name when counted. */
  private readonly perLevelUid = new Map<string, number>();
  /** UID of the break-glass PriorityLevelConfiguration once known. */
  breakGlassUid: string | null = null;

  constructor(
    readonly target: KubeTarget,
    readonly kc: KubeConfig,
    private readonly clock: Clock,
  ) {
    const cluster = kc.getCurrentCluster();
    if (!cluster) throw badInput(`${target.where}: context "${target.context}" names no cluster`);
    const counting: Middleware = {
      pre: (ctx: RequestContext) => {
        this.total.requests += 1;
        ctx.setSignal(AbortSignal.timeout(requestTimeoutMs));
        return Promise.resolve(ctx);
      },
      post: (rsp: ResponseContext) => {
        if (rsp.httpStatusCode === 429) this.total.throttled += 1;
        this.servedBy(rsp.headers['x-kubernetes-pf-prioritylevel-uid']);
        return Promise.resolve(rsp);
      },
    };
    const config: Configuration = createConfiguration({
      baseServer: new ServerConfiguration(cluster.server, {}),
      authMethods: { default: kc },
      promiseMiddleware: [counting],
    });
    this.objects = new KubernetesObjectApi(config);
  }

  /** Runs one API call; on 429 waits per Retry-After (bounded) and tries again. */
  async call<T>(fn: () => Promise<T>): Promise<T> {
    let waitedMs = 0;
    for (;;) {
      try {
        return await fn();
      } catch (err) {
        if (!(err instanceof ApiException) || err.code !== 429) throw err;
        const headers = err.headers as Record<string, string | undefined>;
        const afterS = Math.min(maxRetryAfterS, Math.max(1, Number(headers['retry-after'] ?? 1) || 1));
        if (waitedMs + afterS * 1000 > maxBackoffTotalMs) throw err;
        await this.clock.sleep(afterS * 1000);
        waitedMs += afterS * 1000;
      }
    }
  }

  /** Names of the levels being looked up, started when a level's UID is first seen. */
  private readonly naming = new Map<string, Promise<string | null>>();

  private servedBy(levelUid: string | undefined): void {
    if (!levelUid) return;
    this.perLevelUid.set(levelUid, (this.perLevelUid.get(levelUid) ?? 0) + 1);
    // Named while the run goes on: at its end the cluster may be saturated or the level gone.
    if (!this.naming.has(levelUid) && levelUid !== this.breakGlassUid)
      this.naming.set(
        levelUid,
        this.priorityLevelName(levelUid).catch(() => null),
      );
  }

  /**
   * Rampart's requests so far, with those served by the break-glass and exempt levels. The levels are
   * named from their UIDs as they are first seen, not only when this process applies break-glass: a
   * resumed run, which does not apply it again, still counts what went through it. A level that could not
   * be named (the cluster unreachable then and now) is counted in `requests` only.
   */
  async requestCount(): Promise<RequestCount> {
    let viaBreakGlass = 0;
    let exempt = 0;
    for (const [uid, n] of this.perLevelUid) {
      const name =
        uid === this.breakGlassUid
          ? breakGlassLevelName
          : ((await this.naming.get(uid)) ?? (await this.priorityLevelName(uid).catch(() => null)));
      if (name === breakGlassLevelName) viaBreakGlass += n;
      else if (name === 'exempt') exempt += n;
    }
    return { ...this.total, viaBreakGlass, exempt };
  }

  private readonly levelNames = new Map<string, string>();

  /**
   * The name of the priority level with this UID (from a response's X-Kubernetes-PF-PriorityLevel-UID);
   * the levels are listed again when a UID is new (a level created since). null when not found.
   */
  async priorityLevelName(uid: string): Promise<string | null> {
    const known = this.levelNames.get(uid);
    if (known !== undefined) return known;
    const { text } = await this.getServed(
      '/apis/flowcontrol.apiserver.k8s.io/v1/prioritylevelconfigurations',
      16 * 2 ** 20,
      'application/json',
    );
    const body = JSON.parse(text) as { items?: { metadata?: { uid?: unknown; name?: unknown } }[] };
    for (const item of body.items ?? []) {
      const m = item.metadata;
      if (typeof m?.uid === 'string' && typeof m.name === 'string') this.levelNames.set(m.uid, m.name);
    }
    return this.levelNames.get(uid) ?? null;
  }

  /** The API server's /metrics text, and the priority level that served the scrape (null: unknown). */
  async scrapeMetrics(): Promise<{ text: string; level: string | null }> {
    const { text, levelUid } = await this.getServed('/metrics');
    const level = levelUid === null ? null : await this.priorityLevelName(levelUid).catch(() => null);
    return { text, level };
  }

  /** GET of a non-resource path (e.g. /metrics) as text, through the same credentials, counted. */
  async getText(path: string, maxBytes = 64 * 2 ** 20): Promise<string> {
    return (await this.getServed(path, maxBytes)).text;
  }

  /**
   * GET as text, with the UID of the APF priority level that served it (X-Kubernetes-PF-PriorityLevel-UID;
   * null when the server did not say): a /metrics scrape counts itself among that level's executing seats.
   */
  async getServed(
    path: string,
    maxBytes = 64 * 2 ** 20,
    accept = 'text/plain',
  ): Promise<{ text: string; levelUid: string | null }> {
    const cluster = this.kc.getCurrentCluster();
    if (!cluster) throw new Error('no cluster');
    const url = new URL(path, cluster.server);
    const opts: RequestOptions = {
      method: 'GET',
      hostname: url.hostname,
      port: url.port,
      path: url.pathname + url.search,
      headers: { Accept: accept },
      timeout: requestTimeoutMs,
    };
    await this.kc.applyToHTTPSOptions(opts);
    return this.call(
      () =>
        new Promise<{ text: string; levelUid: string | null }>((resolve, reject) => {
          this.total.requests += 1;
          const req = httpsRequest(opts, (res) => {
            const chunks: Buffer[] = [];
            let size = 0;
            res.on('data', (b: Buffer) => {
              size += b.length;
              if (size > maxBytes) req.destroy(new Error(`${path}: response over ${maxBytes} bytes`));
              else chunks.push(b);
            });
            res.on('end', () => {
              const body = Buffer.concat(chunks).toString('utf8');
              const status = res.statusCode ?? 0;
              if (status === 429) this.total.throttled += 1;
              const pl = res.headers['x-kubernetes-pf-prioritylevel-uid'];
              this.servedBy(typeof pl === 'string' ? pl : undefined);
              if (status >= 200 && status < 300)
                resolve({ text: body, levelUid: typeof pl === 'string' ? pl : null });
              else {
                const ra = res.headers['retry-after'];
                reject(
                  new ApiException<string>(status, `GET ${path}: HTTP ${status}`, body.slice(0, 300), {
                    ...(typeof ra === 'string' ? { 'retry-after': ra } : {}),
                  }),
                );
              }
            });
            res.on('error', reject);
          });
          req.on('timeout', () =>
            req.destroy(new Error(`GET ${path}: no answer in ${requestTimeoutMs / 1000}s`)),
          );
          req.on('error', reject);
          req.end();
        }),
    );
  }
}

/** A one-line reason for a failed API call: HTTP status and the server's message, or the network error. */
export function apiReason(what: string, err: unknown): string {
  if (err instanceof ApiException) {
    const body: unknown = err.body;
    let message = '';
    if (typeof body === 'string') {
      try {
        const parsed = JSON.parse(body) as { message?: unknown };
        message = typeof parsed.message === 'string' ? parsed.message : body;
      } catch {
        message = body;
      }
    } else if (body && typeof body === 'object' && 'message' in body) {
      const m = (body as { message?: unknown }).message;
      message = typeof m === 'string' ? m : '';
    }
    const code =
      err.code === 429 ? '429 (throttled; retried per Retry-After, not applied)' : String(err.code);
    return redact(`${what}: HTTP ${code}${message ? `: ${message.split('\n')[0]}` : ''}`).slice(0, 400);
  }
  return `${what}: ${firstLine(err)}`;
}

/** True for errors that mean the API server did not answer at all (refused, reset, timed out, DNS). */
export function isUnreachable(err: unknown): boolean {
  if (err instanceof ApiException) return false;
  const text =
    err instanceof Error
      ? `${err.name} ${err.message} ${typeof (err as { code?: unknown }).code === 'string' ? String((err as { code?: unknown }).code) : ''}`
      : String(err);
  return /ECONNREFUSED|ECONNRESET|EHOSTUNREACH|ENETUNREACH|ETIMEDOUT|ENOTFOUND|EAI_AGAIN|abort|timeout|socket hang up|network/i.test(
    text,
  );
}

export function isNotFound(err: unknown): boolean {
  return err instanceof ApiException && err.code === 404;
}

/** The home of a kubeconfig path list, for messages without secrets. */
export { delimiter as kubeconfigDelimiter };
