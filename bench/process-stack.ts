/**
 * The real stack with workers in their own processes, for bench/capacity.ts and bench/workers.ts:
 * a Temporal dev server, a PostgreSQL scratch database (DATABASE_URL's server, default the local
 * trust-auth one), the simulator over HTTP, N chips registered and prepared in messaging phases,
 * and worker processes (test/helpers/worker-child.ts) configured from the environment like
 * production. The bench process holds the server, the database and the simulator; each worker's
 * CPU time and RSS are read from /proc, so they are the worker's alone.
 */
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client as PgClient } from 'pg';
import type { ChipRef } from '../src/activities/types';
import { createPostgresDb } from '../src/adapters/db/postgres';
import type { Db } from '../src/adapters/db/port';
import { startChipWarmup } from '../src/client/chips';
import { chipWorkflowId } from '../src/domain/chip';
import type { Phase } from '../src/domain/phases';
import { startSimulator, type Simulator } from '../src/simulator/simulator';
import type { WarmupSettings } from '../src/workflows/api';
import { createScratchDatabase, type ScratchDatabase } from '../test/helpers/db-scratch';
import { preparedState, spawnWorkerProcess, workerEnv, type WorkerProcess } from '../test/helpers/worker-processes';
import { API_KEY, log } from './lib';

export interface ProcessStack {
  env: TestWorkflowEnvironment;
  scratch: ScratchDatabase;
  db: Db;
  pg: PgClient;
  sim: Simulator;
  chips: ChipRef[];
  phases: Phase[];
  /** The program clock and pace of the workers and the chips; may be set again before they start. */
  settings: WarmupSettings;
  taskQueue: string;
  workers: WorkerProcess[];
  startWorkers(n: number, extra?: Record<string, string>): Promise<WorkerProcess[]>;
  /** Starts every chip's workflow in its prepared phase; the first slot of each is spread over `spreadMs`. */
  startChips(spreadMs: number): Promise<void>;
  terminateChips(): Promise<void>;
  close(): Promise<void>;
}

async function mapLimit<T>(items: T[], limit: number, fn: (item: T, index: number) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, async () => {
      for (;;) {
        const i = next++;
        if (i >= items.length) return;
        await fn(items[i]!, i);
      }
    }),
  );
}

/**
 * Registers `n` chips (chip i in `phaseOf(i)`, in the database as in its workflow), on a program
 * clock of `settings`, with a dev server that is shared across stacks of one bench (`env`).
 */
export async function openProcessStack(opts: {
  env: TestWorkflowEnvironment;
  workflowCode: string;
  chips: number;
  phaseOf: (i: number) => Phase;
  settings: WarmupSettings;
  label: string;
  holdPresence?: boolean;
}): Promise<ProcessStack> {
  const { env, settings } = opts;
  const [scratch, sim] = await Promise.all([
    createScratchDatabase(),
    startSimulator({ apiKey: API_KEY, holdPresence: opts.holdPresence ?? false }),
  ]);
  const db = createPostgresDb({ databaseUrl: scratch.url });
  await db.migrate();
  const pg = new PgClient({ connectionString: scratch.url });
  await pg.connect();
  const bundleDir = mkdtempSync(path.join(os.tmpdir(), 'warmer-bench-bundle-'));
  const bundlePath = path.join(bundleDir, 'workflow-bundle.js');
  writeFileSync(bundlePath, opts.workflowCode);

  const chips: ChipRef[] = [];
  const phases: Phase[] = [];
  await mapLimit(
    Array.from({ length: opts.chips }, (_, i) => i),
    8,
    async (i) => {
      const record = await db.registerChip({
        phone: `5511${(900000000 + i).toString()}`,
        instanceName: `${opts.label}-${i}`,
        fleetId: 'bench',
      });
      sim.control.addInstance(record.instanceName, record.phone);
      chips[i] = { chipId: record.id, phone: record.phone, instanceName: record.instanceName };
      phases[i] = opts.phaseOf(i);
    },
  );
  // Prepared state (bench only): each chip's phase written straight into the database.
  for (const phase of new Set(phases)) {
    await pg.query('update warmup_chips set fase_warmup = $1 where id = any($2::uuid[])', [
      phase,
      chips.filter((_, i) => phases[i] === phase).map((c) => c.chipId),
    ]);
  }

  const taskQueue = `bench-${opts.label}-${Date.now()}`;
  const workers: WorkerProcess[] = [];
  const stack: ProcessStack = {
    env,
    scratch,
    db,
    pg,
    sim,
    chips,
    phases,
    settings,
    taskQueue,
    workers,
    async startWorkers(n, extra = {}) {
      const wenv = workerEnv({
        temporalAddress: env.address,
        taskQueue,
        databaseUrl: scratch.url,
        simulatorUrl: sim.url,
        apiKey: API_KEY,
        dayMs: stack.settings.dayMs,
        epochMs: stack.settings.epochMs,
        bundlePath,
        extra: { WARMER_PACE: String(stack.settings.paceScale), ...extra },
      });
      const started = await Promise.all(Array.from({ length: n }, (_, i) => spawnWorkerProcess(wenv, `worker ${workers.length + i}`)));
      workers.push(...started);
      return started;
    },
    async startChips(spreadMs) {
      const now = Date.now();
      const settings = stack.settings;
      await mapLimit(chips, 20, async (chip, i) => {
        const state = preparedState(phases[i]!, now, settings.dayMs, settings.epochMs);
        state.nextConversationAtMs = now + Math.round(((i * 7919) % chips.length) * (spreadMs / chips.length));
        await startChipWarmup(env.client, {
          chip,
          registeredAt: new Date(now - 14 * settings.dayMs).toISOString(),
          settings,
          taskQueue,
          state,
        });
      });
    },
    async terminateChips() {
      await mapLimit(chips, 20, async (chip) => {
        await env.client.workflow
          .getHandle(chipWorkflowId(chip.chipId))
          .terminate('benchmark over')
          .catch(() => undefined);
      });
    },
    async close() {
      await Promise.all(workers.map((w) => w.stop()));
      await pg.end().catch(() => undefined);
      await db.close().catch(() => undefined);
      await scratch.drop().catch((err) => log(`could not drop ${scratch.name}: ${(err as Error).message}`));
      await sim.close();
      rmSync(bundleDir, { recursive: true, force: true });
    },
  };
  return stack;
}
