/**
 * Time for the load generator, injected so that agents can be driven by a manual clock in tests and so
 * that no domain code reads the wall clock or sets timers by itself.
 */
export interface Scheduler {
  /** Monotonic milliseconds (only differences matter). */
  nowMs(): number;
  /** Runs `fn` once after `delayMs`; returns a function that cancels it. */
  after(delayMs: number, fn: () => void): () => void;
}

/** The process's own monotonic clock and timers: what a live load generator runs on. */
export const realScheduler: Scheduler = {
  nowMs: () => performance.now(),
  after: (delayMs, fn) => {
    const t = setTimeout(fn, Math.max(0, delayMs));
    return () => clearTimeout(t);
  },
};

/** A scheduler advanced by hand: `advance(ms)` fires due timers in time order (tests). */
export class ManualScheduler implements Scheduler {
  private now = 0;
  private seq = 0;
  private readonly pending = new Map<number, { atMs: number; fn: () => void }>();

  nowMs(): number {
    return this.now;
  }

  after(delayMs: number, fn: () => void): () => void {
    const id = this.seq++;
    this.pending.set(id, { atMs: this.now + Math.max(0, delayMs), fn });
    return () => this.pending.delete(id);
  }

  /** Moves time forward, firing every timer that falls due on the way (also those they set). */
  advance(ms: number): void {
    const end = this.now + ms;
    for (;;) {
      let nextId = -1;
      let nextAt = Infinity;
      for (const [id, t] of this.pending) {
        if (t.atMs <= end && (t.atMs < nextAt || (t.atMs === nextAt && id < nextId))) {
          nextId = id;
          nextAt = t.atMs;
        }
      }
      const timer = this.pending.get(nextId);
      if (!timer) break;
      this.pending.delete(nextId);
      this.now = Math.max(this.now, timer.atMs);
      timer.fn();
    }
    this.now = end;
  }

  /** Timers not yet fired. */
  get pendingCount(): number {
    return this.pending.size;
  }
}
