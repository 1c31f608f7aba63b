/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  transform: { '^.+\\.ts$': ['@swc/jest', { jsc: { target: 'es2022' } }] },
  globalSetup: '<rootDir>/test/global-setup.ts',
  setupFiles: ['<rootDir>/test/setup-runtime.ts'],
  testTimeout: 120000,
  maxWorkers: 2,
  // Longest suites first, also on a fresh clone with no timings cached (scripts/jest-sequencer.js).
  testSequencer: '<rootDir>/scripts/jest-sequencer.js',
};
