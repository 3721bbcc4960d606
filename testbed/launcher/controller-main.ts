// The testbed's own controller process (`up` starts it, `down` stops it): virtual agents for annotated
// workloads and, with --apiserver-memory, the API server's memory watchdog. Logs go to logs/controller.log;
// agents.json in the state directory tells what the agents are doing (rewritten every 5 s).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomic } from '../../src/core/atomic-write.js';
import { KubeHttp } from '../../src/loadtest/kube-http.js';
import { realScheduler } from '../../src/loadtest/scheduler.js';
import { AgentsController } from './agents-controller.js';
import { KubeJson } from './kube-client.js';
import { runDir } from './paths.js';
import { readState } from './state.js';
import { watchApiserverMemory } from './watchdog.js';

const name = process.argv[2] ?? '';
const state = readState(name);
if (!state) {
  process.stderr.write(`controller: no testbed named ${name}\n`);
  process.exit(2);
}
const dir = runDir(name);
const log = (line: string): void => {
  process.stdout.write(`${new Date().toISOString()} ${line}\n`);
};
const caPem = readFileSync(join(dir, 'ca.crt'), 'utf8');
const token = readFileSync(join(dir, 'controller.token'), 'utf8').trim();
const admin = new KubeJson(state.server, caPem, token, 32);
const http = new KubeHttp({ server: state.server, caPem }, { scheduler: realScheduler });
const controller = new AgentsController(admin, http, log);
controller.start();
// Always running: `npm run testbed -- limit` may set a memory limit later.
const stopWatchdog = watchApiserverMemory(state, log);

let lastSummary = '';
const report = setInterval(() => {
  const agents = controller.summary();
  const summary = JSON.stringify(agents);
  if (summary !== lastSummary) log(`agents: ${summary}`);
  lastSummary = summary;
  writeFileAtomic(
    join(dir, 'agents.json'),
    `${JSON.stringify({ agents, calls: controller.recorder.snapshot() })}\n`,
  );
}, 5_000);

const shutdown = (): void => {
  clearInterval(report);
  stopWatchdog();
  controller.stop();
  http.close();
  admin.close();
  process.exit(0);
};
process.on('SIGTERM', shutdown);
process.on('SIGINT', shutdown);
