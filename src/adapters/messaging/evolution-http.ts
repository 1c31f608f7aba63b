/**
 * The HTTP machinery every Evolution API v2 call shares: one attempt with its budget, bounded retries
 * for idempotent calls, and the mapping of the provider's answers to Warmer's errors.
 *
 * Errors: 401/404 -> ProviderConfig, 400 `exists: false` -> NumberNotOnWhatsApp, any
 * "Connection Closed" -> ProviderDisconnected (all non-retryable WarmerErrors); other 5xx, 408/429,
 * timeouts and network failures -> ProviderUnavailable (retryable). A call may refine the mapping
 * for answers only its route gives (e.g. "not a member of that group").
 * A caller's deadline bounds every call with its retries (an attempt is cut at the deadline, a retry
 * that could not finish before it is not started), and its abort signal ends the call at once.
 * Redirects are never followed: a 3xx is answered as a refusal.
 */
import { InvalidInput, NumberNotOnWhatsApp, ProviderConfig, ProviderDisconnected } from '../../domain/errors';
import { scrubPhones } from '../../domain/phone';
import { hasUrlCredentials, redactUrlCredentials } from '../../domain/redact';
import type { CallLimits, SentMessage } from './port';
import { ProviderUnavailable } from './provider-unavailable';

export interface EvolutionClientOptions {
  /** e.g. https://evolution.example.com — no version prefix, trailing slash optional. */
  baseUrl: string;
  /** Global API key or the instance's own token. */
  apiKey: string;
  /** Budget for one HTTP attempt; sendPresence adds its own hold time on top. Default 10 s. */
  timeoutMs?: number;
  /** Extra attempts for idempotent calls (presence, markRead, connectionState, setWebhook, profile, ...). Default 2. */
  retries?: number;
  /** First backoff step; doubles each retry, plus up to one step of jitter. Default 250 ms. */
  retryBaseDelayMs?: number;
}

/** A failed answer as a route-specific refinement sees it. */
export interface FailedAnswer {
  status: number;
  /** The raw body text. */
  text: string;
  /** The envelope's message, flattened and shortened (never the raw body). */
  detail: string;
}

export interface Call {
  method: 'GET' | 'POST' | 'DELETE';
  /** Path after the base URL, e.g. /message/sendText */
  action: string;
  instance: string;
  /** Query parameters, e.g. { groupJid } for the group routes. */
  query?: Record<string, string>;
  /** False for a route that names the instance in its body or query, not its path (instance create, fetchInstances). */
  instanceInPath?: boolean;
  body?: unknown;
  timeoutMs: number;
  idempotent: boolean;
  /** Masked destination for error messages. */
  maskedNumber?: string;
  limits?: CallLimits;
  /**
   * An error for an answer only this route gives, checked after "Connection Closed" and before the
   * general mapping; undefined leaves the answer to the general mapping.
   */
  refine?: (answer: FailedAnswer) => Error | undefined;
}

export interface EvolutionHttp {
  /** The per-attempt budget the client was built with. */
  readonly timeoutMs: number;
  /** Runs `call`, retrying it when it is idempotent and the failure may heal. */
  send(call: Call): Promise<{ status: number; body: unknown }>;
}

/** An attempt shorter than this is not worth starting before a deadline. */
const MIN_ATTEMPT_MS = 250;

export function createEvolutionHttp(options: EvolutionClientOptions): EvolutionHttp {
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
    const query = call.query && Object.keys(call.query).length > 0 ? `?${new URLSearchParams(call.query).toString()}` : '';
    const url = `${baseUrl}${call.action}${call.instanceInPath === false ? '' : `/${encodeURIComponent(call.instance)}`}${query}`;
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
        redirect: 'manual',
        signal: controller.signal,
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

  return { timeoutMs, send };
}

/** The provider's answer to a send, as Warmer keeps it; a 2xx without a key is an unknown outcome. */
export function parseSentMessage(call: Call, status: number, body: unknown): SentMessage {
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
  const refined = call.refine?.({ status, text, detail });
  if (refined) return refined;
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
    // The group routes report schema failures as { property, message } objects.
    else if (typeof field(value, 'message') === 'string') parts.push(field(value, 'message') as string);
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

export function field(value: unknown, name: string): unknown {
  return typeof value === 'object' && value !== null ? (value as Record<string, unknown>)[name] : undefined;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
