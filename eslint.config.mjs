// Lint: typescript-eslint's recommended rules, promises that must be awaited, and the layering
// of DESIGN.md kept by import restrictions (workflows -> domain; activities -> adapters -> domain).
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

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
    files: ['src/domain/**/*.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        { patterns: [{ group: ['../*', '../../*'], message: 'Layering: src/domain imports nothing of ours outside src/domain.' }] },
      ],
    },
  },
  {
    files: ['src/workflows/**/*.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['../activities', '../activities/**', '../adapters', '../adapters/**'],
              allowTypeImports: true,
              message: 'Layering: a workflow imports only *types* from activities and adapters (import type ...).',
            },
            {
              group: [
                '../*',
                '../../*',
                '!../domain',
                '!../domain/**',
                '!../activities',
                '!../activities/**',
                '!../adapters',
                '!../adapters/**',
              ],
              message: 'Layering: src/workflows imports only src/domain, its own files, and types from activities/adapters.',
            },
            { group: ['node:*'], message: 'Workflow code is deterministic and bundled for the sandbox: no Node modules.' },
          ],
        },
      ],
    },
  },
  {
    files: ['src/adapters/**/*.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['**/workflows', '**/workflows/**', '**/activities', '**/activities/**'],
              message: 'Layering: an adapter never imports a workflow or an activity.',
            },
          ],
        },
      ],
    },
  },
);
