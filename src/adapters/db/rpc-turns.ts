/**
 * The turns port over its SQL functions: the conversation's creation, each turn's claim (with the
 * previous turn's confirmation riding on it), the completion and the closing write.
 */
import type { TurnState, TurnsPort } from './ports/turns';
import { toBoolean } from './rows';
import type { RpcCalls } from './rpc-types';

/** A claim's answer, checked: anything else means the SQL function and this adapter disagree. */
function toTurnState(fn: string, state: unknown): TurnState {
  if (state !== 'new' && state !== 'in_flight' && state !== 'sent') throw new Error(`${fn} returned ${String(state)}`);
  return state;
}

export function rpcTurns(calls: RpcCalls): TurnsPort {
  return {
    async createConversation(input) {
      await calls.value('warmup_create_conversation', {
        p_id: input.id,
        p_chip_a: input.chipA,
        p_chip_b: input.chipB,
        p_dialogue_id: input.dialogueId,
        p_turns: input.turns,
        p_at: input.at,
        p_day: input.day ?? null,
        p_max_daily_interactions: input.maxDailyInteractions ?? null,
        p_max_partners: input.maxPartners ?? null,
      });
    },

    async beginTurn(input) {
      const state = await calls.value('warmup_begin_turn', {
        p_key: input.key,
        p_conversation_id: input.conversationId,
        p_turn: input.turn,
        p_sender_id: input.senderId,
        p_receiver_id: input.receiverId,
        p_at: input.at,
        p_day: input.day ?? null,
      });
      return toTurnState('warmup_begin_turn', state);
    },

    async completeTurn(input) {
      await calls.value('warmup_complete_turn', {
        p_key: input.key,
        p_provider_message_id: input.providerMessageId,
        p_text_length: input.textLength,
        p_at: input.at,
      });
    },

    async recordTurnKind(input) {
      await calls.value('warmup_record_turn_kind', { p_key: input.key, p_kind: input.kind });
    },

    async finishConversation(input) {
      await calls.value('warmup_finish_conversation', {
        p_conversation_id: input.conversationId,
        p_turns_delivered: input.turnsDelivered,
        p_outcome: input.outcome,
        p_at: input.at,
      });
    },

    async confirmAndClaim(input) {
      const previous = input.previous;
      const state = await calls.value('warmup_confirm_and_claim', {
        p_previous_key: previous?.key ?? null,
        p_previous_provider_message_id: previous?.providerMessageId ?? null,
        p_previous_text_length: previous?.textLength ?? null,
        p_previous_at: previous?.at ?? null,
        p_key: input.key,
        p_conversation_id: input.conversationId,
        p_turn: input.turn,
        p_sender_id: input.senderId,
        p_receiver_id: input.receiverId,
        p_at: input.at,
        p_day: input.day ?? null,
        p_previous_kind: previous?.kind ?? null,
      });
      return toTurnState('warmup_confirm_and_claim', state);
    },

    async completeAndFinish(input) {
      await calls.value('warmup_complete_and_finish', {
        p_key: input.confirm?.key ?? null,
        p_provider_message_id: input.confirm?.providerMessageId ?? null,
        p_text_length: input.confirm?.textLength ?? null,
        p_completed_at: input.confirm?.at ?? null,
        p_conversation_id: input.conversationId,
        p_turns_delivered: input.turnsDelivered,
        p_outcome: input.outcome,
        p_at: input.at,
        p_chip_a: input.chipA,
        p_chip_b: input.chipB,
        p_day: input.day,
        p_kind: input.confirm?.kind ?? null,
      });
    },

    async unconfirmedTurnPending(input) {
      return toBoolean(await calls.value('warmup_unconfirmed_turn_pending', { p_chip_id: input.chipId, p_since: input.since }));
    },
  };
}
