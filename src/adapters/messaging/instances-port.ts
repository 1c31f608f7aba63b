/**
 * Managing the provider's instances (create, connect, read the owner, settings, webhook): what
 * onboarding and `chip add` need, apart from the everyday messaging port. The settings call is the
 * profile port's own.
 */
import type { ConnectionState } from './port';
import type { Profile } from './profile-port';

/** A code as the provider issues it; `base64` (a PNG data URL) is dropped: Warmer renders its own. */
export interface IssuedCode {
  /** The QR code's content; null while the session is still starting. */
  code: string | null;
  /** Present when the session was started for a number (pairing code login). */
  pairingCode: string | null;
  count: number;
}

export interface InstanceWebhook {
  url: string;
  /** Sent with every delivery: where the instance's secret goes. */
  headers: Record<string, string>;
  /** Upper snake case, e.g. CONNECTION_UPDATE. */
  events: readonly string[];
}

export interface ProviderInstance {
  name: string;
  state: ConnectionState;
  /** E.164 digits of the connected number (from ownerJid), null before any connection. */
  ownerPhone: string | null;
}

export interface CreateInstanceInput {
  instanceName: string;
  /** Given: the session starts for this number and the answer carries a pairing code. */
  pairingNumber?: string;
  /** The instance's own API key; the provider generates one when absent. */
  token?: string;
  webhook?: InstanceWebhook;
}

export interface MessagingInstances extends Pick<Profile, 'setInstanceSettings'> {
  /** Creates the instance and starts its session (QR code, or pairing code for `pairingNumber`). */
  createInstance(input: CreateInstanceInput): Promise<{ state: ConnectionState; code: IssuedCode | null }>;
  /** The current code of a session waiting for a scan (starting one when closed); `state: 'open'` when connected. */
  connect(instance: string, opts?: { pairingNumber?: string }): Promise<{ state: ConnectionState; code: IssuedCode | null }>;
  /** null when the provider has no instance of that name. */
  fetchInstance(instance: string): Promise<ProviderInstance | null>;
  setWebhook(instance: string, webhook: InstanceWebhook): Promise<void>;
  connectionState(instance: string): Promise<ConnectionState>;
}
