/**
 * What the messaging provider tells Warmer about a chip, after translation from Evolution's webhooks.
 * Plain JSON (ISO timestamps) so it can travel as a Temporal signal argument unchanged.
 */
export const CHIP_PROVIDER_EVENT_KINDS = [
  'inbound',
  'delivered',
  'read',
  'delivery_failed',
  'disconnected',
  'banned',
  'logged_out',
  'connected',
  /** The provider is reconnecting by itself (a transient drop). */
  'connecting',
  /** A call came in (rejected by the instance's settings); `messageId` is the call id. */
  'call',
] as const;
export type ChipProviderEventKind = (typeof CHIP_PROVIDER_EVENT_KINDS)[number];

export interface ChipProviderEvent {
  chipId: string;
  /** The provider instance the webhook came from. */
  instance: string;
  kind: ChipProviderEventKind;
  /** The WhatsApp message id (`key.id` / `keyId`) for message events. */
  messageId?: string;
  /** E.164 digits of the sender (`inbound`) or the caller (`call`). Raw: mask it before logging. */
  fromPhone?: string;
  /** Baileys disconnect code for connection events (domain/disconnect-reasons.ts). */
  statusReason?: number;
  /** The provider's own stamp of the delivery (`date_time`), as given: the same on every redelivery. */
  providerTime?: string;
  /** ISO time Warmer received the webhook (the provider's `date_time` is local time with a bogus Z). */
  at: string;
}

/** A translated event before the instance is resolved to a chip. */
export type ProviderEvent = Omit<ChipProviderEvent, 'chipId'>;
