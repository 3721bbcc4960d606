import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { kubeconfigFiles, resolveCredentials } from './kubeconfig.js';

const pem = (what: string): string => `-----BEGIN ${what}-----\nAAAA\n-----END ${what}-----\n`;
const b64 = (s: string): string => Buffer.from(s).toString('base64');

const config = `apiVersion: v1
kind: Config
current-context: a
clusters:
  - name: c1
    cluster: {server: "https://127.0.0.1:6443", certificate-authority-data: ${b64(pem('CERTIFICATE'))}}
users:
  - name: tok
    user: {token: s3cr3t-token}
  - name: cert
    user: {client-certificate-data: ${b64(pem('CERTIFICATE'))}, client-key-data: ${b64(pem('EC PRIVATE KEY'))}}
  - name: exec
    user: {exec: {command: aws}}
contexts:
  - name: a
    context: {cluster: c1, user: tok}
  - name: b
    context: {cluster: c1, user: cert}
  - name: x
    context: {cluster: c1, user: exec}
`;
const files = [{ file: '/k/config', text: config }];
const throwsOneLine = (fn: () => unknown, pattern: RegExp): void =>
  assert.throws(
    fn,
    (e: Error) => e.name === 'RampartError' && !e.message.includes('\n') && pattern.test(e.message),
  );

describe('kubeconfig', () => {
  it('resolves the current context to server, CA and token', () => {
    const c = resolveCredentials(files, undefined);
    assert.equal(c.context, 'a');
    assert.equal(c.server, 'https://127.0.0.1:6443');
    assert.match(c.caPem ?? '', /BEGIN CERTIFICATE/);
    assert.equal(c.token, 's3cr3t-token');
    assert.equal(c.insecureSkipTlsVerify, false);
  });

  it('reads a client certificate and key', () => {
    const c = resolveCredentials(files, 'b');
    assert.match(c.clientCertPem ?? '', /CERTIFICATE/);
    assert.match(c.clientKeyPem ?? '', /PRIVATE KEY/);
    assert.equal(c.token, undefined);
  });

  it('reads files a kubeconfig points to, relative to it', () => {
    const dir = mkdtempSync(join(tmpdir(), 'kc-'));
    writeFileSync(join(dir, 'ca.crt'), pem('CERTIFICATE'));
    writeFileSync(join(dir, 'token'), 'file-token\n');
    const text = `clusters: [{name: c, cluster: {server: "https://h:1/prefix/", certificate-authority: ca.crt}}]
users: [{name: u, user: {tokenFile: token}}]
contexts: [{name: k, context: {cluster: c, user: u}}]
`;
    const c = resolveCredentials([{ file: join(dir, 'config'), text }], 'k');
    assert.equal(c.token, 'file-token');
    assert.equal(c.server, 'https://h:1/prefix');
    assert.match(c.caPem ?? '', /CERTIFICATE/);
  });

  it('merges files: the first definition of a name wins', () => {
    const other = `clusters: [{name: c1, cluster: {server: "https://other:1"}}]
contexts: [{name: z, context: {cluster: c1, user: tok}}]
`;
    const c = resolveCredentials([{ file: '/k/other', text: other }, ...files], 'z');
    assert.equal(c.server, 'https://other:1');
    assert.equal(c.token, 's3cr3t-token');
  });

  it('refuses what it cannot use with one line that never shows a secret', () => {
    throwsOneLine(() => resolveCredentials(files, 'x'), /exec plugin/);
    throwsOneLine(() => resolveCredentials(files, 'nope'), /no context named "nope" \(have: a, b, x\)/);
    throwsOneLine(() => resolveCredentials([{ file: '/k', text: ': : :' }], undefined), /not a kubeconfig/);
    throwsOneLine(
      () => resolveCredentials([{ file: '/k', text: 'contexts: []\n' }], undefined),
      /no current-context/,
    );
    throwsOneLine(
      () =>
        resolveCredentials(
          [{ file: '/k', text: config.replace('https://127.0.0.1:6443', 'http://127.0.0.1:8080') }],
          'a',
        ),
      /must be https/,
    );
    for (const ctx of ['x', 'nope'])
      try {
        resolveCredentials(files, ctx);
      } catch (e) {
        assert.ok(!String(e).includes('s3cr3t'));
      }
  });

  it('finds the files the way kubectl does', () => {
    assert.deepEqual(kubeconfigFiles('/f', { KUBECONFIG: '/a:/b' }, '/home/u'), ['/f']);
    assert.deepEqual(kubeconfigFiles(undefined, { KUBECONFIG: '/a:/b' }, '/home/u'), ['/a', '/b']);
    assert.deepEqual(kubeconfigFiles(undefined, {}, '/home/u'), ['/home/u/.kube/config']);
  });
});
