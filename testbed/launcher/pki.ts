import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** Files of a testbed's throw-away PKI, all inside its state directory. */
export interface Pki {
  readonly caCert: string;
  readonly caKey: string;
  readonly serverCert: string;
  readonly serverKey: string;
  /** Service-account token signing key (private) and its public half for verification. */
  readonly saKey: string;
  readonly saPub: string;
}

function openssl(args: readonly string[]): void {
  execFileSync('openssl', args, { stdio: ['ignore', 'ignore', 'pipe'] });
}

/**
 * A CA made for this testbed alone, a serving certificate for 127.0.0.1 and the in-cluster names, and an
 * RSA key that signs service-account tokens. EC P-256 where the choice is ours: generated in milliseconds.
 */
export function makePki(dir: string): Pki {
  const p = (f: string): string => join(dir, f);
  const pki: Pki = {
    caCert: p('ca.crt'),
    caKey: p('ca.key'),
    serverCert: p('apiserver.crt'),
    serverKey: p('apiserver.key'),
    saKey: p('sa.key'),
    saPub: p('sa.pub'),
  };
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  openssl([
    'req',
    '-x509',
    ...ec,
    '-keyout',
    pki.caKey,
    '-out',
    pki.caCert,
    '-days',
    '365',
    '-subj',
    '/CN=rampart-testbed-ca',
  ]);
  const san = [
    'IP:127.0.0.1',
    'IP:10.0.0.1',
    'DNS:localhost',
    'DNS:kubernetes',
    'DNS:kubernetes.default',
    'DNS:kubernetes.default.svc',
    'DNS:kubernetes.default.svc.cluster.local',
  ].join(',');
  openssl([
    'req',
    '-x509',
    ...ec,
    '-CA',
    pki.caCert,
    '-CAkey',
    pki.caKey,
    '-keyout',
    pki.serverKey,
    '-out',
    pki.serverCert,
    '-days',
    '365',
    '-subj',
    '/CN=kube-apiserver',
    '-addext',
    `subjectAltName=${san}`,
    '-addext',
    'extendedKeyUsage=serverAuth',
  ]);
  openssl(['genpkey', '-algorithm', 'RSA', '-pkeyopt', 'rsa_keygen_bits:2048', '-out', pki.saKey]);
  openssl(['pkey', '-in', pki.saKey, '-pubout', '-out', pki.saPub]);
  for (const key of [pki.caKey, pki.serverKey, pki.saKey]) chmodSync(key, 0o600);
  return pki;
}

/** The static identities of a testbed; each has its own token so that metrics and audit tell them apart. */
export const identities = {
  admin: { user: 'admin', groups: ['system:masters'] },
  oncall: { user: 'oncall', groups: ['breakglass-oncall'] },
  user: { user: 'user', groups: [] },
  controllerManager: { user: 'system:kube-controller-manager', groups: [] },
  scheduler: { user: 'system:kube-scheduler', groups: [] },
  // KWOK stands in for the kubelets: in system:nodes, APF puts its lease and node-status writes in
  // node-high and its pod-status writes in system, as a real kubelet's; as system:masters they were
  // exempt, and on a testbed of few seats the exempt level borrowed the seats the levels under test lend.
  kwok: { user: 'rampart-testbed:kwok', groups: ['system:nodes'] },
  controller: { user: 'rampart-testbed:agents-controller', groups: ['system:masters'] },
} as const;
export type Identity = keyof typeof identities;

/** Writes `--token-auth-file` (mode 0600) with a fresh random token per identity; returns the tokens. */
export function writeTokenFile(file: string): Record<Identity, string> {
  const tokens = {} as Record<Identity, string>;
  const lines: string[] = [];
  for (const [id, who] of Object.entries(identities) as [Identity, (typeof identities)[Identity]][]) {
    const token = randomBytes(24).toString('hex');
    tokens[id] = token;
    const groups = who.groups.length > 0 ? `,"${who.groups.join(',')}"` : '';
    lines.push(`${token},${who.user},uid-${id}${groups}`);
  }
  writeFileSync(file, `${lines.join('\n')}\n`, { mode: 0o600 });
  return tokens;
}
