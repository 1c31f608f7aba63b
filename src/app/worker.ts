import { existsSync } from 'node:fs';
import path from 'node:path';
import { NativeConnection, Worker, type WorkflowBundleOption } from '@temporalio/worker';
import type { Db } from '../adapters/db/port';
import { createTemporalChipDirectory } from '../activities/chip-directory';
import { createActivities } from '../activities';
import type { WarmerConfig } from '../config';
import { DEFAULT_PROGRAM_EPOCH_MS } from '../domain/clock';
import { type Adapters, dataConverterFor, type TemporalHandles } from './context';

export interface WorkerOptions {
  config: WarmerConfig;
  db: Db;
  adapters: Adapters;
  temporal: TemporalHandles;
  /** A prebuilt bundle (tests, benchmarks); otherwise the workflows are bundled at start-up. */
  workflowBundle?: WorkflowBundleOption;
  /** Sleeps inside activities (think time); the benchmarks pass a no-op. */
  sleep?: (ms: number) => Promise<void>;
  connection?: NativeConnection;
}

/**
 * The workflows bundled at build time (`npm run build` writes dist/workflow-bundle.js beside the
 * compiled code); undefined when running from the TypeScript sources, which are bundled at start.
 */
export function prebuiltWorkflowBundle(dir: string = path.resolve(__dirname, '..')): WorkflowBundleOption | undefined {
  const codePath = path.join(dir, 'workflow-bundle.js');
  return existsSync(codePath) ? { codePath } : undefined;
}

/**
 * The worker: workflows plus activities over the real ports. Workers are stateless and scale out on
 * the same task queue; maxCachedWorkflows bounds memory (about 1 MB per cached chip workflow at most).
 */
export async function createWarmerWorker(options: WorkerOptions): Promise<Worker> {
  const { config, db, adapters, temporal } = options;
  const connection =
    options.connection ??
    (await NativeConnection.connect({
      address: config.temporal.connection.address,
      tls: config.temporal.connection.tls,
      apiKey: config.temporal.connection.apiKey,
      metadata: config.temporal.connection.metadata,
    }));
  const activities = createActivities({
    db,
    ...adapters,
    chips: createTemporalChipDirectory(temporal.client),
    clock: { dayMs: config.program.dayMs, epochMs: config.program.epochMs ?? DEFAULT_PROGRAM_EPOCH_MS },
    sleep: options.sleep,
  });
  return Worker.create({
    connection,
    namespace: config.temporal.namespace,
    taskQueue: config.temporal.taskQueue,
    ...(options.workflowBundle ? { workflowBundle: options.workflowBundle } : { workflowsPath: require.resolve('../workflows') }),
    activities,
    dataConverter: dataConverterFor(config),
    maxCachedWorkflows: config.worker.maxCachedWorkflows,
    maxConcurrentActivityTaskExecutions: config.worker.maxConcurrentActivities,
  });
}
