import { resolveTemporalBinary } from '../src/temporal-binaries';

/** Resolve (and, on a fresh machine, install) the Temporal binaries once for every test file. */
export default async function globalSetup(): Promise<void> {
  process.env.TEMPORAL_CLI_PATH = resolveTemporalBinary('cli');
  process.env.TEMPORAL_TEST_SERVER_PATH = resolveTemporalBinary('testServer');
}
