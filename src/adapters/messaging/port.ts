/** The messaging provider as Warmer needs it (Evolution API v2 in production, the simulator in demo/tests). */
export interface MessageKey {
  remoteJid: string;
  fromMe: boolean;
  id: string;
}

export interface SentMessage {
  key: MessageKey;
  /** Provider status at acceptance, e.g. PENDING. */
  status: string;
  /** Seconds since epoch, as the provider reports it. */
  timestamp: number;
}

export type Presence = 'unavailable' | 'available' | 'composing' | 'recording' | 'paused';
export type ConnectionState = 'open' | 'close' | 'connecting';

export interface Messaging {
  /** `number` is E.164 digits without '+'. */
  sendText(instance: string, number: string, text: string): Promise<SentMessage>;
  /** Shows `presence` to `number` for `delayMs` (the provider holds the call that long). */
  sendPresence(instance: string, number: string, presence: Presence, delayMs: number): Promise<void>;
  markRead(instance: string, keys: MessageKey[]): Promise<void>;
  connectionState(instance: string): Promise<ConnectionState>;
}
