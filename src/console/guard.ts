/**
 * What the console checks before any handler runs and sends with every answer, because any page the
 * operator's browser opens may try to use it:
 * - the Host header must name this console (a DNS-rebinding page names its own host): loopback names
 *   on the console's port, the interface it listens on, and WARMER_CONSOLE_HOSTS (a proxy's public name);
 * - forms carry a per-session token, an HMAC of the session cookie under a key made at start, that a page
 *   from another origin cannot read; scripts prove the same with a header no cross-site form can send;
 * - answers forbid framing, foreign scripts and Referer leaks to other sites; cookies are Secure when served over HTTPS
 *   (TLS, or X-Forwarded-Proto from a proxy listed in WARMER_CONSOLE_TRUSTED_PROXIES).
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { TLSSocket } from 'node:tls';
import { cookies } from './auth';

/** The page's own scripts and styles only (the chip charts are a static file), never inside a frame. */
export const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'content-security-policy': [
    "default-src 'none'",
    "script-src 'self'",
    "style-src 'self'",
    // The charts and bars colour themselves through style attributes (CSS variables).
    "style-src-attr 'unsafe-inline'",
    "img-src 'self' data:",
    "connect-src 'self'",
    "form-action 'self'",
    "base-uri 'none'",
    "frame-ancestors 'none'",
  ].join('; '),
  'x-frame-options': 'DENY',
  // Not no-referrer: under it Chromium sends `Origin: null` on the page's own form posts, the very
  // value refused as a sandboxed frame's or a local file's. same-origin sends nothing to other sites.
  'referrer-policy': 'same-origin',
  'x-content-type-options': 'nosniff',
  'cross-origin-opener-policy': 'same-origin',
  'cross-origin-resource-policy': 'same-origin',
};

/** The header a script sends on an action to show it is no cross-site form (any value). */
export const CSRF_HEADER = 'x-warmer-csrf';
/** The form field that carries the session's token. */
export const CSRF_FIELD = 'csrf';

const HOST = /^(\[[0-9a-f:.]+\]|[a-z0-9](?:[a-z0-9-]*[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]*[a-z0-9])?)*)(?::(\d{1,5}))?$/i;

/** A Host header (or configured entry) as name and port; undefined when it is not a plain host[:port]. */
export function parseHost(value: string): { name: string; port?: number } | undefined {
  const match = HOST.exec(value.trim());
  if (!match) return undefined;
  const port = match[2] === undefined ? undefined : Number(match[2]);
  if (port !== undefined && (port < 1 || port > 65535)) return undefined;
  return { name: match[1]!.toLowerCase(), port };
}

/**
 * Which Host headers name this console. `extra` entries without a port match that name on any port
 * (a proxy's public name is usually reached on 443); loopback names and the listening interface must
 * come with the console's own port.
 */
export function hostChecker(opts: { port: number; bindHost: string; extra?: readonly string[] }): (host: string | undefined) => boolean {
  const own = new Set(['localhost', '127.0.0.1', '[::1]']);
  const bind = opts.bindHost.trim().toLowerCase();
  if (bind !== '0.0.0.0' && bind !== '::' && bind !== '') own.add(bind.includes(':') && !bind.startsWith('[') ? `[${bind}]` : bind);
  const extraAny = new Set<string>();
  const extraExact = new Set<string>();
  for (const entry of opts.extra ?? []) {
    const parsed = parseHost(entry);
    if (!parsed) continue;
    if (parsed.port === undefined) extraAny.add(parsed.name);
    else extraExact.add(`${parsed.name}:${parsed.port}`);
  }
  return (host) => {
    const parsed = host === undefined ? undefined : parseHost(host);
    if (!parsed) return false;
    const port = parsed.port ?? 80;
    if (own.has(parsed.name) && port === opts.port) return true;
    return extraAny.has(parsed.name) || extraExact.has(`${parsed.name}:${port}`);
  };
}

export interface SessionGuard {
  /** The session cookie's name: per port, since browsers share cookies between ports of one host. */
  cookie: string;
  session(req: IncomingMessage): string | undefined;
  newSession(): string;
  tokenFor(session: string): string;
  /** Whether `given` is the token of the session the request's cookie names. */
  verify(req: IncomingMessage, given: string | undefined): boolean;
}

export function sessionGuard(port: number): SessionGuard {
  const key = randomBytes(32);
  const cookie = `warmer_session_${port}`;
  const tokenFor = (session: string) => createHmac('sha256', key).update(session).digest('base64url');
  const session = (req: IncomingMessage) => {
    const value = cookies(req)[cookie];
    return value && /^[A-Za-z0-9_-]{20,64}$/.test(value) ? value : undefined;
  };
  return {
    cookie,
    session,
    newSession: () => randomBytes(18).toString('base64url'),
    tokenFor,
    verify: (req, given) => {
      const current = session(req);
      if (!current || !given) return false;
      const expected = Buffer.from(tokenFor(current));
      const actual = Buffer.from(given);
      return expected.length === actual.length && timingSafeEqual(expected, actual);
    },
  };
}

/** Every POST form of a page carries the session's token; any form a page adds gets it too. */
export function withCsrfFields(html: string, token: string): string {
  return html.replace(/<form method="post"([^>]*)>/g, `<form method="post"$1><input type="hidden" name="${CSRF_FIELD}" value="${token}">`);
}

const normalizeAddress = (address: string | undefined) => (address ?? '').replace(/^::ffff:/, '');

/** Served over HTTPS: TLS on this socket, or X-Forwarded-Proto from a proxy the operator listed. */
export function servedOverHttps(req: IncomingMessage, trustedProxies: ReadonlySet<string>): boolean {
  if ((req.socket as TLSSocket).encrypted) return true;
  if (!trustedProxies.has(normalizeAddress(req.socket.remoteAddress))) return false;
  const proto = req.headers['x-forwarded-proto'];
  return typeof proto === 'string' && proto.split(',')[0]!.trim().toLowerCase() === 'https';
}

export function cookieHeader(name: string, value: string, secure: boolean): string {
  return `${name}=${encodeURIComponent(value)}; HttpOnly; SameSite=Strict; Path=/${secure ? '; Secure' : ''}`;
}

/** ?refresh= in seconds: 0 never, 5 to 3600 as given, anything else the default. */
export function refreshSeconds(raw: string | null, fallback = 30): number {
  if (raw === null || raw.trim() === '') return fallback;
  const n = Number(raw);
  if (n === 0) return 0;
  return Number.isInteger(n) && n >= 5 && n <= 3600 ? n : fallback;
}

/** A path fit for a log line: no query (tokens travel there) and long digit runs (phones) masked. */
export function loggablePath(pathname: string): string {
  return pathname.replace(/\d{6,}/g, (digits) => `***${digits.slice(-4)}`);
}
