/**
 * What makes a worker process watchable, wired once by the composition root (warmer-process.ts): the pino
 * logger (also the Temporal runtime's), the SDK's Prometheus exporter, and the /healthz, /readyz,
 * /metrics routes served on the webhook receiver's port.
 */
import type { Db } from '../adapters/db/port';
import type { WarmerConfig } from '../config';
import { createLogger, type Logger } from '../observability/logger';
import { sdkMetricsReader } from '../observability/metrics';
import { createOpsRoutes, NotReady, type OpsRoutes } from '../observability/ops-routes';
import { installRuntime } from '../observability/runtime';
import type { TemporalHandles } from './context';

export interface WorkerObservability {
  logger: Logger;
  sdkMetricsAddress: string | null;
}

/** Once per process, before any Worker or NativeConnection exists. */
export async function setUpObservability(config: WarmerConfig, opts: { pretty?: boolean } = {}): Promise<WorkerObservability> {
  const logger = createLogger({ level: config.observability.logLevel, pretty: opts.pretty ?? config.observability.logPretty });
  const { sdkMetricsAddress } = await installRuntime(logger, config.observability.sdkMetrics);
  return { logger, sdkMetricsAddress };
}

/** Readiness: the database answers, Temporal answers, and the worker is running (when one is given). */
export function workerOpsRoutes(opts: {
  db: Db;
  temporal: TemporalHandles;
  workerState: () => string | undefined;
  sdkMetricsAddress: string | null;
}): OpsRoutes {
  return createOpsRoutes({
    checks: {
      database: () => opts.db.ping(),
      temporal: async () => {
        await opts.temporal.connection.withDeadline(Date.now() + 2_000, () => opts.temporal.connection.workflowService.getSystemInfo({}));
      },
      worker: () => {
        const state = opts.workerState();
        if (state !== 'RUNNING') throw new NotReady(`worker is ${state ? state.toLowerCase() : 'not started'}`);
      },
    },
    sdkMetrics: opts.sdkMetricsAddress ? sdkMetricsReader(opts.sdkMetricsAddress) : undefined,
  });
}

/** The receiver's log callback over pino. */
export function webhookLog(logger: Logger) {
  const child = logger.child({ component: 'webhook' });
  return (level: 'info' | 'warn' | 'error', message: string, fields?: Record<string, unknown>) => child[level](fields ?? {}, message);
}
