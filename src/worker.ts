/**
 * Production entry point: one worker process plus the webhook receiver. Configure with environment
 * variables (see README); scale out by running more of these on the same task queue.
 */
import { createEvolutionClient } from './adapters/messaging/evolution';
import { connectTemporal, createAdapters, openDb } from './app/context';
import { ensureSearchAttributes } from './app/search-attributes';
import { createWarmerWorker } from './app/worker';
import { describeConfig, loadConfig, requireWorkerConfig } from './config';
import { maskPhone } from './domain/phone';
import { createProviderEventBridge, resolveChipByInstance } from './webhooks/bridge';
import { startWebhookReceiver } from './webhooks/receiver';

export async function main(): Promise<void> {
  const config = loadConfig();
  const required = requireWorkerConfig(config);
  console.log('[warmer] starting worker', describeConfig(config));
  const db = openDb(config);
  const applied = await db.migrate();
  if (applied.length > 0) console.log(`[warmer] applied migrations: ${applied.join(', ')}`);
  const temporal = await connectTemporal(config);
  if (config.worker.searchAttributes) {
    const added = await ensureSearchAttributes(temporal.connection, config.temporal.namespace).catch((err) => {
      console.warn(`[warmer] could not register search attributes (${(err as Error).message}); set WARMER_SEARCH_ATTRIBUTES=false if the namespace does not allow it`);
      return [];
    });
    if (added.length > 0) console.log(`[warmer] registered search attributes: ${added.join(', ')}`);
  }
  const adapters = createAdapters(config);
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
      }),
    log: (level, message, fields) => console[level === 'info' ? 'log' : level](`[webhook] ${message}`, fields ?? ''),
  });
  console.log(`[warmer] webhook receiver on ${receiver.url}`);
  if (config.webhook.publicUrl) {
    const evolution = createEvolutionClient({ baseUrl: required.baseUrl, apiKey: required.apiKey });
    for (const chip of await db.listChips()) {
      await evolution
        .setWebhook(chip.instanceName, { url: config.webhook.publicUrl, headers: { 'x-warmer-secret': required.webhookSecret } })
        .catch((err) => console.warn(`[warmer] webhook not set for chip ${maskPhone(chip.phone)}: ${(err as Error).message}`));
    }
  }
  const worker = await createWarmerWorker({ config, db, adapters, temporal });
  const stop = () => worker.shutdown();
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  try {
    await worker.run();
  } finally {
    await receiver.close();
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
