/**
 * The history clean-up the replay checks use (test/helpers/speculative-updates.ts): a rejected
 * Update's task, as the time-skipping server keeps it, is removed and the events renumbered, so
 * every reference still points at the same event; everything else is kept.
 */
import { temporal } from '@temporalio/proto';
import { withoutRejectedUpdates } from '../helpers/speculative-updates';

const T = temporal.api.enums.v1.EventType;

test('rejected Update tasks are dropped, references renumbered, accepted ones and real tasks kept', () => {
  const e = (eventId: number, eventType: temporal.api.enums.v1.EventType, more: object = {}) => ({ eventId, eventType, ...more });
  const history = temporal.api.history.v1.History.fromObject({
    events: [
      e(1, T.EVENT_TYPE_WORKFLOW_EXECUTION_STARTED),
      e(2, T.EVENT_TYPE_WORKFLOW_TASK_SCHEDULED),
      e(3, T.EVENT_TYPE_WORKFLOW_TASK_STARTED, { workflowTaskStartedEventAttributes: { scheduledEventId: 2 } }),
      e(4, T.EVENT_TYPE_WORKFLOW_TASK_COMPLETED, { workflowTaskCompletedEventAttributes: { scheduledEventId: 2, startedEventId: 3 } }),
      // A rejected Update's task: dropped.
      e(5, T.EVENT_TYPE_WORKFLOW_TASK_SCHEDULED),
      e(6, T.EVENT_TYPE_WORKFLOW_TASK_STARTED, { workflowTaskStartedEventAttributes: { scheduledEventId: 5 } }),
      e(7, T.EVENT_TYPE_WORKFLOW_TASK_COMPLETED, { workflowTaskCompletedEventAttributes: { scheduledEventId: 5, startedEventId: 6 } }),
      // An accepted Update's task: kept.
      e(8, T.EVENT_TYPE_WORKFLOW_TASK_SCHEDULED),
      e(9, T.EVENT_TYPE_WORKFLOW_TASK_STARTED, { workflowTaskStartedEventAttributes: { scheduledEventId: 8 } }),
      e(10, T.EVENT_TYPE_WORKFLOW_TASK_COMPLETED, { workflowTaskCompletedEventAttributes: { scheduledEventId: 8, startedEventId: 9 } }),
      e(11, T.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_ACCEPTED),
      e(12, T.EVENT_TYPE_TIMER_STARTED, { timerStartedEventAttributes: { timerId: '1', workflowTaskCompletedEventId: 10 } }),
      e(13, T.EVENT_TYPE_TIMER_FIRED, { timerFiredEventAttributes: { timerId: '1', startedEventId: 12 } }),
    ],
  });
  const events = withoutRejectedUpdates(history).events!;
  expect(events.map((x) => Number(x.eventId))).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
  expect(events.map((x) => T[x.eventType!])).toEqual([
    'EVENT_TYPE_WORKFLOW_EXECUTION_STARTED',
    'EVENT_TYPE_WORKFLOW_TASK_SCHEDULED',
    'EVENT_TYPE_WORKFLOW_TASK_STARTED',
    'EVENT_TYPE_WORKFLOW_TASK_COMPLETED',
    'EVENT_TYPE_WORKFLOW_TASK_SCHEDULED',
    'EVENT_TYPE_WORKFLOW_TASK_STARTED',
    'EVENT_TYPE_WORKFLOW_TASK_COMPLETED',
    'EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_ACCEPTED',
    'EVENT_TYPE_TIMER_STARTED',
    'EVENT_TYPE_TIMER_FIRED',
  ]);
  expect(Number(events[5]!.workflowTaskStartedEventAttributes!.scheduledEventId)).toBe(5);
  expect(Number(events[8]!.timerStartedEventAttributes!.workflowTaskCompletedEventId)).toBe(7);
  expect(Number(events[9]!.timerFiredEventAttributes!.startedEventId)).toBe(9);
});
