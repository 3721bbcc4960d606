import type { z } from 'zod';
import { KubeError, type JsonWatch, type KubeJson } from './kube-client.js';

/** What an informer tells its owner. */
export interface InformerHandlers<T> {
  upsert(obj: T): void;
  remove(key: string): void;
}

const listEnvelope = (items: unknown): { items: unknown[]; rv: string } => {
  const body = items as { items?: unknown; metadata?: { resourceVersion?: unknown } };
  return {
    items: Array.isArray(body.items) ? (body.items as unknown[]) : [],
    rv: typeof body.metadata?.resourceVersion === 'string' ? body.metadata.resourceVersion : '0',
  };
};

/**
 * List-then-watch of one collection, as client-go's reflector does: relists when the watch ends or its
 * resource version expires, and reports objects that vanished in between as removed. Objects that do not
 * parse are skipped (another writer's odd object must not stop the controller).
 */
export class Informer<T> {
  private readonly known = new Set<string>();
  private watch: JsonWatch | undefined;
  private stopped = false;
  private retryTimer: NodeJS.Timeout | undefined;

  constructor(
    private readonly client: KubeJson,
    private readonly path: string,
    private readonly schema: z.ZodType<T>,
    private readonly keyOf: (obj: T) => string,
    private readonly handlers: InformerHandlers<T>,
    private readonly log: (line: string) => void,
  ) {}

  start(): void {
    void this.relist();
  }

  stop(): void {
    this.stopped = true;
    this.watch?.stop();
    if (this.retryTimer) clearTimeout(this.retryTimer);
  }

  private retry(): void {
    if (this.stopped) return;
    this.retryTimer = setTimeout(() => void this.relist(), 1_000);
  }

  private async relist(): Promise<void> {
    if (this.stopped) return;
    let rv: string;
    try {
      const { items, rv: listRv } = listEnvelope(await this.client.must('GET', this.path));
      rv = listRv;
      const seen = new Set<string>();
      for (const raw of items) {
        const parsed = this.schema.safeParse(raw);
        if (!parsed.success) continue;
        const key = this.keyOf(parsed.data);
        seen.add(key);
        this.known.add(key);
        this.handlers.upsert(parsed.data);
      }
      for (const key of [...this.known]) {
        if (seen.has(key)) continue;
        this.known.delete(key);
        this.handlers.remove(key);
      }
    } catch (err) {
      // The API server is down or restarting (the memory watchdog does that): try again shortly.
      if (!(err instanceof KubeError) || err.status !== 0)
        this.log(`list ${this.path.split('?')[0]}: ${String(err)}`);
      this.retry();
      return;
    }
    if (this.stopped) return;
    this.watch = this.client.watch(
      this.path,
      rv,
      (type, object) => this.onEvent(type, object),
      () => this.retry(),
    );
  }

  private onEvent(type: string, object: unknown): void {
    if (type === 'ERROR' || type === 'BOOKMARK') {
      // An ERROR is usually 410 Gone (our resource version expired): the stream ends and we relist.
      return;
    }
    const parsed = this.schema.safeParse(object);
    if (!parsed.success) return;
    const key = this.keyOf(parsed.data);
    if (type === 'DELETED') {
      this.known.delete(key);
      this.handlers.remove(key);
    } else {
      this.known.add(key);
      this.handlers.upsert(parsed.data);
    }
  }
}
