/**
 * One message of a group conversation, as deliverTurn does a direct one: thinking and typing (the
 * presence shown in the group), the claim (which confirms the previous message and is refused past
 * the sender's cap, outside its fleet or in quarantine beside healthy members), the send to the group
 * JID, and the confirmation handed to the next claim or to the closing. One database call a message.
 */
import type { GroupsPort, TurnConfirmation } from '../adapters/db/port';
import type { Messaging } from '../adapters/messaging/port';
import { isProviderUnavailable } from '../adapters/messaging/provider-unavailable';
import { TurnOutcomeUnknown } from '../domain/errors';
import { metrics } from '../observability/metrics';
import type { DeliverGroupTurnInput, DeliveredGroupTurn, FinishGroupConversationInput } from './group-types';
import { DB_RESERVE_MS, PRESENCE_OVERHEAD_MS, SEND_MIN_MS, SEND_RESERVE_MS, turnLimits } from './turn-limits';

const iso = (ms: number) => new Date(ms).toISOString();

export function createGroupTurns(deps: {
  db: GroupsPort;
  messaging: Messaging;
  sleep: (ms: number) => Promise<void>;
  turnTimeoutMs?: number;
}): {
  deliverGroupTurn(input: DeliverGroupTurnInput): Promise<DeliveredGroupTurn>;
  finishGroupConversation(input: FinishGroupConversationInput): Promise<void>;
} {
  const { db, messaging, sleep } = deps;
  const finishGroupConversation = async (input: FinishGroupConversationInput): Promise<void> => {
    await db.finishGroupConversation({
      ...(input.confirm ? { confirm: input.confirm } : {}),
      id: input.conversationId,
      turnsDelivered: input.turnsDelivered,
      outcome: input.outcome,
      at: iso(Date.now()),
    });
    metrics.conversations.inc({ outcome: input.outcome });
  };
  return {
    async deliverGroupTurn(input) {
      const limits = turnLimits(deps.turnTimeoutMs);
      if (input.thinkMs > 0) {
        const thinkMs = Math.min(input.thinkMs, Math.max(0, limits.remainingMs() - SEND_RESERVE_MS));
        await limits.hold(sleep(thinkMs), thinkMs);
      }
      if (input.typingMs > 0) {
        const typing = limits.call(input.typingMs + PRESENCE_OVERHEAD_MS, SEND_RESERVE_MS);
        try {
          await limits.hold(
            messaging.sendPresence(input.sender.instanceName, input.groupJid, 'composing', input.typingMs, typing),
            input.typingMs,
          );
        } catch (err) {
          // The typing indicator is cosmetic: a slow provider costs it, a refusal ends the turn.
          if (!isProviderUnavailable(err) || err.reason === 'cancelled') throw err;
        }
      }
      if (limits.remainingMs() < SEND_MIN_MS)
        throw new Error(`Group turn ${input.key}: too little time left for the send; retrying the turn.`);
      const claim = await db.claimGroupMessage({
        ...(input.previous ? { previous: input.previous } : {}),
        key: input.key,
        groupConversationId: input.conversationId,
        turn: input.turn,
        senderId: input.sender.chipId,
        at: iso(Date.now()),
        day: input.day,
      });
      const closeIfLast = async (confirm?: TurnConfirmation) => {
        if (!input.last) return false;
        await finishGroupConversation({
          conversationId: input.conversationId,
          turnsDelivered: input.turn + 1,
          outcome: 'completed',
          confirm,
        });
        return true;
      };
      if (claim === 'sent') {
        return { alreadySent: true, closed: await closeIfLast() };
      }
      if (claim === 'in_flight') {
        throw new TurnOutcomeUnknown(
          `Group turn ${input.key} was claimed by an attempt that never confirmed its send; ending the conversation.`,
        );
      }
      let sentId: string;
      try {
        sentId = (await messaging.sendText(input.sender.instanceName, input.groupJid, input.text, limits.call(undefined, DB_RESERVE_MS)))
          .key.id;
      } catch (err) {
        metrics.deliveryFailures.inc({ source: 'send' });
        throw err;
      }
      metrics.sends.inc();
      const confirm: TurnConfirmation = { key: input.key, providerMessageId: sentId, textLength: input.text.length, at: iso(Date.now()) };
      // The last message confirms itself with the closing. Should that write fail, the message is out
      // all the same: its confirmation goes back to the conversation, whose own closing records it
      // (a retry of this activity would find the claim in flight and could no longer confirm it).
      try {
        if (await closeIfLast(confirm)) return { alreadySent: false, closed: true };
      } catch {
        // handed back below
      }
      return { alreadySent: false, confirm };
    },

    async finishGroupConversation(input) {
      await db.finishGroupConversation({
        ...(input.confirm ? { confirm: input.confirm } : {}),
        id: input.conversationId,
        turnsDelivered: input.turnsDelivered,
        outcome: input.outcome,
        at: iso(Date.now()),
      });
      metrics.conversations.inc({ outcome: input.outcome });
    },
  };
}
