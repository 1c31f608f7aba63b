/**
 * A real Warmer worker in its own process, for the crash test (run with `node -r tsx/cjs`), started
 * through the composition root like the production entry. Configured from the environment
 * (TEMPORAL_ADDRESS, WARMER_TASK_QUEUE, DATABASE_URL, EVOLUTION_API_URL, EVOLUTION_API_KEY, ...),
 * with the prebuilt workflow bundle at WARMER_TEST_BUNDLE; the test migrated the database and
 * receives no webhooks. Prints READY once it polls; SIGTERM shuts it down cleanly.
 */
import { buildWarmerProcess } from '../../src/app/warmer-process';
import { loadConfig } from '../../src/config';

async function main(): Promise<void> {
  const bundlePath = process.env.WARMER_TEST_BUNDLE;
  const app = buildWarmerProcess(loadConfig(process.env), {
    logging: { level: 'warn' },
    migrate: false,
    receiver: false,
    notifyLog: (line) => console.log(`[notify] ${line}`),
    workflowBundle: bundlePath ? { codePath: bundlePath } : undefined,
  });
  process.once('SIGTERM', () => void app.stop());
  const { workerRun } = await app.start();
  console.log(`READY pid=${process.pid}`);
  try {
    await workerRun;
  } finally {
    await app.stop();
  }
}

main().then(
  () => process.exit(0),
  (err) => {
    console.error(`worker process failed: ${(err as Error).stack ?? String(err)}`);
    process.exit(1);
  },
);
