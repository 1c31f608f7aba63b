/**
 * A plan attempt that died after recording its conversation (its worker killed, or its minute run
 * out) left a partner reserved for it and, maybe, the opening turn's claim in flight. Its retry on
 * another worker cannot rebuild that plan (an LLM dialogue is not stored), and planning afresh under
 * the same conversation id would leave the first partner reserved until its lease ends (ten minutes
 * or more) with the chip unable to converse with anyone. So the retry closes the recorded
 * conversation as failed (its claims still count against the caps) and releases the partner; the
 * chip plans again at its next slot. A retry on the same worker never gets here: it returns the plan
 * it remembers (opening-turn.ts).
 */
import type { ConsoleReadsPort, TurnsPort } from '../adapters/db/port';
import type { ChipDirectory, Logger } from './deps';
import { currentContext } from './turn-limits';
import type { PlanConversationInput } from './types';

/** How far back the initiator's conversations are searched: the interrupted one is its latest. */
const RECENT = 3;

/** True when an earlier attempt of this plan had recorded its conversation, now closed and its partner released. */
export async function releaseInterruptedPlan(
  deps: { db: ConsoleReadsPort & TurnsPort; chips: ChipDirectory; log?: Logger },
  input: Pick<PlanConversationInput, 'initiator' | 'conversationId'>,
  atIso: string,
  attemptNumber = currentContext()?.info.attempt ?? 1,
): Promise<boolean> {
  // A first attempt's conversation id is new: only a retry can find one recorded (no query otherwise).
  if (attemptNumber <= 1) return false;
  const recent = await deps.db.recentConversations({ chipId: input.initiator.chipId, limit: RECENT });
  const recorded = recent.find((c) => c.id === input.conversationId);
  if (!recorded) return false;
  if (!recorded.completedAt) {
    await deps.db.finishConversation({ conversationId: recorded.id, turnsDelivered: 0, outcome: 'failed', at: atIso });
  }
  await deps.chips.release?.(recorded.partnerId, recorded.id);
  deps.log?.warn('a plan retried after its first attempt was cut off: its conversation closed and its partner released', {
    chipId: input.initiator.chipId,
    conversationId: recorded.id,
    partnerId: recorded.partnerId,
    attempt: attemptNumber,
  });
  return true;
}
