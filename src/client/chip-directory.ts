import { type Client, WorkflowUpdateFailedError } from '@temporalio/client';
import { WorkflowNotFoundError } from '@temporalio/common';
import type { ChipDirectory } from '../activities/deps';
import { chipWorkflowId } from '../domain/chip';
import { conversationEndedSignal, emptyReport, reserveUpdate } from '../workflows/api';

/**
 * Reserves a partner through an Update on its workflow: its validator refuses when paused, busy,
 * outside its window or at its cap. Releases it with the signal a conversation's end sends.
 */
export function createTemporalChipDirectory(client: Client): ChipDirectory {
  return {
    async reserve(partnerChipId, request) {
      try {
        await client.workflow.getHandle(chipWorkflowId(partnerChipId)).executeUpdate(reserveUpdate, { args: [request] });
        return { accepted: true };
      } catch (err) {
        if (err instanceof WorkflowUpdateFailedError) return { accepted: false, reason: err.cause?.message ?? err.message };
        if (err instanceof WorkflowNotFoundError || /already completed|not found/i.test(String((err as Error).message))) {
          return { accepted: false, reason: 'partner has no running warm-up' };
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
