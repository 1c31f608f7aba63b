/**
 * The Temporal Schedules that drive the fleet-wide jobs: the daily summary (18:00 São Paulo) and the
 * weekly pair rotation (Monday 03:00 São Paulo). `syncSchedules` creates them, or updates them to the
 * current specification when they exist, so running it at every deploy (or twice) is harmless.
 *
 *   npm run warmer -- schedules sync     (or: npx tsx src/schedules.ts)
 */
import { type Client, ScheduleAlreadyRunning, ScheduleOverlapPolicy, type ScheduleOptions } from '@temporalio/client';
import { WORKFLOW_TYPES } from '../workflows/api';
import type * as fleetWorkflows from '../workflows/fleet';

export const SCHEDULE_TIMEZONE = 'America/Sao_Paulo';
export const DAILY_SUMMARY_SCHEDULE_ID = 'warmer-daily-summary';
export const PAIR_ROTATION_SCHEDULE_ID = 'warmer-pair-rotation';

/** Memo on every schedule this module owns: a stale one (from an older version) is found by it and removed. */
export const SCHEDULE_MEMO = { managedBy: 'warmer' } as const;

export interface WarmerScheduleSpec {
  scheduleId: string;
  /** A workflow of src/workflows/fleet.ts (checked by the compiler). */
  workflowType: keyof typeof fleetWorkflows;
  hour: number;
  minute: number;
  /** Absent: every day. */
  dayOfWeek?: 'MONDAY';
  description: string;
}

export const WARMER_SCHEDULES: readonly WarmerScheduleSpec[] = [
  {
    scheduleId: DAILY_SUMMARY_SCHEDULE_ID,
    workflowType: WORKFLOW_TYPES.dailySummary,
    hour: 18,
    minute: 0,
    description: 'Daily fleet summary to Slack, 18:00 America/Sao_Paulo',
  },
  {
    scheduleId: PAIR_ROTATION_SCHEDULE_ID,
    workflowType: WORKFLOW_TYPES.pairRotation,
    hour: 3,
    minute: 0,
    dayOfWeek: 'MONDAY',
    description: 'Weekly pair rotation, Monday 03:00 America/Sao_Paulo',
  },
];

/** The full Temporal options of one schedule on `taskQueue`. */
export function scheduleOptions(spec: WarmerScheduleSpec, taskQueue: string): ScheduleOptions {
  return {
    scheduleId: spec.scheduleId,
    spec: {
      calendars: [
        { hour: spec.hour, minute: spec.minute, ...(spec.dayOfWeek ? { dayOfWeek: spec.dayOfWeek } : {}), comment: spec.description },
      ],
      timezone: SCHEDULE_TIMEZONE,
    },
    action: {
      type: 'startWorkflow',
      workflowType: spec.workflowType,
      workflowId: spec.scheduleId,
      args: [],
      taskQueue,
      // A fleet job that cannot finish in an hour is stuck; the next firing starts afresh.
      workflowExecutionTimeout: '1 hour',
    },
    policies: {
      // A run still going when the next is due is left alone; the due run is skipped.
      overlap: ScheduleOverlapPolicy.SKIP,
      // After an outage, one late run is useful within the hour; a day-old summary is not.
      catchupWindow: '1 hour',
      pauseOnFailure: false,
    },
    memo: { ...SCHEDULE_MEMO },
    state: { note: spec.description },
  };
}

export interface SyncOutcome {
  scheduleId: string;
  outcome: 'created' | 'updated' | 'deleted';
}

/**
 * Creates the two schedules, or brings existing ones to the current specification; removes
 * Warmer-managed schedules that are no longer part of it. Idempotent.
 */
export async function syncSchedules(client: Client, opts: { taskQueue: string }): Promise<SyncOutcome[]> {
  const outcomes: SyncOutcome[] = [];
  for (const spec of WARMER_SCHEDULES) {
    const options = scheduleOptions(spec, opts.taskQueue);
    try {
      await client.schedule.create(options);
      outcomes.push({ scheduleId: spec.scheduleId, outcome: 'created' });
    } catch (err) {
      if (!(err instanceof ScheduleAlreadyRunning)) throw err;
      await client.schedule.getHandle(spec.scheduleId).update((previous) => ({
        spec: options.spec,
        action: options.action as never,
        policies: options.policies,
        // An operator's pause (temporal schedule toggle) survives a sync.
        state: { paused: previous.state.paused, note: previous.state.paused ? previous.state.note : spec.description },
      }));
      outcomes.push({ scheduleId: spec.scheduleId, outcome: 'updated' });
    }
  }
  const current = new Set(WARMER_SCHEDULES.map((s) => s.scheduleId));
  for await (const summary of client.schedule.list()) {
    if (current.has(summary.scheduleId) || summary.memo?.managedBy !== SCHEDULE_MEMO.managedBy) continue;
    await client.schedule.getHandle(summary.scheduleId).delete();
    outcomes.push({ scheduleId: summary.scheduleId, outcome: 'deleted' });
  }
  return outcomes;
}
