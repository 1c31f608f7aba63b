/**
 * A conversation's turns over their SQL functions (see RpcDb, which delegates to it): the claim (with
 * the previous turn's confirmation riding on it), the completion, the closing write, and the planner's
 * candidates with what it needs to ask only partners that can say yes.
 */
import type { Db, PlanCandidate, TurnState } from './port';
import { toBoolean, toNumber, toPartnerCandidate } from './rows';
import type { RpcCalls } from './rpc-outbox';

/** A claim's answer, checked: anything else means the SQL function and this adapter disagree. */
function toTurnState(fn: string, state: unknown): TurnState {
  if (state !== 'new' && state !== 'in_flight' && state !== 'sent') throw new Error(`${fn} returned ${String(state)}`);
  return state;
}

export class RpcTurns {
  constructor(private readonly calls: RpcCalls) {}

  async beginTurn(input: Parameters<Db['beginTurn']>[0]): Promise<TurnState> {
    const state = await this.calls.value('warmup_begin_turn', {
      p_key: input.key,
      p_conversation_id: input.conversationId,
      p_turn: input.turn,
      p_sender_id: input.senderId,
      p_receiver_id: input.receiverId,
      p_at: input.at,
      p_day: input.day ?? null,
    });
    return toTurnState('warmup_begin_turn', state);
  }

  async completeTurn(input: { key: string; providerMessageId: string; textLength: number; at: string }): Promise<void> {
    await this.calls.value('warmup_complete_turn', {
      p_key: input.key,
      p_provider_message_id: input.providerMessageId,
      p_text_length: input.textLength,
      p_at: input.at,
    });
  }

  async recordTurnKind(input: { key: string; kind: string }): Promise<void> {
    await this.calls.value('warmup_record_turn_kind', { p_key: input.key, p_kind: input.kind });
  }

  async finishConversation(input: {
    conversationId: string;
    turnsDelivered: number;
    outcome: 'completed' | 'aborted' | 'failed';
    at: string;
  }): Promise<void> {
    await this.calls.value('warmup_finish_conversation', {
      p_conversation_id: input.conversationId,
      p_turns_delivered: input.turnsDelivered,
      p_outcome: input.outcome,
      p_at: input.at,
    });
  }

  async confirmAndClaim(input: Parameters<Db['confirmAndClaim']>[0]): Promise<TurnState> {
    const previous = input.previous;
    const state = await this.calls.value('warmup_confirm_and_claim', {
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
  }

  async completeAndFinish(input: Parameters<Db['completeAndFinish']>[0]): Promise<void> {
    await this.calls.value('warmup_complete_and_finish', {
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
  }

  async planCandidates(input: { chipId: string; day: string; maxDailyInteractions: number; busySince: string }): Promise<PlanCandidate[]> {
    const rows = await this.calls.rows('warmup_plan_candidates', {
      p_chip_id: input.chipId,
      p_day: input.day,
      p_max_daily_interactions: input.maxDailyInteractions,
      p_busy_since: input.busySince,
    });
    return rows.map((row) => ({
      ...toPartnerCandidate(row),
      capToday: toNumber(row.cap_today),
      claimedToday: toNumber(row.claimed_today),
      inConversation: toBoolean(row.in_conversation),
    }));
  }

  async unconfirmedTurnPending(input: { chipId: string; since: string }): Promise<boolean> {
    return toBoolean(await this.calls.value('warmup_unconfirmed_turn_pending', { p_chip_id: input.chipId, p_since: input.since }));
  }
}
