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

/** A file sent inline: base64 without a data: prefix (the provider refuses the prefix). */
export interface OutgoingFile {
  base64: string;
  mimetype: string;
  fileName: string;
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
  /**
   * `number` is E.164 digits without '+', or a group JID (`…@g.us`) for every send that takes a number
   * (and sendPresence); into a group the instance is not in, NotGroupMember.
   */
  sendText(instance: string, number: string, text: string, limits?: CallLimits): Promise<SentMessage>;
  /** Shows `presence` to `number` for `delayMs` (the provider holds the call that long). */
  sendPresence(instance: string, number: string, presence: Presence, delayMs: number, limits?: CallLimits): Promise<void>;
  markRead(instance: string, keys: MessageKey[], limits?: CallLimits): Promise<void>;
  /** Reacts with one emoji to the message `key` (a received message: `fromMe: false`, the sender's JID). */
  sendReaction(instance: string, key: MessageKey, emoji: string, limits?: CallLimits): Promise<SentMessage>;
  /** `sticker`: base64 of the picture (WebP) or a URL the provider can fetch. */
  sendSticker(instance: string, number: string, sticker: string, limits?: CallLimits): Promise<SentMessage>;
  sendImage(instance: string, number: string, image: OutgoingFile & { caption?: string }, limits?: CallLimits): Promise<SentMessage>;
  /** A voice note (push-to-talk); `audio` is base64 or a URL. */
  sendVoiceNote(instance: string, number: string, audio: string, limits?: CallLimits): Promise<SentMessage>;
  connectionState(instance: string, limits?: CallLimits): Promise<ConnectionState>;
}
