/**
 * What `chip add` checks on the provider before it registers a chip connected elsewhere: the
 * instance exists, is connected, and holds the phone given. A typo in --instance or --phone is
 * refused here rather than found later as a chip that fails every turn.
 */
import { createEvolutionInstances } from '../adapters/messaging/evolution-instances';
import type { WarmerConfig } from '../config';
import { ConfigError, ProviderConfig, ProviderDisconnected, WrongNumber } from '../domain/errors';
import { wrongNumberReason } from '../domain/onboarding';
import { maskPhone, samePhone } from '../domain/phone';

export async function checkInstanceHoldsPhone(config: WarmerConfig, instanceName: string, phone: string): Promise<void> {
  const { baseUrl, apiKey } = config.evolution;
  if (!baseUrl || !apiKey) {
    throw new ConfigError(
      "'chip add' checks the instance on the messaging provider: set EVOLUTION_API_URL and EVOLUTION_API_KEY (or add --force to register without the check).",
    );
  }
  const found = await createEvolutionInstances({ baseUrl, apiKey }).fetchInstance(instanceName);
  if (!found) {
    throw new ProviderConfig(
      `Instance '${instanceName}' does not exist on the provider. Check --instance, or let 'warmer chip onboard' create and connect it.`,
    );
  }
  if (found.state !== 'open') {
    throw new ProviderDisconnected(
      `Instance '${instanceName}' is not connected (state ${found.state}). Connect ${maskPhone(phone)} to it first: 'warmer chip onboard' shows its QR code.`,
    );
  }
  if (!found.ownerPhone) {
    throw new ProviderDisconnected(
      `Instance '${instanceName}' is connected but the provider has not reported its number yet; try again in a moment.`,
    );
  }
  if (!samePhone(found.ownerPhone, phone)) throw new WrongNumber(wrongNumberReason(instanceName, found.ownerPhone, phone));
}
