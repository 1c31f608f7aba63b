/**
 * The chip workflow's activity proxies, one per retry policy. Database writes the program depends on
 * retry until the database answers (an outage delays a chip, it never ends it); what faces outward
 * (Slack, the planner's reservations) gives up after a few attempts and the workflow carries on.
 */
import { proxyActivities } from '@temporalio/workflow';
import type { WarmupActivities } from '../activities/types';
import { retryPolicy } from './retry';

export const records = proxyActivities<WarmupActivities>({
  startToCloseTimeout: '30 seconds',
  retry: retryPolicy({ initialInterval: '2 seconds', maximumInterval: '1 minute', backoffCoefficient: 2 }),
});

export const outward = proxyActivities<WarmupActivities>({
  startToCloseTimeout: '30 seconds',
  retry: retryPolicy({ maximumAttempts: 3, initialInterval: '2 seconds' }),
});

export const planner = proxyActivities<WarmupActivities>({
  startToCloseTimeout: '1 minute',
  retry: retryPolicy({ maximumAttempts: 3, initialInterval: '2 seconds' }),
});

/** The profile checklist's steps: provider errors fail a step, not the call; a failed call is retried later. */
export const profile = proxyActivities<WarmupActivities>({
  startToCloseTimeout: '2 minutes',
  retry: retryPolicy({ maximumAttempts: 3, initialInterval: '2 seconds' }),
});
