import { existsSync, readFileSync, rmSync } from 'node:fs';
import { resolve } from 'node:path';
import { z } from 'zod';
import { writeFileAtomic } from '../../core/atomic-write.js';
import { badInput } from '../../core/errors.js';

/**
 * Files beside a rollout's state file (`<state>.<suffix>`), each written atomically:
 * - `.run.json`: what the run was started with (paths and names only, never credentials), for `resume`;
 * - `.control.json`: approvals and an abort request left by `rampart rollout approve|abort` for the
 *   process running the rollout;
 * - `.clusters.json`: what each cluster ran before the change (for rollback), written before the first apply;
 * - `.journal.jsonl`: what the controller saw and did, appended (journal-file.ts), for `rollout report`.
 */

export const runInputsSchema = z.strictObject({
  fleet: z.string(),
  change: z.array(z.string()).min(1),
  policy: z.string(),
  kubeconfig: z.string().optional(),
  metrics: z.enum(['prometheus', 'apiserver']).optional(),
  intervalS: z.number().positive(),
});
export type RunInputs = z.output<typeof runInputsSchema>;

/** Absolute paths, so a resume from another directory reads the same files. */
export function absoluteInputs(i: RunInputs): RunInputs {
  const abs = (p: string): string => (p.includes('/') || /\.ya?ml$/i.test(p) ? resolve(p) : p);
  return {
    ...i,
    fleet: resolve(i.fleet),
    change: i.change.map((c) => resolve(c)),
    policy: abs(i.policy),
    ...(i.kubeconfig
      ? {
          kubeconfig: i.kubeconfig
            .split(':')
            .map((p) => resolve(p))
            .join(':'),
        }
      : {}),
  };
}

const controlSchema = z.strictObject({
  approvals: z.array(z.strictObject({ by: z.string(), target: z.string().optional(), atMs: z.number() })),
  abort: z.strictObject({ by: z.string(), atMs: z.number() }).nullable(),
  /** Approvals already handed to the controller (so each is used once across restarts). */
  consumed: z.number().int().nonnegative(),
});
export type RunControl = z.output<typeof controlSchema>;

const previousSchema = z.record(
  z.string(),
  z.strictObject({
    /** The workload as it was before the rollout (stripped of server fields), or null when it was new. */
    workload: z.record(z.string(), z.unknown()).nullable(),
    /** Supporting objects the rollout created (absent before): removed with the change on rollback. */
    created: z.array(
      z.strictObject({
        apiVersion: z.string(),
        kind: z.string(),
        name: z.string(),
        namespace: z.string().optional(),
      }),
    ),
  }),
);
export type PreviousObjects = z.output<typeof previousSchema>;

function readJson<T>(path: string, schema: z.ZodType<T>, fallback: T): T {
  if (!existsSync(path)) return fallback;
  let data: unknown;
  try {
    data = JSON.parse(readFileSync(path, 'utf8'));
  } catch (err) {
    throw badInput(
      `${path}: not valid JSON (${(err as Error).message.split('\n')[0]}); remove it or restore it`,
    );
  }
  const r = schema.safeParse(data);
  if (!r.success) throw badInput(`${path}: unexpected content (${r.error.issues[0]?.message ?? 'invalid'})`);
  return r.data;
}

const write = (path: string, value: unknown): void =>
  writeFileAtomic(path, `${JSON.stringify(value, null, 2)}\n`);

export const runFiles = (statePath: string) => ({
  inputsPath: `${statePath}.run.json`,
  controlPath: `${statePath}.control.json`,
  previousPath: `${statePath}.clusters.json`,
  journalPath: `${statePath}.journal.jsonl`,
  readInputs(): RunInputs | null {
    return existsSync(this.inputsPath)
      ? readJson(this.inputsPath, runInputsSchema, null as unknown as RunInputs)
      : null;
  },
  writeInputs(v: RunInputs): void {
    write(this.inputsPath, v);
  },
  readControl(): RunControl {
    return readJson(this.controlPath, controlSchema, { approvals: [], abort: null, consumed: 0 });
  },
  writeControl(v: RunControl): void {
    write(this.controlPath, v);
  },
  readPrevious(): PreviousObjects {
    return readJson(this.previousPath, previousSchema, {});
  },
  writePrevious(v: PreviousObjects): void {
    write(this.previousPath, v);
  },
  /** Removes every sidecar (a new rollout on the same state path). */
  clear(): void {
    for (const p of [this.inputsPath, this.controlPath, this.previousPath, this.journalPath])
      rmSync(p, { force: true });
  },
});
export type RunFiles = ReturnType<typeof runFiles>;
