/** The outbox port over its SQL functions: recorded once per fact, read back by id or while pending, attempts and delivery marked. */
import type { OutboxPort } from './ports/outbox';
import { toOutboundEvent } from './rows';
import type { RpcCalls } from './rpc-types';

export function rpcOutbox(calls: RpcCalls): OutboxPort {
  return {
    async recordEvent(input) {
      const [row] = await calls.rows('warmup_record_event', {
        p_key: input.key,
        p_type: input.type,
        p_chip_id: input.chipId,
        p_occurred_at: input.occurredAt,
        p_data: input.data,
      });
      if (!row) throw new Error('warmup_record_event returned no event');
      return toOutboundEvent(row);
    },

    async getEvent(eventId) {
      const [row] = await calls.rows('warmup_get_event', { p_id: eventId });
      return row ? toOutboundEvent(row) : null;
    },

    async pendingEvents(filter) {
      const rows = await calls.rows('warmup_pending_events', {
        p_since: filter.since ?? null,
        p_older_than: filter.olderThan ?? null,
        p_type: filter.type ?? null,
        p_limit: filter.limit ?? 100,
      });
      return rows.map(toOutboundEvent);
    },

    async recordEventAttempt(input) {
      await calls.value('warmup_record_event_attempt', { p_id: input.eventId, p_error: input.error });
    },

    async markEventDelivered(input) {
      await calls.value('warmup_mark_event_delivered', { p_id: input.eventId, p_at: input.at });
    },
  };
}
