/**
 * TEST / DEMO ONLY. What the simulator's network records of the traffic, for tests to assert on.
 */
import type { SimPresence } from './network';

/** What a message is, as Evolution's answer and webhooks describe it. */
export type SimMessageKind = 'text' | 'reaction' | 'sticker' | 'image' | 'audio';
export interface SimContent {
  kind: SimMessageKind;
  /** The text, the image's caption, the reaction's emoji; '' for a sticker or a voice note. */
  text: string;
  /** e.g. conversation, reactionMessage, stickerMessage, imageMessage, audioMessage */
  messageType: string;
  /** The Baileys message object of the answer and the upsert, e.g. `{ conversation: text }`. */
  message: Record<string, unknown>;
  /** For a reaction: the id of the message reacted to. */
  reactedTo?: string;
}

export interface SentRecord {
  seq: number;
  messageId: string;
  fromInstance: string;
  fromPhone: string;
  toPhone: string;
  kind: SimMessageKind;
  text: string;
  reactedTo?: string;
  at: number;
}

/** One arrival of a message in the receiving instance's inbox. */
export interface Delivery extends SentRecord {
  toInstance: string;
}

export interface PresenceRecord {
  instance: string;
  number: string;
  presence: SimPresence;
  delayMs: number;
  at: number;
}

export interface ReadRecord {
  instance: string;
  remoteJid: string;
  fromMe: boolean;
  id: string;
  at: number;
}
