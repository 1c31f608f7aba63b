/**
 * The shape every warm-up dialogue must have, whatever produced it (built-in library, LLM, a file).
 * Pure and structural: it takes `unknown` so that untrusted JSON can be checked before it is typed,
 * and it does not import the adapter's port (domain depends on nothing).
 */
import { isSingleEmoji } from './message-mix';

export const DIALOGUE_MIN_TURNS = 4;
export const DIALOGUE_MAX_TURNS = 12;
export const DIALOGUE_MAX_TEXT_CHARS = 500;

export interface DialogueShapeResult {
  ok: boolean;
  /** One human-readable entry per problem, e.g. `turn 3: expected from 'B', got 'A'`. */
  problems: string[];
}

/** Links of any kind: scheme, www., bare domains on common TLDs, WhatsApp short links. */
const URL_LIKE = /(?:[a-z][a-z0-9+.-]*:\/\/|\bwww\.|\bwa\.me\b|\b[a-z0-9-]+\.(?:com|net|org|br|io|me|ly|app|link|info|biz|xyz|co)\b)/i;

/** Eight or more digits, possibly split by spaces, dots, dashes or parentheses: looks like a phone number. */
const PHONE_LIKE = /\+?\(?\d(?:[\s().-]{0,2}\d){7,}/;

const EMAIL_LIKE = /[^\s@]+@[^\s@]+\.[a-z]{2,}/i;

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function nonEmptyString(value: unknown): value is string {
  return typeof value === 'string' && value.trim().length > 0;
}

/** Problems of one message's text; empty when the text is fine. */
export function checkTurnText(text: unknown): string[] {
  if (typeof text !== 'string') return ['text is not a string'];
  const trimmed = text.trim();
  const problems: string[] = [];
  if (trimmed.length === 0) problems.push('text is empty');
  if (trimmed.length > DIALOGUE_MAX_TEXT_CHARS) problems.push(`text has ${trimmed.length} chars (max ${DIALOGUE_MAX_TEXT_CHARS})`);
  if (URL_LIKE.test(trimmed)) problems.push('text contains a link');
  if (EMAIL_LIKE.test(trimmed)) problems.push('text contains an e-mail address');
  if (PHONE_LIKE.test(trimmed)) problems.push('text contains a phone-like digit run');
  return problems;
}

/** Problems of a turn's media: a known kind, one emoji for a reaction, an item id otherwise; never the opening turn. */
export function checkTurnMedia(media: unknown, index: number): string[] {
  if (!isRecord(media)) return ['media is not an object'];
  const problems: string[] = [];
  if (index === 0) problems.push('the opening turn cannot carry media');
  if (media.kind === 'reaction') {
    if (typeof media.emoji !== 'string' || !isSingleEmoji(media.emoji)) problems.push('a reaction must be one emoji');
  } else if (media.kind === 'sticker' || media.kind === 'image' || media.kind === 'audio') {
    if (!nonEmptyString(media.asset)) problems.push(`${media.kind} has no asset id`);
  } else {
    problems.push(`unknown media kind '${String(media.kind)}'`);
  }
  return problems;
}

/**
 * 4-12 turns, speakers strictly alternating starting with A, each text non-empty, at most 500 chars,
 * no links, e-mail addresses or phone-like digit runs; id and topic present; media (optional) well formed.
 */
export function checkDialogueShape(dialogue: unknown): DialogueShapeResult {
  if (!isRecord(dialogue)) return { ok: false, problems: ['dialogue is not an object'] };
  const problems: string[] = [];
  if (!nonEmptyString(dialogue.id)) problems.push('id is missing');
  if (!nonEmptyString(dialogue.topic)) problems.push('topic is missing');

  const turns = dialogue.turns;
  if (!Array.isArray(turns)) {
    problems.push('turns is not an array');
    return { ok: false, problems };
  }
  if (turns.length < DIALOGUE_MIN_TURNS || turns.length > DIALOGUE_MAX_TURNS) {
    problems.push(`has ${turns.length} turns (expected ${DIALOGUE_MIN_TURNS}-${DIALOGUE_MAX_TURNS})`);
  }
  turns.forEach((turn: unknown, index) => {
    const label = `turn ${index + 1}`;
    if (!isRecord(turn)) {
      problems.push(`${label}: not an object`);
      return;
    }
    const expected = index % 2 === 0 ? 'A' : 'B';
    if (turn.from !== expected) problems.push(`${label}: expected from '${expected}', got '${String(turn.from)}'`);
    for (const problem of checkTurnText(turn.text)) problems.push(`${label}: ${problem}`);
    if (turn.media !== undefined) for (const problem of checkTurnMedia(turn.media, index)) problems.push(`${label}: ${problem}`);
  });
  return { ok: problems.length === 0, problems };
}
