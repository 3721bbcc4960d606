import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomic } from '../../src/core/atomic-write.js';
import type { ProcessRecord } from './processes.js';
import { runDir, runsRoot } from './paths.js';

/** The processes of one testbed, in the order `down` stops them (the restarter first). */
export const components = [
  'controller',
  'kwok',
  'scheduler',
  'controller-manager',
  'apiserver',
  'etcd',
] as const;
export type Component = (typeof components)[number];

/** What `up` records about a testbed; everything `down`, `list` and the controller need. */
export interface TestbedState {
  readonly name: string;
  readonly server: string;
  /** The user-facing kubeconfig (admin, on-call and plain user contexts). */
  readonly kubeconfig: string;
  readonly processes: Partial<Record<Component, ProcessRecord>>;
  /** How to (re)start the API server: the memory watchdog restarts it with exactly this. */
  readonly apiserverCommand: { readonly command: string; readonly args: readonly string[] };
  /** Past this resident size the watchdog kills and restarts the API server. */
  readonly apiserverMemoryBytes?: number;
}

/**
 * The API server as the watchdog last (re)started it. A file of its own so that the watchdog never
 * writes the file `up` writes.
 */
export interface ApiserverRecord {
  readonly process: ProcessRecord;
  readonly restarts: number;
}

const stateFile = (name: string): string => join(runDir(name), 'state.json');
const apiserverFile = (name: string): string => join(runDir(name), 'apiserver.json');

export function writeState(state: TestbedState): void {
  writeFileAtomic(stateFile(state.name), `${JSON.stringify(state, null, 2)}\n`);
}

export function readState(name: string): TestbedState | undefined {
  if (!existsSync(stateFile(name))) return undefined;
  return JSON.parse(readFileSync(stateFile(name), 'utf8')) as TestbedState;
}

export function writeApiserverRecord(name: string, rec: ApiserverRecord): void {
  writeFileAtomic(apiserverFile(name), `${JSON.stringify(rec)}\n`);
}

export function readApiserverRecord(name: string): ApiserverRecord | undefined {
  if (!existsSync(apiserverFile(name))) return undefined;
  return JSON.parse(readFileSync(apiserverFile(name), 'utf8')) as ApiserverRecord;
}

/** Names of every testbed with a state directory (running or left over). */
export function listTestbeds(): string[] {
  if (!existsSync(runsRoot())) return [];
  return readdirSync(runsRoot(), { withFileTypes: true })
    .filter((e) => e.isDirectory())
    .map((e) => e.name)
    .sort();
}
