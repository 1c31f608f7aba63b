/**
 * The worker's operational endpoints, served beside the webhooks on the receiver's port:
 *   GET /healthz  200 while the process serves HTTP (liveness)
 *   GET /readyz   200 when the database and Temporal answer and the worker runs; 503 naming what failed
 *                 ("database unreachable"), never its address: the port may be public
 *   GET /metrics  Prometheus text: Warmer's counters, then the Temporal SDK's runtime metrics
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { METRICS_CONTENT_TYPE, metricsText } from './metrics';

/** A readiness check resolves when its part is fine and throws (or rejects) when it is not. */
export type ReadinessCheck = () => Promise<void> | void;

/**
 * Thrown by a check whose message is safe to show as it is ("worker is stopped"). Any other failure is
 * shown as "<check> unreachable" with its error code at most: driver messages carry hosts and ports.
 */
export class NotReady extends Error {}

const OPS_PATHS = new Set(['/healthz', '/readyz', '/metrics']);

/** Whether a request is for an ops route: the HTTP layer serves these even when the server is busy. */
export function isOpsRequest(req: IncomingMessage): boolean {
  return OPS_PATHS.has((req.url ?? '/').split('?')[0]!);
}

class CheckTimeout extends Error {
  constructor(readonly ms: number) {
    super(`no answer within ${ms} ms`);
  }
}

function shownProblem(name: string, err: unknown): string {
  if (err instanceof NotReady) return err.message.split('\n')[0]!.slice(0, 300);
  if (err instanceof CheckTimeout) return `${name} did not answer within ${err.ms} ms`;
  const code = (err as { code?: unknown })?.code;
  return `${name} unreachable${typeof code === 'string' && /^[A-Z][A-Z0-9_]{1,40}$/.test(code) ? ` (${code})` : ''}`;
}

export interface OpsRoutesOptions {
  checks: Record<string, ReadinessCheck>;
  /** The SDK's exporter text, appended to /metrics. */
  sdkMetrics?: () => Promise<string>;
  /** Each readiness check gets this long. Default 2 s. */
  checkTimeoutMs?: number;
}

export type OpsRoutes = (req: IncomingMessage, res: ServerResponse) => Promise<boolean>;

function withTimeout(check: ReadinessCheck, ms: number): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new CheckTimeout(ms)), ms);
    Promise.resolve()
      .then(check)
      .then(
        () => {
          clearTimeout(timer);
          resolve();
        },
        (err: unknown) => {
          clearTimeout(timer);
          reject(err);
        },
      );
  });
}

export async function readiness(checks: Record<string, ReadinessCheck>, timeoutMs = 2_000) {
  const names = Object.keys(checks);
  const results = await Promise.all(
    names.map((name) =>
      withTimeout(checks[name]!, timeoutMs).then(
        () => ({ ok: true as const }),
        (err: unknown) => ({ ok: false as const, error: shownProblem(name, err) }),
      ),
    ),
  );
  const detail = Object.fromEntries(names.map((n, i) => [n, results[i]!]));
  return { ok: results.every((r) => r.ok), checks: detail };
}

/** Answers the three paths (GET/HEAD only); returns false for any other path so the caller routes it. */
export function createOpsRoutes(options: OpsRoutesOptions): OpsRoutes {
  const send = (res: ServerResponse, status: number, type: string, body: string, head: boolean) => {
    res.writeHead(status, { 'content-type': type, 'content-length': Buffer.byteLength(body), 'cache-control': 'no-store' });
    res.end(head ? undefined : body);
  };
  return async (req, res) => {
    if (!isOpsRequest(req)) return false;
    const pathname = (req.url ?? '/').split('?')[0];
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { allow: 'GET, HEAD', 'content-type': 'application/json' });
      res.end(JSON.stringify({ ok: false, error: 'method not allowed' }));
      return true;
    }
    const head = req.method === 'HEAD';
    if (pathname === '/healthz') {
      send(res, 200, 'application/json', JSON.stringify({ ok: true }), head);
    } else if (pathname === '/readyz') {
      const result = await readiness(options.checks, options.checkTimeoutMs);
      send(res, result.ok ? 200 : 503, 'application/json', JSON.stringify(result), head);
    } else {
      send(res, 200, METRICS_CONTENT_TYPE, await metricsText(options.sdkMetrics), head);
    }
    return true;
  };
}
