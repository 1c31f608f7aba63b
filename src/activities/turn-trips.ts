/**
 * A turn's database round trips, one per message where possible (docs/performance.md):
 *
 *   claim     the turn's claim also confirms the previous turn of the conversation (its send, provider
 *             message id and counters), when the workflow passed that confirmation on;
 *   confirm   a turn whose confirmation the workflow will pass to the next turn writes nothing after
 *             its send; the last turn confirms itself and closes the conversation in one call; a turn
 *             that is neither (older workflow code) confirms at once, as before.
 */
import type { TurnConfirmation, TurnState, TurnsPort } from '../adapters/db/port';
import type { DeliverTurnInput } from './types';

/** Claims the turn, confirming the previous one in the same call. */
export async function claimTurn(db: TurnsPort, input: DeliverTurnInput, at: string): Promise<TurnState> {
  const claim = {
    key: input.key,
    conversationId: input.conversationId,
    turn: input.turn,
    senderId: input.sender.chipId,
    receiverId: input.receiver.chipId,
    at,
    day: input.day ?? input.finish?.day,
  };
  if (!input.previous) return db.beginTurn(claim);
  try {
    return await db.confirmAndClaim({ ...claim, previous: input.previous });
  } catch (err) {
    // A refused claim (cap, pause, pair) rolled the confirmation back with it: the previous turn was
    // sent all the same, so it is confirmed on its own before the refusal ends the conversation.
    await completeWithKind(db, input.previous).catch(() => undefined);
    throw err;
  }
}

/**
 * After the send: the confirmation to hand to the next turn, or null when it was written here (at
 * once, or with the conversation's closing on the last turn).
 */
export async function confirmSentTurn(
  db: TurnsPort,
  input: DeliverTurnInput,
  sent: TurnConfirmation,
  closeConversation: (confirm?: TurnConfirmation) => Promise<void>,
): Promise<TurnConfirmation | null> {
  if (input.finish) {
    await closeConversation(sent);
    return null;
  }
  if (input.confirmLater) return sent;
  await completeWithKind(db, sent);
  return null;
}

/** A confirmation written on its own: a media turn's kind takes a second call (the rare path). */
async function completeWithKind(db: TurnsPort, confirmation: TurnConfirmation): Promise<void> {
  const { kind, ...turn } = confirmation;
  await db.completeTurn(turn);
  if (kind && kind !== 'text') await db.recordTurnKind({ key: turn.key, kind });
}
