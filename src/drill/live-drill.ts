import { ErrorCodes, RampartError, badInput } from '../core/errors.js';
import type { KubeHttp } from '../loadtest/kube-http.js';
import {
  drillLabel,
  expiresAnnotation,
  starveObjects,
  starves,
  targetText,
  type StarveTarget,
} from './starve-objects.js';

/**
 * A live starvation drill against a real cluster: leftovers of a crashed drill removed (expired ones;
 * an unexpired one means another drill runs), the drill's own identity checked not to be the one
 * starved, the two APF objects created, held for the duration or until stopped, and removed again —
 * each step said in a line, and what was changed named so a person can undo it by hand.
 */

type Json = Pick<KubeHttp, 'json'>;

const apfPath = '/apis/flowcontrol.apiserver.k8s.io/v1';
const selector = `labelSelector=${encodeURIComponent(`${drillLabel.key}=${drillLabel.value}`)}`;
const kinds = [
  { plural: 'flowschemas', kind: 'FlowSchema' },
  // The level after its schemas: a schema pointing nowhere would send its identity to catch-all.
  { plural: 'prioritylevelconfigurations', kind: 'PriorityLevelConfiguration' },
] as const;

/** A drill object found on the cluster. */
export interface DrillObjectRef {
  readonly kind: 'FlowSchema' | 'PriorityLevelConfiguration';
  readonly plural: 'flowschemas' | 'prioritylevelconfigurations';
  readonly name: string;
  /** Its expiry annotation (ms since the epoch); NaN when missing or unreadable (treated as expired). */
  readonly expiresAtMs: number;
}

function message(body: unknown): string {
  if (typeof body === 'object' && body !== null && 'message' in body && typeof body.message === 'string')
    return body.message.split('\n')[0] ?? '';
  return typeof body === 'string' ? body.split('\n')[0]!.slice(0, 200) : '';
}

function failed(what: string, status: number, body: unknown): RampartError {
  if (status === 401 || status === 403)
    return badInput(
      `${what}: ${status} ${message(body)} (the drill needs rights on flowcontrol.apiserver.k8s.io)`,
    );
  return new RampartError(
    ErrorCodes.unreachable,
    `${what}: ${status || 'no answer'} ${message(body)}`.trim(),
  );
}

/** Every drill object on the cluster (schemas first). */
export async function findDrillObjects(http: Json, token: string): Promise<DrillObjectRef[]> {
  const out: DrillObjectRef[] = [];
  for (const k of kinds) {
    const a = await http.json('GET', `${apfPath}/${k.plural}?${selector}`, token);
    if (a.status !== 200) throw failed(`listing ${k.plural}`, a.status, a.body);
    const items =
      (a.body as { items?: { metadata?: { name?: string; annotations?: Record<string, string> } }[] })
        .items ?? [];
    for (const i of items) {
      const name = i.metadata?.name;
      if (!name) continue;
      const expires = i.metadata?.annotations?.[expiresAnnotation];
      out.push({ ...k, name, expiresAtMs: expires === undefined ? Number.NaN : Date.parse(expires) });
    }
  }
  return out;
}

/** Deletes drill objects (a 404 counts as gone); returns the ones deleted. */
export async function deleteDrillObjects(
  http: Json,
  token: string,
  objects: readonly DrillObjectRef[],
): Promise<DrillObjectRef[]> {
  const deleted: DrillObjectRef[] = [];
  for (const o of objects) {
    const a = await http.json('DELETE', `${apfPath}/${o.plural}/${o.name}`, token);
    if (a.status === 404) continue;
    if (a.status < 200 || a.status >= 300) throw failed(`deleting ${o.kind} ${o.name}`, a.status, a.body);
    deleted.push(o);
  }
  return deleted;
}

/** `rampart drill revert`: removes every drill object, expired or not; returns what it removed. */
export async function revertDrills(http: Json, token: string): Promise<DrillObjectRef[]> {
  return deleteDrillObjects(http, token, await findDrillObjects(http, token));
}

export interface LiveDrillHooks {
  /** One line of what the drill does (stderr). */
  readonly log: (line: string) => void;
  /** Wall-clock now in ms since the epoch (expiry annotations are wall-clock). */
  readonly nowMs: () => number;
  /** Resolves after `ms`, or early when `signal` aborts. */
  readonly sleep: (ms: number, signal: AbortSignal) => Promise<void>;
  /** Aborted to end the drill early (Ctrl-C, SIGTERM). */
  readonly signal: AbortSignal;
}

export interface LiveDrillOptions {
  readonly target: StarveTarget;
  readonly forS: number;
  /** The kubeconfig context, for the undo command the objects carry. */
  readonly context: string;
}

/** What a live drill did. */
export interface LiveDrillOutcome {
  /** Leftovers of an earlier drill that this one removed first (they had expired). */
  readonly removedLeftovers: readonly DrillObjectRef[];
  readonly created: readonly DrillObjectRef[];
  readonly reverted: readonly DrillObjectRef[];
  readonly interrupted: boolean;
  /** 429s APF gave the starved identity during the drill (from /metrics); null when /metrics was not readable. */
  readonly rejected: number | null;
  readonly heldS: number;
}

/** Sum of apiserver_flowcontrol_rejected_requests_total for one flow schema, or null without /metrics. */
async function rejectedFor(http: Json, token: string, flowSchema: string): Promise<number | null> {
  const a = await http.json('GET', '/metrics', token, { accept: 'text/plain', timeoutMs: 15_000 });
  if (a.status !== 200 || typeof a.body !== 'string') return null;
  let sum = 0;
  for (const line of a.body.split('\n')) {
    if (!line.startsWith('apiserver_flowcontrol_rejected_requests_total{')) continue;
    if (!line.includes(`flow_schema="${flowSchema}"`)) continue;
    const v = Number(line.slice(line.lastIndexOf('}') + 1).trim());
    if (Number.isFinite(v)) sum += v;
  }
  return sum;
}

/**
 * Runs a live drill: clean-up of expired leftovers, a refusal when another drill holds the cluster or
 * the drill would starve its own user, the objects created, held, and removed (also when stopped
 * early). When removal fails the error names the revert command.
 */
export async function runLiveDrill(
  http: Json,
  token: string,
  opts: LiveDrillOptions,
  hooks: LiveDrillHooks,
): Promise<LiveDrillOutcome> {
  const revertHint = `rampart drill revert --context ${opts.context}`;
  const existing = await findDrillObjects(http, token);
  const now = hooks.nowMs();
  const live = existing.filter((o) => o.expiresAtMs > now);
  if (live.length > 0) {
    const until = new Date(Math.max(...live.map((o) => o.expiresAtMs))).toISOString();
    throw badInput(
      `a drill holds ${opts.context} until ${until} (${live.map((o) => `${o.kind} ${o.name}`).join(', ')}); wait for it, or remove it with ${revertHint}`,
    );
  }
  const removedLeftovers = await deleteDrillObjects(http, token, existing);
  for (const o of removedLeftovers)
    hooks.log(`removed ${o.kind} ${o.name}, left by a drill that did not finish (expired)`);

  const who = await http.json('POST', '/apis/authentication.k8s.io/v1/selfsubjectreviews', token, {
    body: { apiVersion: 'authentication.k8s.io/v1', kind: 'SelfSubjectReview' },
  });
  if (who.status !== 201 && who.status !== 200)
    throw failed('asking who the drill runs as', who.status, who.body);
  const info = (who.body as { status?: { userInfo?: { username?: string; groups?: string[] } } }).status
    ?.userInfo;
  if (starves(opts.target, info?.username ?? '', info?.groups ?? []))
    throw badInput(
      `--starve: the drill's own user (${info?.username ?? '?'}) is ${targetText(opts.target)}'s: it could not revert; run the drill as another user`,
    );

  if (hooks.signal.aborted)
    return { removedLeftovers, created: [], reverted: [], interrupted: true, rejected: null, heldS: 0 };
  const startMs = hooks.nowMs();
  const expiresAt = new Date(startMs + opts.forS * 1000).toISOString();
  const objects = starveObjects(opts.target, { expiresAt, context: opts.context });
  const created: DrillObjectRef[] = [];
  const ref = (kind: DrillObjectRef['kind'], name: string): DrillObjectRef => ({
    kind,
    plural: kind === 'FlowSchema' ? 'flowschemas' : 'prioritylevelconfigurations',
    name,
    expiresAtMs: Date.parse(expiresAt),
  });
  const revert = async (): Promise<DrillObjectRef[]> => {
    try {
      // Schemas first, as listed: reverse creation order.
      return await deleteDrillObjects(http, token, [...created].reverse());
    } catch (err) {
      const why = err instanceof Error ? err.message : String(err);
      throw new RampartError(
        ErrorCodes.unreachable,
        `could not remove the drill's objects (${why}); run ${revertHint}`,
      );
    }
  };
  let before: number | null = null;
  try {
    const pl = await http.json('POST', `${apfPath}/prioritylevelconfigurations`, token, {
      body: objects.priorityLevel,
    });
    if (pl.status !== 201)
      throw failed(
        `creating PriorityLevelConfiguration ${objects.priorityLevel.metadata.name}`,
        pl.status,
        pl.body,
      );
    created.push(ref('PriorityLevelConfiguration', objects.priorityLevel.metadata.name));
    const fs = await http.json('POST', `${apfPath}/flowschemas`, token, { body: objects.flowSchema });
    if (fs.status !== 201)
      throw failed(`creating FlowSchema ${objects.flowSchema.metadata.name}`, fs.status, fs.body);
    created.push(ref('FlowSchema', objects.flowSchema.metadata.name));
    before = await rejectedFor(http, token, objects.flowSchema.metadata.name);
    hooks.log(
      `starving ${targetText(opts.target)} on ${opts.context} until ${expiresAt}: created PriorityLevelConfiguration ${objects.priorityLevel.metadata.name} and FlowSchema ${objects.flowSchema.metadata.name} (undo by hand: ${revertHint})`,
    );
  } catch (err) {
    await revert();
    throw err;
  }

  await hooks.sleep(opts.forS * 1000, hooks.signal);
  const interrupted = hooks.signal.aborted;
  const heldS = (hooks.nowMs() - startMs) / 1000;
  const after = await rejectedFor(http, token, objects.flowSchema.metadata.name).catch(() => null);
  const reverted = await revert();
  for (const o of reverted) hooks.log(`removed ${o.kind} ${o.name}`);
  return {
    removedLeftovers,
    created,
    reverted,
    interrupted,
    rejected: before !== null && after !== null ? Math.max(0, after - before) : null,
    heldS,
  };
}
