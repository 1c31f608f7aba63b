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

/** Limits a call (retries included) to a caller's deadline and cancellation. */
export interface CallLimits {
  /** Aborts the call at once (an activity's cancellation signal). */
  signal?: AbortSignal;
  /** Epoch ms by which the call, retries included, must have ended. */
  deadlineMs?: number;
}

export interface Messaging {
  /** `number` is E.164 digits without '+'. */
  sendText(instance: string, number: string, text: string, limits?: CallLimits): Promise<SentMessage>;
  /** Shows `presence` to `number` for `delayMs` (the provider holds the call that long). */
  sendPresence(instance: string, number: string, presence: Presence, delayMs: number, limits?: CallLimits): Promise<void>;
  markRead(instance: string, keys: MessageKey[], limits?: CallLimits): Promise<void>;
  connectionState(instance: string, limits?: CallLimits): Promise<ConnectionState>;
}
