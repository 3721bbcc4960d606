import { ErrorCodes, RampartError, badInput } from '../core/errors.js';
import type { ApiCall, ChangeSpec } from '../model/api-profile.js';
import { findResource } from '../model/resources.js';
import { snapshotOf, type MetricsSnapshot } from './apiserver-metrics.js';
import { requestFor, type AgentIdentity } from './call-request.js';
import type { KubeHttp } from './kube-http.js';
import { serverSeatsFromNominal, type LiveCluster } from './prediction.js';

/**
 * What rampart loadtest reads from and does to a live cluster before and after loading it: reachability,
 * its size, the change's identity (a service account with exactly the change's rights, and a token of
 * it), the priority level the server puts the change in, and the clean-up of what it created.
 */

type Json = Pick<KubeHttp, 'json'>;

const unreachable = (server: string, why: string): RampartError =>
  new RampartError(ErrorCodes.unreachable, `cannot reach ${server}: ${why}`);

function statusMessage(body: unknown): string {
  if (typeof body === 'object' && body !== null && 'message' in body && typeof body.message === 'string')
    return body.message.split('\n')[0] ?? '';
  return typeof body === 'string' ? body.split('\n')[0]!.slice(0, 200) : '';
}

/** Fails with exit 3 when nothing answers, exit 2 when the credentials are refused. */
export async function checkReachable(http: Json, token: string, server: string): Promise<void> {
  const a = await http.json('GET', '/version', token, { timeoutMs: 15_000 });
  if (a.status === 0) throw unreachable(server, statusMessage(a.body) || 'no answer');
  if (a.status === 401) throw badInput(`${server} refused the kubeconfig's credentials (401 Unauthorized)`);
  if (a.status >= 500) throw unreachable(server, `${a.status} ${statusMessage(a.body)}`);
}

/** One scrape of /metrics, reduced; undefined when the server did not answer it (overload, restart). */
export async function scrapeMetrics(
  http: Json,
  token: string,
  timeoutMs = 15_000,
): Promise<MetricsSnapshot | undefined> {
  const a = await http.json('GET', '/metrics', token, { accept: 'text/plain', timeoutMs });
  if (a.status !== 200 || typeof a.body !== 'string') return undefined;
  return snapshotOf(a.body);
}

/** Total objects of a collection: one LIST with limit=1 (items + remainingItemCount), cheap at any size. */
async function countObjects(http: Json, token: string, path: string): Promise<number> {
  const a = await http.json('GET', `${path}?limit=1`, token);
  if (a.status !== 200)
    throw new RampartError(ErrorCodes.unreachable, `GET ${path}: ${a.status} ${statusMessage(a.body)}`);
  const body = a.body as { items?: unknown[]; metadata?: { remainingItemCount?: number } };
  return (body.items?.length ?? 0) + (body.metadata?.remainingItemCount ?? 0);
}

/** The cluster's size and control plane as the cost model needs them, read through the API. */
export async function readLiveCluster(http: Json, token: string, server: string): Promise<LiveCluster> {
  const metrics = await http.json('GET', '/metrics', token, { accept: 'text/plain' });
  if (metrics.status === 403 || metrics.status === 401)
    throw badInput(
      `the kubeconfig's user may not GET /metrics on ${server} (${metrics.status}); loadtest reads APF seats there`,
    );
  if (metrics.status !== 200 || typeof metrics.body !== 'string')
    throw unreachable(server, `/metrics answered ${metrics.status}`);
  const snap = snapshotOf(metrics.body);
  const nominal = [...snap.levels.values()].reduce((s, l) => s + l.nominalLimitSeats, 0);
  const nodes = await countObjects(http, token, '/api/v1/nodes');
  const pods = await countObjects(http, token, '/api/v1/pods');
  // The `kubernetes` service's endpoints are the API servers (one address each).
  const ep = await http.json('GET', '/api/v1/namespaces/default/endpoints/kubernetes', token);
  const subsets = (ep.body as { subsets?: { addresses?: unknown[] }[] } | undefined)?.subsets ?? [];
  const apiServers = Math.max(
    1,
    subsets.reduce((s, x) => s + (x.addresses?.length ?? 0), 0),
  );
  return {
    nodes,
    pods,
    apiServers,
    serverSeats: nominal > 0 ? serverSeatsFromNominal(nominal) : 600,
    objects: snap.resourceObjects,
    cores: snap.gomaxprocs,
  };
}

/** Up to `count` node names (metadata only, so a 5,000-node cluster costs a few hundred KB). */
export async function nodeNames(http: Json, token: string, count: number): Promise<string[]> {
  const a = await http.json('GET', `/api/v1/nodes?limit=${Math.max(1, count)}`, token, {
    accept: 'application/json;as=PartialObjectMetadataList;v=v1;g=meta.k8s.io,application/json',
  });
  if (a.status !== 200) return [];
  const items = (a.body as { items?: { metadata?: { name?: string } }[] }).items ?? [];
  return items.map((i) => i.metadata?.name ?? '').filter((n) => n !== '');
}

/** RBAC rules granting exactly the change's calls (update is sent as a patch; watch needs list too). */
export function rulesFor(
  calls: readonly ApiCall[],
): { apiGroups: string[]; resources: string[]; verbs: string[] }[] {
  const byKey = new Map<string, { group: string; resource: string; verbs: Set<string> }>();
  for (const c of calls) {
    const r = findResource(c.resource);
    if (!r) continue;
    const key = `${r.group}/${r.name}`;
    const entry = byKey.get(key) ?? { group: r.group, resource: r.name, verbs: new Set<string>() };
    const verbs = c.verb === 'update' ? ['patch'] : c.verb === 'watch' ? ['watch', 'list'] : [c.verb];
    for (const v of verbs) entry.verbs.add(v);
    byKey.set(key, entry);
  }
  return [...byKey.values()].map((e) => ({
    apiGroups: [e.group],
    resources: [e.resource],
    verbs: [...e.verbs].sort(),
  }));
}

/** The change's identity on the cluster for the duration of the test, and how to take it away again. */
export interface ChangeIdentity {
  readonly token: string;
  /** Deletes what was created (the binding and role always; the account and namespace if they were new). */
  cleanup(): Promise<void>;
}

const managedBy = { 'app.kubernetes.io/managed-by': 'rampart-loadtest' };

/**
 * Gives the change's service account (created if missing, with its namespace) a temporary ClusterRole
 * with exactly the change's calls, and requests a token for it — so the API server authenticates,
 * classifies (APF) and authorizes the virtual agents as it would the change's pods.
 */
export async function prepareIdentity(
  http: Json,
  token: string,
  change: ChangeSpec,
  expirationS: number,
): Promise<ChangeIdentity> {
  const created: string[] = [];
  const ns = change.namespace;
  const sa = change.serviceAccount;
  const name = `rampart-loadtest:${ns}:${sa}`.slice(0, 253);
  const must = async (
    method: string,
    path: string,
    body: unknown,
    allow: readonly number[] = [],
  ): Promise<unknown> => {
    const a = await http.json(method, path, token, { body });
    if ((a.status >= 200 && a.status < 300) || allow.includes(a.status)) return a.body;
    if (a.status === 401 || a.status === 403)
      throw badInput(
        `the kubeconfig's user may not ${method} ${path.split('?')[0]} (${a.status}); loadtest creates the change's service account and a temporary ClusterRole for it`,
      );
    if (a.status === 0) throw new RampartError(ErrorCodes.unreachable, `${method} ${path}: no answer`);
    throw new RampartError(
      ErrorCodes.unreachable,
      `${method} ${path.split('?')[0]}: ${a.status} ${statusMessage(a.body)}`,
    );
  };
  const cleanup = async (): Promise<void> => {
    for (const path of [...created].reverse()) await http.json('DELETE', path, token).catch(() => undefined);
  };
  try {
    const nsAnswer = await http.json('GET', `/api/v1/namespaces/${ns}`, token);
    if (nsAnswer.status === 404) {
      await must('POST', '/api/v1/namespaces', { metadata: { name: ns, labels: managedBy } });
      created.push(`/api/v1/namespaces/${ns}`);
    }
    const saAnswer = await http.json('GET', `/api/v1/namespaces/${ns}/serviceaccounts/${sa}`, token);
    if (saAnswer.status === 404) {
      await must('POST', `/api/v1/namespaces/${ns}/serviceaccounts`, {
        metadata: { name: sa, labels: managedBy },
      });
      created.push(`/api/v1/namespaces/${ns}/serviceaccounts/${sa}`);
    }
    const rbac = '/apis/rbac.authorization.k8s.io/v1';
    await must(
      'POST',
      `${rbac}/clusterroles`,
      { metadata: { name, labels: managedBy }, rules: rulesFor(change.calls) },
      [409],
    );
    created.push(`${rbac}/clusterroles/${encodeURIComponent(name)}`);
    await must(
      'POST',
      `${rbac}/clusterrolebindings`,
      {
        metadata: { name, labels: managedBy },
        roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name },
        subjects: [{ kind: 'ServiceAccount', name: sa, namespace: ns }],
      },
      [409],
    );
    created.push(`${rbac}/clusterrolebindings/${encodeURIComponent(name)}`);
    const tr = await must('POST', `/api/v1/namespaces/${ns}/serviceaccounts/${sa}/token`, {
      apiVersion: 'authentication.k8s.io/v1',
      kind: 'TokenRequest',
      spec: { expirationSeconds: Math.max(600, Math.ceil(expirationS)) },
    });
    const t = (tr as { status?: { token?: unknown } }).status?.token;
    if (typeof t !== 'string')
      throw new RampartError(ErrorCodes.unreachable, 'TokenRequest answered without a token');
    return { token: t, cleanup };
  } catch (err) {
    await cleanup();
    throw err;
  }
}

/** What one call costs this server with nothing else of the change running: median time and bytes. */
export interface MeasuredCall {
  readonly medianS: number;
  readonly bytes: number;
  readonly samples: number;
}

/**
 * Sends the call `n` times one after the other with the change's token (bodies streamed and discarded)
 * and returns the median latency: the server's own speed for this request, which the model's reference
 * hardware may not have. Null for watches, or when no request got a 200.
 */
export async function measureCall(
  http: Pick<KubeHttp, 'send'>,
  token: string,
  call: ApiCall,
  identity: AgentIdentity,
  n = 3,
): Promise<MeasuredCall | null> {
  if (call.verb === 'watch') return null;
  const times: number[] = [];
  let bytes = 0;
  for (let i = 0; i < n; i++) {
    const r = await http.send(requestFor(call, identity, i, { dryRunWrites: true }), token);
    if (r.status >= 200 && r.status < 300) {
      times.push(r.latencyMs / 1000);
      bytes = Math.max(bytes, r.bytes);
    }
  }
  if (times.length === 0) return null;
  times.sort((a, b) => a - b);
  return { medianS: times[Math.floor(times.length / 2)]!, bytes, samples: times.length };
}

/** The collection of an object or collection path (query dropped): `/api/v1/namespaces/x/pods/p` → `…/pods`. */
function collectionOf(path: string): string {
  const bare = path.split('?')[0]!;
  const parts = bare.split('/');
  // /api/v1/<plural>[/<name>], /api/v1/namespaces/<ns>/<plural>[/<name>], /apis/<g>/<v>/… likewise.
  const base = bare.startsWith('/apis/') ? 4 : 3;
  const namespaced = parts[base] === 'namespaces' && parts.length > base + 2;
  const keep = namespaced ? base + 3 : base + 1;
  return parts.slice(0, keep).join('/');
}

/**
 * The priority level the server puts the change's requests in: one request of its first call (a LIST
 * with limit=1, so it costs nothing) sent with the change's token; the answer's
 * X-Kubernetes-PF-PriorityLevel-UID is looked up among the PriorityLevelConfigurations.
 */
export async function classifyChange(
  http: Json,
  adminToken: string,
  changeToken: string,
  call: ApiCall,
  identity: AgentIdentity,
): Promise<string> {
  const req = requestFor(call, identity, 0, { dryRunWrites: true });
  // Reads as themselves with limit=1; watches and writes as a LIST of their collection (the default flow
  // schemas match service accounts on every verb alike).
  const path =
    req.method === 'GET' && !req.watch
      ? `${req.path}${req.path.includes('?') ? '&' : '?'}limit=1`
      : `${collectionOf(req.path)}?limit=1`;
  const probe = await http.json('GET', path, changeToken);
  if (probe.status === 0) throw new RampartError(ErrorCodes.unreachable, `probe ${path}: no answer`);
  const uid = probe.priorityLevelUid;
  const levels = await http.json(
    'GET',
    '/apis/flowcontrol.apiserver.k8s.io/v1/prioritylevelconfigurations',
    adminToken,
  );
  const items =
    (levels.body as { items?: { metadata?: { name?: string; uid?: string } }[] } | undefined)?.items ?? [];
  const found = items.find((i) => i.metadata?.uid === uid)?.metadata?.name;
  // Without the header (APF off) or the list (no rights to read it), the model's classification stands in.
  return found ?? 'workload-low';
}
