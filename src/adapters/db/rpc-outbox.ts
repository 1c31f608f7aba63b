/**
 * The outbound events' outbox, over its SQL functions (see RpcDb, which delegates to it): recorded once
 * per fact, read back by id or while pending, attempts and delivery marked.
 */
import type { OutboundEventRecord, OutboundEventType } from './port';
import { type Row, toOutboundEvent } from './rows';
import type { RpcArgs } from './rpc-db';

export interface RpcCalls {
  rows(fn: string, args: RpcArgs): Promise<Row[]>;
  value(fn: string, args: RpcArgs): Promise<unknown>;
}

export class RpcOutbox {
  constructor(private readonly call: RpcCalls) {}

  private rows(fn: string, args: RpcArgs): Promise<Row[]> {
    return this.call.rows(fn, args);
  }

  private value(fn: string, args: RpcArgs): Promise<unknown> {
    return this.call.value(fn, args);
  }

  async recordEvent(input: {
    key: string;
    type: OutboundEventType;
    chipId: string | null;
    occurredAt: string;
    data: Record<string, unknown>;
  }): Promise<OutboundEventRecord> {
    const [row] = await this.rows('warmup_record_event', {
      p_key: input.key,
      p_type: input.type,
      p_chip_id: input.chipId,
      p_occurred_at: input.occurredAt,
      p_data: input.data,
    });
    if (!row) throw new Error('warmup_record_event returned no event');
    return toOutboundEvent(row);
  }

  async getEvent(eventId: string): Promise<OutboundEventRecord | null> {
    const [row] = await this.rows('warmup_get_event', { p_id: eventId });
    return row ? toOutboundEvent(row) : null;
  }

  async pendingEvents(filter: {
    since?: string;
    olderThan?: string;
    type?: OutboundEventType;
    limit?: number;
  }): Promise<OutboundEventRecord[]> {
    const rows = await this.rows('warmup_pending_events', {
      p_since: filter.since ?? null,
      p_older_than: filter.olderThan ?? null,
      p_type: filter.type ?? null,
      p_limit: filter.limit ?? 100,
    });
    return rows.map(toOutboundEvent);
  }

  async recordEventAttempt(input: { eventId: string; error: string }): Promise<void> {
    await this.value('warmup_record_event_attempt', { p_id: input.eventId, p_error: input.error });
  }

  async markEventDelivered(input: { eventId: string; at: string }): Promise<void> {
    await this.value('warmup_mark_event_delivered', { p_id: input.eventId, p_at: input.at });
  }
}
