/** What the event delivery workflow asks of the outside world (types only: the workflow imports this file). */
export interface EventDeliveryInput {
  eventId: string;
  /** The receivers (WARMER_EVENTS_URL) when the delivery started. */
  urls: string[];
}

export interface EventActivities {
  /** POSTs the stored event to one receiver, signed; throws unless it answers 2xx (Temporal retries). */
  deliverEvent(input: { eventId: string; url: string }): Promise<{ status: number }>;
  /** Every receiver has it: the outbox stops offering it to the sweep. */
  markEventDelivered(input: { eventId: string }): Promise<void>;
}
