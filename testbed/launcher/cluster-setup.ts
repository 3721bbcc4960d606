import { z } from 'zod';
import { parallel, type KubeJson } from './kube-client.js';
import { identities } from './pki.js';

/** Namespace of the filler pods (the "rest of the cluster" whose size LISTs pay for). */
export const fillerNamespace = 'filler';
const zones = ['zone-a', 'zone-b', 'zone-c'] as const;
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Node names of a testbed of `count` nodes. */
export function nodeName(i: number): string {
  return `node-${String(i).padStart(5, '0')}`;
}

/**
 * RBAC of the human identities: the plain user may read pods and daemonsets (nothing else, no writes);
 * the on-call group is cluster-admin (what break-glass protects is its seats, not its rights).
 */
export async function applyRbac(k: KubeJson): Promise<void> {
  const rbac = '/apis/rbac.authorization.k8s.io/v1';
  await k.must(
    'POST',
    `${rbac}/clusterroles`,
    {
      metadata: { name: 'rampart-testbed:read-pods-daemonsets' },
      rules: [
        { apiGroups: [''], resources: ['pods'], verbs: ['get', 'list', 'watch'] },
        { apiGroups: ['apps'], resources: ['daemonsets'], verbs: ['get', 'list', 'watch'] },
      ],
    },
    [409],
  );
  const bind = (name: string, role: string, subject: Record<string, string>): Promise<unknown> =>
    k.must(
      'POST',
      `${rbac}/clusterrolebindings`,
      {
        metadata: { name },
        roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: role },
        subjects: [{ apiGroup: 'rbac.authorization.k8s.io', ...subject }],
      },
      [409],
    );
  await bind('rampart-testbed:user-reads', 'rampart-testbed:read-pods-daemonsets', {
    kind: 'User',
    name: identities.user.user,
  });
  await bind('rampart-testbed:oncall-admin', 'cluster-admin', { kind: 'Group', name: 'breakglass-oncall' });
  // KWOK writes every fake node's lease, status and pods: the Node authorizer only knows system:node:<name>
  // users, so its rights come from RBAC.
  await bind('rampart-testbed:kwok-admin', 'cluster-admin', { kind: 'User', name: identities.kwok.user });
}

/** A namespace and its `default` service account (pods are refused until that exists). */
export async function ensureNamespace(k: KubeJson, name: string): Promise<void> {
  await k.must('POST', '/api/v1/namespaces', { metadata: { name } }, [409]);
  await k.must(
    'POST',
    `/api/v1/namespaces/${name}/serviceaccounts`,
    { metadata: { name: 'default' } },
    [409],
  );
}

const podCidr = (i: number): string => `10.${64 + Math.floor(i / 256)}.${i % 256}.0/24`;

/**
 * A fake node as KWOK documents them: the labels a real node carries (hostname, os, arch, zone), the
 * `kwok.x-k8s.io/node: fake` annotation KWOK selects on, and its NoSchedule taint so only pods that
 * tolerate it land there.
 */
export function fakeNode(i: number, podsPerNode: number): Record<string, unknown> {
  const name = nodeName(i);
  const capacity = { cpu: '32', memory: '256Gi', pods: String(Math.max(110, podsPerNode + 20)) };
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: {
      name,
      annotations: { 'kwok.x-k8s.io/node': 'fake', 'node.alpha.kubernetes.io/ttl': '0' },
      labels: {
        'kubernetes.io/hostname': name,
        'kubernetes.io/os': 'linux',
        'kubernetes.io/arch': 'amd64',
        'beta.kubernetes.io/os': 'linux',
        'beta.kubernetes.io/arch': 'amd64',
        'topology.kubernetes.io/zone': zones[i % zones.length]!,
        'node.kubernetes.io/instance-type': 'kwok',
        'node-role.kubernetes.io/agent': '',
        type: 'kwok',
      },
    },
    spec: {
      // A /24 per node, as a node IPAM controller would give: KWOK takes pod IPs from it.
      podCIDR: podCidr(i),
      podCIDRs: [podCidr(i)],
      taints: [{ key: 'kwok.x-k8s.io/node', value: 'fake', effect: 'NoSchedule' }],
    },
    status: {
      capacity,
      allocatable: capacity,
      nodeInfo: {
        architecture: 'amd64',
        operatingSystem: 'linux',
        kubeletVersion: 'fake',
        kubeProxyVersion: 'fake',
        containerRuntimeVersion: 'kwok',
        osImage: 'kwok',
        kernelVersion: 'kwok',
        bootID: '',
        machineID: '',
        systemUUID: '',
      },
      phase: 'Running',
    },
  };
}

/**
 * A filler pod bound to `node`. `paddingBytes` > 0 adds an annotation of that many bytes: KWOK's Running
 * pods are ~6 KB of JSON, real ones ~20 KB (reference §4.3), and a LIST's cost follows its bytes.
 */
export function fillerPod(node: string, j: number, paddingBytes = 0): Record<string, unknown> {
  const annotations =
    paddingBytes > 0 ? { annotations: { 'rampart.dev/padding': 'x'.repeat(paddingBytes) } } : {};
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name: `${node}-filler-${j}`,
      labels: { app: 'filler', 'rampart.dev/testbed': 'filler' },
      ...annotations,
    },
    spec: {
      // Bound at creation: no scheduler work for pods that only exist to give the cluster its size.
      nodeName: node,
      automountServiceAccountToken: false,
      tolerations: [{ key: 'kwok.x-k8s.io/node', operator: 'Exists', effect: 'NoSchedule' }],
      containers: [
        {
          name: 'app',
          image: 'registry.k8s.io/pause:3.10',
          resources: { requests: { cpu: '10m', memory: '16Mi' } },
        },
      ],
    },
  };
}

/** Creates nodes and their filler pods with parallel requests (existing ones are kept). */
export async function createNodesAndPods(
  k: KubeJson,
  nodes: number,
  podsPerNode: number,
  log: (line: string) => void,
  paddingBytes = 0,
): Promise<void> {
  const idx = Array.from({ length: nodes }, (_, i) => i);
  await parallel(idx, 32, async (i) => {
    await k.must('POST', '/api/v1/nodes', fakeNode(i, podsPerNode), [409]);
  });
  log(`${nodes} nodes created`);
  if (podsPerNode === 0) return;
  // A pod bound to a node KWOK does not manage yet is passed over by KWOK and never made Running (its
  // add event is not retried): pods are created once KWOK has taken every node over.
  const deadline = performance.now() + 120_000 + nodes * 20;
  while ((await notReadyNodes(k, nodes)) > 0) {
    if (performance.now() > deadline)
      throw new Error(`nodes not Ready after ${(120_000 + nodes * 20) / 1000} s`);
    await sleep(500);
  }
  await ensureNamespace(k, fillerNamespace);
  const pods = idx.flatMap((i) => Array.from({ length: podsPerNode }, (_, j) => ({ node: nodeName(i), j })));
  await parallel(pods, 32, async ({ node, j }) => {
    await k.must(
      'POST',
      `/api/v1/namespaces/${fillerNamespace}/pods`,
      fillerPod(node, j, paddingBytes),
      [409],
    );
  });
  log(`${pods.length} filler pods created`);
}

const nodeList = z.object({
  items: z.array(
    z.object({
      status: z
        .object({ conditions: z.array(z.object({ type: z.string(), status: z.string() })).optional() })
        .optional(),
    }),
  ),
});

async function notReadyNodes(k: KubeJson, expected: number): Promise<number> {
  const list = nodeList.parse(await k.must('GET', '/api/v1/nodes'));
  const ready = list.items.filter((n) =>
    n.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True'),
  ).length;
  return expected - ready;
}

const podNames = z.object({ items: z.array(z.object({ metadata: z.object({ name: z.string() }) })) });

/** Filler pods not Running, up to one page (the server gives no remaining count with a selector). */
async function notRunningPods(k: KubeJson): Promise<string[]> {
  const sel = encodeURIComponent('status.phase!=Running');
  const page = podNames.parse(
    await k.must('GET', `/api/v1/namespaces/${fillerNamespace}/pods?fieldSelector=${sel}&limit=500`),
  );
  return page.items.map((p) => p.metadata.name);
}

/** Touches pods with an annotation: an update event makes KWOK look at a pod it passed over. */
async function nudge(k: KubeJson, pods: readonly string[], round: number): Promise<void> {
  await parallel(pods, 16, async (name) => {
    await k.call(
      'PATCH',
      `/api/v1/namespaces/${fillerNamespace}/pods/${name}`,
      { metadata: { annotations: { 'rampart.dev/nudge': String(round) } } },
      'application/merge-patch+json',
    );
  });
}

/** Waits until every node is Ready and every filler pod Running; throws after `timeoutMs`. */
export async function waitReady(
  k: KubeJson,
  nodes: number,
  podsPerNode: number,
  timeoutMs: number,
  log: (line: string) => void,
): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  let last = '';
  let podsBefore = -1;
  let stalledSince = performance.now();
  let nudges = 0;
  for (;;) {
    const nodesLeft = await notReadyNodes(k, nodes);
    const stuck = podsPerNode > 0 ? await notRunningPods(k) : [];
    const podsLeft = stuck.length;
    if (nodesLeft <= 0 && podsLeft === 0) return;
    if (podsLeft !== podsBefore) {
      podsBefore = podsLeft;
      stalledSince = performance.now();
    } else if (nodesLeft <= 0 && performance.now() - stalledSince > 15_000) {
      nudges++;
      log(`${podsLeft} filler pods made no progress for 15 s: touching them (${nudges})`);
      await nudge(k, stuck, nudges);
      stalledSince = performance.now();
    }
    const status = `waiting: ${nodesLeft} nodes not Ready, ${podsLeft >= 500 ? '500+' : podsLeft} filler pods not Running`;
    if (status !== last) log(status);
    last = status;
    if (performance.now() > deadline) throw new Error(`not ready after ${timeoutMs / 1000} s (${status})`);
    await sleep(1_000);
  }
}
