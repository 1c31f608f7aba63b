/**
 * The time-skipping test server keeps a rejected Update's workflow task in history (three events and
 * no command); the real server drops it. Replayed, such tasks read as workflow-task heartbeats, so a
 * signal handled just before them is replayed at the last one's time, which the live run never saw
 * (a day later in one recorded case). This removes them, renumbering the events, so a history from
 * the test server replays as the same run on the real server would.
 */
import { temporal } from '@temporalio/proto';

type Event = temporal.api.history.v1.IHistoryEvent;
const WFT = ['EVENT_TYPE_WORKFLOW_TASK_SCHEDULED', 'EVENT_TYPE_WORKFLOW_TASK_STARTED', 'EVENT_TYPE_WORKFLOW_TASK_COMPLETED'];

const name = (e: Event): string =>
  typeof e.eventType === 'number' ? (temporal.api.enums.v1.EventType[e.eventType] ?? '') : String(e.eventType);

export function withoutRejectedUpdates(history: temporal.api.history.v1.IHistory): temporal.api.history.v1.IHistory {
  const events = history.events ?? [];
  const kept: Event[] = [];
  for (let i = 0; i < events.length; i++) {
    const triple = events.slice(i, i + 3);
    const previous = kept[kept.length - 1];
    const next = events[i + 3];
    const isTriple = triple.length === 3 && triple.every((e, k) => name(e) === WFT[k]);
    // A task that follows a completed task directly and is not followed by an Update's acceptance.
    if (isTriple && previous && name(previous) === WFT[2] && !(next && name(next) === 'EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_ACCEPTED')) {
      i += 2;
      continue;
    }
    kept.push(events[i]!);
  }
  const ids = new Map<string, number>();
  kept.forEach((e, k) => ids.set(String(e.eventId), k + 1));
  const renumber = (value: unknown): unknown => {
    if (Array.isArray(value)) return value.map(renumber);
    // Payload bytes and 64-bit numbers are kept as they are.
    if (ArrayBuffer.isView(value) || (value && typeof value === 'object' && 'low' in value && 'high' in value)) return value;
    if (value && typeof value === 'object') {
      return Object.fromEntries(
        Object.entries(value).map(([key, v]) => [key, /EventId$/.test(key) && ids.has(String(v)) ? ids.get(String(v)) : renumber(v)]),
      );
    }
    return value;
  };
  return temporal.api.history.v1.History.fromObject({ events: kept.map((e, k) => ({ ...(renumber(e) as object), eventId: k + 1 })) });
}
