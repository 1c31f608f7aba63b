/**
 * Temporal's codec server protocol over HTTP, so an authorized operator reads encrypted payloads in
 * the Temporal UI or CLI: POST <base>/decode and <base>/encode with `{"payloads": [{"metadata":
 * {k: base64}, "data": base64}]}`, answered in the same shape. Every request needs the token, as
 * `Authorization: Bearer <token>` (CLI: --codec-auth) or as a path segment, <base>/<token>/decode,
 * for a UI that cannot send headers (start-dev --ui-codec-endpoint <url>/<token>). CORS answers
 * the listed UI origins. Wrong token: 403; none: 401.
 */
import { timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { listen } from '../http-listen';
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

async function readBody(req: IncomingMessage, limit: number): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > limit) throw Object.assign(new Error('request body too large'), { status: 413 });
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

export async function startCodecEndpoint(options: CodecEndpointOptions): Promise<CodecEndpoint> {
  if (options.token.length < 16) throw new Error('The codec endpoint token must be at least 16 characters');
  const basePath = (options.basePath ?? '/codec').replace(/\/$/, '');
  const origins = new Set(options.corsOrigins ?? []);
  const limit = options.maxBodyBytes ?? 4 * 1024 * 1024;

  const reply = (res: ServerResponse, status: number, body?: unknown) => {
    res.writeHead(status, body === undefined ? {} : { 'content-type': 'application/json' });
    res.end(body === undefined ? undefined : JSON.stringify(body));
  };

  const server = createServer((req, res) => {
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
      return reply(res, 204);
    }
    const url = new URL(req.url ?? '/', 'http://codec');
    const rest = url.pathname.startsWith(`${basePath}/`) ? url.pathname.slice(basePath.length + 1).split('/') : [];
    const action = rest[rest.length - 1];
    if (req.method !== 'POST' || (action !== 'encode' && action !== 'decode') || rest.length > 2)
      return reply(res, 404, { error: 'not found' });

    const bearer = /^Bearer\s+(.+)$/i.exec(req.headers.authorization ?? '')?.[1]?.trim();
    const given = rest.length === 2 ? rest[0] : bearer;
    if (!given) return reply(res, 401, { error: 'missing token: Authorization: Bearer <token>' });
    if (!sameToken(given, options.token)) return reply(res, 403, { error: 'wrong token' });

    readBody(req, limit)
      .then(async (raw) => {
        const body = JSON.parse(raw) as { payloads?: JsonPayload[] };
        if (!Array.isArray(body.payloads)) return reply(res, 400, { error: 'expected {"payloads": [...]}' });
        const payloads = body.payloads.map(toPayload);
        const out = action === 'decode' ? await options.codec.decode(payloads) : await options.codec.encode(payloads);
        reply(res, 200, { payloads: out.map(toJson) });
      })
      .catch((err: unknown) => {
        const status = (err as { status?: number }).status ?? (err instanceof SyntaxError ? 400 : 422);
        if (!res.headersSent) reply(res, status, { error: (err as Error).message });
      });
  });

  const host = options.host ?? '127.0.0.1';
  const listening = await listen(server, options.port, host);
  return { url: `${listening.origin}${basePath}`, port: listening.port, close: listening.close };
}
