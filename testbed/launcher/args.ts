import { badInput } from '../../src/core/errors.js';

/** A parsed `npm run testbed -- …` command line. */
export type TestbedCommand =
  | { readonly verb: 'build' }
  | { readonly verb: 'list' }
  | { readonly verb: 'down'; readonly name: string }
  /** Sets (bytes) or lifts (null) the API server's memory limit of a running testbed. */
  | { readonly verb: 'limit'; readonly name: string; readonly apiserverMemoryBytes: number | null }
  | {
      readonly verb: 'up';
      readonly name: string;
      readonly nodes: number;
      readonly podsPerNode: number;
      /** Bytes of annotation padding per filler pod (0: the small pods KWOK makes Running, ~6 KB of JSON). */
      readonly podPaddingBytes: number;
      /** Total API server seats (max-requests-inflight + max-mutating-requests-inflight). */
      readonly seats: number;
      readonly apiserverMemoryBytes?: number;
    };

export const usage =
  'usage: npm run testbed -- build | up <name> --nodes N [--pods-per-node K] [--pod-padding BYTES] [--seats S] [--apiserver-memory 2Gi] | limit <name> --apiserver-memory 2Gi|off | down <name> | list';

const units: Record<string, number> = {
  '': 1,
  Ki: 2 ** 10,
  Mi: 2 ** 20,
  Gi: 2 ** 30,
  K: 1e3,
  M: 1e6,
  G: 1e9,
};

/** A Kubernetes-style memory quantity (`2Gi`, `1500Mi`, `2G`) in bytes. */
export function parseMemory(text: string): number {
  const m = /^(\d+(?:\.\d+)?)(Ki|Mi|Gi|K|M|G)?$/.exec(text);
  const unit = units[m?.[2] ?? ''];
  if (!m?.[1] || unit === undefined)
    throw badInput(`--apiserver-memory: "${text}" is not a quantity like 2Gi or 1500Mi`);
  const bytes = Math.round(Number(m[1]) * unit);
  if (bytes < 256 * 2 ** 20)
    throw badInput(`--apiserver-memory: ${text} is below 256Mi, where the API server cannot start`);
  return bytes;
}

function intFlag(flag: string, text: string | undefined, min: number, max: number): number {
  const n = Number(text);
  if (text === undefined || !/^\d+$/.test(text) || n < min || n > max)
    throw badInput(`${flag}: expected a whole number from ${min} to ${max}, got ${text ?? 'nothing'}`);
  return n;
}

// Names become directory names, context names and file names.
const namePattern = /^[a-z0-9]([a-z0-9-]{0,38}[a-z0-9])?$/;

function checkName(name: string | undefined): string {
  if (name === undefined || name.startsWith('-')) throw badInput(`a testbed name is required; ${usage}`);
  if (!namePattern.test(name))
    throw badInput(`testbed name "${name}": use 1-40 lowercase letters, digits and dashes`);
  return name;
}

/** Parses the launcher's arguments; bad input throws a one-line RampartError (exit 2). */
export function parseArgs(argv: readonly string[]): TestbedCommand {
  const [verb, ...rest] = argv;
  if (verb === undefined) throw badInput(usage);
  switch (verb) {
    case 'build':
    case 'list':
      if (rest.length > 0) throw badInput(`${verb} takes no arguments; ${usage}`);
      return { verb };
    case 'down':
      if (rest.length !== 1) throw badInput(`down takes one name; ${usage}`);
      return { verb, name: checkName(rest[0]) };
    case 'limit': {
      const name = checkName(rest[0]);
      const [flag, value] = rest[1]?.includes('=') ? rest[1].split('=', 2) : [rest[1], rest[2]];
      if (
        flag !== '--apiserver-memory' ||
        value === undefined ||
        rest.length > (rest[1]?.includes('=') ? 2 : 3)
      )
        throw badInput(`limit takes a name and --apiserver-memory 2Gi|off; ${usage}`);
      return { verb, name, apiserverMemoryBytes: value === 'off' ? null : parseMemory(value) };
    }
    case 'up': {
      const name = checkName(rest[0]);
      const flags = new Map<string, string | undefined>();
      for (let i = 1; i < rest.length; i++) {
        const a = rest[i]!;
        const eq = a.indexOf('=');
        const [flag, value] = eq > 0 ? [a.slice(0, eq), a.slice(eq + 1)] : [a, rest[++i]];
        if (!['--nodes', '--pods-per-node', '--pod-padding', '--seats', '--apiserver-memory'].includes(flag))
          throw badInput(`unknown flag ${flag}; ${usage}`);
        flags.set(flag, value);
      }
      if (!flags.has('--nodes')) throw badInput(`up needs --nodes N; ${usage}`);
      const memory = flags.get('--apiserver-memory');
      const cmd = {
        verb,
        name,
        nodes: intFlag('--nodes', flags.get('--nodes'), 1, 10_000),
        podsPerNode: flags.has('--pods-per-node')
          ? intFlag('--pods-per-node', flags.get('--pods-per-node'), 0, 200)
          : 0,
        podPaddingBytes: flags.has('--pod-padding')
          ? intFlag('--pod-padding', flags.get('--pod-padding'), 0, 1_000_000)
          : 0,
        seats: flags.has('--seats') ? intFlag('--seats', flags.get('--seats'), 3, 10_000) : 600,
      } as const;
      if (flags.has('--apiserver-memory')) return { ...cmd, apiserverMemoryBytes: parseMemory(memory ?? '') };
      return cmd;
    }
    default:
      throw badInput(`unknown command "${verb}"; ${usage}`);
  }
}

/** `--seats` split 2:1 into the read-only and mutating in-flight limits, as the defaults (400 + 200) are. */
export function splitSeats(seats: number): { readonly readonly: number; readonly mutating: number } {
  const mutating = Math.max(1, Math.round(seats / 3));
  return { readonly: seats - mutating, mutating };
}
