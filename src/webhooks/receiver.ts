/**
 * The authenticated HTTP endpoint Evolution API posts its webhooks to. Each post's secret header is
 * checked (constant-time) before its body is read: the shared secret, or an instance's own, which then
 * speaks for that instance only. The body is size-limited, translated by `translateWebhook`, resolved
 * to a chip and handed to `onEvent` (which signals the chip's workflow). Connections, idle sockets and
 * deadlines follow src/adapters/http-server.ts; the ops routes keep answering when webhooks fill it.
 *
 * Answers: 200 handled (including events Warmer ignores and redeliveries of facts already recorded),
 * 400 malformed (too many items, a connection.update that is not one object), 401 bad or missing
 * secret (the instance's own when it has one, the shared one otherwise; a secret that is nobody's is
 * refused before the body is read), 404 unknown path or instance,
 * 405 not POST, 413 too large, 500 when resolveChip/onEvent failed (the database, the provider's
 * connection state or Temporal could not be reached) — the only answer Evolution retries, which is
 * what we want for a transient failure on our side.
 * No input may crash it.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { listen } from '../adapters/http-listen';
import { HttpError } from '../adapters/http-error';
import { createGuardedServer, discardBody, HTTP_LIMITS, readBody, requestPath } from '../adapters/http-server';
import { ConfigError } from '../domain/errors';
import { metrics } from '../observability/metrics';
import { isOpsRequest, type OpsRoutes } from '../observability/ops-routes';
import type { ChipProviderEvent, ProviderEvent } from './events';
import { translateWebhook } from './translate';

export type WebhookLog = (level: 'info' | 'warn' | 'error', message: string, fields?: Record<string, unknown>) => void;

export interface WebhookReceiverOptions {
  /** 0 picks a free port. */
  port: number;
  /** Default 0.0.0.0: the provider usually runs on another host or container. */
  host?: string;
  /** Base path; `<path>/<anything>` is accepted too (Evolution's byEvents suffixes). Default /webhook. */
  path?: string;
  /** Shared secret configured as a webhook header on every instance. */
  secret: string;
  /**
   * Optional per-instance secrets (instance name -> secret). An instance that has one is accepted with
   * it only (the shared secret, known to every other instance, is refused for it); the others with the
   * shared secret.
   */
  instanceSecrets?: Readonly<Record<string, string>>;
  /** Connections open at most (default 256); one more closes an idle one, or is refused when all are busy. */
  maxConnections?: number;
  /** Default x-warmer-secret. */
  headerName?: string;
  /** Default 256 KiB. */
  maxBodyBytes?: number;
  resolveChip: (instance: string) => Promise<{ chipId: string; phone: string } | null>;
  onEvent: (event: ChipProviderEvent) => Promise<void>;
  /** Events of an instance no chip has (one being onboarded): true when taken (answered 200), false for 404. */
  onUnregisteredInstance?: (instance: string, events: ProviderEvent[]) => Promise<boolean>;
  log?: WebhookLog;
  /** Receive-time clock; injectable for tests. */
  now?: () => Date;
  /** /healthz, /readyz, /metrics (src/observability/ops-routes.ts), answered before the webhook path. */
  opsRoutes?: OpsRoutes;
}

export interface WebhookReceiver {
  /** The full webhook URL (base path included) to configure on the provider. */
  url: string;
  port: number;
  close(): Promise<void>;
}

const DEFAULT_MAX_BODY_BYTES = 256 * 1024;

export async function startWebhookReceiver(options: WebhookReceiverOptions): Promise<WebhookReceiver> {
  if (typeof options.secret !== 'string' || options.secret.length === 0) {
    throw new ConfigError('Webhook receiver needs a shared secret (WEBHOOK_SECRET): refusing to accept unauthenticated posts.');
  }
  const basePath = `/${(options.path ?? '/webhook').replace(/^\/+|\/+$/g, '')}`.replace(/^\/$/, '');
  const headerName = (options.headerName ?? 'x-warmer-secret').toLowerCase();
  const maxBodyBytes = options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  const expectedDigest = sha256(options.secret);
  const log: WebhookLog = options.log ?? (() => undefined);
  const now = options.now ?? (() => new Date());

  // Secret digest -> the instances whose own secret it is (two instances may share one).
  const instancesBySecret = new Map<string, { digest: Buffer; instances: Set<string> }>();
  for (const [instance, secret] of Object.entries(options.instanceSecrets ?? {})) {
    if (secret.length === 0) continue;
    const digest = sha256(secret);
    const key = digest.toString('hex');
    const entry = instancesBySecret.get(key) ?? { digest, instances: new Set<string>() };
    entry.instances.add(instance);
    instancesBySecret.set(key, entry);
  }
  // Comparing fixed-length digests keeps the comparison constant-time whatever the input length.
  const matches = (given: Buffer, digest: Buffer): boolean => timingSafeEqual(given, digest);

  const ownSecretInstances = new Set([...instancesBySecret.values()].flatMap((e) => [...e.instances]));

  /**
   * Whom the secret header speaks for, decided from the header alone so a secret that is nobody's is
   * refused before any body is read: the shared secret, and/or the instances whose own secret it is.
   */
  const authenticate = (req: IncomingMessage): { shared: boolean; instances: Set<string> } | null => {
    const given = req.headers[headerName];
    if (typeof given !== 'string') return null;
    const digest = sha256(given);
    let instances = new Set<string>();
    // Every entry is compared, matched or not, so timing says nothing about which secret matched.
    for (const entry of instancesBySecret.values()) if (matches(digest, entry.digest)) instances = entry.instances;
    const shared = matches(digest, expectedDigest);
    return shared || instances.size > 0 ? { shared, instances } : null;
  };

  /** An instance with its own secret is spoken for by that secret only; any other by the shared one. */
  const mayPostFor = (caller: { shared: boolean; instances: Set<string> }, instance: unknown): boolean =>
    typeof instance === 'string' && ownSecretInstances.has(instance) ? caller.instances.has(instance) : caller.shared;

  const unauthorized = (req: IncomingMessage, res: ServerResponse): void => {
    log('warn', 'webhook rejected: bad or missing secret', { remote: req.socket.remoteAddress });
    metrics.webhookEvents.inc({ kind: 'unknown', outcome: 'unauthorized' });
    reply(res, 401, { ok: false, error: 'unauthorized' }, { connection: 'close' });
    discardBody(req);
  };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    if (options.opsRoutes && (await options.opsRoutes(req, res))) return;
    const pathname = requestPath(req);
    if (
      pathname === undefined ||
      !(
        pathname === basePath ||
        pathname === `${basePath}/` ||
        (pathname.startsWith(`${basePath}/`) && !pathname.slice(basePath.length + 1).includes('/'))
      )
    ) {
      reply(res, 404, { ok: false, error: 'not found' });
      return discardBody(req);
    }
    if (req.method !== 'POST') {
      reply(res, 405, { ok: false, error: 'method not allowed' }, { allow: 'POST' });
      return discardBody(req);
    }
    const caller = authenticate(req);
    if (!caller) return unauthorized(req, res);

    let body: unknown;
    try {
      const text = (await readBody(req, maxBodyBytes)).toString('utf8');
      try {
        body = JSON.parse(text) as unknown;
      } catch {
        throw new HttpError(400, 'malformed JSON');
      }
    } catch (err) {
      if (err instanceof HttpError) {
        if (err.status === 413) log('warn', 'webhook rejected: body too large', { maxBodyBytes });
        metrics.webhookEvents.inc({ kind: 'unknown', outcome: err.status === 413 ? 'too_large' : 'malformed' });
        return reply(res, err.status, { ok: false, error: err.message }, err.status === 413 ? { connection: 'close' } : {});
      }
      throw err;
    }

    // An instance's own secret speaks for that instance only, and only it speaks for that instance.
    const claimed = typeof body === 'object' && body !== null ? (body as { instance?: unknown }).instance : undefined;
    if (!mayPostFor(caller, claimed)) {
      log('warn', 'webhook rejected: not the secret of this instance', { remote: req.socket.remoteAddress });
      metrics.webhookEvents.inc({ kind: 'unknown', outcome: 'unauthorized' });
      return reply(res, 401, { ok: false, error: 'unauthorized' });
    }

    const translation = translateWebhook(body, now());
    if (!translation.ok) {
      log('warn', 'webhook rejected: malformed', { error: translation.error });
      metrics.webhookEvents.inc({ kind: 'unknown', outcome: 'malformed' });
      return reply(res, 400, { ok: false, error: translation.error });
    }
    const { instance, event, events } = translation;

    let chip: { chipId: string; phone: string } | null;
    try {
      chip = await options.resolveChip(instance);
    } catch (err) {
      log('error', 'webhook: resolving the instance failed', { instance, error: errorMessage(err) });
      return reply(res, 500, { ok: false, error: 'could not resolve instance' });
    }
    if (!chip && options.onUnregisteredInstance && events.length > 0) {
      try {
        if (await options.onUnregisteredInstance(instance, events)) {
          log('info', 'webhook for an instance being onboarded', { instance, event });
          return reply(res, 200, { ok: true, events: events.length });
        }
      } catch (err) {
        log('error', 'webhook: forwarding to the onboarding failed', { instance, event, error: errorMessage(err) });
        return reply(res, 500, { ok: false, error: 'event not handled' });
      }
    }
    if (!chip) {
      log('warn', 'webhook for an unknown instance', { instance, event });
      for (const e of events) metrics.webhookEvents.inc({ kind: e.kind, outcome: 'unknown_instance' });
      return reply(res, 404, { ok: false, error: 'unknown instance' });
    }

    for (const providerEvent of events) {
      try {
        await options.onEvent({ ...providerEvent, chipId: chip.chipId });
        metrics.webhookEvents.inc({ kind: providerEvent.kind, outcome: 'handled' });
      } catch (err) {
        log('error', 'webhook: handling the event failed', { instance, event, kind: providerEvent.kind, error: errorMessage(err) });
        metrics.webhookEvents.inc({ kind: providerEvent.kind, outcome: 'failed' });
        return reply(res, 500, { ok: false, error: 'event not handled' });
      }
    }
    if (events.length > 0) log('info', 'webhook handled', { instance, event, kinds: events.map((e) => e.kind) });
    return reply(res, 200, { ok: true, events: events.length });
  };

  const server = createGuardedServer(
    (req, res) => {
      handle(req, res).catch((err: unknown) => {
        log('error', 'webhook receiver: unexpected failure', { error: errorMessage(err) });
        if (!res.headersSent && !res.destroyed) reply(res, 500, { ok: false, error: 'internal error' });
        else res.destroy();
      });
    },
    { limits: { maxConnections: options.maxConnections ?? HTTP_LIMITS.maxConnections }, priority: isOpsRequest },
  );

  const host = options.host ?? '0.0.0.0';
  const listening = await listen(server, options.port, host);
  return { url: `${listening.origin}${basePath}`, port: listening.port, close: listening.close };
}

function reply(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  if (res.headersSent || res.destroyed) return;
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text), ...headers });
  res.end(text);
}

function sha256(value: string): Buffer {
  return createHash('sha256').update(value, 'utf8').digest();
}

function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
