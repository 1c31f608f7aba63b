import { type Client, WorkflowUpdateFailedError } from '@temporalio/client';
import { WorkflowNotFoundError } from '@temporalio/common';
import { chipWorkflowId } from '../domain/chip';
import { reserveUpdate } from '../workflows/api';
import type { ChipDirectory } from './deps';

/** Reserves a partner through an Update on its workflow: its validator refuses when paused, busy, outside its window or at its cap. */
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
  };
}
