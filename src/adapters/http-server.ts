/**
 * How every Warmer HTTP server (webhook receiver with the ops routes, console, codec endpoint, dev
 * database bridge) treats its connections, so that no client holds one open by sending nothing or
 * sending slowly, and a cheap health probe is never starved by them:
 *
 *   idle         5 s  a connection that sends nothing for this long is closed: before its first byte,
 *                     between requests, mid-headers or mid-body (waiting on our own answer does not count)
 *   headers     10 s  request line and headers must be complete this long after their first byte (408)
 *   request     30 s  the whole request, body included, this long after its first byte (408)
 *   connections  256  open at once; one more closes the oldest connection with no request in progress
 *                     (a silent, slow-header or idle keep-alive socket), or itself when all are busy
 *   reserved      16  ordinary requests in progress never take the last of these: priority requests
 *                     (/healthz, /readyz, /metrics) always find a connection; an ordinary one gets 503
 *
 * Node's own headersTimeout/requestTimeout start at a request's first byte, so a socket that never
 * sends one is only caught by the idle timer. Bodies are read with `readBody`, after the caller has
 * authenticated the request, up to a size limit (413).
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { HttpError } from './http-error';

export { HttpError };

export interface HttpLimits {
  idleMs: number;
  headersMs: number;
  requestMs: number;
  maxConnections: number;
  reserved: number;
}

export const HTTP_LIMITS: Readonly<HttpLimits> = {
  idleMs: 5_000,
  headersMs: 10_000,
  requestMs: 30_000,
  maxConnections: 256,
  reserved: 16,
};

export interface GuardedServerOptions {
  limits?: Partial<HttpLimits>;
  /** Requests allowed onto the reserved connections: cheap ones that must answer under load (ops routes). */
  priority?: (req: IncomingMessage) => boolean;
}

export type RequestHandler = (req: IncomingMessage, res: ServerResponse) => void;

interface Connection {
  inFlight: number;
  /** The latest request on this connection. */
  current?: IncomingMessage;
}

export function createGuardedServer(handler: RequestHandler, options: GuardedServerOptions = {}): Server {
  const limits: HttpLimits = { ...HTTP_LIMITS, ...options.limits };
  if (!(limits.idleMs > 0 && limits.headersMs > 0 && limits.headersMs <= limits.requestMs))
    throw new Error('HTTP limits: idleMs and headersMs must be > 0, headersMs <= requestMs');
  if (!(limits.maxConnections > limits.reserved && limits.reserved >= 0))
    throw new Error('HTTP limits: maxConnections must be larger than reserved (>= 0)');
  const open = new Map<Socket, Connection>();
  let ordinaryInFlight = 0;

  const server = createServer(
    {
      requestTimeout: limits.requestMs,
      keepAliveTimeout: limits.idleMs,
      // Node checks the two deadlines above on this period (30 s by default, which would stretch them).
      connectionsCheckingInterval: Math.max(100, Math.min(1_000, Math.floor(limits.headersMs / 2))),
    },
    (req, res) => {
      const conn = open.get(req.socket) ?? { inFlight: 0 };
      const ordinary = !options.priority?.(req);
      if (ordinary && ordinaryInFlight >= limits.maxConnections - limits.reserved) {
        const body = JSON.stringify({ ok: false, error: 'server busy, retry later' });
        res.writeHead(503, {
          'content-type': 'application/json',
          'content-length': Buffer.byteLength(body),
          'retry-after': '1',
          connection: 'close',
        });
        res.end(body);
        return;
      }
      conn.inFlight++;
      conn.current = req;
      if (ordinary) ordinaryInFlight++;
      res.once('close', () => {
        conn.inFlight--;
        if (ordinary) ordinaryInFlight--;
      });
      handler(req, res);
    },
  );

  // Read by Node on each check, like requestTimeout (the option's type lacks it).
  server.headersTimeout = limits.headersMs;
  server.setTimeout(limits.idleMs);
  // With a listener here Node leaves the decision to us: a socket whose request is fully received is
  // waiting on our answer; any other silent socket goes.
  server.on('timeout', (socket: Socket) => {
    const conn = open.get(socket);
    if (conn && conn.inFlight > 0 && conn.current?.complete) return;
    socket.destroy();
  });

  server.on('connection', (socket: Socket) => {
    if (open.size >= limits.maxConnections) {
      let victim: Socket | undefined;
      for (const [s, c] of open) {
        if (c.inFlight === 0) {
          victim = s;
          break;
        }
      }
      if (!victim) {
        socket.destroy();
        return;
      }
      open.delete(victim);
      victim.destroy();
    }
    open.set(socket, { inFlight: 0 });
    socket.once('close', () => open.delete(socket));
  });

  server.on('clientError', (err: NodeJS.ErrnoException, socket: Socket) => {
    const busy = (socket as Socket & { _httpMessage?: unknown })._httpMessage;
    if (!socket.writable || busy || err.code === 'ECONNRESET') return void socket.destroy();
    const status =
      err.code === 'ERR_HTTP_REQUEST_TIMEOUT'
        ? '408 Request Timeout'
        : err.code === 'HPE_HEADER_OVERFLOW'
          ? '431 Request Header Fields Too Large'
          : '400 Bad Request';
    socket.end(`HTTP/1.1 ${status}\r\nconnection: close\r\ncontent-length: 0\r\n\r\n`);
  });
  return server;
}

/**
 * The request's body, at most `maxBytes` (else HttpError 413). A body over the limit is read on and
 * dropped up to `drainBytes`, so the client gets the 413 instead of a reset; past that the socket goes.
 */
export function readBody(req: IncomingMessage, maxBytes: number, drainBytes = Math.max(maxBytes * 4, 1024 * 1024)): Promise<Buffer> {
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > drainBytes) {
    req.destroy();
    return Promise.reject(new HttpError(413, 'payload too large'));
  }
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
      if (size > drainBytes) {
        settle(() => reject(new HttpError(413, 'payload too large')));
        req.destroy();
      } else if (size <= maxBytes) chunks.push(chunk);
    });
    req.on('end', () => settle(() => (size > maxBytes ? reject(new HttpError(413, 'payload too large')) : resolve(Buffer.concat(chunks)))));
    req.on('error', () => settle(() => reject(new HttpError(400, 'request aborted'))));
    req.on('close', () => settle(() => reject(new HttpError(400, 'request aborted'))));
  });
}

/** Reads and drops a body the server refused without reading (say, after a 401), closing past `limitBytes`. */
export function discardBody(req: IncomingMessage, limitBytes = 64 * 1024): void {
  if (req.complete) return;
  let size = 0;
  req.on('error', () => undefined);
  req.on('data', (chunk: Buffer) => {
    size += chunk.length;
    if (size > limitBytes) req.destroy();
  });
}

/** The request's path, undefined when the target is not a parseable origin-form URL; never the query. */
export function requestPath(req: IncomingMessage): string | undefined {
  try {
    return new URL(req.url ?? '/', 'http://server.invalid').pathname;
  } catch {
    return undefined;
  }
}
