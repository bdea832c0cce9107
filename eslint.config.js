// One lint setup for the whole project (run by `npm test` and CI).
'use strict';
const tseslint = require('typescript-eslint');
const { builtinModules } = require('node:module');

const BUILTIN_MESSAGE = 'Workflows must not import Node built-ins; do the work in an activity.';
const NODE_BUILTINS = builtinModules.map((name) => ({ name, message: BUILTIN_MESSAGE }));
const NODE_PREFIXED = { group: ['node:*'], message: BUILTIN_MESSAGE };
// model/ has one public entry (model/index.ts); its backends are chosen there, never imported around it.
const MODEL_BACKENDS = {
  group: ['**/model/backends', '**/model/backends/**'],
  message:
    'Import the embedded model from model/ (model/index.ts); model/backends/ is internal to model/. Use createModelBackend to pick a backend explicitly.',
};
const CORE_MESSAGE = 'core/ is pure: no Node built-ins and no other layer; read files in dataset-files/, start processes in processes/.';
const OTHER_LAYERS = [
  'activities',
  'activity-context',
  'cli',
  'connection',
  'dataset-files',
  'host',
  'inference',
  'model',
  'processes',
  'report',
  'serve',
  'storage',
  'trainers',
  'workers',
  'workflows',
];

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
    files: ['**/*.ts'],
    ignores: ['model/**'],
    rules: { 'no-restricted-imports': ['error', { patterns: [MODEL_BACKENDS] }] },
  },
  {
    // Workflow code runs in Temporal's deterministic sandbox: no Node built-ins there.
    files: ['workflows/**/*.ts'],
    rules: { 'no-restricted-imports': ['error', { paths: NODE_BUILTINS, patterns: [NODE_PREFIXED, MODEL_BACKENDS] }] },
  },
  {
    // trainers/ describes each trainer to the workflow and the CLI: it runs in the sandbox too, and
    // imports only itself, contracts/ and core/ (the trainers' implementations live where they train).
    files: ['trainers/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: NODE_BUILTINS,
          patterns: [
            NODE_PREFIXED,
            MODEL_BACKENDS,
            {
              group: OTHER_LAYERS.filter((dir) => dir !== 'trainers').map((dir) => `../${dir}/*`),
              message: 'trainers/ imports only trainers/, contracts/ and core/: put the implementation in activities/ or host/.',
            },
          ],
        },
      ],
    },
  },
  {
    // contracts/ is what workflows, activities, hosts and the client agree on: it runs in the sandbox
    // too (no Node built-ins) and imports only itself, core/ and zod, so no layer points back.
    files: ['contracts/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: NODE_BUILTINS,
          patterns: [
            NODE_PREFIXED,
            MODEL_BACKENDS,
            {
              group: OTHER_LAYERS.map((dir) => `../${dir}/*`),
              message: 'contracts/ imports only contracts/, core/ and zod; move what both sides need here or into core/.',
            },
          ],
        },
      ],
    },
  },
  {
    // core/ is the pure leaf (the STaR rules): no Node built-ins, no storage, no processes, no other
    // layer. Reading files belongs in dataset-files/, child processes in processes/ (test/layers.test.ts
    // holds the whole table of which folder may import which).
    files: ['core/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: builtinModules.map((name) => ({ name, message: CORE_MESSAGE })),
          patterns: [
            { group: ['node:*'], message: CORE_MESSAGE },
            MODEL_BACKENDS,
            {
              group: [...OTHER_LAYERS, 'contracts'].flatMap((dir) => [`../${dir}`, `../${dir}/*`, `../../${dir}`, `../../${dir}/*`]),
              message: CORE_MESSAGE,
            },
          ],
        },
      ],
    },
  },
);
