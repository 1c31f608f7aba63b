/**
 * Temporal's codec server protocol over HTTP, so an authorized operator reads encrypted payloads in
 * the Temporal UI or CLI: POST <base>/decode and <base>/encode with `{"payloads": [{"metadata":
 * {k: base64}, "data": base64}]}`, answered in the same shape. Every request needs the token, as
 * `Authorization: Bearer <token>` (CLI: --codec-auth) or as a path segment, <base>/<token>/decode,
 * for a UI that cannot send headers (start-dev --ui-codec-endpoint <url>/<token>). CORS answers
 * the listed UI origins. Wrong token: 403; none: 401, both before the body is read. Connections,
 * idle sockets and deadlines follow src/adapters/http-server.ts.
 */
import { timingSafeEqual } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import { listen } from '../http-listen';
import { createGuardedServer, discardBody, HttpError, readBody, requestPath } from '../http-server';
import type { Payload, PayloadCodec } from '@temporalio/common';

export interface CodecEndpointOptions {
  codec: PayloadCodec;
  token: string;
  port: number;
  host?: string;
  /** Browser origins allowed to call it (the Temporal UI's). */
  corsOrigins?: string[];
  basePath?: string;
  maxBodyBytes?: number;
}

export interface CodecEndpoint {
  /** Base URL, e.g. http://127.0.0.1:8083/codec (POST <url>/decode). */
  url: string;
  port: number;
  close(): Promise<void>;
}

interface JsonPayload {
  metadata?: Record<string, string>;
  data?: string;
}

const toPayload = (p: JsonPayload): Payload => ({
  metadata: Object.fromEntries(Object.entries(p.metadata ?? {}).map(([k, v]) => [k, Buffer.from(v, 'base64')])),
  data: Buffer.from(p.data ?? '', 'base64'),
});

const toJson = (p: Payload): JsonPayload => ({
  metadata: Object.fromEntries(
    Object.entries(p.metadata ?? {}).map(([k, v]) => [k, Buffer.from(v ?? new Uint8Array()).toString('base64')]),
  ),
  data: Buffer.from(p.data ?? new Uint8Array()).toString('base64'),
});

function sameToken(given: string, expected: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

export async function startCodecEndpoint(options: CodecEndpointOptions): Promise<CodecEndpoint> {
  if (options.token.length < 16) throw new Error('The codec endpoint token must be at least 16 characters');
  const basePath = (options.basePath ?? '/codec').replace(/\/$/, '');
  const origins = new Set(options.corsOrigins ?? []);
  const limit = options.maxBodyBytes ?? 4 * 1024 * 1024;

  const reply = (res: ServerResponse, status: number, body?: unknown) => {
    if (res.headersSent || res.destroyed) return;
    res.writeHead(status, body === undefined ? {} : { 'content-type': 'application/json', 'x-content-type-options': 'nosniff' });
    res.end(body === undefined ? undefined : JSON.stringify(body));
  };

  const server = createGuardedServer((req, res) => {
    const origin = req.headers.origin;
    if (origin && origins.has(origin)) {
      res.setHeader('access-control-allow-origin', origin);
      res.setHeader('access-control-allow-credentials', 'true');
      res.setHeader('vary', 'origin');
    }
    if (req.method === 'OPTIONS') {
      res.setHeader('access-control-allow-methods', 'POST, OPTIONS');
      res.setHeader('access-control-allow-headers', 'content-type, x-namespace, authorization');
      res.setHeader('access-control-max-age', '600');
      reply(res, 204);
      return discardBody(req);
    }
    const pathname = requestPath(req) ?? '';
    const rest = pathname.startsWith(`${basePath}/`) ? pathname.slice(basePath.length + 1).split('/') : [];
    const action = rest[rest.length - 1];
    const refuse = (status: number, error: string) => {
      reply(res, status, { error });
      discardBody(req);
    };
    if (req.method !== 'POST' || (action !== 'encode' && action !== 'decode') || rest.length > 2) return refuse(404, 'not found');

    const bearer = /^Bearer\s+(.+)$/i.exec(req.headers.authorization ?? '')?.[1]?.trim();
    const given = rest.length === 2 ? rest[0] : bearer;
    if (!given) return refuse(401, 'missing token: Authorization: Bearer <token>');
    if (!sameToken(given, options.token)) return refuse(403, 'wrong token');

    readBody(req, limit)
      .then(async (raw) => {
        const body = JSON.parse(raw.toString('utf8')) as { payloads?: JsonPayload[] };
        if (!Array.isArray(body.payloads)) return reply(res, 400, { error: 'expected {"payloads": [...]}' });
        const payloads = body.payloads.map(toPayload);
        const out = action === 'decode' ? await options.codec.decode(payloads) : await options.codec.encode(payloads);
        reply(res, 200, { payloads: out.map(toJson) });
      })
      .catch((err: unknown) => {
        const status = err instanceof HttpError ? err.status : err instanceof SyntaxError ? 400 : 422;
        reply(res, status, { error: (err as Error).message });
      });
  });

  const host = options.host ?? '127.0.0.1';
  const listening = await listen(server, options.port, host);
  return { url: `${listening.origin}${basePath}`, port: listening.port, close: listening.close };
}
