/**
 * The dialogue's first turn, sent by the plan that opened the conversation (one billed activity fewer
 * per conversation: the conversation child starts at its first gap). The reservation and the
 * conversation are recorded by then, so nothing here fails the plan: the child learns what became of
 * the turn and goes on, sends it itself, or closes the conversation.
 */
import { ApplicationFailure } from '@temporalio/common';
import type { Dialogue } from '../adapters/dialogue/port';
import { MAX_TYPING_IN_TURN_MS, typingDelayMs } from '../domain/pacing';
import type { ChipRef, ConversationPlan, DeliverTurnInput, DeliveredTurn, OpeningTurn } from './types';

export interface Opening {
  conversationId: string;
  initiator: ChipRef;
  partner: ChipRef;
  dialogue: Dialogue;
  paceScale: number;
  /** When this plan attempt started: the opening must end inside the plan's own timeout too. */
  planStartedAtMs: number;
}

type Deliver = (input: DeliverTurnInput, planStartedAtMs: number) => Promise<DeliveredTurn>;

/** Plans this worker opened lately, for a retried plan activity (bounded: a retry comes within minutes). */
const RECENT_PLANS = 1_000;

/**
 * Sends openings and remembers their plans: a retry of a plan activity that got as far as its
 * conversation returns the same plan and opening on this worker. A retry on another worker plans afresh; the
 * database then refuses any turn between chips the recorded conversation does not hold.
 */
export function openingSender(deliver: Deliver) {
  // The opening's fate is kept, not only the plan: its deferred confirmation leaves the claim in
  // flight, and a resend would find it so and end the conversation for nothing. Kept as a promise, so
  // a retry that overtakes a first attempt still sending waits for that send.
  const recent = new Map<string, { o: Opening; opening?: Promise<OpeningTurn> }>();
  return {
    recall: (conversationId: string): Opening | undefined => recent.get(conversationId)?.o,
    async open(o: Opening): Promise<ConversationPlan> {
      const entry = recent.get(o.conversationId) ?? { o };
      recent.delete(o.conversationId);
      recent.set(o.conversationId, entry);
      const oldest = recent.keys().next().value;
      if (recent.size > RECENT_PLANS && oldest !== undefined) recent.delete(oldest);
      entry.opening ??= sendOpening(deliver, o);
      return { conversationId: o.conversationId, partner: o.partner, dialogue: o.dialogue, opening: await entry.opening };
    },
  };
}

export async function sendOpening(deliver: Deliver, o: Opening): Promise<OpeningTurn> {
  const first = o.dialogue.turns[0];
  // A one-turn dialogue's only turn also closes the conversation: the conversation sends it.
  if (!first || o.dialogue.turns.length < 2) return { sent: false, retry: true, reason: 'single-turn dialogue' };
  const [sender, receiver] = first.from === 'A' ? [o.initiator, o.partner] : [o.partner, o.initiator];
  try {
    const result = await deliver(
      {
        conversationId: o.conversationId,
        turn: 0,
        key: `${o.conversationId}:0`,
        sender,
        receiver,
        text: first.text,
        ...(first.media ? { media: first.media } : {}),
        // The first turn answers nothing: no read receipt, no thinking; typing as the conversation would.
        thinkMs: 0,
        typingMs: Math.min(Math.round(typingDelayMs(first.text) * o.paceScale), MAX_TYPING_IN_TURN_MS),
        confirmLater: true,
      },
      o.planStartedAtMs,
    );
    return { sent: true, ...(result.key ? { key: result.key } : {}), ...(result.confirm ? { confirm: result.confirm } : {}) };
  } catch (err) {
    const nonRetryable = err instanceof ApplicationFailure && err.nonRetryable;
    const reason = err instanceof ApplicationFailure && err.type ? err.type : err instanceof Error ? err.message : String(err);
    return { sent: false, retry: !nonRetryable, reason };
  }
}
