import { z } from 'zod';
import type { ApiCall } from '../../src/model/api-profile.js';
import { createRng } from '../../src/core/random.js';
import { parseProfileAnnotation } from '../../src/loadtest/annotation.js';
import type { KubeHttp } from '../../src/loadtest/kube-http.js';
import { LoadRecorder } from '../../src/loadtest/load-recorder.js';
import { realScheduler } from '../../src/loadtest/scheduler.js';
import { VirtualAgent } from '../../src/loadtest/virtual-agent.js';
import { Informer } from './informer.js';
import { messageOf, type KubeJson } from './kube-client.js';

const annotation = 'rampart.dev/api-profile';
// Projected service-account tokens of real pods live an hour and are refreshed well before they expire.
const tokenSeconds = 3600;
const refreshMs = 40 * 60_000;

const metadata = z.object({
  name: z.string(),
  namespace: z.string(),
  uid: z.string(),
  annotations: z.record(z.string(), z.string()).optional(),
  deletionTimestamp: z.string().optional(),
  ownerReferences: z.array(z.object({ uid: z.string() })).optional(),
});
const selectorSchema = z.object({
  matchLabels: z.record(z.string(), z.string()).optional(),
  matchExpressions: z
    .array(z.object({ key: z.string(), operator: z.string(), values: z.array(z.string()).optional() }))
    .optional(),
});
const workloadSchema = z.object({
  metadata,
  spec: z.object({
    selector: selectorSchema,
    template: z
      .object({
        spec: z
          .object({ serviceAccountName: z.string().optional(), serviceAccount: z.string().optional() })
          .optional(),
      })
      .optional(),
  }),
});
type Workload = z.output<typeof workloadSchema>;
const podSchema = z.object({
  metadata,
  spec: z.object({ nodeName: z.string().optional() }),
  status: z.object({ phase: z.string().optional() }).optional(),
});
type Pod = z.output<typeof podSchema>;

/** The workload kinds whose pods get virtual agents, with their API paths. */
const kinds = [
  { kind: 'DaemonSet', path: 'apis/apps/v1/daemonsets' },
  { kind: 'Deployment', path: 'apis/apps/v1/deployments' },
] as const;

/** A label selector as the `labelSelector` query parameter. */
export function selectorQuery(sel: z.output<typeof selectorSchema>): string {
  const parts = Object.entries(sel.matchLabels ?? {}).map(([k, v]) => `${k}=${v}`);
  for (const e of sel.matchExpressions ?? []) {
    const values = (e.values ?? []).join(',');
    if (e.operator === 'In') parts.push(`${e.key} in (${values})`);
    else if (e.operator === 'NotIn') parts.push(`${e.key} notin (${values})`);
    else if (e.operator === 'Exists') parts.push(e.key);
    else if (e.operator === 'DoesNotExist') parts.push(`!${e.key}`);
  }
  return parts.join(',');
}

interface AgentSlot {
  agent?: VirtualAgent;
  token: string;
  stopped: boolean;
  refresh?: NodeJS.Timeout;
}

interface WorkloadRun {
  readonly signature: string;
  readonly pods: Informer<Pod>;
  readonly agents: Map<string, AgentSlot>;
}

/**
 * Gives every Running pod of an annotated DaemonSet or Deployment a virtual agent that makes the
 * profile's calls with that pod's own service-account token (TokenRequest, bound to the pod), so APF
 * classifies its requests as it would the real agent's. Workloads and their pods are watched: scaling,
 * a narrower nodeSelector or a deletion changes the running agents at once.
 */
export class AgentsController {
  private readonly runs = new Map<string, WorkloadRun>();
  private readonly informers: Informer<Workload>[] = [];
  readonly recorder = new LoadRecorder();
  private tokenSlots = 16;
  private readonly tokenQueue: (() => void)[] = [];

  constructor(
    private readonly admin: KubeJson,
    private readonly http: KubeHttp,
    private readonly log: (line: string) => void,
  ) {}

  start(): void {
    for (const k of kinds) {
      const inf = new Informer(
        this.admin,
        `/${k.path}`,
        workloadSchema,
        (w) => `${k.kind} ${w.metadata.namespace}/${w.metadata.name}`,
        {
          upsert: (w) => this.onWorkload(`${k.kind} ${w.metadata.namespace}/${w.metadata.name}`, k.kind, w),
          remove: (key) => this.stopRun(key),
        },
        this.log,
      );
      this.informers.push(inf);
      inf.start();
    }
  }

  stop(): void {
    for (const inf of this.informers) inf.stop();
    for (const key of [...this.runs.keys()]) this.stopRun(key);
  }

  /** Running agents per workload. */
  summary(): Record<string, number> {
    const out: Record<string, number> = {};
    for (const [key, run] of [...this.runs].sort((a, b) => (a[0] < b[0] ? -1 : 1)))
      out[key] = [...run.agents.values()].filter((s) => s.agent?.running === true).length;
    return out;
  }

  private onWorkload(key: string, kind: string, w: Workload): void {
    const value = w.metadata.annotations?.[annotation];
    let calls: ApiCall[] | undefined;
    if (value !== undefined && w.metadata.deletionTimestamp === undefined) {
      try {
        calls = parseProfileAnnotation(key, value);
      } catch (err) {
        this.log(`${key}: ignored: ${err instanceof Error ? err.message : String(err)}`);
      }
    }
    const pod = w.spec.template?.spec;
    const sa = pod?.serviceAccountName ?? pod?.serviceAccount ?? 'default';
    const selector = selectorQuery(w.spec.selector);
    const signature = calls ? JSON.stringify([calls, sa, selector]) : '';
    const current = this.runs.get(key);
    if (current?.signature === signature) return;
    this.stopRun(key);
    if (!calls || !selector) return;
    const agents = new Map<string, AgentSlot>();
    const ns = w.metadata.namespace;
    const owner = kind === 'DaemonSet' ? w.metadata.uid : undefined;
    const workloadPath = kind === 'DaemonSet' ? 'apis/apps/v1/daemonsets' : 'apis/apps/v1/deployments';
    const wanted = (p: Pod): boolean =>
      p.status?.phase === 'Running' &&
      p.spec.nodeName !== undefined &&
      p.metadata.deletionTimestamp === undefined &&
      (owner === undefined || (p.metadata.ownerReferences ?? []).some((r) => r.uid === owner));
    const finalCalls = calls;
    const pods = new Informer(
      this.admin,
      `/api/v1/namespaces/${ns}/pods?labelSelector=${encodeURIComponent(selector)}`,
      podSchema,
      (p) => p.metadata.uid,
      {
        upsert: (p) => {
          const slot = agents.get(p.metadata.uid);
          if (wanted(p) && !slot) {
            const fresh: AgentSlot = { token: '', stopped: false };
            agents.set(p.metadata.uid, fresh);
            void this.startAgent(fresh, p, sa, finalCalls, w.metadata.name, workloadPath, key);
          } else if (!wanted(p) && slot) {
            this.stopSlot(slot);
            agents.delete(p.metadata.uid);
          }
        },
        remove: (uid) => {
          const slot = agents.get(uid);
          if (slot) this.stopSlot(slot);
          agents.delete(uid);
        },
      },
      this.log,
    );
    this.runs.set(key, { signature, pods, agents });
    pods.start();
    this.log(`${key}: watching its pods for virtual agents (${finalCalls.length} calls)`);
  }

  private stopRun(key: string): void {
    const run = this.runs.get(key);
    if (!run) return;
    run.pods.stop();
    for (const slot of run.agents.values()) this.stopSlot(slot);
    this.runs.delete(key);
    this.log(`${key}: agents stopped`);
  }

  private stopSlot(slot: AgentSlot): void {
    slot.stopped = true;
    slot.agent?.stop();
    if (slot.refresh) clearTimeout(slot.refresh);
  }

  /** A token for the pod's service account, bound to the pod as a projected token is. */
  private async requestToken(p: Pod, sa: string): Promise<string> {
    await this.acquireTokenSlot();
    try {
      const body = await this.admin.call(
        'POST',
        `/api/v1/namespaces/${p.metadata.namespace}/serviceaccounts/${sa}/token`,
        {
          apiVersion: 'authentication.k8s.io/v1',
          kind: 'TokenRequest',
          spec: {
            expirationSeconds: tokenSeconds,
            boundObjectRef: { apiVersion: 'v1', kind: 'Pod', name: p.metadata.name, uid: p.metadata.uid },
          },
        },
      );
      const token = (body.body as { status?: { token?: unknown } } | undefined)?.status?.token;
      if (body.status !== 201 || typeof token !== 'string')
        throw new Error(
          `TokenRequest for ${p.metadata.namespace}/${sa}: ${body.status} ${messageOf(body.body)}`,
        );
      return token;
    } finally {
      this.releaseTokenSlot();
    }
  }

  private async startAgent(
    slot: AgentSlot,
    p: Pod,
    sa: string,
    calls: readonly ApiCall[],
    workloadName: string,
    workloadPath: string,
    key: string,
  ): Promise<void> {
    for (let attempt = 0; !slot.stopped; attempt++) {
      try {
        slot.token = await this.requestToken(p, sa);
        break;
      } catch (err) {
        if (attempt % 10 === 0) this.log(`${key}: ${err instanceof Error ? err.message : String(err)}`);
        await new Promise((r) => setTimeout(r, 2_000));
      }
    }
    if (slot.stopped) return;
    slot.agent = new VirtualAgent({
      identity: {
        namespace: p.metadata.namespace,
        podName: p.metadata.name,
        nodeName: p.spec.nodeName ?? '',
        workloadName,
        workloadPath,
      },
      calls,
      token: () => slot.token,
      http: this.http,
      scheduler: realScheduler,
      rng: createRng(1).fork(p.metadata.uid),
      recorder: this.recorder,
    });
    slot.agent.start();
    const refresh = (): void => {
      slot.refresh = setTimeout(() => {
        void this.requestToken(p, sa)
          .then((t) => {
            slot.token = t;
          })
          .catch(() => undefined)
          .finally(() => {
            if (!slot.stopped) refresh();
          });
      }, refreshMs);
    };
    refresh();
  }

  private acquireTokenSlot(): Promise<void> {
    if (this.tokenSlots > 0) {
      this.tokenSlots--;
      return Promise.resolve();
    }
    return new Promise((resolve) => this.tokenQueue.push(resolve));
  }

  private releaseTokenSlot(): void {
    const next = this.tokenQueue.shift();
    if (next) next();
    else this.tokenSlots++;
  }
}
