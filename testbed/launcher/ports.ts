import { randomInt } from 'node:crypto';
import { createServer } from 'node:net';

function tryListen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const srv = createServer();
    srv.once('error', () => resolve(false));
    srv.listen(port, '127.0.0.1', () => srv.close(() => resolve(true)));
  });
}

/**
 * A port free on 127.0.0.1 for a server about to bind it. Chosen below Linux's ephemeral range (32768+):
 * a port the kernel handed out there can be taken by any outgoing connection before the server binds it
 * (seen: "bind: address already in use" for kube-apiserver while another testbed was busy).
 */
export async function freePort(): Promise<number> {
  for (let attempt = 0; attempt < 100; attempt++) {
    const port = randomInt(20_000, 32_000);
    if (await tryListen(port)) return port;
  }
  throw new Error('no free port between 20000 and 32000 on 127.0.0.1');
}
