/**
 * The onboarding's wiring from the configuration: the provider's instance port, where instances post
 * their webhooks (WEBHOOK_PUBLIC_URL, with the instance's own secret when WEBHOOK_INSTANCE_SECRETS
 * names one, else the shared one), and the settings new chips start warming with.
 */
import type { Db } from '../adapters/db/port';
import { createEvolutionInstances } from '../adapters/messaging/evolution-instances';
import { createOnboardingActivities, type OnboardingDeps } from '../activities/onboarding';
import type { OnboardingActivities } from '../activities/onboarding-types';
import { type WarmerConfig, warmupSettings } from '../config';
import { DEFAULT_PROGRAM_EPOCH_MS } from '../domain/clock';
import { ConfigError } from '../domain/errors';
import type { Adapters, TemporalHandles } from './context';

/** The header the webhook receiver checks (src/webhooks/receiver.ts). */
export const WEBHOOK_SECRET_HEADER = 'x-warmer-secret';

export function webhookSecretFor(config: WarmerConfig, instance: string): string | undefined {
  return config.webhook.instanceSecrets?.[instance] ?? config.webhook.secret;
}

export function onboardingDeps(
  config: WarmerConfig,
  db: Db,
  adapters: Pick<Adapters, 'notifier'>,
  temporal: TemporalHandles,
): OnboardingDeps {
  const { baseUrl, apiKey } = config.evolution;
  if (!baseUrl || !apiKey) throw new ConfigError('EVOLUTION_API_URL and EVOLUTION_API_KEY are required to onboard numbers');
  return {
    instances: createEvolutionInstances({ baseUrl, apiKey }),
    db,
    notifier: adapters.notifier,
    client: temporal.client,
    taskQueue: config.temporal.taskQueue,
    warmupSettings: warmupSettings(config, DEFAULT_PROGRAM_EPOCH_MS),
    webhook: {
      url: config.webhook.publicUrl,
      headerName: WEBHOOK_SECRET_HEADER,
      secretFor: (instance) => webhookSecretFor(config, instance),
    },
  };
}

export function onboardingActivities(
  config: WarmerConfig,
  db: Db,
  adapters: Pick<Adapters, 'notifier'>,
  temporal: TemporalHandles,
): OnboardingActivities {
  return createOnboardingActivities(onboardingDeps(config, db, adapters, temporal));
}
