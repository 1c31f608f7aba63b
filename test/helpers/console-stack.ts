/**
 * A console over real parts, for the browser tests and the screenshot script: a Temporal dev server,
 * a scratch PostgreSQL database holding a seeded fleet (history, no workflows), a "live" fleet of
 * chips whose workflows run on a real worker (simulator as the provider), and the console itself.
 */
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { Worker } from '@temporalio/worker';
import { Pool } from 'pg';
import { createAdapters } from '../../src/app/context';
import { createWarmerWorker } from '../../src/app/temporal-worker';
import type { ChipRecord, Db } from '../../src/adapters/db/port';
import { createPostgresDb } from '../../src/adapters/db/postgres';
import { startChipWarmup } from '../../src/client/chips';
import { loadConfig, warmupSettings } from '../../src/config';
import { startConsole, type ConsoleServer } from '../../src/console/server';
import { programDayStart } from '../../src/console/data';
import { DEFAULT_PROGRAM_EPOCH_MS, REAL_DAY_MS } from '../../src/domain/clock';
import { startSimulator, type Simulator } from '../../src/simulator/simulator';
import { createScratchDatabase, type ScratchDatabase } from './db-scratch';
import { seedFleet, type SeededChip } from './seed-fleet';
import { devServerEnv, workflowBundle } from './temporal';

export interface ConsoleStack {
  env: TestWorkflowEnvironment;
  scratch: ScratchDatabase;
  db: Db;
  pool: Pool;
  seeded: SeededChip[];
  live: ChipRecord[];
  console: ConsoleServer;
  taskQueue: string;
  /** Environment for `bin/warmer.js` against the same Temporal and database. */
  cliEnv: NodeJS.ProcessEnv;
  close(): Promise<void>;
}

export const SEEDED_FLEET = 'loja-sp';
export const LIVE_FLEET = 'ao-vivo';

export async function startConsoleStack(opts: { seededChips?: number } = {}): Promise<ConsoleStack> {
  const taskQueue = `console-${Date.now()}`;
  const [env, scratch] = await Promise.all([devServerEnv(), createScratchDatabase()]);
  const db = createPostgresDb({ databaseUrl: scratch.url });
  await db.migrate();
  const pool = new Pool({ connectionString: scratch.url, max: 2 });
  // The scratch database is dropped with force at the end: a connection it ends must not crash the run.
  pool.on('error', () => undefined);
  const settings = { dayMs: REAL_DAY_MS, epochMs: DEFAULT_PROGRAM_EPOCH_MS };
  const now = Date.now();
  const seeded = await seedFleet(async (text, params) => (await pool.query(text, params)).rows, {
    fleetId: SEEDED_FLEET,
    chips: opts.seededChips ?? 12,
    dayMs: settings.dayMs,
    nowMs: now,
    todayStartMs: Date.parse(programDayStart(settings, now)),
    phonePrefix: '5511955',
  });

  const simulator: Simulator = await startSimulator({ apiKey: 'console-key' });
  const config = loadConfig({
    TEMPORAL_ADDRESS: env.address,
    DATABASE_URL: scratch.url,
    WARMER_TASK_QUEUE: taskQueue,
    EVOLUTION_API_URL: simulator.url,
    EVOLUTION_API_KEY: 'console-key',
    WARMER_SEARCH_ATTRIBUTES: 'false',
  });
  const live: ChipRecord[] = [];
  for (let i = 1; i <= 2; i++) {
    const chip = await db.registerChip({ phone: `551196600000${i}`, instanceName: `ao-vivo-${i}`, fleetId: LIVE_FLEET });
    simulator.control.addInstance(chip.instanceName, chip.phone);
    live.push(chip);
  }
  const worker: Worker = await createWarmerWorker({
    config,
    db,
    adapters: createAdapters(config, () => undefined),
    temporal: { connection: env.connection, client: env.client },
    connection: env.nativeConnection,
    workflowBundle: await workflowBundle(),
  });
  const running = worker.run();
  for (const chip of live) {
    await startChipWarmup(env.client, {
      chip: { chipId: chip.id, phone: chip.phone, instanceName: chip.instanceName },
      registeredAt: chip.createdAt,
      settings: warmupSettings(config, DEFAULT_PROGRAM_EPOCH_MS),
      taskQueue,
    });
  }
  const consoleServer = await startConsole({
    db,
    temporal: async () => env.client,
    settings,
    temporalUiUrl: 'http://127.0.0.1:8233',
    namespace: 'default',
    port: 0,
  });
  const cliEnv: NodeJS.ProcessEnv = {
    ...process.env,
    TEMPORAL_ADDRESS: env.address,
    DATABASE_URL: scratch.url,
    WARMER_TASK_QUEUE: taskQueue,
  };
  for (const name of [
    'SUPABASE_URL',
    'SUPABASE_SERVICE_ROLE_KEY',
    'TEMPORAL_API_KEY',
    'WARMER_DAY',
    'WARMER_EPOCH',
    'WARMER_CONSOLE_TOKEN',
  ])
    delete cliEnv[name];
  return {
    env,
    scratch,
    db,
    pool,
    seeded,
    live,
    console: consoleServer,
    taskQueue,
    cliEnv,
    close: async () => {
      await consoleServer.close();
      if (worker.getState() === 'RUNNING') worker.shutdown();
      await running.catch(() => undefined);
      await simulator.close();
      await pool.end();
      await db.close();
      await env.teardown();
      await scratch.drop();
    },
  };
}
