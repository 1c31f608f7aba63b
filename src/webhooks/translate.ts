/**
 * Pure translation of one Evolution API v2 webhook body into provider events. No I/O, no clock:
 * the receive time is passed in. Unknown events and statuses that mean nothing to Warmer
 * (PENDING, SERVER_ACK, `connecting`, our own outbound upserts) translate to no events.
 */
import { classifyCode } from '../domain/disconnect-reasons';
import { canonicalPhone, isE164Digits, jidToPhone } from '../domain/phone';
import type { ProviderEvent } from './events';

export type WebhookTranslation = { ok: true; event: string; instance: string; events: ProviderEvent[] } | { ok: false; error: string };

/** Baileys' numeric WebMessageInfo status, which some builds send instead of the name. */
const NUMERIC_STATUS = ['ERROR', 'PENDING', 'SERVER_ACK', 'DELIVERY_ACK', 'READ', 'PLAYED'];
/** More items than any real delivery carries: a body past this is refused rather than processed. */
export const MAX_ITEMS_PER_WEBHOOK = 100;

type Json = Record<string, unknown>;

export function translateWebhook(body: unknown, receivedAt: Date): WebhookTranslation {
  if (!isObject(body)) return fail('body must be a JSON object');
  const rawEvent = body.event;
  const instance = body.instance;
  if (typeof rawEvent !== 'string' || rawEvent.length === 0) return fail('missing "event"');
  if (typeof instance !== 'string' || instance.length === 0 || instance.length > 200) return fail('missing "instance"');
  const event = normalizeEventName(rawEvent);
  // Evolution posts `logout.instance` with `data: null`: the event itself is the fact.
  if (event === 'logout.instance' && (body.data === null || body.data === undefined)) {
    const providerTime = typeof body.date_time === 'string' && body.date_time.length <= 64 ? body.date_time : undefined;
    const logout: ProviderEvent = { instance, kind: 'logged_out', at: receivedAt.toISOString() };
    return { ok: true, event, instance, events: [providerTime ? { ...logout, providerTime } : logout] };
  }
  if (!('data' in body) || body.data === null || typeof body.data !== 'object') return fail('missing "data"');
  const at = receivedAt.toISOString();
  if (Array.isArray(body.data) && body.data.length > MAX_ITEMS_PER_WEBHOOK) {
    return fail(`"data" of ${event} holds ${body.data.length} items; at most ${MAX_ITEMS_PER_WEBHOOK} are accepted`);
  }
  // A connection report is about one instance: one object, never a list.
  const connectionReport = CONNECTION_EVENTS.has(event);
  if (connectionReport && Array.isArray(body.data)) return fail(`"data" of ${event} must be one object`);
  const items = Array.isArray(body.data) ? body.data : [body.data];
  // A connection report has no id of its own: the provider's stamp tells a redelivery from a new report.
  const providerTime = connectionReport && typeof body.date_time === 'string' && body.date_time.length <= 64 ? body.date_time : undefined;
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
            : event === 'status.instance'
              ? fromStatusInstance(item, instance, at)
              : event === 'logout.instance'
                ? { instance, kind: 'logged_out' as const, at }
                : event === 'call'
                  ? fromCall(item, instance, at)
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

/** Events about one instance's connection, each one object with no id of its own. */
const CONNECTION_EVENTS = new Set(['connection.update', 'status.instance', 'logout.instance']);

function fromConnection(data: Json, instance: string, at: string): ProviderEvent | string | null {
  const state = data.state;
  if (typeof state !== 'string') return 'connection.update without "state"';
  if (state === 'open') return { instance, kind: 'connected', at };
  // The provider reconnects by itself (its `statusReason` is 200 then, not the cause): a transient drop.
  if (state === 'connecting') return { instance, kind: 'connecting', at };
  if (state !== 'close') return null; // refused (QR limit): the onboarding's concern
  return closed(code(data.statusReason), instance, at);
}

/** `status.instance` `closed` carries the cause as `disconnectionReasonCode`; other statuses mean nothing here. */
function fromStatusInstance(data: Json, instance: string, at: string): ProviderEvent | string | null {
  if (typeof data.status !== 'string') return 'status.instance without "status"';
  if (data.status !== 'closed') return null;
  return closed(code(data.disconnectionReasonCode), instance, at);
}

/** A closed connection, by the class of its code (domain/disconnect-reasons.ts): unknown codes are never a ban. */
function closed(statusReason: number | undefined, instance: string, at: string): ProviderEvent {
  const cls = classifyCode(statusReason).class;
  const kind = cls === 'reconnect' ? 'logged_out' : cls === 'forbidden' ? 'banned' : 'disconnected';
  const event: ProviderEvent = { instance, kind, at };
  if (statusReason !== undefined) event.statusReason = statusReason;
  return event;
}

/** An incoming call's offer (Baileys' WACallEvent); its later states (reject, timeout) are the same call. */
function fromCall(data: Json, instance: string, at: string): ProviderEvent | string | null {
  if (typeof data.id !== 'string' || data.id.length === 0 || data.id.length > 200) return 'call without "id"';
  if (typeof data.from !== 'string') return 'call without "from"';
  if (data.status !== 'offer') return null;
  const event: ProviderEvent = { instance, kind: 'call', messageId: data.id, at };
  const phone = data.from.endsWith('@s.whatsapp.net') ? jidToPhone(data.from) : undefined;
  if (phone && isE164Digits(phone)) event.fromPhone = canonicalPhone(phone);
  return event;
}

function code(raw: unknown): number | undefined {
  const value = typeof raw === 'number' ? raw : typeof raw === 'string' && /^\d{1,4}$/.test(raw) ? Number(raw) : NaN;
  return Number.isInteger(value) ? value : undefined;
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
