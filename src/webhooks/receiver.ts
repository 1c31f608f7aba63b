/**
 * The authenticated HTTP endpoint Evolution API posts its webhooks to. Each post is checked against
 * a shared secret header (constant-time), size-limited, translated by `translateWebhook`, resolved
 * to a chip and handed to `onEvent` (which signals the chip's workflow).
 *
 * Answers: 200 handled (including events Warmer ignores and redeliveries of facts already recorded),
 * 400 malformed (too many items, a connection.update that is not one object), 401 bad or missing
 * secret (the shared one, or the instance's own when configured), 404 unknown path or instance,
 * 405 not POST, 413 too large, 500 when resolveChip/onEvent failed (the database, the provider's
 * connection state or Temporal could not be reached) — the only answer Evolution retries, which is
 * what we want for a transient failure on our side.
 * No input may crash it.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { listen } from '../adapters/http-listen';
import { ConfigError } from '../domain/errors';
import { metrics } from '../observability/metrics';
import type { OpsRoutes } from '../observability/ops-routes';
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
  /** Optional per-instance secrets (instance name -> secret); an instance's own secret or the shared one is accepted. */
  instanceSecrets?: Readonly<Record<string, string>>;
  /** Concurrent connections served at most (default 256); more are refused by the server. */
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

class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

export async function startWebhookReceiver(options: WebhookReceiverOptions): Promise<WebhookReceiver> {
  if (typeof options.secret !== 'string' || options.secret.length === 0) {
    throw new ConfigError('Webhook receiver needs a shared secret (WEBHOOK_SECRET): refusing to accept unauthenticated posts.');
  }
  const basePath = `/${(options.path ?? '/webhook').replace(/^\/+|\/+$/g, '')}`.replace(/^\/$/, '');
  const headerName = (options.headerName ?? 'x-warmer-secret').toLowerCase();
  const maxBodyBytes = options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  // Past this we stop draining an oversized body and drop the connection.
  const drainLimitBytes = Math.max(maxBodyBytes * 8, 4 * 1024 * 1024);
  const expectedDigest = sha256(options.secret);
  const log: WebhookLog = options.log ?? (() => undefined);
  const now = options.now ?? (() => new Date());

  const instanceDigests = new Map(
    Object.entries(options.instanceSecrets ?? {})
      .filter(([, v]) => v.length > 0)
      .map(([k, v]) => [k, sha256(v)]),
  );
  const givenSecret = (req: IncomingMessage): string | undefined => {
    const given = req.headers[headerName];
    return typeof given === 'string' ? given : undefined;
  };
  // Comparing fixed-length digests keeps the comparison constant-time whatever the input length.
  const matches = (given: string, digest: Buffer): boolean => timingSafeEqual(sha256(given), digest);

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    if (options.opsRoutes && (await options.opsRoutes(req, res))) return;
    const pathname = safePathname(req.url);
    if (
      pathname === null ||
      !(
        pathname === basePath ||
        pathname === `${basePath}/` ||
        (pathname.startsWith(`${basePath}/`) && !pathname.slice(basePath.length + 1).includes('/'))
      )
    ) {
      drain(req);
      return reply(res, 404, { ok: false, error: 'not found' });
    }
    if (req.method !== 'POST') {
      drain(req);
      return reply(res, 405, { ok: false, error: 'method not allowed' }, { allow: 'POST' });
    }
    const given = givenSecret(req);
    const shared = given !== undefined && matches(given, expectedDigest);
    // Without the shared secret, only an instance's own secret can do, known once the body is read.
    if (given === undefined || (!shared && instanceDigests.size === 0)) {
      drain(req);
      log('warn', 'webhook rejected: bad or missing secret', { remote: req.socket.remoteAddress });
      metrics.webhookEvents.inc({ kind: 'unknown', outcome: 'unauthorized' });
      return reply(res, 401, { ok: false, error: 'unauthorized' });
    }
    const declared = Number(req.headers['content-length']);
    if (Number.isFinite(declared) && declared > drainLimitBytes) {
      reply(res, 413, { ok: false, error: 'payload too large' }, { connection: 'close' });
      req.destroy();
      return;
    }

    let body: unknown;
    try {
      const text = await readLimited(req, maxBodyBytes, drainLimitBytes);
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

    const claimedInstance =
      typeof body === 'object' && body !== null && typeof (body as { instance?: unknown }).instance === 'string'
        ? (body as { instance: string }).instance
        : '';
    const ownDigest = instanceDigests.get(claimedInstance);
    if (!shared && !(ownDigest && matches(given, ownDigest))) {
      log('warn', 'webhook rejected: bad or missing secret', { remote: req.socket.remoteAddress });
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

  const server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      log('error', 'webhook receiver: unexpected failure', { error: errorMessage(err) });
      if (!res.headersSent && !res.destroyed) reply(res, 500, { ok: false, error: 'internal error' });
      else res.destroy();
    });
  });
  // Slow or garbled clients must not hold sockets or take the process down.
  server.requestTimeout = 30_000;
  server.headersTimeout = 10_000;
  server.maxConnections = options.maxConnections ?? 256;
  server.on('clientError', (_err, socket) => {
    if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nconnection: close\r\ncontent-length: 0\r\n\r\n');
    else socket.destroy();
  });

  const host = options.host ?? '0.0.0.0';
  const listening = await listen(server, options.port, host);
  return { url: `${listening.origin}${basePath}`, port: listening.port, close: listening.close };
}

/** Reads the body as UTF-8. Over `maxBytes` -> 413 after draining (up to `dropBytes`, then the socket is dropped). */
function readLimited(req: IncomingMessage, maxBytes: number, dropBytes: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let settled = false;
    const settle = (fn: () => void): void => {
      if (!settled) {
        settled = true;
        fn();
      }
    };
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > dropBytes) {
        settle(() => reject(new HttpError(413, 'payload too large')));
        req.destroy();
        return;
      }
      if (size <= maxBytes) chunks.push(chunk);
    });
    req.on('end', () => {
      if (size > maxBytes) settle(() => reject(new HttpError(413, 'payload too large')));
      else settle(() => resolve(Buffer.concat(chunks).toString('utf8')));
    });
    req.on('error', () => settle(() => reject(new HttpError(400, 'request aborted'))));
    req.on('close', () => settle(() => reject(new HttpError(400, 'request aborted'))));
  });
}

function reply(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  if (res.headersSent || res.destroyed) return;
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text), ...headers });
  res.end(text);
}

/** Discards a body we will not read, dropping the connection if it goes on too long. */
function drain(req: IncomingMessage, limitBytes = 4 * 1024 * 1024): void {
  let size = 0;
  req.on('error', () => undefined);
  req.on('data', (chunk: Buffer) => {
    size += chunk.length;
    if (size > limitBytes) req.destroy();
  });
}

function safePathname(url: string | undefined): string | null {
  try {
    return new URL(url ?? '/', 'http://receiver.local').pathname;
  } catch {
    return null;
  }
}

function sha256(value: string): Buffer {
  return createHash('sha256').update(value, 'utf8').digest();
}

function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
