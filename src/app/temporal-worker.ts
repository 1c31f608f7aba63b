import { existsSync } from 'node:fs';
import path from 'node:path';
import { type NativeConnection, Worker, type WorkflowBundleOption } from '@temporalio/worker';
import type { Db } from '../adapters/db/port';
import { createTemporalChipDirectory } from '../client/chip-directory';
import { createActivities } from '../activities';
import { createProfilePhotos } from '../adapters/media/profile-photos';
import { createEventActivities, type EventsDeps } from '../activities/events';
import { startEventDelivery } from '../client/event-delivery';
import type { WarmerConfig } from '../config';
import { DEFAULT_PROGRAM_EPOCH_MS } from '../domain/clock';
import { type Adapters, dataConverterFor, type TemporalHandles } from './context';
import { onboardingActivities } from './onboarding';

export interface WorkerOptions {
  config: WarmerConfig;
  db: Db;
  adapters: Adapters;
  temporal: TemporalHandles;
  /** A prebuilt bundle (tests, benchmarks); otherwise the workflows are bundled at start-up. */
  workflowBundle?: WorkflowBundleOption;
  /** Sleeps inside activities (think time); the benchmarks pass a no-op. */
  sleep?: (ms: number) => Promise<void>;
  /** The worker's own connection; its owner closes it once the worker has stopped. */
  connection: NativeConnection;
}

/**
 * The workflows bundled at build time (`npm run build` writes dist/workflow-bundle.js beside the
 * compiled code), or the file WARMER_WORKFLOW_BUNDLE names; undefined when running from the TypeScript
 * sources, which are then bundled at start.
 */
export function prebuiltWorkflowBundle(dir: string = path.resolve(__dirname, '..')): WorkflowBundleOption | undefined {
  // The fault suite starts the worker from the sources many times: a bundle built once saves seconds each.
  const explicit = process.env.WARMER_WORKFLOW_BUNDLE;
  if (explicit && existsSync(explicit)) return { codePath: explicit };
  const codePath = path.join(dir, 'workflow-bundle.js');
  return existsSync(codePath) ? { codePath } : undefined;
}

/**
 * The worker: workflows plus activities over the real ports. Workers are stateless and scale out on
 * the same task queue; maxCachedWorkflows bounds memory (about 1 MB per cached chip workflow at most).
 */
export async function createWarmerWorker(options: WorkerOptions): Promise<Worker> {
  const { config, db, adapters, temporal, connection } = options;
  const events = eventsDeps(config, temporal);
  const activities = {
    ...createActivities({
      db,
      ...adapters,
      chips: createTemporalChipDirectory(temporal.client),
      clock: { dayMs: config.program.dayMs, epochMs: config.program.epochMs ?? DEFAULT_PROGRAM_EPOCH_MS },
      sleep: options.sleep,
      events,
      profilePhotos: createProfilePhotos({ dir: config.profile.photosDir }),
    }),
    // Registered even without receivers, so deliveries started before a restart can finish.
    ...createEventActivities(
      db,
      events ?? {
        urls: [],
        secret: config.events.secret ?? '',
        allowPrivate: config.events.allowPrivate,
        startDelivery: async () => undefined,
      },
    ),
    ...onboardingActivities(config, db, adapters, temporal),
  };
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

/** Outbound events when WARMER_EVENTS_URL names receivers (config checks the secret is set then). */
export function eventsDeps(config: WarmerConfig, temporal: TemporalHandles): EventsDeps | undefined {
  if (config.events.urls.length === 0 || !config.events.secret) return undefined;
  return {
    urls: config.events.urls,
    secret: config.events.secret,
    allowPrivate: config.events.allowPrivate,
    startDelivery: (input) => startEventDelivery(temporal.client, config.temporal.taskQueue, input),
  };
}
