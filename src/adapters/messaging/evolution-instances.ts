/**
 * Evolution API v2's instance management (the contract as v2.3.6–2.3.7 behaves): create, connect,
 * fetchInstances (ownerJid), settings and webhook.
 *
 * Quirks handled here: create reads the lowercase `integration` key and a webhook given at creation
 * must be nested and list its events; `GET /instance/connect` answers its own failures as 200
 * `{ error: true, message }` (treated as a failure, never as a code); its answer is the bare code
 * object while the session waits, and the connectionState shape once open; fetchInstances answers
 * 404 for an unknown name.
 *
 * Errors: 401 -> ProviderConfig; 404 -> ProviderConfig (fetchInstance: null); 403 on create ->
 * InstanceRefused; other 4xx -> InvalidInput; 5xx, 408/429, timeouts, network failures and unreadable
 * answers -> ProviderUnavailable (retryable). Reads and settings are retried a bounded number of
 * times; create is not (a retry after a lost answer would meet "name in use": callers look first).
 * Redirects are never followed.
 */
import { InstanceRefused, InvalidInput, ProviderConfig } from '../../domain/errors';
import { canonicalPhone, isE164Digits, jidToPhone, normalizePhone } from '../../domain/phone';
import { createEvolutionClient, type EvolutionClientOptions } from './evolution';
import type { InstanceSettings, IssuedCode, MessagingInstances, ProviderInstance } from './instances-port';
import type { ConnectionState } from './port';
import { ProviderUnavailable } from './provider-unavailable';

const STATES: readonly ConnectionState[] = ['open', 'close', 'connecting'];

interface Request {
  method: 'GET' | 'POST';
  /** Path and query after the base URL. */
  path: string;
  /** For messages: the instance the call is about. */
  instance: string;
  body?: unknown;
  retry: boolean;
  /** How a 403 reads (create: the name is refused). */
  on403?: (detail: string) => Error;
  /** A 404 is an answer (fetchInstances: no such instance), not a failure. */
  allow404?: boolean;
}

export function createEvolutionInstances(options: EvolutionClientOptions): MessagingInstances {
  // The messaging client validates the URL and key, and already owns setWebhook and connectionState.
  const messaging = createEvolutionClient(options);
  const baseUrl = options.baseUrl.replace(/\/+$/, '');
  const timeoutMs = options.timeoutMs ?? 10_000;
  const retries = Math.max(0, options.retries ?? 2);
  const retryBaseDelayMs = options.retryBaseDelayMs ?? 250;
  const path = (action: string, instance: string) => `${action}/${encodeURIComponent(instance)}`;

  async function once(req: Request): Promise<{ status: number; body: unknown }> {
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), timeoutMs);
    let status: number;
    let text: string;
    try {
      const res = await fetch(`${baseUrl}${req.path}`, {
        method: req.method,
        redirect: 'manual',
        headers: {
          apikey: options.apiKey,
          accept: 'application/json',
          ...(req.body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        body: req.body === undefined ? undefined : JSON.stringify(req.body),
        signal: controller.signal,
      });
      status = res.status;
      text = await res.text();
    } catch (err) {
      const why = controller.signal.aborted ? `timed out after ${timeoutMs} ms` : (err as Error).message;
      throw new ProviderUnavailable(`Could not reach the Evolution API at ${baseUrl} (${req.path.split('?')[0]}): ${why}.`, 'network');
    } finally {
      clearTimeout(timer);
    }
    const body = parseJson(text);
    if ((status >= 200 && status < 300) || (status === 404 && req.allow404)) return { status, body };
    throw classify(req, status, describe(body, text));
  }

  async function call(req: Request): Promise<{ status: number; body: unknown }> {
    for (let n = 0; ; n++) {
      try {
        return await once(req);
      } catch (err) {
        if (!req.retry || n >= retries || !(err instanceof ProviderUnavailable)) throw err;
        await new Promise((r) => setTimeout(r, retryBaseDelayMs * 2 ** n + Math.random() * retryBaseDelayMs));
      }
    }
  }

  return {
    async createInstance(input) {
      const body: Record<string, unknown> = {
        instanceName: input.instanceName,
        integration: 'WHATSAPP-BAILEYS',
        qrcode: true,
      };
      if (input.pairingNumber) body.number = normalizePhone(input.pairingNumber);
      if (input.token) body.token = input.token;
      if (input.webhook) {
        body.webhook = {
          enabled: true,
          url: input.webhook.url,
          headers: input.webhook.headers,
          byEvents: false,
          base64: false,
          events: [...input.webhook.events],
        };
      }
      const { status, body: answer } = await call({
        method: 'POST',
        path: '/instance/create',
        instance: input.instanceName,
        body,
        retry: false,
        on403: (detail) =>
          new InstanceRefused(`The provider refused to create instance '${input.instanceName}' (403 ${detail}). Choose another name.`),
      });
      const state = stateOf(field(field(answer, 'instance'), 'status'));
      const code = codeOf(field(answer, 'qrcode'));
      if (!code && !state) {
        throw new ProviderUnavailable(
          `create for '${input.instanceName}' answered ${status} without instance or qrcode.`,
          'bad_response',
          status,
        );
      }
      return { state: state ?? 'connecting', code };
    },

    async connect(instance, opts) {
      const query = opts?.pairingNumber ? `?number=${normalizePhone(opts.pairingNumber)}` : '';
      const { status, body } = await call({ method: 'GET', path: `${path('/instance/connect', instance)}${query}`, instance, retry: true });
      // The provider swallows its own failures here and answers them as 200.
      if (field(body, 'error') === true) {
        const message = String(field(body, 'message') ?? 'no message');
        if (/does not exist/i.test(message)) {
          throw new ProviderConfig(`Evolution API has no instance named '${instance}' (connect: ${message.slice(0, 200)}).`);
        }
        throw new ProviderUnavailable(`connect for '${instance}' failed on the provider: ${message.slice(0, 200)}`, 'bad_response', status);
      }
      const open = stateOf(field(field(body, 'instance'), 'state'));
      if (open) return { state: open, code: null };
      const code = codeOf(body);
      if (!code)
        throw new ProviderUnavailable(`connect for '${instance}' answered ${status} without a code or a state.`, 'bad_response', status);
      return { state: 'connecting', code };
    },

    async fetchInstance(instance) {
      const { status, body } = await call({
        method: 'GET',
        path: `/instance/fetchInstances?instanceName=${encodeURIComponent(instance)}`,
        instance,
        retry: true,
        allow404: true,
      });
      if (status === 404) return null;
      const rows = Array.isArray(body) ? body : [body];
      const row = rows.find((r) => field(r, 'name') === instance) ?? (rows.length === 1 ? rows[0] : undefined);
      if (row === undefined || row === null) return null;
      return instanceOf(instance, row);
    },

    async setSettings(instance, settings) {
      await call({ method: 'POST', path: path('/settings/set', instance), instance, body: settingsBody(settings), retry: true });
    },

    setWebhook: (instance, webhook) => messaging.setWebhook(instance, webhook),
    connectionState: (instance) => messaging.connectionState(instance),
  };
}

function settingsBody(s: InstanceSettings): Record<string, unknown> {
  const body: Record<string, unknown> = {
    rejectCall: s.rejectCall,
    groupsIgnore: s.groupsIgnore,
    alwaysOnline: s.alwaysOnline,
    readMessages: s.readMessages,
    readStatus: s.readStatus,
    syncFullHistory: s.syncFullHistory,
  };
  if (s.msgCall !== undefined) body.msgCall = s.msgCall;
  return body;
}

function instanceOf(name: string, row: unknown): ProviderInstance {
  const state = stateOf(field(row, 'connectionStatus'));
  if (!state) throw new ProviderUnavailable(`fetchInstances for '${name}' answered without a known connectionStatus.`, 'bad_response');
  const jid = field(row, 'ownerJid');
  const digits = typeof jid === 'string' && jid.includes('@') ? jidToPhone(jid) : null;
  return { name, state, ownerPhone: digits && isE164Digits(digits) ? canonicalPhone(digits) : null };
}

function codeOf(value: unknown): IssuedCode | null {
  const code = field(value, 'code');
  const pairingCode = field(value, 'pairingCode');
  const count = Number(field(value, 'count'));
  if (typeof code !== 'string' && typeof pairingCode !== 'string') return null;
  return {
    code: typeof code === 'string' && code.length > 0 ? code : null,
    pairingCode: typeof pairingCode === 'string' && pairingCode.length > 0 ? pairingCode : null,
    count: Number.isInteger(count) && count > 0 ? count : 1,
  };
}

function stateOf(value: unknown): ConnectionState | null {
  return typeof value === 'string' && (STATES as readonly string[]).includes(value) ? (value as ConnectionState) : null;
}

function classify(req: Request, status: number, detail: string): Error {
  const where = `${req.path.split('?')[0]} for instance '${req.instance}'`;
  if (status >= 300 && status < 400) {
    return new ProviderConfig(`Evolution API answered ${status} (a redirect, not followed) on ${where}: check EVOLUTION_API_URL.`);
  }
  if (status === 401) return new ProviderConfig(`Evolution API rejected the API key on ${where} (401). Check EVOLUTION_API_KEY.`);
  if (status === 404) return new ProviderConfig(`Evolution API has no instance named '${req.instance}' (404).`);
  if (status === 403 && req.on403) return req.on403(detail);
  if (status >= 500 || status === 408 || status === 429) {
    return new ProviderUnavailable(`Evolution API failed on ${where}: ${status} ${detail}`, 'server_error', status);
  }
  if (status === 400 || status === 422) return new InvalidInput(`Evolution API rejected ${where}: ${status} ${detail}`);
  return new ProviderConfig(`Evolution API refused ${where}: ${status} ${detail}`);
}

/** The envelope's message, flattened and shortened; raw bodies are not echoed (they may hold numbers). */
function describe(body: unknown, text: string): string {
  const parts: string[] = [];
  const walk = (value: unknown): void => {
    if (typeof value === 'string') parts.push(value);
    else if (Array.isArray(value)) value.forEach(walk);
  };
  walk(field(field(body, 'response'), 'message'));
  if (parts.length === 0) walk(field(body, 'error'));
  const joined = parts.length > 0 ? parts.join('; ') : text.length > 0 ? '(unrecognised error body)' : '(empty body)';
  return joined.length > 300 ? `${joined.slice(0, 300)}…` : joined;
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
