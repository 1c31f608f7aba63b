/**
 * The signature of outbound events, in the style of Stripe's: the header
 *   x-warmer-signature: t=<unix seconds>,v1=<hex hmac_sha256(secret, `${t}.${body}`)>
 * binds the body to a time, so a receiver can refuse a replay older than its tolerance.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

export const SIGNATURE_HEADER = 'x-warmer-signature';
export const EVENT_ID_HEADER = 'x-warmer-event-id';
export const EVENT_TYPE_HEADER = 'x-warmer-event-type';
/** A receiver's default tolerance between the signature's time and its own clock. */
export const SIGNATURE_TOLERANCE_SECONDS = 300;

function hmac(secret: string, timestamp: number, body: string): string {
  return createHmac('sha256', secret).update(`${timestamp}.${body}`, 'utf8').digest('hex');
}

export function signatureHeader(secret: string, body: string, nowMs: number = Date.now()): string {
  const t = Math.floor(nowMs / 1000);
  return `t=${t},v1=${hmac(secret, t, body)}`;
}

export type SignatureCheck = { ok: true; timestamp: number } | { ok: false; reason: string };

/** What a receiver runs (docs/operators.md shows the same steps): the raw body, never a re-serialized one. */
export function verifySignature(
  secret: string,
  header: string | undefined,
  body: string,
  opts: { nowMs?: number; toleranceSeconds?: number } = {},
): SignatureCheck {
  if (!header) return { ok: false, reason: `missing ${SIGNATURE_HEADER}` };
  const fields = new Map<string, string[]>();
  for (const part of header.split(',')) {
    const i = part.indexOf('=');
    if (i > 0) fields.set(part.slice(0, i).trim(), [...(fields.get(part.slice(0, i).trim()) ?? []), part.slice(i + 1).trim()]);
  }
  const t = Number(fields.get('t')?.[0]);
  if (!Number.isInteger(t)) return { ok: false, reason: 'no timestamp (t=) in the signature' };
  const age = Math.abs((opts.nowMs ?? Date.now()) / 1000 - t);
  if (age > (opts.toleranceSeconds ?? SIGNATURE_TOLERANCE_SECONDS))
    return { ok: false, reason: `signature timestamp is ${Math.round(age)} s away from now` };
  const expected = Buffer.from(hmac(secret, t, body), 'hex');
  // Several v1 values are allowed (a secret being rotated); any match is enough.
  const match = (fields.get('v1') ?? []).some((v) => {
    const given = Buffer.from(v, 'hex');
    return given.length === expected.length && timingSafeEqual(given, expected);
  });
  return match ? { ok: true, timestamp: t } : { ok: false, reason: 'signature does not match' };
}
