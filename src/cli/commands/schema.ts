import { badInput } from '../../core/errors.js';
import { jsonSchemaOf, schemaKinds } from '../../config/schemas.js';
import type { RegisterCommand } from './context.js';

/** `rampart schema <kind>`: prints the JSON Schema of a file kind, for editors and CI validation. */
export const registerSchema: RegisterCommand = (program, { io }) => {
  program
    .command('schema')
    .argument('<kind>', `file kind: ${Object.keys(schemaKinds).join(', ')}`)
    .description('print the JSON Schema of a Rampart file kind')
    .addHelpText(
      'after',
      '\nExample:\n  rampart schema scenario > scenario.schema.json\n' +
        'Exit codes: 0 ok, 2 unknown kind, 70 internal error.\n',
    )
    .action((kind: string) => {
      // An own key only: `__proto__`, `constructor` or `toString` are found on every object's prototype.
      const schema = Object.hasOwn(schemaKinds, kind) ? schemaKinds[kind] : undefined;
      if (!schema)
        throw badInput(`schema: unknown kind "${kind}"; use one of ${Object.keys(schemaKinds).join(', ')}`);
      io.out(`${JSON.stringify(jsonSchemaOf(schema), null, 2)}\n`);
    });
};
