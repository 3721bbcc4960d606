import type { Command } from 'commander';
import type { CliIo } from '../io.js';

/** What every command registration gets: output and a way to set the exit code without throwing. */
export interface CommandContext {
  readonly io: CliIo;
  readonly setExit: (code: number) => void;
}

export type RegisterCommand = (program: Command, ctx: CommandContext) => void;
