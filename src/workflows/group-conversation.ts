/**
 * One paced conversation in a closed group of the fleet. Like the one-to-one conversation it holds
 * no process while it waits (every gap between turns is a durable timer), honours an abort before the
 * next turn, and shows typing before each message; each message is sent by its speaker to the group
 * and counted against that speaker's daily cap. At the end every speaker learns its counts: the
 * initiator (the parent) from the result, the others by signal.
 */
import {
  ActivityFailure,
  ApplicationFailure,
  condition,
  getExternalWorkflowHandle,
  log,
  proxyActivities,
  setHandler,
} from '@temporalio/workflow';
import type { ChipRef, WarmupActivities } from '../activities/types';
import type { TurnConfirmation } from '../adapters/db/port';
import { chipWorkflowId } from '../domain/chip';
import type { ConversationReport } from '../domain/chip-state';
import { maskGroupJid } from '../domain/group-jid';
import { groupCounts } from '../domain/group-rules';
import { turnFitsWindow } from '../domain/conversation-window';
import { MAX_THINK_IN_TURN_MS, MAX_TYPING_IN_TURN_MS, turnPacing } from '../domain/pacing';
import { abortConversationSignal, conversationEndedSignal } from './api';
import { retryPolicy } from './retry';

const { deliverGroupTurn } = proxyActivities<WarmupActivities>({
  // As a direct turn: thinking, typing and one send; a turn cut off after its claim ends the conversation.
  startToCloseTimeout: '20 seconds',
  retry: retryPolicy({ maximumAttempts: 3, initialInterval: '1 second' }),
});

// The closing must happen: it retries until the database answers.
const { finishGroupConversation } = proxyActivities<WarmupActivities>({
  startToCloseTimeout: '30 seconds',
  retry: retryPolicy({ initialInterval: '2 seconds', maximumInterval: '1 minute', backoffCoefficient: 2 }),
});

export interface GroupConversationInput {
  conversationId: string;
  groupJid: string;
  /** Who speaks: [0] is the initiator (the parent). */
  speakers: ChipRef[];
  turns: { speaker: number; text: string }[];
  paceScale: number;
  day: string;
  /** The first turn, when the plan sent it: the conversation starts at the first gap. */
  opening?: { confirm?: TurnConfirmation };
  /** When the earliest of the speakers' windows closes: a turn that would fall after it is not sent. */
  closesAtMs?: number;
}

export interface GroupConversationResult {
  conversationId: string;
  turnsDelivered: number;
  outcome: 'completed' | 'aborted' | 'failed' | 'cut_short';
  /** One per speaker, in the order of `speakers`. */
  reports: ConversationReport[];
}

export async function GroupConversationWorkflow(input: GroupConversationInput): Promise<GroupConversationResult> {
  let abortReason: string | null = null;
  setHandler(abortConversationSignal, ({ reason }) => {
    abortReason ??= reason;
  });

  let pending: TurnConfirmation | undefined = input.opening?.confirm;
  let delivered = input.opening ? 1 : 0;
  let outcome: GroupConversationResult['outcome'] = 'completed';
  let closed = false;
  const group = maskGroupJid(input.groupJid);
  for (const [index, turn] of input.turns.entries()) {
    if (index < delivered) continue;
    const last = index === input.turns.length - 1;
    const pacing = turnPacing(Math.random, index, turn.text, input.paceScale);
    const of = `${index + 1}/${input.turns.length}`;
    // The speakers' windows hold, even after an outage held the conversation up, as in a direct one.
    if (!turnFitsWindow(input.closesAtMs, Date.now(), pacing.waitBeforeMs)) {
      outcome = 'cut_short';
      break;
    }
    if (pacing.waitBeforeMs > 0)
      await condition(() => abortReason !== null, pacing.waitBeforeMs, { summary: `gap before group turn ${of}` });
    if (abortReason !== null) {
      outcome = 'aborted';
      break;
    }
    if (!turnFitsWindow(input.closesAtMs, Date.now())) {
      outcome = 'cut_short';
      break;
    }
    const sender = input.speakers[turn.speaker]!;
    try {
      const result = await deliverGroupTurn.executeWithOptions({ summary: `group turn ${of} to ${group}` }, [
        {
          conversationId: input.conversationId,
          turn: index,
          key: `${input.conversationId}:${index}`,
          sender,
          groupJid: input.groupJid,
          text: turn.text,
          thinkMs: Math.min(pacing.thinkMs, MAX_THINK_IN_TURN_MS),
          typingMs: Math.min(pacing.typingMs, MAX_TYPING_IN_TURN_MS),
          day: input.day,
          ...(pending ? { previous: pending } : {}),
          ...(last ? { last: true } : {}),
        },
      ]);
      pending = result.confirm;
      // Only a closing that happened counts: otherwise the closing below confirms the last message.
      closed = result.closed === true;
    } catch (err) {
      // A refused or failed send ends the conversation (the previous message is confirmed by the closing).
      const cause = err instanceof ActivityFailure && err.cause instanceof ApplicationFailure ? err.cause.type : String(err);
      log.warn('group turn failed, ending conversation', { conversationId: input.conversationId, turn: index, cause });
      outcome = 'failed';
      break;
    }
    delivered++;
  }

  // A completed conversation was closed by its last turn's activity; a cut-short one, or one whose last
  // activity could not close it, needs this call.
  if (!closed) {
    await finishGroupConversation.executeWithOptions({ summary: `close: ${outcome} after ${delivered} group turns` }, [
      { conversationId: input.conversationId, turnsDelivered: delivered, outcome, ...(pending ? { confirm: pending } : {}) },
    ]);
  }

  const counts = groupCounts(
    input.turns.map((t) => t.speaker),
    delivered,
    input.speakers.length,
  );
  const reports = input.speakers.map((_, i): ConversationReport => ({
    conversationId: input.conversationId,
    sent: counts.sent[i]!,
    received: delivered - counts.sent[i]!,
    replied: counts.replied[i]!,
    twoWay: counts.sent[i]! > 0 && delivered - counts.sent[i]! > 0,
    outcome,
  }));
  // The other speakers learn by signal (and free themselves); an unreachable one frees itself by lease.
  for (const [i, speaker] of input.speakers.entries()) {
    if (i === 0) continue;
    await getExternalWorkflowHandle(chipWorkflowId(speaker.chipId))
      .signal(conversationEndedSignal, reports[i]!)
      .catch((err: unknown) => log.warn('speaker workflow not reachable', { conversationId: input.conversationId, error: String(err) }));
  }
  return { conversationId: input.conversationId, turnsDelivered: delivered, outcome, reports };
}
