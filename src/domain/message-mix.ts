/**
 * What a warm-up turn may be besides text, per phase: the message mix. A chip's first conversations
 * are words only; later phases add a little variety (a reaction to the partner's last message, a
 * sticker, a small photo, a short voice note), the way people actually chat. Every item is one turn:
 * it is claimed and counted against the daily cap exactly like a text message.
 *
 * Pure: the planner calls planTurnKinds with the sides' phases and its seeded random, then dresses
 * the chosen turns with items of the media library (src/adapters/media).
 */
import type { Phase } from './phases';
import type { Random } from './random';

export const MESSAGE_KINDS = ['text', 'reaction', 'sticker', 'image', 'audio'] as const;
export type MessageKind = (typeof MESSAGE_KINDS)[number];
export type MediaKind = Exclude<MessageKind, 'text' | 'reaction'>;

/** What a non-text turn carries: an emoji, or the id of an item of the media library. */
export type TurnMedia = { kind: 'reaction'; emoji: string } | { kind: MediaKind; asset: string };

/**
 * Share (percent) of a phase's turns, after a conversation's opening, that are of each non-text
 * kind; the rest is text. `primeiros_contatos` is text only (and `setup` sends nothing).
 */
export const MESSAGE_MIX: Readonly<Record<Phase, Readonly<Record<Exclude<MessageKind, 'text'>, number>>>> = {
  setup: { reaction: 0, sticker: 0, image: 0, audio: 0 },
  primeiros_contatos: { reaction: 0, sticker: 0, image: 0, audio: 0 },
  expansao: { reaction: 10, sticker: 5, image: 0, audio: 0 },
  pre_operacao: { reaction: 10, sticker: 8, image: 5, audio: 5 },
  operacao: { reaction: 10, sticker: 8, image: 6, audio: 6 },
};

/** Percent of each kind (text included) for a phase; sums to 100. */
export function messageMix(phase: Phase): Readonly<Record<MessageKind, number>> {
  const media = MESSAGE_MIX[phase];
  const other = media.reaction + media.sticker + media.image + media.audio;
  return { text: 100 - other, ...media };
}

/** Whether a chip in `phase` may send a turn of `kind`. */
export function allowsKind(phase: Phase, kind: MessageKind): boolean {
  return kind === 'text' || MESSAGE_MIX[phase][kind] > 0;
}

export interface TurnSlot {
  from: 'A' | 'B';
  /** The kind a dialogue of the library wrote for this turn, if not text. */
  authored?: MessageKind;
}

/**
 * The kind of each turn of a dialogue. Each turn follows its sender's phase (the initiator is A):
 * - the opening turn is text (a conversation starts with words) and so is every turn of a chip
 *   whose phase does not allow anything else;
 * - a turn the dialogue wrote as media keeps its kind when the sender's phase allows it;
 * - other turns draw a kind from the sender's mix, except right after a non-text turn (two in a
 *   row would no longer read like a chat).
 * One draw of `random` per turn after the first, whatever happens, so a retried plan repeats itself.
 */
export function planTurnKinds(turns: readonly TurnSlot[], phases: { A: Phase; B: Phase }, random: Random): MessageKind[] {
  const kinds: MessageKind[] = [];
  turns.forEach((turn, index) => {
    if (index === 0) {
      kinds.push('text');
      return;
    }
    const draw = random() * 100;
    const phase = phases[turn.from];
    if (turn.authored && turn.authored !== 'text') {
      kinds.push(allowsKind(phase, turn.authored) ? turn.authored : 'text');
      return;
    }
    if (kinds[index - 1] !== 'text') {
      kinds.push('text');
      return;
    }
    kinds.push(kindAt(phase, draw));
  });
  return kinds;
}

/** The kind whose band of the phase's mix contains `draw` (0-100); text above the media bands. */
function kindAt(phase: Phase, draw: number): MessageKind {
  let edge = 0;
  for (const kind of ['reaction', 'sticker', 'image', 'audio'] as const) {
    edge += MESSAGE_MIX[phase][kind];
    if (draw < edge) return kind;
  }
  return 'text';
}

/** A reaction is one emoji (a flag, a ZWJ sequence and a variation selector count as one). */
export function isSingleEmoji(value: string): boolean {
  const segments = [...new Intl.Segmenter('en', { granularity: 'grapheme' }).segment(value)];
  return segments.length === 1 && /\p{Extended_Pictographic}|\p{Regional_Indicator}/u.test(value) && !/[\p{L}\p{N}\s]/u.test(value);
}
