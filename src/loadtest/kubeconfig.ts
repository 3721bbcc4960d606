import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, isAbsolute, join, delimiter } from 'node:path';
import { parse } from 'yaml';
import { z } from 'zod';
import { badInput } from '../core/errors.js';

/**
 * Where a cluster is and how to talk to it, read from a kubeconfig. Secrets (token, client key) are kept
 * only in memory and never appear in messages: errors name the file, the context and the field.
 */
export interface ClusterCredentials {
  /** Context the credentials came from. */
  readonly context: string;
  /** `https://host:port` (a path prefix, if any, is kept). */
  readonly server: string;
  /** PEM of the CA to trust; absent = the system's trust store. */
  readonly caPem?: string;
  readonly insecureSkipTlsVerify: boolean;
  readonly token?: string;
  readonly clientCertPem?: string;
  readonly clientKeyPem?: string;
}

const clusterSchema = z
  .object({
    server: z.string().min(1),
    'certificate-authority': z.string().optional(),
    'certificate-authority-data': z.string().optional(),
    'insecure-skip-tls-verify': z.boolean().optional(),
  })
  .passthrough();
const userSchema = z
  .object({
    token: z.string().optional(),
    tokenFile: z.string().optional(),
    'client-certificate': z.string().optional(),
    'client-certificate-data': z.string().optional(),
    'client-key': z.string().optional(),
    'client-key-data': z.string().optional(),
    exec: z.unknown().optional(),
    'auth-provider': z.unknown().optional(),
    username: z.string().optional(),
  })
  .passthrough();
const contextSchema = z.object({ cluster: z.string(), user: z.string() }).passthrough();
const fileSchema = z
  .object({
    clusters: z.array(z.object({ name: z.string(), cluster: clusterSchema })).nullish(),
    users: z.array(z.object({ name: z.string(), user: userSchema.nullish() })).nullish(),
    contexts: z.array(z.object({ name: z.string(), context: contextSchema })).nullish(),
    'current-context': z.string().nullish(),
  })
  .passthrough();

type ClusterEntry = z.output<typeof clusterSchema>;
type UserEntry = z.output<typeof userSchema>;
type ContextEntry = z.output<typeof contextSchema>;

/** One kubeconfig file's entries, with the directory relative paths in it are resolved against. */
interface LoadedFile {
  readonly file: string;
  readonly dir: string;
  readonly clusters: Map<string, ClusterEntry>;
  readonly users: Map<string, UserEntry>;
  readonly contexts: Map<string, ContextEntry>;
  readonly currentContext?: string;
}

/** The files to read: `--kubeconfig`, else $KUBECONFIG (colon-separated, merged), else ~/.kube/config. */
export function kubeconfigFiles(
  flag: string | undefined,
  env: NodeJS.ProcessEnv = process.env,
  home: string = homedir(),
): string[] {
  if (flag !== undefined) return [flag];
  const fromEnv = (env['KUBECONFIG'] ?? '').split(delimiter).filter((f) => f !== '');
  return fromEnv.length > 0 ? fromEnv : [join(home, '.kube', 'config')];
}

function loadFile(file: string, text: string): LoadedFile {
  let raw: unknown;
  try {
    raw = parse(text);
  } catch (err) {
    const why = err instanceof Error ? err.message.split('\n')[0] : String(err);
    throw badInput(`${file}: not a kubeconfig (YAML: ${why})`);
  }
  const parsed = fileSchema.safeParse(raw ?? {});
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw badInput(
      `${file}: not a kubeconfig (${issue ? `${issue.path.join('.')}: ${issue.message}` : 'invalid'})`,
    );
  }
  const v = parsed.data;
  // Within one file and across merged files the first entry of a name wins, as kubectl merges them.
  const firstBy = <E extends { name: string }, T>(
    entries: readonly E[],
    get: (e: E) => T,
  ): Map<string, T> => {
    const m = new Map<string, T>();
    for (const e of entries) if (!m.has(e.name)) m.set(e.name, get(e));
    return m;
  };
  return {
    file,
    dir: dirname(file),
    clusters: firstBy(v.clusters ?? [], (e) => e.cluster),
    users: firstBy(v.users ?? [], (e): UserEntry => e.user ?? {}),
    contexts: firstBy(v.contexts ?? [], (e) => e.context),
    ...(v['current-context'] ? { currentContext: v['current-context'] } : {}),
  };
}

/** Reads a file a kubeconfig points to (relative to the kubeconfig), naming the field when it cannot. */
function readReferenced(owner: LoadedFile, field: string, path: string): string {
  const full = isAbsolute(path) ? path : join(owner.dir, path);
  try {
    return readFileSync(full, 'utf8');
  } catch {
    throw badInput(`${owner.file}: ${field} ${full} cannot be read`);
  }
}

function decodeData(owner: LoadedFile, field: string, data: string): string {
  const text = Buffer.from(data, 'base64').toString('utf8');
  if (!text.includes('-----BEGIN')) throw badInput(`${owner.file}: ${field} is not base64 of a PEM block`);
  return text;
}

/**
 * Resolves a context of already-read kubeconfig texts (`files`: path → text, in merge order) into
 * credentials: server, CA, and a bearer token or a client certificate. Exec plugins and auth providers
 * are refused (they would run programs on the user's behalf); a one-line bad-input error says so.
 */
export function resolveCredentials(
  files: readonly { readonly file: string; readonly text: string }[],
  contextFlag: string | undefined,
): ClusterCredentials {
  const loaded = files.map((f) => loadFile(f.file, f.text));
  const where = files.map((f) => f.file).join(':');
  const find = <T>(pick: (l: LoadedFile) => Map<string, T>, name: string): [T, LoadedFile] | undefined => {
    for (const l of loaded) {
      const v = pick(l).get(name);
      if (v !== undefined) return [v, l];
    }
    return undefined;
  };
  const contextName = contextFlag ?? loaded.find((l) => l.currentContext)?.currentContext;
  if (contextName === undefined)
    throw badInput(`${where}: no current-context; pass --context (one of: ${contextNames(loaded)})`);
  const ctx = find((l) => l.contexts, contextName);
  if (!ctx) throw badInput(`${where}: no context named "${contextName}" (have: ${contextNames(loaded)})`);
  const [context] = ctx;
  const cl = find((l) => l.clusters, context.cluster);
  if (!cl)
    throw badInput(`${where}: context "${contextName}" names cluster "${context.cluster}", not defined`);
  const us = find((l) => l.users, context.user);
  if (!us) throw badInput(`${where}: context "${contextName}" names user "${context.user}", not defined`);
  const [cluster, clusterFile] = cl;
  const [user, userFile] = us;

  let url: URL;
  try {
    url = new URL(cluster.server);
  } catch {
    throw badInput(`${clusterFile.file}: cluster "${context.cluster}" server is not a URL`);
  }
  if (url.protocol !== 'https:')
    throw badInput(
      `${clusterFile.file}: cluster "${context.cluster}" server must be https:// (got ${url.protocol})`,
    );
  if (user.exec !== undefined || user['auth-provider'] !== undefined)
    throw badInput(
      `${userFile.file}: user "${context.user}" authenticates with an exec plugin or auth provider, which rampart does not run; use a context with a token or a client certificate`,
    );

  const caPem =
    cluster['certificate-authority-data'] !== undefined
      ? decodeData(clusterFile, 'certificate-authority-data', cluster['certificate-authority-data'])
      : cluster['certificate-authority'] !== undefined
        ? readReferenced(clusterFile, 'certificate-authority', cluster['certificate-authority'])
        : undefined;
  const token =
    user.token ??
    (user.tokenFile !== undefined ? readReferenced(userFile, 'tokenFile', user.tokenFile).trim() : undefined);
  const cert =
    user['client-certificate-data'] !== undefined
      ? decodeData(userFile, 'client-certificate-data', user['client-certificate-data'])
      : user['client-certificate'] !== undefined
        ? readReferenced(userFile, 'client-certificate', user['client-certificate'])
        : undefined;
  const key =
    user['client-key-data'] !== undefined
      ? decodeData(userFile, 'client-key-data', user['client-key-data'])
      : user['client-key'] !== undefined
        ? readReferenced(userFile, 'client-key', user['client-key'])
        : undefined;
  if ((cert === undefined) !== (key === undefined))
    throw badInput(
      `${userFile.file}: user "${context.user}" has a client certificate without its key, or a key without its certificate`,
    );
  if (token === undefined && cert === undefined)
    throw badInput(
      `${userFile.file}: user "${context.user}" has neither a token nor a client certificate (basic auth and exec plugins are not supported)`,
    );
  return {
    context: contextName,
    server: `${url.origin}${url.pathname.replace(/\/$/, '')}`,
    ...(caPem !== undefined ? { caPem } : {}),
    insecureSkipTlsVerify: cluster['insecure-skip-tls-verify'] === true,
    ...(token !== undefined ? { token } : {}),
    ...(cert !== undefined && key !== undefined ? { clientCertPem: cert, clientKeyPem: key } : {}),
  };
}

function contextNames(loaded: readonly LoadedFile[]): string {
  const names = [...new Set(loaded.flatMap((l) => [...l.contexts.keys()]))];
  return names.length > 0 ? names.join(', ') : 'none';
}

/** Reads the kubeconfig files (flag, $KUBECONFIG or ~/.kube/config) and resolves a context. */
export function loadCredentials(
  kubeconfigFlag: string | undefined,
  contextFlag: string | undefined,
): ClusterCredentials {
  const files = kubeconfigFiles(kubeconfigFlag);
  const texts: { file: string; text: string }[] = [];
  for (const file of files) {
    try {
      texts.push({ file, text: readFileSync(file, 'utf8') });
    } catch {
      // kubectl skips missing files of $KUBECONFIG; a file named by --kubeconfig must exist.
      if (kubeconfigFlag !== undefined) throw badInput(`--kubeconfig: ${file} cannot be read`);
    }
  }
  if (texts.length === 0) throw badInput(`no kubeconfig found (${files.join(':')}); pass --kubeconfig`);
  return resolveCredentials(texts, contextFlag);
}
