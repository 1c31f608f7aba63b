/**
 * A real Warmer worker in its own process, for the crash test (run with `node -r tsx/cjs`).
 * Configured like production, from the environment (TEMPORAL_ADDRESS, WARMER_TASK_QUEUE,
 * DATABASE_URL, EVOLUTION_API_URL, EVOLUTION_API_KEY, ...), with the prebuilt workflow bundle at
 * WARMER_TEST_BUNDLE. Prints READY once it polls; SIGTERM shuts it down cleanly.
 */
import { connectTemporal, createAdapters, openDb } from '../../src/app/context';
import { createWarmerWorker } from '../../src/app/worker';
import { loadConfig } from '../../src/config';

async function main(): Promise<void> {
  const config = loadConfig(process.env);
  const db = openDb(config);
  const temporal = await connectTemporal(config);
  const adapters = createAdapters(config, (line) => console.log(`[notify] ${line}`));
  const bundlePath = process.env.WARMER_TEST_BUNDLE;
  const worker = await createWarmerWorker({
    config,
    db,
    adapters,
    temporal,
    workflowBundle: bundlePath ? { codePath: bundlePath } : undefined,
  });
  process.once('SIGTERM', () => worker.shutdown());
  const running = worker.run();
  console.log(`READY pid=${process.pid}`);
  try {
    await running;
  } finally {
    await temporal.connection.close();
    await db.close();
  }
}

main().then(
  () => process.exit(0),
  (err) => {
    console.error(`worker process failed: ${(err as Error).stack ?? String(err)}`);
    process.exit(1);
  },
);
