/**
 * The composition root: one Warmer process built from the configuration plus overrides. The
 * production entry (src/worker.ts), the dev stack (src/dev/main.ts) and the tests' worker processes
 * all start through here, so each part is wired in one place: the database, the Temporal
 * connection, the adapters, the webhook receiver with the ops routes (/healthz, /readyz, /metrics),
 * the codec endpoint and the worker. Parts start in a fixed order and stop in the reverse one.
 */
import { NativeConnection, type Worker, type WorkflowBundleOption } from '@temporalio/worker';
import { AesGcmPayloadCodec } from '../adapters/codec/aes-gcm-codec';
import { type CodecEndpoint, startCodecEndpoint } from '../adapters/codec/codec-endpoint';
import type { Db } from '../adapters/db/port';
import { createEvolutionClient } from '../adapters/messaging/evolution';
import { describeConfig, type WarmerConfig } from '../config';
import { ConfigError } from '../domain/errors';
import { maskPhone } from '../domain/phone';
import type { Logger, WarmerLogLevel } from '../observability/logger';
import { createOnboardingForwarder, createProviderEventBridge, resolveChipByInstance } from '../webhooks/bridge';
import { webhookHeadersFor } from '../webhooks/instance-secret';
import { startWebhookReceiver, type WebhookReceiver } from '../webhooks/receiver';
import { type Adapters, connectTemporal, createAdapters, openDb, type TemporalHandles } from './context';
import { setUpObservability, webhookLog, type WorkerObservability, workerOpsRoutes } from './observability';
import { ensureSearchAttributes } from './search-attributes';
import { createWarmerWorker, prebuiltWorkflowBundle } from './temporal-worker';

/** Registers a step run by stop(), after the worker has stopped, in the reverse order of registration. */
export type OnStop = (name: string, run: () => Promise<unknown>) => void;

/** What is up before Temporal is reached. */
export interface EarlyParts {
  config: WarmerConfig;
  logger: Logger;
  sdkMetricsAddress: string | null;
  codecEndpoint?: CodecEndpoint;
  onStop: OnStop;
}

/** What is up once the receiver listens, before the worker polls. */
export interface ServingParts extends EarlyParts {
  db: Db;
  /** Migrations this start applied (empty when none were missing, or when migrate is off). */
  migrationsApplied: string[];
  temporal: TemporalHandles;
  adapters: Adapters;
  receiver?: WebhookReceiver;
}

export interface WarmerParts extends ServingParts {
  worker: Worker;
  /** The worker's run: settles when it stops (after stop(), or rejects on its own failure). */
  workerRun: Promise<void>;
}

export interface WarmerProcessOverrides {
  /** A logger and SDK exporter the caller set up; otherwise the Temporal runtime is installed here (once per process). */
  observability?: WorkerObservability;
  /** Adjusts the logging installed here (the dev stack prints pretty lines, warnings and above). */
  logging?: { level?: WarmerLogLevel; pretty?: boolean };
  /** Applies the missing migrations at start (default true). The tests' workers share a database their test migrated. */
  migrate?: boolean;
  /** Serves the webhook receiver and the ops routes on WEBHOOK_PORT (default true; needs WEBHOOK_SECRET). */
  receiver?: boolean;
  /** Interface of the receiver and the codec endpoint. Default 0.0.0.0: the provider and the Temporal UI run elsewhere. */
  host?: string;
  /** Where notifications go when Slack is not configured (default the log). */
  notifyLog?: (line: string) => void;
  /** Wraps the adapters built from the configuration (a benchmark times the sends). */
  adapters?: (built: Adapters) => Adapters;
  /** Default: the bundle built with the code (dist/workflow-bundle.js or WARMER_WORKFLOW_BUNDLE), else bundled at start. */
  workflowBundle?: WorkflowBundleOption;
  /** Sleeps inside activities (think time); a benchmark measures them. */
  sleep?: (ms: number) => Promise<void>;
  /** After the codec endpoint, before Temporal is reached: the dev stack starts its Temporal server here. */
  beforeTemporal?: (parts: EarlyParts) => Promise<void>;
  /**
   * After the receiver, before the provider's webhooks are pointed (WEBHOOK_PUBLIC_URL) and the worker
   * polls: the dev stack starts the simulator its chips talk to here.
   */
  beforeWorker?: (parts: ServingParts) => Promise<void>;
}

export interface WarmerProcess {
  readonly config: WarmerConfig;
  /** Starts every part; resolves once the worker runs. A step that fails stops what had started, then throws. */
  start(): Promise<WarmerParts>;
  /** For parts the caller starts after start(): stopped before the process's own. */
  onStop: OnStop;
  /**
   * Shuts the worker down, waits for its run (at most `workerGraceMs` when given), then stops every
   * part in reverse order; a part that fails to stop is logged and the others still stop. Idempotent.
   */
  stop(opts?: { workerGraceMs?: number }): Promise<void>;
}

export function buildWarmerProcess(config: WarmerConfig, overrides: WarmerProcessOverrides = {}): WarmerProcess {
  const steps: { name: string; run: () => Promise<unknown> }[] = [];
  let logger: Logger | undefined;
  let worker: Worker | undefined;
  let workerRun: Promise<void> | undefined;
  let stopping: Promise<void> | undefined;
  const warn = (message: string, err?: unknown) =>
    logger ? logger.warn(err === undefined ? {} : { err }, message) : console.error(`[warmer] ${message}`, err ?? '');
  const stopFailed = (name: string) => (err: unknown) => warn(`stopping ${name}: ${(err as Error)?.message ?? String(err)}`, err);
  const onStop: OnStop = (name, run) => {
    // A part that comes up while the process is stopping (a signal during start) is stopped at once.
    if (stopping) void run().catch(stopFailed(name));
    else steps.push({ name, run });
  };
  const stillStarting = () => {
    if (stopping) throw new Error('the process was stopped while it was starting');
  };

  const stop = (opts: { workerGraceMs?: number } = {}): Promise<void> => {
    stopping ??= (async () => {
      if (worker?.getState() === 'RUNNING') worker.shutdown();
      if (workerRun) {
        const settled = workerRun.then(
          () => true,
          () => true,
        );
        let timer: NodeJS.Timeout | undefined;
        const grace =
          opts.workerGraceMs === undefined
            ? settled
            : Promise.race([settled, new Promise<boolean>((r) => (timer = setTimeout(() => r(false), opts.workerGraceMs)))]);
        // Activities sleeping through a turn's think time may not notice the cancellation at once.
        if (!(await grace)) warn(`the worker did not finish within ${opts.workerGraceMs} ms; stopping the rest`);
        clearTimeout(timer);
      }
      for (const step of steps.splice(0).reverse()) {
        await step.run().catch(stopFailed(step.name));
      }
    })();
    return stopping;
  };

  const start = async (): Promise<WarmerParts> => {
    try {
      const observability =
        overrides.observability ??
        (await setUpObservability(
          { ...config, observability: { ...config.observability, logLevel: overrides.logging?.level ?? config.observability.logLevel } },
          { pretty: overrides.logging?.pretty },
        ));
      logger = observability.logger;
      logger.info(describeConfig(config), 'starting worker');
      const early: EarlyParts = { config, logger, sdkMetricsAddress: observability.sdkMetricsAddress, onStop };

      early.codecEndpoint = await startConfiguredCodecEndpoint(config, overrides.host);
      if (early.codecEndpoint) {
        onStop('codec endpoint', () => early.codecEndpoint!.close());
        logger.info({ url: early.codecEndpoint.url }, 'codec endpoint listening (Authorization: Bearer <WARMER_CODEC_TOKEN>)');
      }
      await overrides.beforeTemporal?.(early);

      const db = openDb(config);
      onStop('database', () => db.close());
      const migrationsApplied = overrides.migrate === false ? [] : await db.migrate();
      if (migrationsApplied.length > 0) logger.info({ migrations: migrationsApplied }, 'applied migrations');

      const temporal = await connectTemporal(config);
      onStop('Temporal client', () => temporal.connection.close());
      if (config.worker.searchAttributes) await registerSearchAttributes(temporal, config, logger);

      const built = createAdapters(config, overrides.notifyLog ?? ((line) => logger!.info(line)));
      const adapters = overrides.adapters ? overrides.adapters(built) : built;
      const serving: ServingParts = { ...early, db, migrationsApplied, temporal, adapters };
      if (overrides.receiver !== false) {
        serving.receiver = await startReceiver(serving, overrides.host, () => worker?.getState());
        onStop('webhook receiver', () => serving.receiver!.close());
        logger.info({ url: serving.receiver.url }, 'webhook receiver (and /healthz, /readyz, /metrics) listening');
      }
      await overrides.beforeWorker?.(serving);
      // After beforeWorker: the dev stack's provider (the simulator) starts there.
      if (serving.receiver) await pointProviderWebhooks(serving);
      stillStarting();

      const workflowBundle = overrides.workflowBundle ?? prebuiltWorkflowBundle();
      logger.info({ workflows: workflowBundle ? 'prebuilt bundle' : 'bundling the sources at start' }, 'workflow code');
      // Ours to close once the worker stops: a native connection left open keeps the process alive.
      const connection = await NativeConnection.connect({
        address: config.temporal.connection.address,
        tls: config.temporal.connection.tls,
        apiKey: config.temporal.connection.apiKey,
        metadata: config.temporal.connection.metadata,
      });
      onStop('worker connection', () => connection.close());
      const created = await createWarmerWorker({ config, db, adapters, temporal, workflowBundle, connection, sleep: overrides.sleep });
      stillStarting();
      worker = created;
      workerRun = worker.run();
      return { ...serving, worker, workerRun };
    } catch (err) {
      await stop();
      throw err;
    }
  };

  return { config, start, onStop, stop };
}

/** The endpoint through which an authorized operator's Temporal UI decodes payloads, when configured. */
async function startConfiguredCodecEndpoint(config: WarmerConfig, host = '0.0.0.0'): Promise<CodecEndpoint | undefined> {
  const { keys, endpoint } = config.codec;
  if (!keys || !endpoint) return undefined;
  return startCodecEndpoint({
    codec: new AesGcmPayloadCodec(keys),
    token: endpoint.token,
    port: endpoint.port,
    host,
    corsOrigins: endpoint.corsOrigins,
  });
}

/** Lets the Temporal UI list chips by phase, status and health; a namespace that refuses it only costs that. */
async function registerSearchAttributes(temporal: TemporalHandles, config: WarmerConfig, logger: Logger): Promise<void> {
  const added = await ensureSearchAttributes(temporal.connection, config.temporal.namespace).catch((err: unknown) => {
    logger.warn(
      `could not register search attributes (${(err as Error).message}); set WARMER_SEARCH_ATTRIBUTES=false if the namespace does not allow it`,
    );
    return [];
  });
  if (added.length > 0) logger.info({ added }, 'registered search attributes');
}

/** Every worker process receives the provider's webhooks; readiness includes its own worker. */
function startReceiver(parts: ServingParts, host: string | undefined, workerState: () => string | undefined): Promise<WebhookReceiver> {
  const { config, db, temporal, adapters, logger } = parts;
  if (!config.webhook.secret) throw new ConfigError('WEBHOOK_SECRET is required: the shared secret every webhook post must carry');
  return startWebhookReceiver({
    port: config.webhook.port,
    host,
    secret: config.webhook.secret,
    instanceSecrets: config.webhook.instanceSecrets,
    resolveChip: resolveChipByInstance(db),
    onEvent: createProviderEventBridge({
      db,
      client: temporal.client,
      notifier: adapters.notifier,
      breaker: config.fleetBreaker,
      connectionState: (instance) => adapters.messaging.connectionState(instance),
      log: (message, fields) => logger.info({ component: 'webhook', ...fields }, message),
    }),
    // Connection reports of an instance being onboarded (no chip yet) wake its onboarding.
    onUnregisteredInstance: createOnboardingForwarder(temporal.client),
    log: webhookLog(logger),
    opsRoutes: workerOpsRoutes({ db, temporal, workerState, sdkMetricsAddress: parts.sdkMetricsAddress }),
  });
}

/** With WEBHOOK_PUBLIC_URL, every registered chip's instance posts its events to this deployment. */
async function pointProviderWebhooks(parts: ServingParts): Promise<void> {
  const { config, db, logger } = parts;
  const { publicUrl, secret } = config.webhook;
  if (!publicUrl || !secret || !config.evolution.baseUrl || !config.evolution.apiKey) return;
  const evolution = createEvolutionClient({ baseUrl: config.evolution.baseUrl, apiKey: config.evolution.apiKey });
  for (const chip of await db.listChips()) {
    await evolution
      .setWebhook(chip.instanceName, {
        url: publicUrl,
        headers: webhookHeadersFor(chip.instanceName, { shared: secret, perInstance: config.webhook.instanceSecrets }),
      })
      .catch((err) => logger.warn({ chipId: chip.id }, `webhook not set for chip ${maskPhone(chip.phone)}: ${(err as Error).message}`));
  }
}
