/**
 * The operator's console: a small node:http server with server-rendered pages, a read-only JSON API,
 * and the pause / resume / retire actions (the CLI's code path, audited). Static files are the
 * console's own CSS and chart script and uPlot from node_modules: it works offline, no CDN.
 *
 *   GET  /                       fleet page (?fleet=<id>, ?refresh=<seconds>: 0 never, 5-3600, else 30)
 *   GET  /chips/<id|instance>    chip page
 *   POST /chips/<id>/<action>    pause (reason), resume, retire: form posts, answered with a redirect
 *   GET|POST /onboard...         the "Novo chip" pages (src/console/onboarding-routes.ts)
 *   GET  /api/fleet, /api/chips (?phone=, ?status=, ?fleet=), /api/chips/<id|instance|phone>;
 *        with WARMER_API_TOKEN set they need `Authorization: Bearer <token>`, even on loopback
 *   POST /api/chips/<id>/<action> (JSON)
 *
 * Before any route: a Host this console is not configured for gets 421 (src/console/guard.ts). Every
 * action needs, besides the token rule (auth.ts), CSRF proof: the page's per-session token in the form
 * (field `csrf`), or an `X-Warmer-Csrf` header / `Authorization: Bearer` that no cross-site form or
 * no-cors fetch can send. Connections and deadlines follow src/adapters/http-server.ts.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { listen } from '../adapters/http-listen';
import { HttpError } from '../adapters/http-error';
import { createGuardedServer, discardBody, readBody as readLimited } from '../adapters/http-server';
import path from 'node:path';
import type { Client } from '@temporalio/client';
import type { ChipRecord, Db } from '../adapters/db/port';
import { applyChipAction, type ChipAction } from '../client/chip-actions';
import { ERROR_TABLE, TemporalUnavailable, isWarmerError } from '../domain/errors';
import { type AccessPolicy, isLoopbackHost, mayAct, mayRead, mayReadApi, presentedToken, TOKEN_COOKIE } from './auth';
import { apiChip, listApiChips } from './api-chips';
import { renderChipPage } from './chip-page';
import { chipPageData, type ConsoleSettings, fleetPageData } from './data';
import { renderFleetPage } from './fleet-page';
import {
  cookieHeader,
  CSRF_FIELD,
  CSRF_HEADER,
  hostChecker,
  type SessionGuard,
  loggablePath,
  refreshSeconds,
  SECURITY_HEADERS,
  servedOverHttps,
  sessionGuard,
  withCsrfFields,
} from './guard';
import { esc, page } from './html';
import { type ConsoleOnboarding, createOnboardingRoutes } from './onboarding-routes';

export interface ConsoleOptions {
  db: Db;
  /** Temporal, for live status and actions; the pages still render from the database without it. */
  temporal: () => Promise<Client>;
  settings: ConsoleSettings;
  temporalUiUrl: string;
  namespace: string;
  /** Default 127.0.0.1 (loopback only: without a token, actions need none). */
  host?: string;
  /** 0 picks a free port. */
  port: number;
  /** WARMER_CONSOLE_TOKEN: when set, needed to read and act, loopback included. */
  token?: string;
  /** WARMER_CONSOLE_HOSTS: Host names (name or name:port) besides loopback ones, e.g. a proxy's public name. */
  allowedHosts?: readonly string[];
  /** WARMER_CONSOLE_TRUSTED_PROXIES: addresses whose X-Forwarded-Proto says whether the browser used HTTPS. */
  trustedProxies?: readonly string[];
  /** WARMER_API_TOKEN: guards GET /api/* for other systems, even on loopback. */
  apiToken?: string;
  /** Where "Novo chip" starts onboardings; without it the page says it cannot. */
  onboarding?: ConsoleOnboarding;
  log?: (level: 'info' | 'warn' | 'error', message: string, fields?: Record<string, unknown>) => void;
}

export interface ConsoleServer {
  url: string;
  port: number;
  loopbackOnly: boolean;
  close(): Promise<void>;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const ACTIONS: readonly ChipAction[] = ['pause', 'resume', 'retire'];

const STATIC: Record<string, { file: () => string; type: string }> = {
  '/static/uPlot.iife.min.js': { file: () => require.resolve('uplot/dist/uPlot.iife.min.js'), type: 'text/javascript; charset=utf-8' },
  '/static/uPlot.min.css': { file: () => require.resolve('uplot/dist/uPlot.min.css'), type: 'text/css; charset=utf-8' },
  '/static/console.css': { file: () => path.join(__dirname, 'assets', 'console.css'), type: 'text/css; charset=utf-8' },
  '/static/chip-charts.js': { file: () => path.join(__dirname, 'assets', 'chip-charts.js'), type: 'text/javascript; charset=utf-8' },
  '/static/console-forms.js': { file: () => path.join(__dirname, 'assets', 'console-forms.js'), type: 'text/javascript; charset=utf-8' },
  '/static/onboarding.js': { file: () => path.join(__dirname, 'assets', 'onboarding.js'), type: 'text/javascript; charset=utf-8' },
};

function send(
  res: ServerResponse,
  status: number,
  type: string,
  body: string | Buffer,
  headers: Record<string, string | string[]> = {},
): void {
  if (res.headersSent || res.destroyed) return;
  res.writeHead(status, {
    ...SECURITY_HEADERS,
    'content-type': type,
    'content-length': Buffer.byteLength(body),
    'cache-control': 'no-store',
    ...headers,
  });
  res.end(body);
}

const sendJson = (res: ServerResponse, status: number, value: unknown) =>
  send(res, status, 'application/json; charset=utf-8', JSON.stringify(value));

async function readBody(req: IncomingMessage, limit = 16 * 1024): Promise<Record<string, string>> {
  const text = (
    await readLimited(req, limit).catch((err: unknown) => {
      throw err instanceof HttpError && err.status === 413 ? new HttpError(413, 'corpo grande demais') : err;
    })
  ).toString('utf8');
  if (!text) return {};
  if ((req.headers['content-type'] ?? '').includes('application/json')) {
    try {
      const value = JSON.parse(text) as unknown;
      if (!value || typeof value !== 'object' || Array.isArray(value)) throw new Error('not an object');
      return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, String(v ?? '')]));
    } catch {
      throw new HttpError(400, 'JSON inválido: esperado um objeto como {"reason": "..."}');
    }
  }
  return Object.fromEntries(new URLSearchParams(text));
}

export async function startConsole(options: ConsoleOptions): Promise<ConsoleServer> {
  const host = options.host ?? '127.0.0.1';
  const policy: AccessPolicy = { loopbackOnly: isLoopbackHost(host), token: options.token, apiToken: options.apiToken };
  const log = options.log ?? (() => undefined);
  const links = { temporalUiUrl: options.temporalUiUrl, namespace: options.namespace };
  const flashes = new Map<string, { ok: boolean; text: string }>();
  const staticCache = new Map<string, Buffer>();

  const temporal = async (): Promise<Client | null> => {
    try {
      return await options.temporal();
    } catch (err) {
      log('warn', 'Temporal unreachable; pages show the database only', { error: (err as Error).message });
      return null;
    }
  };

  const onboarding = createOnboardingRoutes({ onboarding: options.onboarding, temporal, log });

  const findChip = async (ref: string): Promise<ChipRecord> => {
    const chip = UUID.test(ref)
      ? await options.db.getChip(ref.toLowerCase()).catch(() => null)
      : ((await options.db.findChipByInstance(ref)) ?? (/^\+?[\d\s()-]{8,}$/.test(ref) ? await options.db.findChipByPhone(ref) : null));
    if (!chip) throw new HttpError(404, `Nenhum chip '${ref}' (use o id ou o nome da instância).`);
    return chip;
  };

  const act = async (req: IncomingMessage, body: Record<string, string>, chipRef: string, action: ChipAction) => {
    const chip = await findChip(chipRef);
    const client = await temporal();
    if (!client) throw new TemporalUnavailable('Temporal não respondeu: nenhuma ação foi feita.');
    const operator = (body.operator ?? '').trim().slice(0, 80);
    const actor = `${operator || 'anônimo'} via console (${req.socket.remoteAddress ?? '?'})`;
    const reason = (body.reason ?? '').trim().slice(0, 200) || undefined;
    if (action === 'pause' && !reason) throw new HttpError(400, 'Pausar pede um motivo (reason).');
    const outcome = await applyChipAction(client, options.db, chip, action, { reason, actor, source: 'console' });
    log('info', `console action ${action}`, { chipId: chip.id, actor, applied: outcome.applied });
    return { chip, outcome };
  };

  // Known once the port is: the Host check and the session cookie's name depend on it.
  let hostAllowed: (host: string | undefined) => boolean = () => false;
  let sessions: SessionGuard = sessionGuard(0);
  const trustedProxies = new Set(options.trustedProxies ?? []);

  const refuse = (res: ServerResponse, isApi: boolean, status: number, reason: string, form = '') => {
    if (isApi) return sendJson(res, status, { ok: false, error: reason });
    send(res, status, 'text/html; charset=utf-8', page({ title: 'Recusado', body: `<h1>Recusado</h1><p>${esc(reason)}</p>${form}` }));
  };

  /** A CSRF proof: the session's token in the form, or a header a cross-site form or no-cors fetch cannot send. */
  const csrfProof = (req: IncomingMessage, body: Record<string, string>): boolean => {
    const header = req.headers[CSRF_HEADER];
    if (typeof header === 'string' && header.trim() !== '') return true;
    if (/^bearer\s+\S/i.test(req.headers.authorization ?? '')) return true;
    return sessions.verify(req, body[CSRF_FIELD]);
  };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    let url: URL;
    let parts: string[];
    try {
      url = new URL(req.url ?? '/', 'http://console.local');
      parts = url.pathname.split('/').filter(Boolean).map(decodeURIComponent);
    } catch {
      discardBody(req);
      return send(res, 400, 'text/plain; charset=utf-8', 'Endereço malformado.');
    }
    const isApi = parts[0] === 'api';
    // Before any route: a page that rebinds its own name to this address must get nothing.
    if (!hostAllowed(req.headers.host)) {
      log('warn', 'console request for a foreign host refused', { path: loggablePath(url.pathname), remote: req.socket.remoteAddress });
      discardBody(req);
      res.setHeader('connection', 'close');
      return refuse(res, isApi, 421, 'Este console não atende por este nome (Host). Configure WARMER_CONSOLE_HOSTS para um proxy.');
    }
    if (req.method === 'GET' && STATIC[url.pathname]) {
      const entry = STATIC[url.pathname]!;
      let body = staticCache.get(url.pathname);
      if (!body) staticCache.set(url.pathname, (body = readFileSync(entry.file())));
      return send(res, 200, entry.type, body, { 'cache-control': 'max-age=300' });
    }
    if (url.pathname === '/healthz') return sendJson(res, 200, { ok: true });

    const token = presentedToken(req, url);
    const https = servedOverHttps(req, trustedProxies);
    if (req.method === 'POST') {
      const decision = mayAct(policy, token, req, (originHost) => hostAllowed(originHost));
      if (!decision.ok) {
        log('warn', 'console action refused', {
          path: loggablePath(url.pathname),
          remote: req.socket.remoteAddress,
          status: decision.status,
          why: decision.reason,
        });
        // The body is not read: close the connection rather than leave it half-consumed.
        res.setHeader('connection', 'close');
        discardBody(req);
        return refuse(res, isApi, decision.status, decision.reason);
      }
      const [a, b, c, d] = parts;
      const chipRef = isApi ? (b === 'chips' ? c : undefined) : a === 'chips' ? b : undefined;
      const action = (isApi ? d : c) as ChipAction;
      const onboardingPost = !isApi && onboarding.takesPost(parts);
      if (!onboardingPost && (!chipRef || !ACTIONS.includes(action) || parts.length !== (isApi ? 4 : 3))) {
        discardBody(req);
        throw new HttpError(404, 'Rota desconhecida.');
      }
      const body = await readBody(req);
      if (!csrfProof(req, body)) {
        log('warn', 'console action refused', {
          path: loggablePath(url.pathname),
          remote: req.socket.remoteAddress,
          status: 403,
          why: 'no CSRF proof',
        });
        return refuse(
          res,
          isApi,
          403,
          'Ação recusada: o pedido não veio da página do console (falta o campo csrf ou o cabeçalho X-Warmer-Csrf).',
        );
      }
      if (onboardingPost || !chipRef) {
        // A form shown again after a refusal carries the session's token, as every page's forms do.
        const reply = await onboarding.post(req, body);
        const session = sessions.session(req);
        const html = session && reply.type.startsWith('text/html') ? withCsrfFields(reply.body, sessions.tokenFor(session)) : reply.body;
        return send(res, reply.status, reply.type, html, reply.headers);
      }
      if (isApi) {
        const { outcome } = await act(req, body, chipRef, action);
        return sendJson(res, 200, { ok: true, ...outcome });
      }
      let target = `/chips/${encodeURIComponent(chipRef)}`;
      let flash: { ok: boolean; text: string };
      try {
        const { chip, outcome } = await act(req, body, chipRef, action);
        target = `/chips/${chip.id}`;
        flash = { ok: true, text: outcome.message + (outcome.auditError ? ` (não registrado no log: ${outcome.auditError})` : '') };
      } catch (err) {
        if (!(err instanceof HttpError || isWarmerError(err))) throw err;
        flash = { ok: false, text: (err as Error).message };
      }
      // The outcome is shown once on the page the browser is sent to, and never read from the URL.
      const key = randomBytes(8).toString('hex');
      flashes.set(key, flash);
      if (flashes.size > 100) flashes.delete(flashes.keys().next().value!);
      return send(res, 303, 'text/plain; charset=utf-8', 'ok', { location: `${target}?flash=${key}` });
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      discardBody(req);
      throw new HttpError(405, 'Método não permitido.');
    }

    const read = isApi ? mayReadApi(policy, req, token) : mayRead(policy, token);
    if (!read.ok) {
      return refuse(
        res,
        isApi,
        read.status,
        read.reason,
        '<form method="get" action="/"><input name="token" type="password"><button>Entrar</button></form>',
      );
    }
    if (!isApi && url.searchParams.has('token') && policy.token) {
      // The token moves into a cookie and out of the address bar (and history) at once.
      const clean = new URL(url);
      clean.searchParams.delete('token');
      return send(res, 303, 'text/plain; charset=utf-8', 'ok', {
        location: `${clean.pathname}${clean.search}`,
        'set-cookie': cookieHeader(TOKEN_COOKIE, token!, https),
      });
    }
    const fleetId = url.searchParams.get('fleet') ?? undefined;
    if (!isApi) {
      const headers: Record<string, string> = {};
      let session = sessions.session(req);
      if (!session) headers['set-cookie'] = cookieHeader(sessions.cookie, (session = sessions.newSession()), https);
      const csrf = sessions.tokenFor(session);
      const onboardingPage = await onboarding.get(parts);
      if (onboardingPage) {
        const body = onboardingPage.type.startsWith('text/html') ? withCsrfFields(onboardingPage.body, csrf) : onboardingPage.body;
        return send(res, onboardingPage.status, onboardingPage.type, body, { ...headers, ...onboardingPage.headers });
      }
      if (parts.length === 0) {
        const data = await fleetPageData(options.db, options.settings, { fleetId });
        const html = renderFleetPage(data, links, { refreshSeconds: refreshSeconds(url.searchParams.get('refresh')) });
        return send(res, 200, 'text/html; charset=utf-8', withCsrfFields(html, csrf), headers);
      }
      if (parts[0] === 'chips' && parts.length === 2) {
        const chip = await findChip(parts[1]!);
        const flashKey = url.searchParams.get('flash');
        const flash = flashKey ? flashes.get(flashKey) : undefined;
        const data = await chipPageData(await temporal(), options.db, chip, options.settings);
        return send(res, 200, 'text/html; charset=utf-8', withCsrfFields(renderChipPage(data, links, flash), csrf), headers);
      }
    }
    if (isApi && parts[1] === 'fleet' && parts.length === 2) {
      return sendJson(res, 200, await fleetPageData(options.db, options.settings, { fleetId }));
    }
    if (isApi && parts[1] === 'chips' && parts.length === 2) {
      return sendJson(res, 200, await listApiChips(options.db, url.searchParams));
    }
    if (isApi && parts[1] === 'chips' && parts.length === 3) {
      const chip = await findChip(parts[2]!);
      return sendJson(res, 200, {
        ready: apiChip(chip).ready,
        ...(await chipPageData(await temporal(), options.db, chip, options.settings)),
      });
    }
    throw new HttpError(404, 'Página não encontrada.');
  };

  const server = createGuardedServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      const status = err instanceof HttpError ? err.status : isWarmerError(err) ? ERROR_TABLE[err.code].httpStatus : 500;
      const message = err instanceof HttpError || isWarmerError(err) ? err.message : 'Erro interno; veja o log do console.';
      // The path only: the query may carry the token.
      const where = (req.url ?? '/').split('?')[0]!;
      if (status === 500) log('error', 'console request failed', { path: loggablePath(where), error: (err as Error)?.message });
      if (res.headersSent) return void res.destroy();
      if (where.startsWith('/api/')) return sendJson(res, status, { ok: false, error: message });
      send(
        res,
        status,
        'text/html; charset=utf-8',
        page({ title: 'Erro', body: `<h1>${status}</h1><p>${esc(message)}</p><p><a href="/">voltar à frota</a></p>` }),
      );
    });
  });
  const listening = await listen(server, options.port, host);
  hostAllowed = hostChecker({ port: listening.port, bindHost: host, extra: options.allowedHosts });
  sessions = sessionGuard(listening.port);
  return { url: listening.origin, port: listening.port, loopbackOnly: policy.loopbackOnly, close: listening.close };
}
