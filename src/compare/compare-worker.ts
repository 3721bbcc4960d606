import { parentPort } from 'node:worker_threads';
import { RampartError } from '../core/errors.js';
import { runCompareJob, type CompareJob, type WorkerReply } from './compare-run.js';

// A compare worker: runs the jobs it is sent, one at a time, and answers with their metrics.
parentPort?.on('message', (m: { id: number; job: CompareJob }) => {
  let reply: WorkerReply;
  try {
    reply = { ok: true, id: m.id, metrics: runCompareJob(m.job) };
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    reply =
      err instanceof RampartError
        ? { ok: false, id: m.id, message, code: err.code }
        : { ok: false, id: m.id, message };
  }
  parentPort?.postMessage(reply);
});
