/**
 * The chip's converse step held in its closed group of the fleet (src/domain/group-rules.ts): the
 * plan finds or creates the group and reserves the members that will speak, a child paces the turns.
 * Whatever becomes of the child is contained here, as for a one-to-one conversation. Null when there
 * is no group conversation now: the slot then holds a one-to-one one.
 */
import { ChildWorkflowFailure, executeChild, getExternalWorkflowHandle, log, uuid4 } from '@temporalio/workflow';
import type { GroupPlanResult } from '../activities/group-types';
import type { ChipRef } from '../activities/types';
import { chipWorkflowId } from '../domain/chip';
import type { ChipMachine, ConversationOutcome, ConversationStep } from '../domain/chip-machine';
import { conversationClosesAt } from '../domain/conversation-window';
import { maskGroupJid } from '../domain/group-jid';
import { chooseGroupConversation } from '../domain/group-rules';
import { hashString, seededRandom } from '../domain/random';
import { WORKFLOW_TYPES, conversationEndedSignal, conversationWorkflowId, emptyReport } from './api';
import { planner, records } from './chip-activities';
import type { GroupConversationWorkflow } from './group-conversation';

/**
 * Whether this slot is for the group. Drawn from the chip and the moment rather than the workflow's
 * random, so that asking does not move the random sequence of a history recorded before groups.
 */
export function groupSlotChosen(
  machine: ChipMachine,
  chipId: string,
  step: Extract<ConversationStep, { kind: 'converse' }>,
  nowMs: number,
): boolean {
  return chooseGroupConversation(machine.phase, step.quarantined, seededRandom(hashString(`${chipId}:group:${nowMs}`)));
}

export async function runGroupConversation(
  machine: ChipMachine,
  chip: ChipRef,
  step: Extract<ConversationStep, { kind: 'converse' }>,
  nowMs: number,
): Promise<ConversationOutcome | null> {
  const conversationId = uuid4();
  machine.conversationStarting(conversationId, step, nowMs);
  let planned: GroupPlanResult;
  try {
    planned = await planner.planGroupConversation.executeWithOptions(
      { summary: `plan a group conversation (up to ${step.maxTurns} turns)` },
      [
        {
          initiator: chip,
          phase: machine.phase,
          conversationId,
          maxTurns: step.maxTurns,
          day: machine.day,
          atMs: nowMs,
          seed: Math.floor(Math.random() * 2 ** 31),
          leaseMs: step.leaseMs,
        },
      ],
    );
  } catch (err) {
    log.warn('could not plan a group conversation; a one-to-one one instead', { chipId: chip.chipId, error: String(err) });
    return null;
  }
  if (planned.kind === 'none') return null;
  const { plan } = planned;
  const others = plan.speakers.slice(1);
  const close = (outcome: 'aborted' | 'failed', summary: string) =>
    records.finishGroupConversation.executeWithOptions({ summary }, [{ conversationId, turnsDelivered: 0, outcome }]);

  if (!machine.mayConverse) {
    // Paused while the speakers were being reserved: no further turn (the opening may have gone out).
    const sent = plan.opening ? 1 : 0;
    await records.finishGroupConversation.executeWithOptions({ summary: 'close: paused before the group talked' }, [
      { conversationId, turnsDelivered: sent, outcome: 'aborted', ...(plan.opening?.confirm ? { confirm: plan.opening.confirm } : {}) },
    ]);
    await releaseSpeakers(others, conversationId);
    return sent ? { kind: 'held', report: { ...emptyReport(conversationId), sent } } : { kind: 'skipped' };
  }
  try {
    const result = await executeChild<typeof GroupConversationWorkflow>(WORKFLOW_TYPES.groupConversation, {
      workflowId: conversationWorkflowId(conversationId),
      staticSummary: `${plan.turns.length} group turns, ${plan.speakers.length} speakers: ${maskGroupJid(plan.groupJid)}`,
      args: [
        {
          conversationId,
          groupJid: plan.groupJid,
          speakers: plan.speakers,
          turns: plan.turns,
          paceScale: step.paceScale,
          day: machine.day,
          ...(plan.opening ? { opening: plan.opening } : {}),
          closesAtMs: conversationClosesAt(
            machine.clock,
            nowMs,
            plan.speakers.map((s) => s.chipId),
          ),
        },
      ],
    });
    return { kind: 'held', report: result.reports[0]! };
  } catch (err) {
    if (!(err instanceof ChildWorkflowFailure)) throw err;
    log.warn('group conversation ended without a report; contained', {
      chipId: chip.chipId,
      conversationId,
      error: String(err.cause ?? err),
    });
    await close('failed', 'close a group conversation that failed');
    await releaseSpeakers(others, conversationId);
    return { kind: 'failed', conversationId };
  }
}

/** Reserved speakers learn the conversation is over (and free themselves); unreachable ones free themselves by lease. */
async function releaseSpeakers(speakers: ChipRef[], conversationId: string): Promise<void> {
  for (const speaker of speakers) {
    await getExternalWorkflowHandle(chipWorkflowId(speaker.chipId))
      .signal(conversationEndedSignal, emptyReport(conversationId))
      .catch(() => undefined);
  }
}
