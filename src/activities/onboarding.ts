/**
 * The onboarding workflow's activities over the provider's instance port, the database and Temporal.
 * Each is safe to retry: reads are reads, creation is preceded by a look (the workflow inspects
 * first), webhook and settings are set to the same values again, registration finds what an earlier
 * attempt registered, and the failure alert is keyed by the onboarding.
 */
import type { AlertsPort } from '../adapters/db/port';
import type { InstanceWebhook, IssuedCode, MessagingInstances } from '../adapters/messaging/instances-port';
import type { Notifier } from '../adapters/notify/port';
import { ProviderConfig, WrongNumber } from '../domain/errors';
import { type OnboardingMethod, WARMUP_INSTANCE_SETTINGS, wrongNumberReason } from '../domain/onboarding';
import { maskPhone, samePhone } from '../domain/phone';
import { mapFailures } from './failures';
import type { FetchedCode, OnboardingActivities, RegisteredChip } from './onboarding-types';

/** The events Warmer reads from an instance (src/webhooks/translate.ts). */
export const ONBOARDING_WEBHOOK_EVENTS = [
  'MESSAGES_UPSERT',
  'MESSAGES_UPDATE',
  'CONNECTION_UPDATE',
  'STATUS_INSTANCE',
  'LOGOUT_INSTANCE',
  'CALL',
] as const;

export interface OnboardingWebhook {
  /** This deployment's public webhook URL (WEBHOOK_PUBLIC_URL); without it the instance's webhook is left as it is. */
  url?: string;
  /** The headers the instance's posts carry: its own secret when one is configured, else the shared one. */
  headersFor(instance: string): Record<string, string> | undefined;
}

export interface OnboardingDeps {
  instances: MessagingInstances;
  db: Pick<AlertsPort, 'openAlert'>;
  notifier: Notifier;
  /**
   * Registers the chip (or finds it registered) and starts its warm-up workflow (or finds it started):
   * safe to repeat. The worker's is client/chip-registration.ts over its Temporal client.
   */
  registerChip(input: { phone: string; instanceName: string; fleetId: string }): Promise<RegisteredChip>;
  webhook: OnboardingWebhook;
}

const REASON_PT: Record<string, string> = {
  WrongNumber: 'a instância está conectada a outro número',
  InstanceRefused: 'o provedor recusou o nome da instância',
  OnboardingTimedOut: 'o número não foi conectado dentro do prazo',
  DuplicateChip: 'o número ou a instância já está registrado em outro chip',
};

/** What the workflow keeps of a code: the QR content, or the pairing code for a pairing login. */
function fetched(method: OnboardingMethod, code: IssuedCode | null): FetchedCode | null {
  const value = method === 'pairing' ? code?.pairingCode : code?.code;
  return code && value ? { value, count: code.count } : null;
}

export function createOnboardingActivities(deps: OnboardingDeps): OnboardingActivities {
  const { instances, db } = deps;
  const webhookFor = (instance: string): InstanceWebhook | undefined => {
    const headers = deps.webhook.headersFor(instance);
    if (!deps.webhook.url || !headers) return undefined;
    return { url: deps.webhook.url, headers, events: ONBOARDING_WEBHOOK_EVENTS };
  };
  const pairingNumber = (method: OnboardingMethod, phone: string) => (method === 'pairing' ? phone : undefined);

  return {
    inspectInstance: ({ instanceName }) =>
      mapFailures(async () => {
        const found = await instances.fetchInstance(instanceName);
        return found ? { state: found.state, ownerPhone: found.ownerPhone } : null;
      }),

    createInstance: ({ instanceName, phone, method }) =>
      mapFailures(async () => {
        const created = await instances.createInstance({
          instanceName,
          pairingNumber: pairingNumber(method, phone),
          webhook: webhookFor(instanceName),
        });
        return fetched(method, created.code);
      }),

    configureInstance: ({ instanceName }) =>
      mapFailures(async () => {
        const webhook = webhookFor(instanceName);
        if (webhook) await instances.setWebhook(instanceName, webhook);
        await instances.setInstanceSettings(instanceName, WARMUP_INSTANCE_SETTINGS);
        return { webhookSet: webhook !== undefined };
      }),

    pollConnection: ({ instanceName, phone, method }) =>
      mapFailures(async () => {
        if ((await instances.connectionState(instanceName)) === 'open') return { state: 'open' as const };
        const answer = await instances.connect(instanceName, { pairingNumber: pairingNumber(method, phone) });
        if (answer.state === 'open') return { state: 'open' as const };
        return { state: 'waiting' as const, code: fetched(method, answer.code) };
      }),

    verifyConnectedNumber: ({ instanceName, phone }) =>
      mapFailures(async () => {
        const found = await instances.fetchInstance(instanceName);
        if (!found) throw new ProviderConfig(`Instance '${instanceName}' no longer exists on the provider.`);
        // Retryable: a connection just reported may not show in the provider's list yet.
        if (found.state !== 'open') throw new Error(`Instance '${instanceName}' is not connected yet (state ${found.state}).`);
        if (!found.ownerPhone) throw new Error(`Instance '${instanceName}' is connected but the provider has not reported its number yet.`);
        if (!samePhone(found.ownerPhone, phone)) throw new WrongNumber(wrongNumberReason(instanceName, found.ownerPhone, phone));
      }),

    registerOnboardedChip: (input) => mapFailures(() => deps.registerChip(input)),

    reportOnboardingFailure: ({ instanceName, phone, code, reason, requestedBy, startedAtMs }) =>
      mapFailures(async () => {
        const message =
          `Onboarding de ${maskPhone(phone)} (instância '${instanceName}', pedido por ${requestedBy}) terminou sem registrar o chip: ` +
          `${REASON_PT[code] ?? 'falha'}. Nada foi registrado; a instância ficou como está para o operador. Detalhe: ${reason}`;
        await db.openAlert({
          chipId: null,
          severity: 'warning',
          kind: 'onboarding_failed',
          message,
          key: `onboarding_failed:${instanceName}:${startedAtMs}`,
        });
        await deps.notifier.notify({ kind: 'alert', severity: 'warning', title: 'Onboarding não concluído', message, phone });
      }),
  };
}
