import { writeFileSync } from 'node:fs';
import { stringify } from 'yaml';

export interface KubeconfigUser {
  /** Context name (also the user entry's name). */
  readonly context: string;
  readonly token: string;
}

/**
 * A self-contained kubeconfig (CA inline) for one cluster and some token users, written mode 0600.
 * Cluster, user and context names carry the testbed's name so that several files merge (KUBECONFIG=a:b).
 */
export function writeKubeconfig(
  file: string,
  options: {
    readonly cluster: string;
    readonly server: string;
    readonly caPem: string;
    readonly users: readonly KubeconfigUser[];
  },
): void {
  const first = options.users[0];
  const doc = {
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [
      {
        name: options.cluster,
        cluster: {
          server: options.server,
          'certificate-authority-data': Buffer.from(options.caPem).toString('base64'),
        },
      },
    ],
    users: options.users.map((u) => ({ name: u.context, user: { token: u.token } })),
    contexts: options.users.map((u) => ({
      name: u.context,
      context: { cluster: options.cluster, user: u.context },
    })),
    'current-context': first?.context ?? '',
    preferences: {},
  };
  writeFileSync(file, stringify(doc), { mode: 0o600 });
}
