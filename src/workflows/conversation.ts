/**
 * One paced conversation between two chips of a fleet. It holds no process while it waits: every
 * gap between turns is a durable timer, and an abort (a chip paused or retired) is honoured before
 * the next turn. The plan that opened it usually sent the first turn (`opening`): it then starts at
 * the first gap.
 */
import {
  ActivityFailure,
  ApplicationFailure,
  condition,
  getExternalWorkflowHandle,
  log,
  proxyActivities,
  setHandler,
  workflowInfo,
} from '@temporalio/workflow';
import type { MessageKey } from '../adapters/messaging/port';
import type { WarmupActivities } from '../activities/types';
import type { TurnConfirmation } from '../adapters/db/port';
import { chipWorkflowId } from '../domain/chip';
import { maskPhone } from '../domain/phone';
import { turnFitsWindow } from '../domain/conversation-window';
import { MAX_THINK_IN_TURN_MS, MAX_TYPING_IN_TURN_MS, turnPacing } from '../domain/pacing';
import { retryPolicy } from './retry';
import {
  type ConversationInput,
  type ConversationReport,
  type ConversationResult,
  abortConversationSignal,
  conversationEndedSignal,
} from './api';

const { deliverTurn } = proxyActivities<WarmupActivities>({
  // One turn is a read receipt, at most 3 s of thinking, the typing presence (held by the provider
  // for at most 5 s) and one send. A worker that dies mid-turn is noticed only when this expires,
  // so it is kept short: a turn cut off after its claim ends the conversation (TurnOutcomeUnknown),
  // one cut off before its claim is simply retried.
  startToCloseTimeout: '20 seconds',
  retry: retryPolicy({ maximumAttempts: 3, initialInterval: '1 second' }),
});

// Closing the conversation must happen: it retries until the database answers, however long that takes.
const { finishConversation } = proxyActivities<WarmupActivities>({
  startToCloseTimeout: '30 seconds',
  retry: retryPolicy({ initialInterval: '2 seconds', maximumInterval: '1 minute', backoffCoefficient: 2 }),
});

export async function ConversationWorkflow(input: ConversationInput): Promise<ConversationResult> {
  let abortReason: string | null = null;
  setHandler(abortConversationSignal, ({ reason }) => {
    abortReason ??= reason;
  });

  const sent = { A: 0, B: 0 };
  const replied = { A: 0, B: 0 };
  let lastKey: MessageKey | undefined;
  let lastFrom: 'A' | 'B' | null = null;
  // The last sent turn's confirmation, written by the next turn's claim or by the closing (one
  // database round trip per message).
  let pending: TurnConfirmation | undefined;
  let delivered = 0;
  let outcome: ConversationResult['outcome'] = 'completed';
  let from = 0;
  // The plan sent the first turn: start at the first gap, as if this loop had sent it.
  const opening = input.opening;
  const first = input.dialogue.turns[0];
  if (opening?.sent === true && first) {
    sent[first.from]++;
    delivered = 1;
    lastFrom = first.from;
    lastKey = opening.key;
    pending = opening.confirm;
    from = 1;
  } else if (opening?.sent === false && !opening.retry) {
    log.warn('opening turn failed, ending conversation', { conversationId: input.conversationId, cause: opening.reason });
    outcome = 'failed';
    from = input.dialogue.turns.length;
  }

  for (const [index, turn] of input.dialogue.turns.entries()) {
    if (index < from) continue;
    const pacing = turnPacing(Math.random, index, turn.text, input.paceScale);
    const of = `${index + 1}/${input.dialogue.turns.length}`;
    // Both chips' windows hold, even after an outage held the conversation up (closesAtMs: patch window-holds).
    if (!turnFitsWindow(input.closesAtMs, Date.now(), pacing.waitBeforeMs)) {
      outcome = 'cut_short';
      break;
    }
    if (pacing.waitBeforeMs > 0) await condition(() => abortReason !== null, pacing.waitBeforeMs, { summary: `gap before turn ${of}` });
    if (abortReason !== null) {
      outcome = 'aborted';
      break;
    }
    if (!turnFitsWindow(input.closesAtMs, Date.now())) {
      outcome = 'cut_short';
      break;
    }
    const [sender, receiver] = turn.from === 'A' ? [input.a, input.b] : [input.b, input.a];
    const last = index === input.dialogue.turns.length - 1;
    try {
      const result = await deliverTurn.executeWithOptions({ summary: `turn ${of} to ${maskPhone(receiver.phone)}` }, [
        {
          conversationId: input.conversationId,
          turn: index,
          key: `${input.conversationId}:${index}`,
          sender,
          receiver,
          text: turn.text,
          // Activity input only (no new command): a reaction, sticker, image or voice note when the plan chose one.
          ...(turn.media ? { media: turn.media } : {}),
          replyTo: lastFrom !== null && lastFrom !== turn.from ? lastKey : undefined,
          // Held inside the activity: capped so a slowed-down pace (WARMER_PACE > 1) still fits its timeout.
          thinkMs: Math.min(pacing.thinkMs, MAX_THINK_IN_TURN_MS),
          typingMs: Math.min(pacing.typingMs, MAX_TYPING_IN_TURN_MS),
          finish: last ? { a: input.a, b: input.b, day: input.day } : undefined,
          previous: pending,
          confirmLater: !last,
        },
      ]);
      lastKey = result.key;
      pending = result.confirm;
    } catch (err) {
      // A failed send ends the conversation; a turn whose outcome is unknown is never retried.
      const cause = err instanceof ActivityFailure && err.cause instanceof ApplicationFailure ? err.cause.type : String(err);
      log.warn('turn failed, ending conversation', { conversationId: input.conversationId, turn: index, cause });
      outcome = 'failed';
      break;
    }
    delivered++;
    sent[turn.from]++;
    if (lastFrom !== null && lastFrom !== turn.from) replied[lastFrom]++;
    lastFrom = turn.from;
  }

  // A completed dialogue was closed by its last turn's activity; only a cut-short one needs this call.
  if (outcome !== 'completed') {
    await finishConversation.executeWithOptions({ summary: `close: ${outcome} after ${delivered} turns` }, [
      {
        conversationId: input.conversationId,
        a: input.a,
        b: input.b,
        turnsDelivered: delivered,
        outcome,
        day: input.day,
        confirm: pending,
      },
    ]);
  }

  const twoWay = sent.A > 0 && sent.B > 0;
  const report = (me: 'A' | 'B'): ConversationReport => {
    const other = me === 'A' ? 'B' : 'A';
    return { conversationId: input.conversationId, sent: sent[me], received: sent[other], replied: replied[me], twoWay, outcome };
  };
  const result: ConversationResult = {
    conversationId: input.conversationId,
    turnsDelivered: delivered,
    outcome,
    a: report('A'),
    b: report('B'),
  };

  // The initiator (our parent) reads the result; the partner learns by signal.
  try {
    await getExternalWorkflowHandle(chipWorkflowId(input.b.chipId)).signal(conversationEndedSignal, result.b);
  } catch (err) {
    log.warn('partner workflow not reachable; its lease will release the reservation', {
      conversationId: input.conversationId,
      parent: workflowInfo().parent?.workflowId,
      error: String(err),
    });
  }
  return result;
}
