/**
 * TEST / DEMO ONLY. The webhook events the simulator posts and the hooks through which the profile,
 * group, status and call state extend the network's one-to-one traffic.
 */
import type { SimInstance } from './network';
import type { SimContent } from './records';

/** Event names as Evolution delivers them (dotted lower case); configured in upper snake case (CALL, STATUS_INSTANCE). */
export type SimEventName =
  | 'messages.upsert'
  | 'messages.update'
  | 'connection.update'
  | 'send.message'
  | 'status.instance'
  | 'logout.instance'
  | 'call'
  | 'groups.upsert'
  | 'group-participants.update';

export interface SimNetworkHooks {
  /** A send addressed to a group JID, once the sender passed the usual checks. */
  sendToGroup?(sender: SimInstance, groupJid: string, content: SimContent): Record<string, unknown>;
  /** An instance is open again. */
  connected?(instance: SimInstance): void;
  /** A one-to-one message reached its receiver. */
  delivered?(receiver: SimInstance, key: { remoteJid: string; fromMe: boolean; id: string }): void;
}
