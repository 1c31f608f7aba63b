/**
 * The operator's console: a small node:http server with server-rendered pages, a read-only JSON API,
 * and the pause / resume / retire actions (the CLI's code path, audited). Static files are the
 * console's own CSS and chart script and uPlot from node_modules: it works offline, no CDN.
 *
 *   GET  /                       fleet page (?fleet=<id>, ?refresh=<seconds>, 0 = never)
 *   GET  /chips/<id|instance>    chip page
 *   POST /chips/<id>/<action>    pause (reason), resume, retire: form posts, answered with a redirect
 *   GET|POST /onboard...         the "Novo chip" pages (src/console/onboarding-routes.ts)
 *   GET  /api/fleet, /api/chips (?phone=, ?status=, ?fleet=), /api/chips/<id|instance|phone>;
 *        with WARMER_API_TOKEN set they need `Authorization: Bearer <token>`, even on loopback
 *   POST /api/chips/<id>/<action> (JSON)
 */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { listen } from '../adapters/http-listen';
import path from 'node:path';
import type { Client } from '@temporalio/client';
import type { ChipRecord, Db } from '../adapters/db/port';
import { applyChipAction, type ChipAction, ChipActionRefused } from '../client/chip-actions';
import { isWarmerError } from '../domain/errors';
import { type AccessPolicy, isLoopbackHost, mayAct, mayRead, mayReadApi, presentedToken, TOKEN_COOKIE } from './auth';
import { apiChip, listApiChips } from './api-chips';
import { renderChipPage } from './chip-page';
import { chipPageData, type ConsoleSettings, fleetPageData } from './data';
import { renderFleetPage } from './fleet-page';
import { esc, page } from './html';
import { type ConsoleOnboarding, createOnboardingRoutes } from './onboarding-routes';

export interface ConsoleOptions {
  db: Db;
  /** Temporal, for live status and actions; the pages still render from the database without it. */
  temporal: () => Promise<Client>;
  settings: ConsoleSettings;
  temporalUiUrl: string;
  namespace: string;
  /** Default 127.0.0.1 (loopback only: actions need no token). */
  host?: string;
  /** 0 picks a free port. */
  port: number;
  token?: string;
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
  '/static/onboarding.js': { file: () => path.join(__dirname, 'assets', 'onboarding.js'), type: 'text/javascript; charset=utf-8' },
};

class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

function send(res: ServerResponse, status: number, type: string, body: string | Buffer, headers: Record<string, string> = {}): void {
  res.writeHead(status, {
    'content-type': type,
    'content-length': Buffer.byteLength(body),
    'cache-control': 'no-store',
    'x-content-type-options': 'nosniff',
    ...headers,
  });
  res.end(body);
}

const sendJson = (res: ServerResponse, status: number, value: unknown) =>
  send(res, status, 'application/json; charset=utf-8', JSON.stringify(value));

async function readBody(req: IncomingMessage, limit = 16 * 1024): Promise<Record<string, string>> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > limit) throw new HttpError(413, 'corpo grande demais');
    chunks.push(chunk as Buffer);
  }
  const text = Buffer.concat(chunks).toString('utf8');
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

  const onboarding = createOnboardingRoutes({ onboarding: options.onboarding, temporal, readBody, log });

  const findChip = async (ref: string): Promise<ChipRecord> => {
    const chip = UUID.test(ref)
      ? await options.db.getChip(ref.toLowerCase()).catch(() => null)
      : ((await options.db.findChipByInstance(ref)) ?? (/^\+?[\d\s()-]{8,}$/.test(ref) ? await options.db.findChipByPhone(ref) : null));
    if (!chip) throw new HttpError(404, `Nenhum chip '${ref}' (use o id ou o nome da instância).`);
    return chip;
  };

  const act = async (req: IncomingMessage, chipRef: string, action: ChipAction) => {
    const body = await readBody(req);
    const chip = await findChip(chipRef);
    const client = await temporal();
    if (!client) throw new HttpError(503, 'Temporal não respondeu: nenhuma ação foi feita.');
    const operator = (body.operator ?? '').trim().slice(0, 80);
    const actor = `${operator || 'anônimo'} via console (${req.socket.remoteAddress ?? '?'})`;
    const reason = (body.reason ?? '').trim().slice(0, 200) || undefined;
    if (action === 'pause' && !reason) throw new HttpError(400, 'Pausar pede um motivo (reason).');
    const outcome = await applyChipAction(client, options.db, chip, action, { reason, actor, source: 'console' });
    log('info', `console action ${action}`, { chipId: chip.id, actor, applied: outcome.applied });
    return { chip, outcome };
  };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? '/', 'http://console.local');
    const parts = url.pathname.split('/').filter(Boolean).map(decodeURIComponent);
    const isApi = parts[0] === 'api';
    if (req.method === 'GET' && STATIC[url.pathname]) {
      const entry = STATIC[url.pathname]!;
      let body = staticCache.get(url.pathname);
      if (!body) staticCache.set(url.pathname, (body = readFileSync(entry.file())));
      return send(res, 200, entry.type, body, { 'cache-control': 'max-age=300' });
    }
    if (url.pathname === '/healthz') return sendJson(res, 200, { ok: true });

    const token = presentedToken(req, url);
    if (req.method === 'POST') {
      const decision = mayAct(policy, token, req);
      if (!decision.ok) {
        log('warn', 'console action refused', { path: url.pathname, remote: req.socket.remoteAddress, status: decision.status });
        // The body is not read: close the connection rather than leave it half-consumed.
        res.setHeader('connection', 'close');
        if (isApi) return sendJson(res, decision.status, { ok: false, error: decision.reason });
        return send(
          res,
          decision.status,
          'text/html; charset=utf-8',
          page({ title: 'Recusado', body: `<h1>Recusado</h1><p>${esc(decision.reason)}</p>` }),
        );
      }
      const started = isApi ? null : await onboarding.post(req, parts);
      if (started) return send(res, started.status, started.type, started.body, started.headers);
      const [a, b, c, d] = parts;
      const chipRef = isApi ? (b === 'chips' ? c : undefined) : a === 'chips' ? b : undefined;
      const action = (isApi ? d : c) as ChipAction;
      if (!chipRef || !ACTIONS.includes(action) || parts.length !== (isApi ? 4 : 3)) throw new HttpError(404, 'Rota desconhecida.');
      if (isApi) {
        const { outcome } = await act(req, chipRef, action);
        return sendJson(res, 200, { ok: true, ...outcome });
      }
      let target = `/chips/${encodeURIComponent(chipRef)}`;
      let flash: { ok: boolean; text: string };
      try {
        const { chip, outcome } = await act(req, chipRef, action);
        target = `/chips/${chip.id}`;
        flash = { ok: true, text: outcome.message + (outcome.auditError ? ` (não registrado no log: ${outcome.auditError})` : '') };
      } catch (err) {
        if (!(err instanceof ChipActionRefused || err instanceof HttpError || isWarmerError(err))) throw err;
        flash = { ok: false, text: (err as Error).message };
      }
      // The outcome is shown once on the page the browser is sent to, and never read from the URL.
      const key = randomBytes(8).toString('hex');
      flashes.set(key, flash);
      if (flashes.size > 100) flashes.delete(flashes.keys().next().value!);
      return send(res, 303, 'text/plain; charset=utf-8', 'ok', { location: `${target}?flash=${key}` });
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') throw new HttpError(405, 'Método não permitido.');

    const read = isApi ? mayReadApi(policy, req, token) : mayRead(policy, token);
    if (!read.ok) {
      if (isApi) return sendJson(res, read.status, { ok: false, error: read.reason });
      return send(
        res,
        read.status,
        'text/html; charset=utf-8',
        page({
          title: 'Token',
          body: `<h1>Token necessário</h1><p>${esc(read.reason)}</p><form method="get" action="/"><input name="token" type="password"><button>Entrar</button></form>`,
        }),
      );
    }
    const headers: Record<string, string> = {};
    if (url.searchParams.has('token') && token && !policy.loopbackOnly) {
      headers['set-cookie'] = `${TOKEN_COOKIE}=${encodeURIComponent(token)}; HttpOnly; SameSite=Strict; Path=/`;
    }
    const onboardingPage = await onboarding.get(parts);
    if (onboardingPage)
      return send(res, onboardingPage.status, onboardingPage.type, onboardingPage.body, { ...headers, ...onboardingPage.headers });
    const fleetId = url.searchParams.get('fleet') ?? undefined;
    if (parts.length === 0) {
      const data = await fleetPageData(options.db, options.settings, { fleetId });
      const refresh = Number(url.searchParams.get('refresh') ?? 30);
      return send(
        res,
        200,
        'text/html; charset=utf-8',
        renderFleetPage(data, links, { refreshSeconds: Number.isFinite(refresh) ? refresh : 30 }),
        headers,
      );
    }
    if (parts[0] === 'chips' && parts.length === 2) {
      const chip = await findChip(parts[1]!);
      const flashKey = url.searchParams.get('flash');
      const flash = flashKey ? flashes.get(flashKey) : undefined;
      const data = await chipPageData(await temporal(), options.db, chip, options.settings);
      return send(res, 200, 'text/html; charset=utf-8', renderChipPage(data, links, flash), headers);
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

  const server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      const status =
        err instanceof HttpError ? err.status : isWarmerError(err) && err.code === 'ChipNotFound' ? 404 : isWarmerError(err) ? 400 : 500;
      const message =
        err instanceof HttpError || isWarmerError(err) || err instanceof ChipActionRefused
          ? (err as Error).message
          : 'Erro interno; veja o log do console.';
      if (status === 500) log('error', 'console request failed', { path: req.url, error: (err as Error)?.message });
      if (res.headersSent) return void res.destroy();
      if ((req.url ?? '').startsWith('/api/'))
        return sendJson(res, err instanceof ChipActionRefused ? 409 : status, { ok: false, error: message });
      send(
        res,
        status,
        'text/html; charset=utf-8',
        page({ title: 'Erro', body: `<h1>${status}</h1><p>${esc(message)}</p><p><a href="/">voltar à frota</a></p>` }),
      );
    });
  });
  server.requestTimeout = 30_000;
  server.headersTimeout = 10_000;
  const listening = await listen(server, options.port, host);
  return { url: listening.origin, port: listening.port, loopbackOnly: policy.loopbackOnly, close: listening.close };
}
