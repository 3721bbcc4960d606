/**
 * Typed errors with stable codes. The CLI maps a code to an exit code and prints `message` as one line;
 * nothing below the CLI decides how a failure is shown.
 */
export const ErrorCodes = {
  /** The user's input (file, flag, field) is wrong; exit 2. */
  badInput: 'BAD_INPUT',
  /** A file could not be read or written; exit 2. */
  io: 'IO',
  /** A cluster or metrics endpoint could not be reached; exit 3. */
  unreachable: 'UNREACHABLE',
  /** A policy verdict failed (e.g. analyze --fail-on); exit 1. */
  verdict: 'VERDICT',
} as const;

export type ErrorCode = (typeof ErrorCodes)[keyof typeof ErrorCodes];

/** An error meant for the user: a one-line message that names the file/field and what to do. */
export class RampartError extends Error {
  readonly code: ErrorCode;

  constructor(code: ErrorCode, message: string) {
    super(message);
    this.name = 'RampartError';
    this.code = code;
  }
}

/** Shorthand for the common case: a bad-input error. */
export function badInput(message: string): RampartError {
  return new RampartError(ErrorCodes.badInput, message);
}

/** Exit code for an error code (documented in the README). */
export function exitCodeFor(code: ErrorCode): number {
  switch (code) {
    case ErrorCodes.verdict:
      return 1;
    case ErrorCodes.badInput:
    case ErrorCodes.io:
      return 2;
    case ErrorCodes.unreachable:
      return 3;
    default: {
      const never: never = code;
      return never;
    }
  }
}
