/**
 * Pure translation of one Evolution API v2 webhook body into provider events. No I/O, no clock:
 * the receive time is passed in. Unknown events and statuses that mean nothing to Warmer
 * (PENDING, SERVER_ACK, `connecting`, our own outbound upserts) translate to no events.
 */
import { canonicalPhone, isE164Digits, jidToPhone } from '../domain/phone';
import type { ProviderEvent } from './events';

export type WebhookTranslation = { ok: true; event: string; instance: string; events: ProviderEvent[] } | { ok: false; error: string };

/** Baileys' numeric WebMessageInfo status, which some builds send instead of the name. */
const NUMERIC_STATUS = ['ERROR', 'PENDING', 'SERVER_ACK', 'DELIVERY_ACK', 'READ', 'PLAYED'];
const BANNED_CODES = new Set([402, 403, 406]);
/** More items than any real delivery carries: a body past this is refused rather than processed. */
export const MAX_ITEMS_PER_WEBHOOK = 100;

type Json = Record<string, unknown>;

export function translateWebhook(body: unknown, receivedAt: Date): WebhookTranslation {
  if (!isObject(body)) return fail('body must be a JSON object');
  const rawEvent = body.event;
  const instance = body.instance;
  if (typeof rawEvent !== 'string' || rawEvent.length === 0) return fail('missing "event"');
  if (typeof instance !== 'string' || instance.length === 0 || instance.length > 200) return fail('missing "instance"');
  if (!('data' in body) || body.data === null || typeof body.data !== 'object') return fail('missing "data"');
  const event = normalizeEventName(rawEvent);
  const at = receivedAt.toISOString();
  if (Array.isArray(body.data) && body.data.length > MAX_ITEMS_PER_WEBHOOK) {
    return fail(`"data" of ${event} holds ${body.data.length} items; at most ${MAX_ITEMS_PER_WEBHOOK} are accepted`);
  }
  // A connection report is about one instance: one object, never a list.
  if (event === 'connection.update' && Array.isArray(body.data)) return fail('"data" of connection.update must be one object');
  const items = Array.isArray(body.data) ? body.data : [body.data];
  // A connection report has no id of its own: the provider's stamp tells a redelivery from a new report.
  const providerTime =
    event === 'connection.update' && typeof body.date_time === 'string' && body.date_time.length <= 64 ? body.date_time : undefined;
  const events: ProviderEvent[] = [];

  for (const item of items) {
    if (!isObject(item)) return fail(`"data" of ${event} must hold objects`);
    const translated =
      event === 'messages.upsert'
        ? fromUpsert(item, instance, at)
        : event === 'messages.update'
          ? fromUpdate(item, instance, at)
          : event === 'connection.update'
            ? fromConnection(item, instance, at)
            : null;
    if (typeof translated === 'string') return fail(translated);
    if (translated) events.push(providerTime ? { ...translated, providerTime } : translated);
  }
  return { ok: true, event, instance, events };
}

/** "messages.upsert"; also tolerates "MESSAGES_UPSERT" and "messages-upsert". */
function normalizeEventName(name: string): string {
  return name.trim().toLowerCase().replace(/[_-]/g, '.');
}

function fromUpsert(data: Json, instance: string, at: string): ProviderEvent | string | null {
  const key = data.key;
  if (!isObject(key)) return 'messages.upsert without "key"';
  if (typeof key.id !== 'string' || key.id.length === 0) return 'messages.upsert without "key.id"';
  if (typeof key.remoteJid !== 'string') return 'messages.upsert without "key.remoteJid"';
  if (key.fromMe !== false) return null; // our own sends echo back; only inbound counts
  // Only one-to-one chats count: groups, status broadcasts and channels are not conversation replies.
  if (!/@(s\.whatsapp\.net|lid)$/.test(key.remoteJid)) return null;
  const event: ProviderEvent = { instance, kind: 'inbound', messageId: key.id, at };
  const fromPhone = senderPhone(key);
  if (fromPhone) event.fromPhone = fromPhone;
  return event;
}

function fromUpdate(data: Json, instance: string, at: string): ProviderEvent | string | null {
  const key = isObject(data.key) ? data.key : undefined;
  const messageId = typeof data.keyId === 'string' ? data.keyId : typeof key?.id === 'string' ? key.id : undefined;
  const status = statusName(data.status ?? (isObject(data.update) ? data.update.status : undefined));
  if (status === undefined) return 'messages.update without "status"';
  if (!messageId) return 'messages.update without "keyId"';
  const fromMe = data.fromMe ?? key?.fromMe;
  if (fromMe === false) return null; // status of a message we received: not a delivery signal
  const kind =
    status === 'ERROR'
      ? 'delivery_failed'
      : status === 'DELIVERY_ACK'
        ? 'delivered'
        : status === 'READ' || status === 'PLAYED'
          ? 'read'
          : null;
  return kind ? { instance, kind, messageId, at } : null;
}

function fromConnection(data: Json, instance: string, at: string): ProviderEvent | string | null {
  const state = data.state;
  if (typeof state !== 'string') return 'connection.update without "state"';
  if (state === 'open') return { instance, kind: 'connected', at };
  if (state !== 'close') return null; // connecting / refused: nothing to act on yet
  const raw = data.statusReason;
  const code = typeof raw === 'number' ? raw : typeof raw === 'string' && /^\d{1,4}$/.test(raw) ? Number(raw) : NaN;
  const statusReason = Number.isInteger(code) ? code : undefined;
  const kind =
    statusReason === 401 ? 'logged_out' : statusReason !== undefined && BANNED_CODES.has(statusReason) ? 'banned' : 'disconnected';
  const event: ProviderEvent = { instance, kind, at };
  if (statusReason !== undefined) event.statusReason = statusReason;
  return event;
}

/**
 * The sender's phone, canonical (Brazil's ninth digit restored): the user JID, or when WhatsApp
 * addressed by LID, the phone-number alternate wherever the payload carries it.
 */
function senderPhone(key: Json): string | undefined {
  for (const candidate of [key.remoteJid, key.remoteJidAlt, key.senderPn, key.participantPn, key.participantAlt]) {
    if (typeof candidate !== 'string' || !candidate.endsWith('@s.whatsapp.net')) continue;
    const phone = jidToPhone(candidate);
    if (isE164Digits(phone)) return canonicalPhone(phone);
  }
  return undefined;
}

function statusName(value: unknown): string | undefined {
  if (typeof value === 'string' && value.length > 0) return value.toUpperCase();
  if (typeof value === 'number' && Number.isInteger(value)) return NUMERIC_STATUS[value];
  return undefined;
}

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function fail(error: string): WebhookTranslation {
  return { ok: false, error };
}
