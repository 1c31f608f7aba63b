/**
 * Starts an outbound event's delivery workflow. The workflow id is the event id: a second start for
 * the same event (a retried activity, the sweep) is refused by Temporal and ignored here, unless the
 * previous run failed (its retries ran out), in which case the new run delivers it again.
 */
import type { Client } from '@temporalio/client';
import { WorkflowExecutionAlreadyStartedError, WorkflowIdReusePolicy } from '@temporalio/common';
import type { EventDeliveryInput } from '../activities/event-types';
import { WORKFLOW_TYPES } from '../workflows/api';
import type { EventDeliveryWorkflow } from '../workflows/event-delivery';

export async function startEventDelivery(
  client: Client,
  taskQueue: string,
  input: EventDeliveryInput,
): Promise<'started' | 'already_started'> {
  try {
    await client.workflow.start<typeof EventDeliveryWorkflow>(WORKFLOW_TYPES.eventDelivery, {
      taskQueue,
      workflowId: input.eventId,
      workflowIdReusePolicy: WorkflowIdReusePolicy.ALLOW_DUPLICATE_FAILED_ONLY,
      staticSummary: `event ${input.eventId} to ${input.urls.length} receiver(s)`,
      args: [input],
    });
    return 'started';
  } catch (err) {
    if (err instanceof WorkflowExecutionAlreadyStartedError) return 'already_started';
    throw err;
  }
}
