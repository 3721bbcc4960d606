import { existsSync } from 'node:fs';
import { writeFileAtomic } from '../../core/atomic-write.js';
import { readText } from '../../config/yaml-source.js';
import { parseState, serializeState, type SyncRolloutStateStore } from '../../rollout/state-store.js';

/** Persists the state as JSON at `path`, atomically (temp file + rename) after every transition. */
export function fileStateStore(path: string): SyncRolloutStateStore {
  return {
    load: () => (existsSync(path) ? parseState(readText(path), path) : null),
    save: (state) => writeFileAtomic(path, serializeState(state)),
  };
}
