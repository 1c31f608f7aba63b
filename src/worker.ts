/**
 * Production entry point: one worker process plus the webhook receiver (and the codec endpoint when
 * configured), built by the composition root in src/app/warmer-process.ts. Configure with environment
 * variables (see docs/configuration.md); scale out by running more of these on the same task queue.
 */
import { buildWarmerProcess } from './app/warmer-process';
import { loadConfig, requireWorkerConfig } from './config';

export async function main(): Promise<void> {
  const config = loadConfig();
  requireWorkerConfig(config);
  const app = buildWarmerProcess(config);
  const stop = () => void app.stop();
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  const { workerRun } = await app.start();
  try {
    await workerRun;
  } finally {
    await app.stop();
  }
}

if (require.main === module) {
  main().catch((err) => {
    console.error(`[warmer] worker stopped: ${(err as Error).message}`);
    process.exit(1);
  });
}
