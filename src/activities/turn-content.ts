/**
 * The content of a turn: which kind each turn of a planned conversation is (the phase's message mix,
 * src/domain/message-mix.ts), and the one provider call that sends it. deliverTurn keeps its claim,
 * read receipt and typing around it; only the send differs by kind.
 */
import type { Dialogue } from '../adapters/dialogue/port';
import type { MediaLibrary } from '../adapters/media/media-library';
import { REACTION_EMOJIS } from '../adapters/media/media-library';
import type { CallLimits, MessageKey, Messaging, Presence, SentMessage } from '../adapters/messaging/port';
import { type MessageKind, type TurnMedia, planTurnKinds } from '../domain/message-mix';
import type { Phase } from '../domain/phases';
import { phoneToJid } from '../domain/phone';
import { pickOne, type Random } from '../domain/random';
import type { DeliverTurnInput } from './types';

/**
 * The dialogue with each turn's media set by the mix of its sender's phase (A: the initiator). A
 * media turn the dialogue wrote keeps its item; a turn the mix turns into media gets one from the
 * library; a text turn carries no media. An item the library does not have falls back to text.
 */
export function applyMessageMix(dialogue: Dialogue, phases: { A: Phase; B: Phase }, random: Random, library: MediaLibrary): Dialogue {
  const kinds = planTurnKinds(
    dialogue.turns.map((t) => ({ from: t.from, authored: t.media?.kind })),
    phases,
    random,
  );
  const turns = dialogue.turns.map((turn, index) => {
    const { media: _written, ...text } = turn;
    const media = mediaFor(kinds[index]!, turn.media, random, library);
    return media ? { ...text, media } : text;
  });
  return { ...dialogue, turns };
}

function mediaFor(kind: MessageKind, written: TurnMedia | undefined, random: Random, library: MediaLibrary): TurnMedia | undefined {
  if (kind === 'text') return undefined;
  if (written?.kind === kind) {
    if (written.kind === 'reaction' || library.get(written.asset)?.kind === kind) return written;
    return undefined;
  }
  if (kind === 'reaction') return { kind, emoji: pickOne(random, REACTION_EMOJIS) };
  const item = library.pick(kind, random);
  return item ? { kind, asset: item.id } : undefined;
}

/**
 * The kind a turn is sent as: its media's, or text when a reaction has nothing to react to or the
 * library lacks the item (what sendTurnContent then sends).
 */
export function turnKind(input: Pick<DeliverTurnInput, 'media' | 'replyTo'>, library: MediaLibrary): MessageKind {
  const media = input.media;
  if (!media) return 'text';
  if (media.kind === 'reaction') return input.replyTo ? 'reaction' : 'text';
  return library.get(media.asset)?.kind === media.kind ? media.kind : 'text';
}

/** What the sender shows while "preparing" the turn: nothing before a reaction, recording before a voice note. */
export function presenceFor(kind: MessageKind): Presence | null {
  if (kind === 'reaction') return null;
  return kind === 'audio' ? 'recording' : 'composing';
}

export interface SentContent {
  sent: SentMessage;
  kind: MessageKind;
  /** Characters of text that went out (text, caption or emoji); 0 for a sticker or a voice note. */
  textLength: number;
}

/**
 * Sends the turn with the provider call of its kind: sendText, sendReaction (to the partner's
 * message being answered), sendSticker, sendImage (captioned with the turn's text) or sendVoiceNote.
 * An item missing from the library sends the turn's text instead. Never retried here.
 */
export async function sendTurnContent(
  messaging: Messaging,
  library: MediaLibrary,
  input: Pick<DeliverTurnInput, 'sender' | 'receiver' | 'text' | 'media' | 'replyTo'>,
  limits: CallLimits,
): Promise<SentContent> {
  const { sender, receiver } = input;
  const kind = turnKind(input, library);
  const media = input.media;
  const text = async (): Promise<SentContent> => ({
    sent: await messaging.sendText(sender.instanceName, receiver.phone, input.text, limits),
    kind: 'text',
    textLength: input.text.length,
  });
  if (kind === 'text' || !media) return text();
  if (media.kind === 'reaction') {
    // The message answered, as the sender's instance sees it: received, in the receiver's chat.
    const key: MessageKey = { remoteJid: phoneToJid(receiver.phone), fromMe: false, id: input.replyTo!.id };
    return { sent: await messaging.sendReaction(sender.instanceName, key, media.emoji, limits), kind, textLength: media.emoji.length };
  }
  const item = library.get(media.asset)!; // turnKind checked it
  if (media.kind === 'sticker') {
    return { sent: await messaging.sendSticker(sender.instanceName, receiver.phone, item.base64, limits), kind, textLength: 0 };
  }
  if (media.kind === 'image') {
    const image = { base64: item.base64, mimetype: item.mimetype, fileName: item.fileName, caption: input.text };
    return { sent: await messaging.sendImage(sender.instanceName, receiver.phone, image, limits), kind, textLength: input.text.length };
  }
  return { sent: await messaging.sendVoiceNote(sender.instanceName, receiver.phone, item.base64, limits), kind, textLength: 0 };
}
