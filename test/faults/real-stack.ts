/**
 * The production-shaped stack the real-stack fault rows run on: the Temporal DEV server (its state
 * in a SQLite file, so a restart keeps every workflow), a scratch database on the real PostgreSQL
 * reached by the worker through a TCP proxy that can cut it, the simulator as Evolution API, a
 * stand-in Slack webhook, and the production worker entry point (src/worker.ts: worker plus webhook
 * receiver) in a child process that can be SIGKILLed and started again.
 */
import { Client, Connection } from '@temporalio/client';
import { bundleWorkflowCode } from '@temporalio/worker';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client as PgClient } from 'pg';
import type { ChipRef } from '../../src/activities/types';
import { createPostgresDb } from '../../src/adapters/db/postgres';
import type { Db } from '../../src/adapters/db/port';
import { startChipWarmup } from '../../src/client/chips';
import { startDevTemporal, type DevTemporalOptions, type DevTemporalServer } from '../../src/dev/temporal-server';
import { startSimulator, type Simulator } from '../../src/simulator/simulator';
import type { WarmupSettings } from '../../src/workflows/api';
import { createScratchDatabase, type ScratchDatabase } from '../helpers/db-scratch';
import { startSlackStub, startTcpProxy, type SlackStub, type TcpProxy } from '../helpers/fault-proxies';
import { freePort } from '../helpers/ports';
import { waitFor } from '../helpers/integration';
import { REAL_DAY_MS } from '../../src/domain/clock';
import { BUNDLE_PATH } from '../helpers/temporal';

export const WEBHOOK_SECRET = 'real-faults-webhook-secret-0123';
const API_KEY = 'real-faults-key';
const ROOT = path.resolve(__dirname, '../..');
const WORKER_ENTRY = path.join(ROOT, 'src/worker.ts');

export interface WorkerProcess {
  child: ChildProcess;
  output: string[];
}

export interface RealStack {
  client: Client;
  taskQueue: string;
  settings: WarmupSettings;
  db: Db;
  pg: PgClient;
  sim: Simulator;
  slack: SlackStub;
  proxy: TcpProxy;
  chips: ChipRef[];
  receiverUrl: string;
  worker(): WorkerProcess;
  /** Every line any worker process printed, in order. */
  workerOutput(): string;
  startWorker(): Promise<WorkerProcess>;
  killWorker(signal?: NodeJS.Signals): Promise<void>;
  /** Stops the dev server (SIGTERM) and starts it again on the same port and SQLite file after `downMs`. */
  restartTemporal(downMs: number): Promise<void>;
  close(): Promise<void>;
}

/** The workflow bundle as a file (the jest global setup writes one; the benchmark builds its own). */
async function bundleFile(dir: string): Promise<string> {
  // Under jest the global setup has just bundled the current sources; elsewhere the file may be stale.
  if (process.env.JEST_WORKER_ID && existsSync(BUNDLE_PATH)) return BUNDLE_PATH;
  const { code } = await bundleWorkflowCode({
    workflowsPath: require.resolve('../../src/workflows'),
    logger: { trace() {}, debug() {}, info() {}, warn() {}, error: console.error, log() {} } as never,
  });
  const file = path.join(dir, 'workflow-bundle.js');
  writeFileSync(file, code);
  return file;
}

export async function startRealStack(opts: { chips: number; dayMs: number; fleet: string }): Promise<RealStack> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'warmer-faults-'));
  const cleanups: (() => Promise<void>)[] = [async () => rmSync(dir, { recursive: true, force: true })];
  const close = async () => {
    for (const fn of cleanups.reverse()) await fn().catch(() => undefined);
  };
  try {
    const temporalOptions: DevTemporalOptions = {
      ip: '127.0.0.1',
      port: await freePort(),
      uiPort: await freePort(),
      dbFilename: path.join(dir, 'temporal.sqlite'),
      logFile: path.join(dir, 'temporal.log'),
      log: () => undefined,
    };
    let temporal: DevTemporalServer = await startDevTemporal(temporalOptions);
    cleanups.push(() => temporal.stop());
    const connection = await Connection.connect({ address: temporal.address });
    cleanups.push(() => connection.close());
    const client = new Client({ connection, namespace: 'default' });

    const scratch: ScratchDatabase = await createScratchDatabase();
    cleanups.push(() => scratch.drop());
    const db = createPostgresDb({ databaseUrl: scratch.url });
    cleanups.push(() => db.close());
    await db.migrate();
    const pg = new PgClient({ connectionString: scratch.url });
    await pg.connect();
    cleanups.push(() => pg.end());
    const pgUrl = new URL(scratch.url);
    const proxy = await startTcpProxy({ host: pgUrl.hostname, port: Number(pgUrl.port || 5432) });
    cleanups.push(() => proxy.close());
    const workerDbUrl = new URL(scratch.url);
    workerDbUrl.hostname = '127.0.0.1';
    workerDbUrl.port = String(proxy.port);

    const webhookPort = await freePort();
    const opsUrl = `http://127.0.0.1:${webhookPort}`;
    const receiverUrl = `${opsUrl}/webhook`;
    const sim = await startSimulator({
      apiKey: API_KEY,
      webhookUrl: receiverUrl,
      webhookHeaders: { 'x-warmer-secret': WEBHOOK_SECRET },
      webhookRetryBaseDelayMs: 200,
    });
    cleanups.push(() => sim.close());
    const slack = await startSlackStub();
    cleanups.push(() => slack.close());
    const bundlePath = await bundleFile(dir);

    const now = Date.now();
    // The program clock reads 09:00 in São Paulo now: the fleet's window (08:00-22:00) has 13 program hours left.
    const speedup = REAL_DAY_MS / opts.dayMs;
    const nine = Date.UTC(2025, 0, 6, 12, 0, 0);
    const clock = { dayMs: opts.dayMs, epochMs: Math.round((now * speedup - nine) / (speedup - 1)) };
    const settings: WarmupSettings = { ...clock, paceScale: 1, searchAttributes: false, maxHistoryEvents: 10_000 };
    const taskQueue = `real-faults-${now}`;
    const workers: WorkerProcess[] = [];
    cleanups.push(async () => {
      for (const w of workers) if (w.child.exitCode === null && w.child.signalCode === null) w.child.kill('SIGKILL');
    });

    const startWorker = async (): Promise<WorkerProcess> => {
      const output: string[] = [];
      const child = spawn(process.execPath, ['-r', require.resolve('tsx/cjs'), WORKER_ENTRY], {
        cwd: ROOT,
        env: {
          ...process.env,
          TEMPORAL_ADDRESS: temporal.address,
          TEMPORAL_NAMESPACE: 'default',
          WARMER_TASK_QUEUE: taskQueue,
          DATABASE_URL: workerDbUrl.toString(),
          SUPABASE_URL: '',
          SUPABASE_SERVICE_ROLE_KEY: '',
          SLACK_WEBHOOK_URL: slack.url,
          LLM_BASE_URL: '',
          EVOLUTION_API_URL: sim.url,
          EVOLUTION_API_KEY: API_KEY,
          WEBHOOK_PORT: String(webhookPort),
          WEBHOOK_SECRET,
          WEBHOOK_PUBLIC_URL: '',
          WEBHOOK_INSTANCE_SECRETS: '',
          WARMER_DAY: `${opts.dayMs}ms`,
          WARMER_EPOCH: new Date(settings.epochMs).toISOString(),
          WARMER_SEARCH_ATTRIBUTES: 'false',
          WARMER_CODEC_KEYS: '',
          WARMER_ALLOW_PLAINTEXT: '1',
          WARMER_SDK_METRICS: 'off',
          WARMER_EVENTS_URL: '',
          WARMER_WORKFLOW_BUNDLE: bundlePath,
          LOG_LEVEL: 'info',
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      const entry = { child, output };
      workers.push(entry);
      child.stdout!.on('data', (c: Buffer) => output.push(c.toString()));
      child.stderr!.on('data', (c: Buffer) => output.push(c.toString()));
      let exited = false;
      child.once('exit', () => {
        exited = true;
      });
      await waitFor(
        async () => {
          if (exited) throw new Error(`worker exited early:\n${output.join('').slice(-3000)}`);
          try {
            const res = await fetch(`${opsUrl}/readyz`, { signal: AbortSignal.timeout(1000) });
            await res.arrayBuffer();
            return res.status === 200;
          } catch {
            return false;
          }
        },
        'the worker to be ready',
        90_000,
        200,
      );
      return entry;
    };

    const chips: ChipRef[] = [];
    for (let i = 0; i < opts.chips; i++) {
      const phone = `55119${String(70_000_000 + ((now + i * 7919) % 9_000_000)).padStart(8, '0')}`;
      const record = await db.registerChip({ phone, instanceName: `${opts.fleet}-${i}`, fleetId: opts.fleet });
      await db.promoteChip({
        chipId: record.id,
        from: 'setup',
        to: 'expansao',
        health: 80,
        replyRate: 0.5,
        at: new Date(now).toISOString(),
      });
      sim.control.addInstance(record.instanceName, record.phone);
      chips.push({ chipId: record.id, phone: record.phone, instanceName: record.instanceName });
    }
    await startWorker();
    for (const chip of chips) {
      await startChipWarmup(client, {
        chip,
        registeredAt: new Date(now - 10 * opts.dayMs).toISOString(),
        settings,
        taskQueue,
        state: { phase: 'expansao', phaseStartedAtMs: now, nextConversationAtMs: null },
      });
    }
    const stack: RealStack = {
      client,
      taskQueue,
      settings,
      db,
      pg,
      sim,
      slack,
      proxy,
      chips,
      receiverUrl,
      worker: () => workers[workers.length - 1]!,
      workerOutput: () => workers.map((w) => w.output.join('')).join('\n'),
      startWorker,
      killWorker: async (signal = 'SIGKILL') => {
        const { child } = workers[workers.length - 1]!;
        if (child.exitCode !== null || child.signalCode !== null) return;
        await new Promise<void>((resolve) => {
          child.once('exit', () => resolve());
          child.kill(signal);
        });
      },
      restartTemporal: async (downMs) => {
        await temporal.stop();
        await new Promise((r) => setTimeout(r, downMs));
        temporal = await startDevTemporal(temporalOptions);
      },
      close,
    };
    return stack;
  } catch (err) {
    await close();
    throw err;
  }
}
