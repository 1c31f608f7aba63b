/**
 * Creates or updates the Temporal Schedules (src/client/schedules.ts) on the configured cluster, then exits.
 *   npx tsx src/schedules.ts     (or: npm run warmer -- schedules sync)
 */
import { connectTemporal } from './app/context';
import { syncSchedules } from './client/schedules';
import { loadConfig } from './config';

if (require.main === module) {
  void (async () => {
    const config = loadConfig();
    const { connection, client } = await connectTemporal(config);
    try {
      for (const o of await syncSchedules(client, { taskQueue: config.temporal.taskQueue })) console.log(`${o.scheduleId}: ${o.outcome}`);
    } finally {
      await connection.close();
    }
  })().catch((err: unknown) => {
    console.error(`[schedules] ${(err as Error).message}`);
    process.exit(1);
  });
}
