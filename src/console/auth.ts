/**
 * Who may do what on the console. With WARMER_CONSOLE_TOKEN set, reading and acting need it wherever
 * the console listens, loopback included (an `ssh -L` or a local proxy makes loopback anyone's).
 * Without one, a loopback-only console is open to its machine, and a console on any other interface
 * is read-only (actions 403). The token travels as `Authorization: Bearer`, `x-warmer-token`, or the
 * cookie the console sets after `/?token=...`. An action must also come from the console's own
 * origin (an opaque `Origin: null` never does) and carry CSRF proof (src/console/guard.ts).
 * The read-only JSON API is for other systems too (a campaign asking "is this number ready?"): with
 * WARMER_API_TOKEN set it needs `Authorization: Bearer <token>` wherever the console listens.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

export const TOKEN_COOKIE = 'warmer_console_token';

export function isLoopbackHost(host: string): boolean {
  const h = host
    .trim()
    .toLowerCase()
    .replace(/^\[|\]$/g, '');
  return h === 'localhost' || h === '::1' || /^127\.\d+\.\d+\.\d+$/.test(h);
}

const digest = (value: string) => createHash('sha256').update(value, 'utf8').digest();

export function sameToken(given: string | undefined, expected: string | undefined): boolean {
  if (!given || !expected) return false;
  return timingSafeEqual(digest(given), digest(expected));
}

export function cookies(req: IncomingMessage): Record<string, string> {
  const out: Record<string, string> = {};
  for (const part of (req.headers.cookie ?? '').split(';')) {
    const i = part.indexOf('=');
    if (i > 0) {
      try {
        out[part.slice(0, i).trim()] = decodeURIComponent(part.slice(i + 1).trim());
      } catch {
        // a malformed cookie is no token
      }
    }
  }
  return out;
}

/** The token the request carries, whichever way. */
export function presentedToken(req: IncomingMessage, url: URL): string | undefined {
  const auth = req.headers.authorization;
  if (typeof auth === 'string' && /^bearer\s+/i.test(auth)) return auth.replace(/^bearer\s+/i, '').trim();
  const header = req.headers['x-warmer-token'];
  if (typeof header === 'string' && header) return header;
  return url.searchParams.get('token') ?? cookies(req)[TOKEN_COOKIE];
}

export interface AccessPolicy {
  loopbackOnly: boolean;
  token?: string;
  /** WARMER_API_TOKEN: when set, the JSON API (GET /api/*) needs it as a bearer token, even on loopback. */
  apiToken?: string;
}

export type Decision = { ok: true } | { ok: false; status: 401 | 403; reason: string };

export function mayRead(policy: AccessPolicy, token: string | undefined): Decision {
  if (!policy.token || sameToken(token, policy.token)) return { ok: true };
  return { ok: false, status: 401, reason: 'Este console pede o token (WARMER_CONSOLE_TOKEN): abra /?token=<token>.' };
}

/** GET /api/*: the API token when one is set (an operator's console token is also accepted), else the pages' rule. */
export function mayReadApi(policy: AccessPolicy, req: IncomingMessage, token: string | undefined): Decision {
  if (!policy.apiToken) return mayRead(policy, token);
  const auth = req.headers.authorization;
  const bearer = typeof auth === 'string' && /^bearer\s+/i.test(auth) ? auth.replace(/^bearer\s+/i, '').trim() : undefined;
  if (sameToken(bearer, policy.apiToken) || sameToken(token, policy.token)) return { ok: true };
  return { ok: false, status: 401, reason: 'A API pede o token (WARMER_API_TOKEN) no cabeçalho Authorization: Bearer <token>.' };
}

/**
 * Whether an action may proceed, from its headers alone (the body is not read yet): a present Origin
 * must be one `originAllowed` accepts (never the opaque "null" of a sandboxed frame or a local file),
 * and the token rule. The CSRF proof is checked by the server once it has the form.
 */
export function mayAct(
  policy: AccessPolicy,
  token: string | undefined,
  req: IncomingMessage,
  originAllowed: (host: string) => boolean,
): Decision {
  const origin = req.headers.origin;
  if (origin !== undefined) {
    if (origin === 'null') return { ok: false, status: 403, reason: 'Ação recusada: origem opaca (null), não a página do console.' };
    let host: string | undefined;
    try {
      host = new URL(origin).host;
    } catch {
      host = undefined;
    }
    if (!host || !originAllowed(host)) return { ok: false, status: 403, reason: 'Ação recusada: origem diferente do console.' };
  }
  if (policy.token) {
    if (!sameToken(token, policy.token)) return { ok: false, status: 403, reason: 'Ação recusada: token ausente ou inválido.' };
    return { ok: true };
  }
  if (!policy.loopbackOnly)
    return {
      ok: false,
      status: 403,
      reason: 'Ação recusada: este console não escuta só em loopback e WARMER_CONSOLE_TOKEN não está definido.',
    };
  return { ok: true };
}
