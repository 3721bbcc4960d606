import type { RegisterCommand } from './context.js';
import { registerSchema } from './schema.js';
import { registerSimulate } from './simulate.js';
import { registerAnalyze } from './analyze.js';
import { registerBreakglass } from './breakglass.js';
import { registerCompare } from './compare.js';
import { registerDrill } from './drill.js';
import { registerGrafana } from './grafana.js';
import { registerSweep } from './sweep.js';
import { registerRollout } from './rollout.js';
import { registerLoadtest } from './loadtest.js';

/** Every top-level command, in help order. */
export const commands: readonly RegisterCommand[] = [
  registerSimulate,
  registerCompare,
  registerSweep,
  registerSchema,
  registerAnalyze,
  registerBreakglass,
  registerRollout,
  registerDrill,
  registerGrafana,
  registerLoadtest,
];
