/**
 * Production entry point: one worker process plus the webhook receiver. Configure with environment
 * variables (see docs/configuration.md); scale out by running more of these on the same task queue.
 */
import { AesGcmPayloadCodec } from './adapters/codec/aes-gcm-codec';
import { startCodecEndpoint } from './adapters/codec/codec-endpoint';
import { createEvolutionClient } from './adapters/messaging/evolution';
import { connectTemporal, createAdapters, openDb } from './app/context';
import { setUpObservability, webhookLog, workerOpsRoutes } from './app/observability';
import { ensureSearchAttributes } from './app/search-attributes';
import { NativeConnection } from '@temporalio/worker';
import { createWarmerWorker, prebuiltWorkflowBundle } from './app/worker';
import { describeConfig, loadConfig, requireWorkerConfig } from './config';
import { maskPhone } from './domain/phone';
import { createOnboardingForwarder, createProviderEventBridge, resolveChipByInstance } from './webhooks/bridge';
import { startWebhookReceiver } from './webhooks/receiver';

export async function main(): Promise<void> {
  const config = loadConfig();
  const required = requireWorkerConfig(config);
  const { logger, sdkMetricsAddress } = await setUpObservability(config);
  logger.info(describeConfig(config), 'starting worker');
  const db = openDb(config);
  const applied = await db.migrate();
  if (applied.length > 0) logger.info({ migrations: applied }, 'applied migrations');
  const temporal = await connectTemporal(config);
  if (config.worker.searchAttributes) {
    const added = await ensureSearchAttributes(temporal.connection, config.temporal.namespace).catch((err) => {
      logger.warn(
        `could not register search attributes (${(err as Error).message}); set WARMER_SEARCH_ATTRIBUTES=false if the namespace does not allow it`,
      );
      return [];
    });
    if (added.length > 0) logger.info({ added }, 'registered search attributes');
  }
  const adapters = createAdapters(config, (line) => logger.info(line));
  // Set once the worker exists; /readyz reports it not running until then.
  const current: { worker?: Awaited<ReturnType<typeof createWarmerWorker>> } = {};
  const receiver = await startWebhookReceiver({
    port: config.webhook.port,
    secret: required.webhookSecret,
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
    onUnregisteredInstance: createOnboardingForwarder(temporal.client),
    log: webhookLog(logger),
    opsRoutes: workerOpsRoutes({ db, temporal, workerState: () => current.worker?.getState(), sdkMetricsAddress }),
  });
  logger.info({ url: receiver.url }, 'webhook receiver (and /healthz, /readyz, /metrics) listening');
  const { keys, endpoint } = config.codec;
  const codecEndpoint =
    keys && endpoint
      ? await startCodecEndpoint({
          codec: new AesGcmPayloadCodec(keys),
          token: endpoint.token,
          port: endpoint.port,
          host: '0.0.0.0',
          corsOrigins: endpoint.corsOrigins,
        })
      : undefined;
  if (codecEndpoint) logger.info({ url: codecEndpoint.url }, 'codec endpoint listening (Authorization: Bearer <WARMER_CODEC_TOKEN>)');
  if (config.webhook.publicUrl) {
    const evolution = createEvolutionClient({ baseUrl: required.baseUrl, apiKey: required.apiKey });
    for (const chip of await db.listChips()) {
      await evolution
        .setWebhook(chip.instanceName, { url: config.webhook.publicUrl, headers: { 'x-warmer-secret': required.webhookSecret } })
        .catch((err) => logger.warn({ chipId: chip.id }, `webhook not set for chip ${maskPhone(chip.phone)}: ${(err as Error).message}`));
    }
  }
  const workflowBundle = prebuiltWorkflowBundle();
  logger.info({ workflows: workflowBundle ? 'prebuilt bundle' : 'bundling the sources at start' }, 'workflow code');
  // Ours to close once the worker stops: a native connection left open keeps the process alive.
  const connection = await NativeConnection.connect({
    address: config.temporal.connection.address,
    tls: config.temporal.connection.tls,
    apiKey: config.temporal.connection.apiKey,
    metadata: config.temporal.connection.metadata,
  });
  const running = await createWarmerWorker({ config, db, adapters, temporal, workflowBundle, connection });
  current.worker = running;
  const stop = () => running.shutdown();
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  try {
    await running.run();
  } finally {
    await connection.close();
    await receiver.close();
    await codecEndpoint?.close();
    await temporal.connection.close();
    await db.close();
  }
}

if (require.main === module) {
  main().catch((err) => {
    console.error(`[warmer] worker stopped: ${(err as Error).message}`);
    process.exit(1);
  });
}
