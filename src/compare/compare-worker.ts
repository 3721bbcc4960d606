import { parentPort } from 'node:worker_threads';
import { RampartError } from '../core/errors.js';
import { runCompareJob, type CompareJob } from './compare-run.js';
import { runSweepJob, type SweepJob } from './sweep-run.js';
import type { WorkerReply, WorkerRequest } from './worker-pool.js';

// A simulation worker (compare's and sweep's): runs the jobs it is sent, one at a time, and answers with
// their results.
parentPort?.on('message', (m: WorkerRequest) => {
  let reply: WorkerReply;
  try {
    // The pool sends each kind the job type its own runHere takes.
    const result = m.kind === 'sweep' ? runSweepJob(m.job as SweepJob) : runCompareJob(m.job as CompareJob);
    reply = { ok: true, id: m.id, result };
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    reply =
      err instanceof RampartError
        ? { ok: false, id: m.id, message, code: err.code }
        : { ok: false, id: m.id, message };
  }
  parentPort?.postMessage(reply);
});
