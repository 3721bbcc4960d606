import { Agent, request, type RequestOptions } from 'node:https';
import type { IncomingMessage } from 'node:http';
import type { PlannedRequest } from './call-request.js';
import type { Scheduler } from './scheduler.js';

/** Where the API server is and how to trust it. */
export interface KubeEndpoint {
  /** `https://host:port`. */
  readonly server: string;
  /** PEM of the CA that signed the server's certificate. */
  readonly caPem: string;
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
}

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

  constructor(
    private readonly endpoint: KubeEndpoint,
    private readonly options: KubeHttpOptions,
  ) {
    this.url = new URL(endpoint.server);
    this.agent = new Agent({
      keepAlive: true,
      maxSockets: options.maxSockets ?? 256,
      maxFreeSockets: options.maxSockets ?? 256,
      ca: endpoint.caPem,
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
      authorization: `Bearer ${token}`,
      accept: 'application/json',
      'user-agent': 'rampart-virtual-agent',
    };
    if (req.body !== undefined) {
      headers['content-type'] = req.contentType ?? 'application/json';
      headers['content-length'] = String(Buffer.byteLength(req.body));
    }
    const opts: RequestOptions = {
      agent: this.agent,
      host: this.url.hostname,
      port: this.url.port,
      method: req.method,
      path: req.path,
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
      const extra = status === 429 && Number.isFinite(retry) ? { retryAfterS: retry } : {};
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
