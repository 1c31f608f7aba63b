/**
 * The onboarding's wiring from the configuration: the provider's instance port, where instances post
 * their webhooks (WEBHOOK_PUBLIC_URL, with the instance's own secret when WEBHOOK_INSTANCE_SECRETS
 * names one, else the shared one), and the registration that starts new chips' warm-ups.
 */
import type { Db } from '../adapters/db/port';
import { createEvolutionInstances } from '../adapters/messaging/evolution-instances';
import { createOnboardingActivities, type OnboardingDeps } from '../activities/onboarding';
import type { OnboardingActivities } from '../activities/onboarding-types';
import { onboardingRegistrar } from '../client/chip-registration';
import { type WarmerConfig, warmupSettings } from '../config';
import { DEFAULT_PROGRAM_EPOCH_MS } from '../domain/clock';
import { ConfigError } from '../domain/errors';
import { webhookHeadersFor } from '../webhooks/instance-secret';
import type { Adapters, TemporalHandles } from './context';

export function onboardingDeps(
  config: WarmerConfig,
  db: Db,
  adapters: Pick<Adapters, 'notifier'>,
  temporal: TemporalHandles,
): OnboardingDeps {
  const { baseUrl, apiKey } = config.evolution;
  if (!baseUrl || !apiKey) throw new ConfigError('EVOLUTION_API_URL and EVOLUTION_API_KEY are required to onboard numbers');
  const { secret, instanceSecrets } = config.webhook;
  return {
    instances: createEvolutionInstances({ baseUrl, apiKey }),
    db,
    notifier: adapters.notifier,
    registerChip: onboardingRegistrar({
      db,
      client: temporal.client,
      taskQueue: config.temporal.taskQueue,
      settings: warmupSettings(config, DEFAULT_PROGRAM_EPOCH_MS),
    }),
    webhook: {
      url: config.webhook.publicUrl,
      headersFor: (instance) => (secret ? webhookHeadersFor(instance, { shared: secret, perInstance: instanceSecrets }) : undefined),
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
