import { Agent, request } from 'node:https';

/** An answer from the API server, body parsed as JSON when it is JSON. */
export interface KubeAnswer {
  readonly status: number;
  readonly body: unknown;
}

/** A failed call, with the server's own message (never the token). */
export class KubeError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
    this.name = 'KubeError';
  }
}

/** A watch in progress. */
export interface JsonWatch {
  stop(): void;
}

/**
 * A small JSON client for the testbed's own setup and controller, where objects are few and small (nodes,
 * workloads, their pods). Load is never sent through it: that is src/loadtest's discarding client.
 */
export class KubeJson {
  private readonly agent: Agent;
  private readonly url: URL;

  constructor(
    server: string,
    caPem: string,
    private readonly token: string,
    maxSockets = 64,
  ) {
    this.url = new URL(server);
    this.agent = new Agent({ keepAlive: true, maxSockets, ca: caPem });
  }

  /** One request; rejects only when there is no HTTP answer at all. */
  call(method: string, path: string, body?: unknown, contentType = 'application/json'): Promise<KubeAnswer> {
    const payload = body === undefined ? undefined : JSON.stringify(body);
    return new Promise((resolve, reject) => {
      const r = request(
        {
          agent: this.agent,
          host: this.url.hostname,
          port: this.url.port,
          method,
          path,
          headers: {
            authorization: `Bearer ${this.token}`,
            accept: 'application/json',
            ...(payload !== undefined
              ? { 'content-type': contentType, 'content-length': String(Buffer.byteLength(payload)) }
              : {}),
          },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => {
            const text = Buffer.concat(chunks).toString('utf8');
            let parsed: unknown = text;
            try {
              parsed = text ? JSON.parse(text) : undefined;
            } catch {
              // Not JSON (healthz answers plain text): keep the text.
            }
            resolve({ status: res.statusCode ?? 0, body: parsed });
          });
          res.on('error', reject);
        },
      );
      r.setTimeout(60_000, () => r.destroy(new Error(`${method} ${path}: no answer in 60 s`)));
      r.on('error', reject);
      r.end(payload);
    });
  }

  /** A call that must succeed (2xx, or one of `allow`): returns the body, throws a KubeError otherwise. */
  async must(method: string, path: string, body?: unknown, allow: readonly number[] = []): Promise<unknown> {
    const a = await this.call(method, path, body);
    if ((a.status >= 200 && a.status < 300) || allow.includes(a.status)) return a.body;
    throw new KubeError(a.status, `${method} ${path.split('?')[0]}: ${a.status} ${messageOf(a.body)}`);
  }

  /**
   * Watches `path` (a collection, query allowed) from `resourceVersion`, calling `onEvent` per event line;
   * `onEnd` when the stream ends for any reason (the caller relists and watches again).
   */
  watch(
    path: string,
    resourceVersion: string,
    onEvent: (type: string, object: unknown) => void,
    onEnd: (error?: Error) => void,
  ): JsonWatch {
    const sep = path.includes('?') ? '&' : '?';
    const full = `${path}${sep}watch=1&allowWatchBookmarks=true&resourceVersion=${encodeURIComponent(resourceVersion)}`;
    let ended = false;
    const end = (err?: Error): void => {
      if (ended) return;
      ended = true;
      onEnd(err);
    };
    const r = request(
      {
        agent: this.agent,
        host: this.url.hostname,
        port: this.url.port,
        method: 'GET',
        path: full,
        headers: { authorization: `Bearer ${this.token}`, accept: 'application/json' },
      },
      (res) => {
        if (res.statusCode !== 200) {
          res.resume();
          end(new KubeError(res.statusCode ?? 0, `watch ${path}: ${res.statusCode}`));
          return;
        }
        let buf = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          buf += chunk;
          let nl: number;
          while ((nl = buf.indexOf('\n')) >= 0) {
            const line = buf.slice(0, nl);
            buf = buf.slice(nl + 1);
            if (!line.trim()) continue;
            const ev = JSON.parse(line) as { type?: unknown; object?: unknown };
            if (typeof ev.type === 'string') onEvent(ev.type, ev.object);
          }
        });
        res.on('end', () => end());
        res.on('close', () => end());
        res.on('error', (e) => end(e));
      },
    );
    r.on('error', (e) => end(e));
    r.end();
    return {
      stop: () => {
        ended = true;
        r.destroy();
      },
    };
  }

  close(): void {
    this.agent.destroy();
  }
}

/** The `message` of a Kubernetes Status body, or a short form of whatever came back. */
export function messageOf(body: unknown): string {
  if (typeof body === 'object' && body !== null && 'message' in body && typeof body.message === 'string')
    return body.message;
  return typeof body === 'string' ? body.slice(0, 200) : '';
}

/** Runs `fn` over `items` with at most `concurrency` in flight; rejects with the first failure. */
export async function parallel<T>(
  items: readonly T[],
  concurrency: number,
  fn: (item: T, index: number) => Promise<void>,
): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const i = next++;
      await fn(items[i]!, i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, worker));
}
