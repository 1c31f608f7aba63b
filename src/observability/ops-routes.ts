/**
 * The worker's operational endpoints, served beside the webhooks on the receiver's port:
 *   GET /healthz  200 while the process serves HTTP (liveness)
 *   GET /readyz   200 when the database and Temporal answer and the worker runs; 503 with what failed
 *   GET /metrics  Prometheus text: Warmer's counters, then the Temporal SDK's runtime metrics
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { METRICS_CONTENT_TYPE, metricsText } from './metrics';

/** A readiness check resolves when its part is fine and throws (or rejects) naming the problem. */
export type ReadinessCheck = () => Promise<void> | void;

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
    const timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
    Promise.resolve()
      .then(check)
      .then(
        () => {
          clearTimeout(timer);
          resolve();
        },
        (err: unknown) => {
          clearTimeout(timer);
          reject(err instanceof Error ? err : new Error(String(err)));
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
        (err: Error) => ({ ok: false as const, error: err.message.split('\n')[0]!.slice(0, 300) }),
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
    const pathname = (req.url ?? '/').split('?')[0];
    if (pathname !== '/healthz' && pathname !== '/readyz' && pathname !== '/metrics') return false;
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
