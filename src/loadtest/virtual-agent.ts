import type { ApiCall } from '../model/api-profile.js';
import type { Rng } from '../core/random.js';
import { requestFor, type AgentIdentity } from './call-request.js';
import type { CallResult, KubeHttp, WatchHandle } from './kube-http.js';
import type { LoadRecorder } from './load-recorder.js';
import type { Scheduler } from './scheduler.js';

export interface VirtualAgentOptions {
  readonly identity: AgentIdentity;
  readonly calls: readonly ApiCall[];
  /** The agent's current bearer token (it may be refreshed while the agent runs). */
  readonly token: () => string;
  readonly http: Pick<KubeHttp, 'send' | 'watch'>;
  readonly scheduler: Scheduler;
  /** Phases of the periodic calls and watch reconnect jitter. */
  readonly rng: Rng;
  readonly recorder: LoadRecorder;
  /** Send every write as a dry run (rampart loadtest: load someone's cluster without changing it). */
  readonly dryRunWrites?: boolean;
}

/** The key a call's results are recorded under. */
export function callKey(call: ApiCall): string {
  const rv = call.resourceVersion === '0' ? ' rv=0' : '';
  return `${call.verb} ${call.resource} ${call.scope}${rv}`;
}

// A watch the server ended (its timeout, an error) is reopened after a short jittered pause, as a
// reflector does; a 429 waits for its Retry-After.
const watchRetryMs = 1_000;

/**
 * One virtual agent: the API calls of its profile at their periods, as the pod it stands for would make
 * them. Each periodic call runs as a polling loop — the next request is due one period after the last was
 * due, and never overlaps the previous one (a slow server slows the agent rather than piling requests up).
 * The first request of each call comes at a random phase within its period, as pods of a real rollout
 * start at different moments.
 */
export class VirtualAgent {
  private stopped = false;
  private readonly cancels = new Set<() => void>();
  private readonly watches = new Set<WatchHandle>();
  private seq = 0;

  constructor(private readonly o: VirtualAgentOptions) {}

  start(): void {
    for (const call of this.o.calls) {
      if (call.verb === 'watch' || call.everySeconds === undefined) this.openWatch(call, 0);
      else {
        const periodMs = call.everySeconds * 1000;
        const phaseMs = this.o.rng.next() * periodMs;
        this.schedule(phaseMs, () => this.poll(call, this.o.scheduler.nowMs(), periodMs));
      }
    }
  }

  /** Stops every loop and closes every watch at once; in-flight requests finish unobserved. */
  stop(): void {
    this.stopped = true;
    for (const cancel of this.cancels) cancel();
    this.cancels.clear();
    for (const w of this.watches) w.stop();
    this.watches.clear();
  }

  get running(): boolean {
    return !this.stopped;
  }

  private requestOptions(): { dryRunWrites: boolean } {
    return { dryRunWrites: this.o.dryRunWrites === true };
  }

  private schedule(delayMs: number, fn: () => void): void {
    if (this.stopped) return;
    const cancel = this.o.scheduler.after(delayMs, () => {
      this.cancels.delete(cancel);
      if (!this.stopped) fn();
    });
    this.cancels.add(cancel);
  }

  private poll(call: ApiCall, dueMs: number, periodMs: number): void {
    const req = requestFor(call, this.o.identity, this.seq++, this.requestOptions());
    void this.o.http.send(req, this.o.token()).then((result) => {
      if (this.stopped) return;
      this.o.recorder.record(callKey(call), result);
      const now = this.o.scheduler.nowMs();
      // Behind schedule (a slow answer): go again now, without a burst to catch up.
      const nextDue = Math.max(dueMs + periodMs, now);
      this.schedule(nextDue - now, () => this.poll(call, nextDue, periodMs));
    });
  }

  private openWatch(call: ApiCall, delayMs: number): void {
    this.schedule(delayMs, () => {
      const handle = this.o.http.watch(
        requestFor(call, this.o.identity, this.seq++, this.requestOptions()),
        this.o.token(),
      );
      this.watches.add(handle);
      void handle.done.then((result: CallResult) => {
        this.watches.delete(handle);
        if (this.stopped) return;
        this.o.recorder.record(callKey(call), result);
        const retryMs = result.retryAfterS !== undefined ? result.retryAfterS * 1000 : watchRetryMs;
        this.openWatch(call, retryMs * (1 + this.o.rng.next()));
      });
    });
  }
}
