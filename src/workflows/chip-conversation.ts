/**
 * The chip's "converse" step: plan (partner reserved through its own workflow, the first turn sent by
 * the plan), then run the rest of the paced conversation as a child. Whatever becomes of the child
 * (failed, timed out, terminated) is contained here: the partner is released, the conversation is
 * closed in the database, and the chip goes on.
 */
import { ChildWorkflowFailure, executeChild, getExternalWorkflowHandle, log, patched, uuid4 } from '@temporalio/workflow';
import type { ChipRef, FinishConversationInput, PlanConversationInput, PlanResult } from '../activities/types';
import { chipWorkflowId } from '../domain/chip';
import type { ChipMachine, ConversationOutcome, ConversationStep } from '../domain/chip-machine';
import { conversationClosesAt } from '../domain/conversation-window';
import { maskPhone } from '../domain/phone';
import { type ConversationReport, WORKFLOW_TYPES, conversationEndedSignal, conversationWorkflowId, emptyReport } from './api';
import { planner, records } from './chip-activities';
import type { ConversationWorkflow } from './conversation';
import { PATCHES } from './patches';

export async function runConversation(
  machine: ChipMachine,
  chip: ChipRef,
  step: Extract<ConversationStep, { kind: 'converse' }>,
  nowMs: number,
  healthLog?: PlanConversationInput['healthLog'],
): Promise<ConversationOutcome> {
  const conversationId = uuid4();
  machine.conversationStarting(conversationId, step, nowMs);
  let planned: PlanResult;
  try {
    planned = await planner.planConversation.executeWithOptions({ summary: `plan a conversation (up to ${step.maxTurns} turns)` }, [
      {
        initiator: chip,
        phase: machine.phase,
        conversationId,
        maxTurns: step.maxTurns,
        day: machine.day,
        atMs: nowMs,
        clock: { dayMs: machine.clock.dayMs, epochMs: machine.clock.epochMs },
        seed: Math.floor(Math.random() * 2 ** 31),
        leaseMs: step.leaseMs,
        topUpPairs: step.topUpPairs,
        paceScale: step.paceScale,
        quarantined: step.quarantined,
        health: machine.health,
        ...(healthLog ? { healthLog } : {}),
        // Activity input only (no new command): a plan recorded without an opening replays as before.
        sendOpening: true,
      },
    ]);
  } catch (err) {
    log.warn('could not plan a conversation', { chipId: chip.chipId, error: String(err) });
    return { kind: 'missed', reason: 'planner_error' };
  }
  if (planned.kind === 'none') return { kind: 'missed', reason: planned.reason };
  const { partner, dialogue, opening } = planned.plan;
  const closing = (turnsDelivered: number, outcome: FinishConversationInput['outcome']): FinishConversationInput => ({
    conversationId,
    a: chip,
    b: partner,
    turnsDelivered,
    outcome,
    day: machine.day,
  });

  if (!machine.mayConverse) {
    // Paused while the partner was being reserved: no further turn (the opening may have gone out).
    if (!opening?.sent) {
      await records.finishConversation.executeWithOptions({ summary: 'close: paused before the first turn' }, [closing(0, 'aborted')]);
      await releasePartner(partner, conversationId);
      return { kind: 'skipped' };
    }
    const confirm = opening.confirm ? { confirm: opening.confirm } : {};
    await records.finishConversation.executeWithOptions({ summary: 'close: paused after the opening turn' }, [
      { ...closing(1, 'aborted'), ...confirm },
    ]);
    const report = { ...emptyReport(conversationId), sent: 1 };
    await releasePartner(partner, conversationId, { ...report, sent: 0, received: 1 });
    return { kind: 'held', report };
  }
  // The child stops at the end of either chip's window, however long an outage held it up.
  const closesAtMs = patched(PATCHES.windowHolds) ? conversationClosesAt(machine.clock, nowMs, [chip.chipId, partner.chipId]) : undefined;
  try {
    const result = await executeChild<typeof ConversationWorkflow>(WORKFLOW_TYPES.conversation, {
      workflowId: conversationWorkflowId(conversationId),
      staticSummary: `${dialogue.turns.length} turns: ${chip.instanceName} <-> ${maskPhone(partner.phone)}`,
      args: [
        {
          conversationId,
          a: chip,
          b: partner,
          dialogue,
          paceScale: step.paceScale,
          day: machine.day,
          ...(opening ? { opening } : {}),
          ...(closesAtMs !== undefined ? { closesAtMs } : {}),
        },
      ],
    });
    return { kind: 'held', report: result.a };
  } catch (err) {
    if (!(err instanceof ChildWorkflowFailure)) throw err;
    // The child could not report: its turns are counted by the database; the chip and its partner go on.
    log.warn('conversation ended without a report; contained', { chipId: chip.chipId, conversationId, error: String(err.cause ?? err) });
    await records.finishConversation.executeWithOptions({ summary: 'close a conversation that failed' }, [closing(0, 'failed')]);
    await releasePartner(partner, conversationId);
    return { kind: 'failed', conversationId };
  }
}

/** The partner learns the conversation is over (and frees itself); unreachable partners free themselves by lease. */
async function releasePartner(partner: ChipRef, conversationId: string, report?: ConversationReport): Promise<void> {
  await getExternalWorkflowHandle(chipWorkflowId(partner.chipId))
    .signal(conversationEndedSignal, report ?? emptyReport(conversationId))
    .catch(() => undefined);
}
