import { Agent, request, type RequestOptions } from 'node:https';
import type { IncomingMessage } from 'node:http';
import type { PlannedRequest } from './call-request.js';
import type { Scheduler } from './scheduler.js';

/** Where the API server is, how to trust it, and (optionally) a client certificate to present. */
export interface KubeEndpoint {
  /** `https://host:port`, optionally with a path prefix. */
  readonly server: string;
  /** PEM of the CA that signed the server's certificate; absent = the system's trust store. */
  readonly caPem?: string;
  /** kubeconfig's insecure-skip-tls-verify: the server's certificate is not checked. */
  readonly insecureSkipTlsVerify?: boolean;
  readonly clientCertPem?: string;
  readonly clientKeyPem?: string;
}

/** What one request came to. `status` 0 means no HTTP answer (connection error or timeout). */
export interface CallResult {
  readonly status: number;
  /** Response body bytes received (counted, never kept). */
  readonly bytes: number;
  /** From sending to the last byte of the body (watches: to the end of the stream). */
  readonly latencyMs: number;
  /** Seconds from a 429's Retry-After header. */
  readonly retryAfterS?: number;
  /** Why there was no answer (status 0). */
  readonly error?: string;
  /** UID of the APF priority level the server put the request in (its X-Kubernetes-PF-PriorityLevel-UID). */
  readonly priorityLevelUid?: string;
}

/** A small JSON answer (setup and probes, never load): status, parsed body, APF level UID. */
export interface JsonAnswer {
  readonly status: number;
  readonly body: unknown;
  readonly priorityLevelUid?: string;
}

// Probes and setup read small objects; a larger answer is cut rather than buffered.
const maxJsonBytes = 32 * 2 ** 20;

export interface KubeHttpOptions {
  readonly scheduler: Scheduler;
  /** Open connections per server; requests beyond it wait for a free socket in the client. */
  readonly maxSockets?: number;
  /** Give up on a non-watch request after this long (the API server's own limit is 60 s). */
  readonly timeoutMs?: number;
}

/** A watch in progress; `stop()` closes it and `done` resolves when its stream has ended. */
export interface WatchHandle {
  stop(): void;
  readonly done: Promise<CallResult>;
}

/**
 * A cheap HTTP client for load: keep-alive TLS connections, response bodies streamed and discarded
 * (only their size is counted), so a 20,000-pod LIST costs this process a socket read, not a JSON parse.
 * Tokens are passed per request and never logged.
 */
export class KubeHttp {
  private readonly agent: Agent;
  private readonly url: URL;
  private readonly prefix: string;

  constructor(
    private readonly endpoint: KubeEndpoint,
    private readonly options: KubeHttpOptions,
  ) {
    this.url = new URL(endpoint.server);
    this.prefix = this.url.pathname.replace(/\/$/, '');
    this.agent = new Agent({
      keepAlive: true,
      maxSockets: options.maxSockets ?? 256,
      maxFreeSockets: options.maxSockets ?? 256,
      ...(endpoint.caPem !== undefined ? { ca: endpoint.caPem } : {}),
      ...(endpoint.clientCertPem !== undefined && endpoint.clientKeyPem !== undefined
        ? { cert: endpoint.clientCertPem, key: endpoint.clientKeyPem }
        : {}),
      rejectUnauthorized: endpoint.insecureSkipTlsVerify !== true,
    });
  }

  /**
   * A request whose (small) JSON answer is parsed: setup, probes, /metrics text. Never rejects: no answer
   * is status 0 with the reason as body. `token` '' sends no Authorization header (client certificates).
   */
  json(
    method: string,
    path: string,
    token: string,
    options: { body?: unknown; contentType?: string; accept?: string; timeoutMs?: number } = {},
  ): Promise<JsonAnswer> {
    const payload = options.body === undefined ? undefined : JSON.stringify(options.body);
    return new Promise((resolve) => {
      const headers: Record<string, string> = {
        accept: options.accept ?? 'application/json',
        'user-agent': 'rampart-loadtest',
      };
      if (token !== '') headers['authorization'] = `Bearer ${token}`;
      if (payload !== undefined) {
        headers['content-type'] = options.contentType ?? 'application/json';
        headers['content-length'] = String(Buffer.byteLength(payload));
      }
      let settled = false;
      const done = (a: JsonAnswer): void => {
        if (settled) return;
        settled = true;
        resolve(a);
      };
      const r = request(
        {
          agent: this.agent,
          host: this.url.hostname,
          port: this.url.port,
          method,
          path: this.prefix + path,
          headers,
        },
        (res) => {
          const chunks: Buffer[] = [];
          let size = 0;
          res.on('data', (c: Buffer) => {
            size += c.length;
            if (size <= maxJsonBytes) chunks.push(c);
            else res.destroy(new Error(`answer larger than ${maxJsonBytes} bytes`));
          });
          res.on('end', () => {
            const text = Buffer.concat(chunks).toString('utf8');
            let body: unknown = text;
            if ((res.headers['content-type'] ?? '').includes('json')) {
              try {
                body = JSON.parse(text);
              } catch {
                // Keep the text: a truncated or odd answer is still worth its status.
              }
            }
            const pl = res.headers['x-kubernetes-pf-prioritylevel-uid'];
            done({
              status: res.statusCode ?? 0,
              body,
              ...(typeof pl === 'string' ? { priorityLevelUid: pl } : {}),
            });
          });
          res.on('error', (e) => done({ status: 0, body: e.message }));
        },
      );
      r.setTimeout(options.timeoutMs ?? 30_000, () =>
        r.destroy(new Error(`no answer in ${options.timeoutMs ?? 30_000} ms`)),
      );
      r.on('error', (e) => done({ status: 0, body: e.message }));
      r.end(payload);
    });
  }

  /** Sends a request and resolves when its body has been read to the end (never rejects). */
  send(req: PlannedRequest, token: string): Promise<CallResult> {
    return this.open(req, token, this.options.timeoutMs ?? 70_000).done;
  }

  /** Opens a watch; its stream is read and discarded until the server ends it or `stop()` is called. */
  watch(req: PlannedRequest, token: string): WatchHandle {
    return this.open(req, token, 0);
  }

  /** Closes every idle connection (in-flight requests end by themselves or by their handles). */
  close(): void {
    this.agent.destroy();
  }

  private open(req: PlannedRequest, token: string, timeoutMs: number): WatchHandle {
    const clock = this.options.scheduler;
    const started = clock.nowMs();
    const headers: Record<string, string> = {
      accept: 'application/json',
      'user-agent': 'rampart-virtual-agent',
    };
    if (token !== '') headers['authorization'] = `Bearer ${token}`;
    if (req.body !== undefined) {
      headers['content-type'] = req.contentType ?? 'application/json';
      headers['content-length'] = String(Buffer.byteLength(req.body));
    }
    const opts: RequestOptions = {
      agent: this.agent,
      host: this.url.hostname,
      port: this.url.port,
      method: req.method,
      path: this.prefix + req.path,
      headers,
    };
    let finish: (r: CallResult) => void = () => undefined;
    const done = new Promise<CallResult>((resolve) => {
      let settled = false;
      finish = (r) => {
        if (settled) return;
        settled = true;
        resolve(r);
      };
    });
    let bytes = 0;
    let response: IncomingMessage | undefined;
    const r = request(opts, (res) => {
      response = res;
      const status = res.statusCode ?? 0;
      const retry = Number(res.headers['retry-after']);
      const pl = res.headers['x-kubernetes-pf-prioritylevel-uid'];
      const extra = {
        ...(status === 429 && Number.isFinite(retry) ? { retryAfterS: retry } : {}),
        ...(typeof pl === 'string' ? { priorityLevelUid: pl } : {}),
      };
      res.on('data', (chunk: Buffer) => {
        bytes += chunk.length;
      });
      const end = (): void => finish({ status, bytes, latencyMs: clock.nowMs() - started, ...extra });
      res.on('end', end);
      res.on('close', end);
      res.on('error', end);
    });
    if (timeoutMs > 0) r.setTimeout(timeoutMs, () => r.destroy(new Error(`no answer in ${timeoutMs} ms`)));
    r.on('error', (err) =>
      finish({
        status: response?.statusCode ?? 0,
        bytes,
        latencyMs: clock.nowMs() - started,
        error: err.message,
      }),
    );
    r.end(req.body);
    return {
      stop: () => {
        r.destroy();
      },
      done,
    };
  }

  /** The endpoint this client talks to. */
  get server(): string {
    return this.endpoint.server;
  }
}
