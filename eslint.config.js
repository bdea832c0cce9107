// One lint setup for the whole project (run by `npm test` and CI).
'use strict';
const tseslint = require('typescript-eslint');
const { builtinModules } = require('node:module');

module.exports = tseslint.config(
  { ignores: ['node_modules/**', '.tools/**', '.state/**', '.tmp/**', 'runs/**', '**/*.js'] },
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: __dirname } },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    // Workflow code runs in Temporal's deterministic sandbox: no Node built-ins there. contracts/ is
    // imported by workflows and activities alike, so it keeps the same rule.
    files: ['workflows/**/*.ts', 'contracts/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: builtinModules.map((name) => ({ name, message: 'Workflows must not import Node built-ins; do the work in an activity.' })),
          patterns: [{ group: ['node:*'], message: 'Workflows must not import Node built-ins; do the work in an activity.' }],
        },
      ],
    },
  },
);
