// Type-aware lint: floating promises, exhaustive switches and type-only imports are checked.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import { layersPlugin } from './eslint/layers.js';

export default tseslint.config(
  {
    ignores: [
      'node_modules/**',
      'dist/**',
      'coverage/**',
      'out/**',
      'bin/**',
      'eslint.config.js',
      'eslint/**',
      '**/*-scratch.ts',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    plugins: { rampart: layersPlugin },
    rules: {
      'rampart/layers': 'error',
      'rampart/no-cycles': 'error',
      // node:test's describe/it return promises the runner itself awaits.
      '@typescript-eslint/no-floating-promises': [
        'error',
        {
          allowForKnownSafeCalls: [
            { from: 'package', package: 'node:test', name: ['describe', 'it', 'test', 'suite'] },
          ],
        },
      ],
      '@typescript-eslint/switch-exhaustiveness-check': 'error',
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
      // Output order must not depend on the machine: localeCompare follows LANG / LC_ALL.
      'no-restricted-syntax': [
        'error',
        {
          selector: "CallExpression[callee.property.name='localeCompare']",
          message: 'Sort with byCodeUnits (src/core/order.ts): localeCompare orders by the machine locale.',
        },
      ],
    },
  },
  // Plain JavaScript (bench/, scripts/) is type-checked by tsc (`// @ts-check`), which knows Node's globals.
  { files: ['**/*.js'], rules: { 'no-undef': 'off' } },
);
