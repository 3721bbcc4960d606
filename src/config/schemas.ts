import type { z } from 'zod';
import { scenarioSchema } from './scenario-schema.js';
import { analyzeSchemaKinds } from './analyze-schemas.js';
import { rolloutPolicySchema } from './policy-schema.js';

/** Every file kind with a JSON Schema (`rampart schema <kind>`); other modules add theirs here. */
export const schemaKinds: Readonly<Record<string, z.ZodType>> = {
  scenario: scenarioSchema,
  ...analyzeSchemaKinds,
  rolloutpolicy: rolloutPolicySchema,
};
