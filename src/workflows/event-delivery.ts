/**
 * One outbound event's delivery (workflow id = event id, started by the activity that recorded the
 * fact). Each receiver gets its own retried activity, so a receiver that is down delays only itself
 * and never a chip: backoff doubles up to 10 minutes and keeps trying for 3 days, long enough for a
 * receiver down for a whole program day. When that runs out the workflow fails, and the sweep starts
 * it again (the id reuse policy allows a new run only after a failed one).
 * The sweep runs with the daily summary (src/activities/index.ts), not as a workflow of its own.
 */
import { proxyActivities } from '@temporalio/workflow';
import type { EventActivities, EventDeliveryInput } from '../activities/event-types';
import { retryPolicy } from './retry';

export const EVENT_DELIVERY_RETRY = {
  initialInterval: '10 seconds',
  backoffCoefficient: 2,
  maximumInterval: '10 minutes',
} as const;

const receivers = proxyActivities<EventActivities>({
  startToCloseTimeout: '1 minute',
  scheduleToCloseTimeout: '3 days',
  retry: retryPolicy(EVENT_DELIVERY_RETRY),
});

const outbox = proxyActivities<EventActivities>({
  startToCloseTimeout: '30 seconds',
  retry: retryPolicy({ initialInterval: '5 seconds', maximumInterval: '10 minutes' }),
});

export async function EventDeliveryWorkflow(input: EventDeliveryInput): Promise<{ eventId: string; receivers: number }> {
  await Promise.all(
    input.urls.map((url) => receivers.deliverEvent.executeWithOptions({ summary: 'deliver event' }, [{ eventId: input.eventId, url }])),
  );
  await outbox.markEventDelivered({ eventId: input.eventId });
  return { eventId: input.eventId, receivers: input.urls.length };
}
