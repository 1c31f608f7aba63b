/** The outbound events' outbox: each fact recorded once, then delivered (and retried) to the receivers. */

/** The outbound event types (README "Events"). */
export const OUTBOUND_EVENT_TYPES = [
  'chip.promoted',
  'chip.ready',
  'chip.paused',
  'chip.resumed',
  'chip.banned',
  'chip.stalled',
  'chip.quarantined',
  'fleet.breaker',
] as const;
export type OutboundEventType = (typeof OUTBOUND_EVENT_TYPES)[number];

/** What a receiver gets, byte for byte the same at every delivery of the event. */
export interface OutboundEventPayload {
  id: string;
  type: OutboundEventType;
  occurredAt: string;
  /** The chip when the event was recorded; the phone masked to its last 4 digits. */
  chip: { id: string; instance: string; phone: string; fleetId: string; phase: string; status: string } | null;
  data: Record<string, unknown>;
}

/** One event of the outbox. */
export interface OutboundEventRecord {
  id: string;
  type: OutboundEventType;
  chipId: string | null;
  occurredAt: string;
  payload: OutboundEventPayload;
  createdAt: string;
  deliveredAt: string | null;
  /** Failed delivery attempts so far, and the last one's error. */
  attempts: number;
  lastError: string | null;
}

export interface OutboxPort {
  /**
   * Records a fact's outbound event once: its id is derived from `key`, so a second call with the same
   * key returns the first event unchanged. The chip's snapshot is taken at the first call.
   */
  recordEvent(input: {
    key: string;
    type: OutboundEventType;
    chipId: string | null;
    occurredAt: string;
    data: Record<string, unknown>;
  }): Promise<OutboundEventRecord>;
  getEvent(eventId: string): Promise<OutboundEventRecord | null>;
  /** Undelivered events recorded since `since` and before `olderThan`, oldest first. */
  pendingEvents(filter: { since?: string; olderThan?: string; type?: OutboundEventType; limit?: number }): Promise<OutboundEventRecord[]>;
  recordEventAttempt(input: { eventId: string; error: string }): Promise<void>;
  markEventDelivered(input: { eventId: string; at: string }): Promise<void>;
}
