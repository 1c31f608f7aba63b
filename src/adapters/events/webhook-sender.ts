/**
 * Posts one outbound event to one receiver: the stored payload as JSON, signed, with the event id for
 * de-duplication. Anything but a 2xx answer is an error, so Temporal retries it with backoff; a
 * redirect (3xx) is such an answer too and is never followed, since it could point the signed body at
 * any host. The receiver's host is resolved and checked first (receiver-address.ts) and the socket
 * goes to the checked address.
 */
import http from 'node:http';
import https from 'node:https';
import type { OutboundEventRecord } from '../db/port';
import { urlOrigin } from '../../domain/redact';
import { pinnedLookup, ReceiverAddressRefused, type ResolvedAddress, type Resolver, resolveReceiver } from './receiver-address';
import { EVENT_ID_HEADER, EVENT_TYPE_HEADER, SIGNATURE_HEADER, signatureHeader } from './signature';

export interface EventSenderOptions {
  secret: string;
  /** Per request; a receiver slower than this counts as a failed attempt. */
  timeoutMs?: number;
  /** Receivers on loopback, private or link-local addresses (WARMER_EVENTS_ALLOW_PRIVATE); default false. */
  allowPrivate?: boolean;
  /** Host name resolution (tests); default the system's, all addresses. */
  resolve?: Resolver;
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
export const receiverLabel = urlOrigin;

/** A receiver's answer body is not needed: read this much at most, so a huge one cannot hold the worker. */
const MAX_ANSWER_BYTES = 64 * 1024;

function post(
  url: URL,
  init: { headers: Record<string, string>; body: string; lookup: ReturnType<typeof pinnedLookup>; timeoutMs: number },
) {
  const client = url.protocol === 'https:' ? https : http;
  return new Promise<number>((resolve, reject) => {
    const req = client.request(
      url,
      {
        method: 'POST',
        headers: { ...init.headers, 'content-length': String(Buffer.byteLength(init.body)) },
        lookup: init.lookup,
        agent: false,
        signal: AbortSignal.timeout(init.timeoutMs),
      },
      (res) => {
        let size = 0;
        const status = res.statusCode ?? 0;
        res.on('data', (chunk: Buffer) => {
          size += chunk.length;
          if (size > MAX_ANSWER_BYTES) res.destroy();
        });
        res.on('end', () => resolve(status));
        res.on('close', () => resolve(status));
        res.on('error', () => resolve(status));
      },
    );
    req.on('error', reject);
    req.end(init.body);
  });
}

export function createEventSender(options: EventSenderOptions) {
  const timeoutMs = options.timeoutMs ?? 10_000;
  return async function sendEvent(url: string, event: OutboundEventRecord, nowMs: number = Date.now()): Promise<{ status: number }> {
    let target: URL;
    try {
      target = new URL(url);
    } catch {
      // Not echoed: the URL may hold a token.
      throw new ReceiverRefused(0, `event ${event.id}: the receiver URL is not a valid URL`);
    }
    if (target.protocol !== 'http:' && target.protocol !== 'https:')
      throw new ReceiverRefused(0, `event ${event.id}: the receiver URL is not http(s)`);
    if (target.username || target.password)
      throw new ReceiverRefused(0, `event ${event.id} to ${receiverLabel(url)}: the receiver URL carries credentials`);
    let pinned: ResolvedAddress;
    try {
      pinned = await resolveReceiver(target, { allowPrivate: options.allowPrivate ?? false, resolve: options.resolve });
    } catch (err) {
      if (err instanceof ReceiverAddressRefused) throw err;
      throw new Error(`event ${event.id} to ${receiverLabel(url)}: host not resolved (${(err as Error).message})`, { cause: err });
    }
    const body = JSON.stringify(event.payload);
    let status: number;
    try {
      status = await post(target, {
        headers: {
          'content-type': 'application/json',
          'user-agent': 'warmer-events/1',
          [EVENT_ID_HEADER]: event.id,
          [EVENT_TYPE_HEADER]: event.type,
          [SIGNATURE_HEADER]: signatureHeader(options.secret, body, nowMs),
        },
        body,
        lookup: pinnedLookup(pinned),
        timeoutMs,
      });
    } catch (err) {
      throw new Error(`event ${event.id} to ${receiverLabel(url)}: no answer (${(err as Error).message})`, { cause: err });
    }
    if (status >= 300 && status < 400)
      throw new ReceiverRefused(status, `event ${event.id} to ${receiverLabel(url)}: answered ${status}, a redirect (not followed)`);
    if (status < 200 || status >= 300) throw new ReceiverRefused(status, `event ${event.id} to ${receiverLabel(url)}: answered ${status}`);
    return { status };
  };
}

export type EventSender = ReturnType<typeof createEventSender>;
