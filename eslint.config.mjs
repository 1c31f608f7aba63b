// Lint: typescript-eslint's recommended rules, promises that must be awaited, and the layers' arrows
// (lint/layering-rule.mjs): workflows -> domain; activities -> adapters -> domain; client, webhooks,
// console and cli on top of them; entry points on top of everything, imported by nothing.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import { layeringRule } from './lint/layering-rule.mjs';

// Files Node starts (npm scripts, bin/warmer.js). The dev stack's entry is src/dev/main.ts,
// the simulator's src/simulator/main.ts: any main.ts under src is one.
const ENTRY_POINTS = ['src/worker.ts', 'src/cli.ts', 'src/schedules.ts', 'src/**/main.ts'];

// Each layer: its files, the layers it may import (`may`) and those it may import types from (`types`).
// Within a layer anything goes. A layer without `may` is named only so that others can be allowed it.
const LAYERS = [
  { name: 'domain', files: ['src/domain/**'], may: [] },
  // Message definitions: what the client side imports of the workflows.
  {
    name: 'workflow messages',
    files: ['src/workflows/api.ts', 'src/workflows/onboarding-api.ts'],
    may: ['domain', 'workflows'],
    types: ['activities', 'adapters'],
  },
  { name: 'workflows', files: ['src/workflows/**'], may: ['domain', 'workflow messages'], types: ['activities', 'adapters'] },
  { name: 'adapters', files: ['src/adapters/**'], may: ['domain'] },
  { name: 'observability', files: ['src/observability/**'], may: ['domain', 'adapters'] },
  { name: 'activities', files: ['src/activities/**'], may: ['domain', 'adapters', 'observability'] },
  {
    name: 'client',
    files: ['src/client/**'],
    may: ['domain', 'adapters', 'observability', 'workflow messages'],
    types: ['workflows', 'activities'],
  },
  {
    name: 'webhooks',
    files: ['src/webhooks/**'],
    may: ['domain', 'adapters', 'observability', 'workflow messages', 'client'],
    types: ['workflows', 'activities'],
  },
  // Text for people, shared by the CLI, the console and the dev stack.
  { name: 'presentation', files: ['src/presentation/**'], may: ['domain'], types: ['client'] },
  {
    name: 'console',
    files: ['src/console/**'],
    may: ['domain', 'adapters', 'observability', 'workflow messages', 'client', 'presentation'],
    types: ['workflows', 'activities'],
  },
  {
    name: 'cli',
    files: ['src/commands/**'],
    // `warmer console` starts the console; a CLI beside `npm run dev` reaches its database through the bridge.
    may: [
      'domain',
      'adapters',
      'observability',
      'workflow messages',
      'client',
      'webhooks',
      'presentation',
      'console',
      'forecast',
      'config',
      'app',
      'dev bridge',
    ],
    types: ['workflows', 'activities'],
  },
  { name: 'dev bridge', files: ['src/dev/db-bridge.ts'] },
  { name: 'forecast', files: ['src/forecast/**'] },
  { name: 'config', files: ['src/config.ts', 'src/temporal-*.ts'] },
  { name: 'app', files: ['src/app/**'] },
];

export default tseslint.config(
  { ignores: ['node_modules/', 'dist/', 'coverage/', '.data/', '.venv/', 'bench/results/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': ['error', { checksVoidReturn: false }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }],
    },
  },
  {
    files: ['**/*.js', '**/*.cjs', '**/*.mjs'],
    languageOptions: {
      globals: { require: 'readonly', module: 'writable', process: 'readonly', console: 'readonly', __dirname: 'readonly' },
    },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
  {
    // Served to the browser by the console as they are (no bundler).
    files: ['src/console/assets/**/*.js'],
    languageOptions: { globals: { document: 'readonly', window: 'readonly', uPlot: 'readonly' } },
  },
  {
    files: ['src/**/*.ts'],
    plugins: { warmer: { rules: { layering: layeringRule } } },
    rules: { 'warmer/layering': ['error', { root: import.meta.dirname, entryPoints: ENTRY_POINTS, layers: LAYERS }] },
  },
  {
    files: ['src/workflows/**/*.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        { patterns: [{ group: ['node:*'], message: 'Workflow code is deterministic and bundled for the sandbox: no Node modules.' }] },
      ],
    },
  },
);
