/**
 * Posts one outbound event to one receiver: the stored payload as JSON, signed, with the event id for
 * de-duplication. Anything but a 2xx answer is an error, so Temporal retries it with backoff.
 */
import type { OutboundEventRecord } from '../db/port';
import { EVENT_ID_HEADER, EVENT_TYPE_HEADER, SIGNATURE_HEADER, signatureHeader } from './signature';

export interface EventSenderOptions {
  secret: string;
  /** Per request; a receiver slower than this counts as a failed attempt. */
  timeoutMs?: number;
  fetch?: typeof fetch;
}

export class ReceiverRefused extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
    this.name = 'ReceiverRefused';
  }
}

/** Only the origin: a receiver's URL may carry a token in its path or query. */
export function receiverLabel(url: string): string {
  try {
    return new URL(url).origin;
  } catch {
    return 'invalid URL';
  }
}

export function createEventSender(options: EventSenderOptions) {
  const doFetch = options.fetch ?? fetch;
  const timeoutMs = options.timeoutMs ?? 10_000;
  return async function sendEvent(url: string, event: OutboundEventRecord, nowMs: number = Date.now()): Promise<{ status: number }> {
    const body = JSON.stringify(event.payload);
    let response: Response;
    try {
      response = await doFetch(url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'user-agent': 'warmer-events/1',
          [EVENT_ID_HEADER]: event.id,
          [EVENT_TYPE_HEADER]: event.type,
          [SIGNATURE_HEADER]: signatureHeader(options.secret, body, nowMs),
        },
        body,
        signal: AbortSignal.timeout(timeoutMs),
      });
    } catch (err) {
      throw new Error(`event ${event.id} to ${receiverLabel(url)}: no answer (${(err as Error).message})`);
    }
    // The body is not needed; drain it so the connection can be reused.
    await response.arrayBuffer().catch(() => undefined);
    if (!response.ok) throw new ReceiverRefused(response.status, `event ${event.id} to ${receiverLabel(url)}: answered ${response.status}`);
    return { status: response.status };
  };
}

export type EventSender = ReturnType<typeof createEventSender>;
