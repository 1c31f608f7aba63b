import { bundleWorkflowCode } from '@temporalio/worker';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { resolveTemporalBinary } from '../src/temporal-binaries';
import { BUNDLE_PATH } from './helpers/temporal';

/**
 * Once per run: resolve (and on a fresh machine install) the Temporal binaries, and bundle the
 * workflow code so every test file's Worker reuses it instead of running webpack again.
 */
export default async function globalSetup(): Promise<void> {
  process.env.TEMPORAL_CLI_PATH = resolveTemporalBinary('cli');
  process.env.TEMPORAL_TEST_SERVER_PATH = resolveTemporalBinary('testServer');
  const bundle = await bundleWorkflowCode({
    workflowsPath: path.resolve(__dirname, '../src/workflows/index.ts'),
    logger: { trace() {}, debug() {}, info() {}, warn() {}, error: console.error, log() {} } as never,
  });
  mkdirSync(path.dirname(BUNDLE_PATH), { recursive: true });
  writeFileSync(BUNDLE_PATH, bundle.code);
}
