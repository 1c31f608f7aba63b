/**
 * Evolution API v2 client (the contract as v2.3.6–2.3.7 behaves).
 *
 * Errors: 401/404 -> ProviderConfig, 400 `exists: false` -> NumberNotOnWhatsApp, any
 * "Connection Closed" -> ProviderDisconnected (all non-retryable WarmerErrors); other 5xx, 408/429,
 * timeouts and network failures -> ProviderUnavailable (retryable). Idempotent calls are retried
 * here a bounded number of times; sends (text, reaction, sticker, image, voice note) never are,
 * because the caller owns at-most-once delivery.
 * A caller's deadline bounds every call with its retries (an attempt is cut at the deadline, a retry
 * that could not finish before it is not started), and its abort signal ends the call at once.
 */
import { InvalidInput, NumberNotOnWhatsApp, ProviderConfig, ProviderDisconnected } from '../../domain/errors';
import { isSingleEmoji } from '../../domain/message-mix';
import { maskPhone, normalizePhone, phoneToJid, scrubPhones } from '../../domain/phone';
import { hasUrlCredentials, redactUrlCredentials } from '../../domain/redact';
import type { CallLimits, ConnectionState, MessageKey, Messaging, Presence, SentMessage } from './port';
import { ProviderUnavailable } from './provider-unavailable';

export interface EvolutionClientOptions {
  /** e.g. https://evolution.example.com — no version prefix, trailing slash optional. */
  baseUrl: string;
  /** Global API key or the instance's own token. */
  apiKey: string;
  /** Budget for one HTTP attempt; sendPresence adds its own hold time on top. Default 10 s. */
  timeoutMs?: number;
  /** Extra attempts for idempotent calls (presence, markRead, connectionState, setWebhook). Default 2. */
  retries?: number;
  /** First backoff step; doubles each retry, plus up to one step of jitter. Default 250 ms. */
  retryBaseDelayMs?: number;
}

/** Webhook event names as `POST /webhook/set` expects them. */
export const EVOLUTION_WEBHOOK_EVENTS = ['MESSAGES_UPSERT', 'MESSAGES_UPDATE', 'CONNECTION_UPDATE'] as const;

export interface WebhookSettings {
  url: string;
  /** Sent with every delivery — where the shared secret goes. */
  headers?: Record<string, string>;
  /** Defaults to EVOLUTION_WEBHOOK_EVENTS. */
  events?: readonly string[];
  /** Append `/<event-name>` (e.g. /messages-upsert) to the URL. Default false. */
  byEvents?: boolean;
}

export interface EvolutionClient extends Messaging {
  setWebhook(instance: string, settings: WebhookSettings): Promise<void>;
}

const PRESENCES: readonly Presence[] = ['unavailable', 'available', 'composing', 'recording', 'paused'];
const CONNECTION_STATES: readonly ConnectionState[] = ['open', 'close', 'connecting'];

interface Call {
  method: 'GET' | 'POST';
  /** Path after the base URL, e.g. /message/sendText */
  action: string;
  instance: string;
  body?: unknown;
  timeoutMs: number;
  idempotent: boolean;
  /** Masked destination for error messages. */
  maskedNumber?: string;
  limits?: CallLimits;
}

/** An attempt shorter than this is not worth starting before a deadline. */
const MIN_ATTEMPT_MS = 250;

export function createEvolutionClient(options: EvolutionClientOptions): EvolutionClient {
  const baseUrl = options.baseUrl.replace(/\/+$/, '');
  const timeoutMs = options.timeoutMs ?? 10_000;
  const retries = Math.max(0, options.retries ?? 2);
  const retryBaseDelayMs = options.retryBaseDelayMs ?? 250;
  if (!/^https?:\/\//.test(baseUrl)) {
    throw new ProviderConfig(`Evolution API base URL '${redactUrlCredentials(options.baseUrl)}' must start with http:// or https://.`);
  }
  if (hasUrlCredentials(baseUrl)) {
    throw new ProviderConfig('Evolution API base URL must not carry a user or password (user:password@): the API key authenticates.');
  }
  // What error messages may show of the base URL.
  const shownUrl = redactUrlCredentials(baseUrl);
  if (!options.apiKey || !/^[\x21-\x7e]+$/.test(options.apiKey)) {
    throw new ProviderConfig('Evolution API key is empty or not a printable ASCII token: set the global API key or the instance token.');
  }

  async function attempt(call: Call): Promise<{ status: number; body: unknown }> {
    const url = `${baseUrl}${call.action}/${encodeURIComponent(call.instance)}`;
    const outer = call.limits?.signal;
    if (outer?.aborted) throw new ProviderUnavailable(`${call.action} for instance '${call.instance}' was cancelled.`, 'cancelled');
    const deadline = call.limits?.deadlineMs;
    const budgetMs = deadline === undefined ? call.timeoutMs : Math.min(call.timeoutMs, deadline - Date.now());
    if (deadline !== undefined && budgetMs < Math.min(MIN_ATTEMPT_MS, call.timeoutMs)) {
      throw new ProviderUnavailable(`${call.action} for instance '${call.instance}' not started: its deadline has passed.`, 'timeout');
    }
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), budgetMs);
    const onOuterAbort = () => controller.abort();
    outer?.addEventListener('abort', onOuterAbort, { once: true });
    let status: number;
    let text: string;
    try {
      const res = await fetch(url, {
        method: call.method,
        headers: {
          apikey: options.apiKey,
          accept: 'application/json',
          ...(call.body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        body: call.body === undefined ? undefined : JSON.stringify(call.body),
        signal: controller.signal,
        // A redirect is answered as the failure it is: the API key would follow it to any host.
        redirect: 'manual',
      });
      status = res.status;
      text = await res.text();
    } catch (err) {
      if (outer?.aborted) throw new ProviderUnavailable(`${call.action} for instance '${call.instance}' was cancelled.`, 'cancelled');
      if (controller.signal.aborted) {
        throw new ProviderUnavailable(`${call.action} for instance '${call.instance}' timed out after ${budgetMs} ms.`, 'timeout');
      }
      throw new ProviderUnavailable(
        `Could not reach the Evolution API at ${shownUrl} (${call.action}): ${describeNetworkError(err)}.`,
        'network',
      );
    } finally {
      clearTimeout(timer);
      outer?.removeEventListener('abort', onOuterAbort);
    }
    const body = parseJson(text);
    if (status >= 200 && status < 300) return { status, body };
    throw classifyFailure(call, status, text, body);
  }

  async function send(call: Call): Promise<{ status: number; body: unknown }> {
    for (let n = 0; ; n++) {
      try {
        return await attempt(call);
      } catch (err) {
        if (!call.idempotent || n >= retries || !(err instanceof ProviderUnavailable) || err.reason === 'cancelled') throw err;
        const pause = retryBaseDelayMs * 2 ** n + Math.random() * retryBaseDelayMs;
        // A retry that could not get a useful attempt in before the deadline is not started.
        const deadline = call.limits?.deadlineMs;
        if (deadline !== undefined && Date.now() + pause + MIN_ATTEMPT_MS > deadline) throw err;
        await sleep(pause);
      }
    }
  }

  /** A send to `number` (never retried here: the caller owns at-most-once delivery). */
  async function postMessage(
    action: string,
    instance: string,
    number: string,
    fields: Record<string, unknown>,
    limits: CallLimits | undefined,
  ): Promise<SentMessage> {
    const digits = normalizePhone(number);
    const call: Call = {
      method: 'POST',
      action,
      instance,
      body: { number: digits, ...fields },
      timeoutMs,
      idempotent: false,
      maskedNumber: maskPhone(digits),
      limits,
    };
    const { status, body } = await send(call);
    return parseSentMessage(call, status, body);
  }

  return {
    sendText: (instance, number, text, limits) => postMessage('/message/sendText', instance, number, { text }, limits),

    // The shapes of the four calls below are Evolution v2's own (src/validate/message.schema.ts:
    // reactionMessageSchema, stickerMessageSchema, mediaMessageSchema, audioMessageSchema; DTOs in
    // src/api/dto/sendMessage.dto.ts; routes in src/api/routes/sendMessage.router.ts, answered 201).
    // Media go inline as plain base64: SendMessageController refuses anything that is neither a URL
    // nor base64 with 400 "Owned media must be a url or base64".
    async sendReaction(instance, key, emoji, limits) {
      // The controller answers 400 "Reaction must be a single emoji or empty string" otherwise.
      if (!isSingleEmoji(emoji)) throw new InvalidInput(`A reaction must be one emoji, got '${emoji}'.`);
      const { remoteJid } = toReadKey(key);
      const call: Call = {
        method: 'POST',
        action: '/message/sendReaction',
        instance,
        body: { key: { remoteJid, fromMe: key.fromMe, id: key.id }, reaction: emoji },
        timeoutMs,
        idempotent: false,
        maskedNumber: maskPhone(remoteJid.replace(/@.*$/, '')),
        limits,
      };
      const { status, body } = await send(call);
      return parseSentMessage(call, status, body);
    },

    sendSticker: (instance, number, sticker, limits) => postMessage('/message/sendSticker', instance, number, { sticker }, limits),

    sendImage: (instance, number, image, limits) =>
      postMessage(
        '/message/sendMedia',
        instance,
        number,
        {
          mediatype: 'image',
          mimetype: image.mimetype,
          media: image.base64,
          fileName: image.fileName,
          ...(image.caption ? { caption: image.caption } : {}),
        },
        limits,
      ),

    sendVoiceNote: (instance, number, audio, limits) => postMessage('/message/sendWhatsAppAudio', instance, number, { audio }, limits),

    async sendPresence(instance, number, presence, delayMs, limits) {
      if (!PRESENCES.includes(presence)) throw new InvalidInput(`Unknown presence '${presence}'.`);
      const digits = normalizePhone(number);
      const delay = Math.max(0, Math.round(delayMs));
      // The provider holds the call for `delay`, so the budget is the hold plus the usual timeout.
      await send({
        method: 'POST',
        action: '/chat/sendPresence',
        instance,
        body: { number: digits, presence, delay },
        timeoutMs: timeoutMs + delay,
        idempotent: true,
        maskedNumber: maskPhone(digits),
        limits,
      });
    },

    async markRead(instance, keys, limits) {
      if (keys.length === 0) return; // the provider requires at least one key
      await send({
        method: 'POST',
        action: '/chat/markMessageAsRead',
        instance,
        body: { readMessages: keys.map(toReadKey) },
        timeoutMs,
        idempotent: true,
        limits,
      });
    },

    async connectionState(instance, limits) {
      const call: Call = { method: 'GET', action: '/instance/connectionState', instance, timeoutMs, idempotent: true, limits };
      const { status, body } = await send(call);
      const state = field(field(body, 'instance'), 'state');
      if (typeof state !== 'string') {
        throw new ProviderUnavailable(`connectionState for '${instance}' answered without instance.state.`, 'bad_response', status);
      }
      // Anything outside the three documented states (e.g. "refused" after the QR limit) is not usable.
      return (CONNECTION_STATES as readonly string[]).includes(state) ? (state as ConnectionState) : 'close';
    },

    async setWebhook(instance, settings) {
      await send({
        method: 'POST',
        action: '/webhook/set',
        instance,
        body: {
          webhook: {
            enabled: true,
            url: settings.url,
            headers: settings.headers ?? {},
            byEvents: settings.byEvents ?? false,
            base64: false,
            events: [...(settings.events ?? EVOLUTION_WEBHOOK_EVENTS)],
          },
        },
        timeoutMs,
        idempotent: true,
      });
    },
  };
}

function toReadKey(key: MessageKey): MessageKey {
  // Accept plain digits too; the provider silently drops anything that is not a user or group JID.
  const remoteJid = key.remoteJid.includes('@') ? key.remoteJid : phoneToJid(normalizePhone(key.remoteJid));
  return { remoteJid, fromMe: key.fromMe, id: key.id };
}

function parseSentMessage(call: Call, status: number, body: unknown): SentMessage {
  const key = field(body, 'key');
  const remoteJid = field(key, 'remoteJid');
  const id = field(key, 'id');
  if (typeof remoteJid !== 'string' || typeof id !== 'string') {
    // The provider accepted the request, so the message may be out: the caller must not resend blindly.
    throw new ProviderUnavailable(
      `${call.action} for '${call.instance}' answered ${status} without key.remoteJid/key.id; delivery outcome unknown.`,
      'bad_response',
      status,
    );
  }
  const fromMe = field(key, 'fromMe');
  const providerStatus = field(body, 'status');
  const seconds = Number(field(body, 'messageTimestamp'));
  return {
    key: { remoteJid, fromMe: fromMe === undefined ? true : fromMe === true, id },
    status: typeof providerStatus === 'string' ? providerStatus : 'PENDING',
    timestamp: Number.isFinite(seconds) && seconds > 0 ? Math.floor(seconds) : Math.floor(Date.now() / 1000),
  };
}

function classifyFailure(call: Call, status: number, text: string, body: unknown): Error {
  const where = `instance '${call.instance}'`;
  const detail = describeProviderMessage(body, text);
  if (/connection closed/i.test(text)) {
    return new ProviderDisconnected(
      `Instance '${call.instance}' is not connected to WhatsApp (${status} Connection Closed on ${call.action}). Reconnect it (QR code) or check whether it was banned or logged out.`,
    );
  }
  if (status === 401) {
    return new ProviderConfig(`Evolution API rejected the API key for ${where} (401). Check EVOLUTION_API_KEY.`);
  }
  if (status === 404) {
    return new ProviderConfig(`Evolution API has no instance named '${call.instance}' (404). Create it or fix the chip's instance name.`);
  }
  if (status >= 300 && status < 400) {
    return new ProviderConfig(
      `Evolution API answered ${call.action} for ${where} with a redirect (${status}), not followed: set EVOLUTION_API_URL to the API's own address.`,
    );
  }
  if (status === 400 && /"exists"\s*:\s*false/.test(text)) {
    return new NumberNotOnWhatsApp(`Number ${call.maskedNumber ?? '(unknown)'} is not on WhatsApp (${where}).`);
  }
  if (status >= 500 || status === 408 || status === 429) {
    return new ProviderUnavailable(`Evolution API failed on ${call.action} for ${where}: ${status} ${detail}`, 'server_error', status);
  }
  if (status === 400 || status === 422) {
    return new InvalidInput(`Evolution API rejected ${call.action} for ${where}: ${status} ${detail}`);
  }
  return new ProviderConfig(`Evolution API refused ${call.action} for ${where}: ${status} ${detail}`);
}

/** The envelope's message, flattened and shortened; raw bodies are not echoed (they may hold numbers). */
function describeProviderMessage(body: unknown, text: string): string {
  const message = field(field(body, 'response'), 'message');
  const parts: string[] = [];
  const walk = (value: unknown): void => {
    if (typeof value === 'string') parts.push(value);
    else if (Array.isArray(value)) value.forEach(walk);
  };
  walk(message);
  if (parts.length === 0) walk(field(body, 'error'));
  // The provider may echo the number it refused: masked like every phone that leaves the process.
  const joined = parts.length > 0 ? scrubPhones(parts.join('; ')) : text.length > 0 ? '(unrecognised error body)' : '(empty body)';
  return joined.length > 300 ? `${joined.slice(0, 300)}…` : joined;
}

function describeNetworkError(err: unknown): string {
  if (err instanceof Error) {
    const cause = (err as { cause?: unknown }).cause;
    if (cause instanceof Error) {
      const code = (cause as { code?: unknown }).code;
      return typeof code === 'string' ? `${code} ${cause.message}` : cause.message;
    }
    return err.message;
  }
  return String(err);
}

function parseJson(text: string): unknown {
  if (text.length === 0) return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

function field(value: unknown, name: string): unknown {
  return typeof value === 'object' && value !== null ? (value as Record<string, unknown>)[name] : undefined;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
