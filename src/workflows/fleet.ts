/** Fleet-wide jobs started by Temporal Schedules (see src/schedules.ts). */
import { proxyActivities, uuid4 } from '@temporalio/workflow';
import type { WarmupActivities } from '../activities/types';
import type { DailySummary } from '../adapters/db/port';
import { retryPolicy } from './retry';

const { sendDailySummary, rotatePairs } = proxyActivities<WarmupActivities>({
  startToCloseTimeout: '2 minutes',
  retry: retryPolicy({ maximumAttempts: 5, initialInterval: '5 seconds' }),
});

/** 18:00 America/Sao_Paulo: chips warming, ready, average health and open alerts, to Slack. */
export async function DailySummaryWorkflow(): Promise<DailySummary & { stalled: number }> {
  return await sendDailySummary();
}

/** Monday 03:00 America/Sao_Paulo: retire week-old pairs and refill every chip's partners. */
export async function PairRotationWorkflow(): Promise<{ deactivated: number; created: number }> {
  // uuid4 is the workflow's seeded randomness; its first 8 hex digits make a stable seed for retries.
  return await rotatePairs({ seed: parseInt(uuid4().slice(0, 8), 16) });
}
