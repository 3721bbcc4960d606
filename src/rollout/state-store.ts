import { z } from 'zod';
import { badInput } from '../core/errors.js';
import type { Awaitable } from './ports.js';
import type { RolloutState } from './state.js';

/** Where the controller's state lives between ticks and across restarts. */
export interface RolloutStateStore {
  /** The last saved state, or null when the rollout has not started. */
  load(): Awaitable<RolloutState | null>;
  save(state: RolloutState): Awaitable<void>;
}

/** A store that answers at once (file, memory): usable from a synchronous simulation loop. */
export interface SyncRolloutStateStore extends RolloutStateStore {
  load(): RolloutState | null;
  save(state: RolloutState): void;
}

const phaseKinds = [
  'pending',
  'fencing',
  'baseline',
  'step',
  'done',
  'rolling-back',
  'rolled-back',
  'stopped',
] as const;

/** Enough structure to refuse a foreign or truncated file with a clear message; decide trusts the rest. */
const stateShape = z.looseObject({
  kind: z.literal('RolloutState'),
  version: z.literal(1),
  change: z.looseObject({ name: z.string(), namespace: z.string(), kind: z.string() }),
  policy: z.looseObject({
    name: z.string(),
    shares: z.array(z.number()).min(1),
    gates: z.array(z.looseObject({ signal: z.string() })),
  }),
  waves: z.array(z.looseObject({ name: z.string(), clusters: z.array(z.string()) })),
  startedAtMs: z.number(),
  waveIndex: z.number().int(),
  status: z.looseObject({ kind: z.enum(['running', 'paused', 'halted', 'completed']) }),
  clusters: z.array(
    z.looseObject({
      name: z.string(),
      nodes: z.number(),
      wave: z.number().int(),
      order: z.number().int(),
      phase: z.looseObject({ kind: z.enum(phaseKinds) }),
    }),
  ),
  nextActionSeq: z.number().int().positive(),
});

/** Serialises a state (stable key order as built, 2-space indent, trailing newline). */
export function serializeState(state: RolloutState): string {
  return `${JSON.stringify(state, null, 2)}\n`;
}

/** Parses a state file's text; `where` names the file in errors. */
export function parseState(text: string, where: string): RolloutState {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (err) {
    const why = err instanceof Error ? err.message.split('\n')[0] : 'invalid JSON';
    throw badInput(`${where}: not a rollout state file (${why})`);
  }
  const result = stateShape.safeParse(data);
  if (!result.success) {
    const issue = result.error.issues[0];
    const field = issue?.path.map(String).join('.') || '(document)';
    throw badInput(`${where}: not a rollout state file: ${field}: ${issue?.message ?? 'invalid'}`);
  }
  // The shape check above covers what decide navigates; the rest was written by serializeState.
  return data as RolloutState;
}

/** In-memory store for simulations and tests; keeps the JSON text so every load is a real round trip. */
export function memoryStateStore(
  initial: RolloutState | null = null,
): SyncRolloutStateStore & { readonly saves: () => number } {
  let text = initial ? serializeState(initial) : null;
  let saves = 0;
  return {
    load: () => (text === null ? null : parseState(text, 'memory')),
    save: (state) => {
      text = serializeState(state);
      saves += 1;
    },
    saves: () => saves,
  };
}
