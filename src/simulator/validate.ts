/**
 * TEST / DEMO ONLY. The simulator's JSON-schema checks, answered like Evolution's validator does
 * (400 with nested arrays of messages such as `instance requires property "number"`).
 */
import { SimError, type SimWebhookConfig } from './network';

export function requireProps(body: unknown, props: string[], where = 'instance'): void {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new SimError(400, [[`${where} is not of a type(s) object`]]);
  }
  const missing = props.filter((p) => (body as Record<string, unknown>)[p] === undefined);
  if (missing.length > 0) throw new SimError(400, [missing.map((p) => `${where} requires property "${p}"`)]);
}

export function requireType(body: unknown, prop: string, type: 'string' | 'integer' | 'boolean'): unknown {
  const value = (body as Record<string, unknown>)[prop];
  const ok = type === 'integer' ? Number.isInteger(value) && (value as number) >= 0 : typeof value === type;
  if (!ok) throw new SimError(400, [[`instance.${prop} is not of a type(s) ${type}`]]);
  return value;
}

export function optionalType(body: Record<string, unknown>, prop: string, type: 'string' | 'boolean', where = 'instance'): void {
  if (body[prop] !== undefined && typeof body[prop] !== type) throw new SimError(400, [[`${where}.${prop} is not of a type(s) ${type}`]]);
}

/**
 * A webhook's settings as /webhook/set and /instance/create take them (nested, never v1's flat
 * fields). `requireEvents`: creation refuses a webhook that does not list its events.
 */
export function parseWebhook(webhook: unknown, opts: { requireEvents: boolean }): SimWebhookConfig {
  requireProps(webhook, opts.requireEvents ? ['url', 'events'] : ['enabled', 'url'], 'instance.webhook');
  const w = webhook as Record<string, unknown>;
  const enabled = w.enabled ?? true;
  if (typeof enabled !== 'boolean') throw new SimError(400, [['instance.webhook.enabled is not of a type(s) boolean']]);
  if (typeof w.url !== 'string' || !/^https?:\/\/\S+$/.test(w.url)) throw new SimError(400, ['Invalid "url" property']);
  const events = w.events ?? [];
  if (!Array.isArray(events) || !events.every((e) => typeof e === 'string' && /^[A-Z_]+$/.test(e))) {
    throw new SimError(400, [['instance.webhook.events is not an array of event names']]);
  }
  if (opts.requireEvents && events.length === 0) throw new SimError(400, [['instance.webhook.events does not meet minimum length of 1']]);
  const headers = w.headers ?? {};
  if (
    typeof headers !== 'object' ||
    headers === null ||
    Array.isArray(headers) ||
    !Object.values(headers).every((v) => typeof v === 'string')
  ) {
    throw new SimError(400, [['instance.webhook.headers is not an object of strings']]);
  }
  return {
    enabled,
    url: w.url,
    headers: headers as Record<string, string>,
    byEvents: w.byEvents === true,
    base64: w.base64 === true,
    events: events as string[],
  };
}
