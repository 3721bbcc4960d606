import type { z } from 'zod';
import { apiProfileSchema } from './api-profile.js';
import { fleetSchema } from './fleet.js';

/** JSON-Schema kinds added by analyze (`rampart schema fleet`, `rampart schema api-profile`). */
export const analyzeSchemaKinds: Readonly<Record<string, z.ZodType>> = {
  fleet: fleetSchema,
  'api-profile': apiProfileSchema,
};
