/**
 * Evolution API v2's instance management (the contract as v2.3.6–2.3.7 behaves): create, connect and
 * fetchInstances (ownerJid), over the shared machinery of evolution-http.ts (errors, retries, no
 * redirects); webhook, settings and connection state are the messaging client's own calls.
 *
 * Quirks handled here: create reads the lowercase `integration` key and a webhook given at creation
 * must be nested and list its events; `GET /instance/connect` answers its own failures as 200
 * `{ error: true, message }` (treated as a failure, never as a code); its answer is the bare code
 * object while the session waits, and the connectionState shape once open; fetchInstances answers
 * 404 for an unknown name (read as "no such instance"); a 403 on create is a refused name
 * (InstanceRefused). Create is never retried (a retry after a lost answer would meet "name in use":
 * callers look first); reads are.
 */
import { InstanceRefused, ProviderConfig } from '../../domain/errors';
import { canonicalPhone, isE164Digits, jidToPhone, normalizePhone } from '../../domain/phone';
import { createEvolutionClient } from './evolution';
import { type Call, type EvolutionClientOptions, createEvolutionHttp, field } from './evolution-http';
import type { IssuedCode, MessagingInstances, ProviderInstance } from './instances-port';
import type { ConnectionState } from './port';
import { ProviderUnavailable } from './provider-unavailable';

const STATES: readonly ConnectionState[] = ['open', 'close', 'connecting'];

/** fetchInstances' 404: an answer (no instance of that name), not a failure. */
class NoSuchInstance extends Error {}

export function createEvolutionInstances(options: EvolutionClientOptions): MessagingInstances {
  const http = createEvolutionHttp(options);
  // The messaging client owns setWebhook, connectionState and the one /settings/set call.
  const messaging = createEvolutionClient(options);
  const call = (fields: Omit<Call, 'timeoutMs'>) => http.send({ timeoutMs: http.timeoutMs, ...fields });

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
        action: '/instance/create',
        instance: input.instanceName,
        instanceInPath: false,
        body,
        idempotent: false,
        refine: ({ status: code, detail }) =>
          code === 403
            ? new InstanceRefused(`The provider refused to create instance '${input.instanceName}' (403 ${detail}). Choose another name.`)
            : undefined,
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
      const { status, body } = await call({
        method: 'GET',
        action: '/instance/connect',
        instance,
        ...(opts?.pairingNumber ? { query: { number: normalizePhone(opts.pairingNumber) } } : {}),
        idempotent: true,
      });
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
      let body: unknown;
      try {
        ({ body } = await call({
          method: 'GET',
          action: '/instance/fetchInstances',
          instance,
          instanceInPath: false,
          query: { instanceName: instance },
          idempotent: true,
          refine: ({ status }) => (status === 404 ? new NoSuchInstance() : undefined),
        }));
      } catch (err) {
        if (err instanceof NoSuchInstance) return null;
        throw err;
      }
      const rows = Array.isArray(body) ? body : [body];
      const row = rows.find((r) => field(r, 'name') === instance) ?? (rows.length === 1 ? rows[0] : undefined);
      if (row === undefined || row === null) return null;
      return instanceOf(instance, row);
    },

    setInstanceSettings: (instance, settings, limits) => messaging.setInstanceSettings(instance, settings, limits),
    setWebhook: (instance, webhook) => messaging.setWebhook(instance, webhook),
    connectionState: (instance) => messaging.connectionState(instance),
  };
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
