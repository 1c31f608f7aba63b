/**
 * One paced conversation between two chips of a fleet. It holds no process while it waits: every
 * gap between turns is a durable timer, and an abort (a chip paused or retired) is honoured before
 * the next turn.
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
import { chipWorkflowId } from '../domain/chip';
import { maskPhone } from '../domain/phone';
import { turnPacing } from '../domain/pacing';
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
  retry: { maximumAttempts: 3, initialInterval: '1 second' },
});

const MAX_THINK_IN_TURN_MS = 3_000;
const MAX_TYPING_IN_TURN_MS = 8_000;

// Closing the conversation must happen: it retries until the database answers, however long that takes.
const { finishConversation } = proxyActivities<WarmupActivities>({
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '2 seconds', maximumInterval: '1 minute', backoffCoefficient: 2 },
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
  let delivered = 0;
  let outcome: ConversationResult['outcome'] = 'completed';

  for (const [index, turn] of input.dialogue.turns.entries()) {
    const pacing = turnPacing(Math.random, index, turn.text, input.paceScale);
    const of = `${index + 1}/${input.dialogue.turns.length}`;
    if (pacing.waitBeforeMs > 0) await condition(() => abortReason !== null, pacing.waitBeforeMs, { summary: `gap before turn ${of}` });
    if (abortReason !== null) {
      outcome = 'aborted';
      break;
    }
    const [sender, receiver] = turn.from === 'A' ? [input.a, input.b] : [input.b, input.a];
    try {
      const result = await deliverTurn.executeWithOptions({ summary: `turn ${of} to ${maskPhone(receiver.phone)}` }, [
        {
          conversationId: input.conversationId,
          turn: index,
          key: `${input.conversationId}:${index}`,
          sender,
          receiver,
          text: turn.text,
          replyTo: lastFrom !== null && lastFrom !== turn.from ? lastKey : undefined,
          // Held inside the activity: capped so a slowed-down pace (WARMER_PACE > 1) still fits its timeout.
          thinkMs: Math.min(pacing.thinkMs, MAX_THINK_IN_TURN_MS),
          typingMs: Math.min(pacing.typingMs, MAX_TYPING_IN_TURN_MS),
          finish: index === input.dialogue.turns.length - 1 ? { a: input.a, b: input.b, day: input.day } : undefined,
        },
      ]);
      lastKey = result.key;
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
