import type { RegisterCommand } from './context.js';
import { registerSchema } from './schema.js';

/** Every top-level command, in help order. */
export const commands: readonly RegisterCommand[] = [registerSchema];
