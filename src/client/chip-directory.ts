import { type Client, WorkflowUpdateFailedError } from '@temporalio/client';
import { WorkflowNotFoundError } from '@temporalio/common';
import type { ChipDirectory } from '../activities/deps';
import { chipWorkflowId } from '../domain/chip';
import { PartnerRefused } from '../domain/errors';
import type { ReservationRefusal } from '../domain/refusal';
import { revivedFailure } from '../client/failures';
import { conversationEndedSignal, emptyReport, reserveUpdate } from '../workflows/api';

/**
 * Reserves a partner through an Update on its workflow: its validator refuses when paused, busy,
 * outside its window or at its cap, with a PartnerRefused failure whose details are the typed refusal.
 * Releases it with the signal a conversation's end sends.
 */
export function createTemporalChipDirectory(client: Client): ChipDirectory {
  return {
    async reserve(partnerChipId, request) {
      try {
        await client.workflow.getHandle(chipWorkflowId(partnerChipId)).executeUpdate(reserveUpdate, { args: [request] });
        return { accepted: true };
      } catch (err) {
        if (err instanceof WorkflowUpdateFailedError) return { accepted: false, refusal: refusalFromUpdateFailure(err) };
        if (err instanceof WorkflowNotFoundError || /already completed|not found/i.test(String((err as Error).message))) {
          return { accepted: false, refusal: { reason: 'no_warmup' } };
        }
        throw err;
      }
    },
    async release(partnerChipId, conversationId) {
      try {
        await client.workflow.getHandle(chipWorkflowId(partnerChipId)).signal(conversationEndedSignal, emptyReport(conversationId));
      } catch (err) {
        // A partner whose warm-up ended holds no reservation.
        if (!(err instanceof WorkflowNotFoundError)) throw err;
      }
    },
  };
}

/** The typed refusal; a worker that predates typed refusals sends only a message, kept as such. */
export function refusalFromUpdateFailure(err: WorkflowUpdateFailedError): ReservationRefusal {
  const typed = revivedFailure(err);
  if (typed instanceof PartnerRefused) return typed.refusal;
  return { reason: 'unknown', message: err.cause?.message ?? err.message };
}
