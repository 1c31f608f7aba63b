/**
 * The Temporal runtime of a worker process: its logger forwards to pino (core lines included) and,
 * unless turned off, its Prometheus exporter listens on a loopback port whose text /metrics merges.
 * Runtime.install must run before any worker or NativeConnection exists, once per process.
 */
import { createServer } from 'node:net';
import { makeTelemetryFilterString, Runtime } from '@temporalio/worker';
import type { Logger } from 'pino';
import { PinoTemporalLogger } from './logger';

export interface RuntimeSetup {
  /** host:port of the SDK's own exporter, or null when it is off. */
  sdkMetricsAddress: string | null;
}

/** A free loopback port now (the exporter binds it a moment later). */
export function freeLoopbackAddress(): Promise<string> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(`127.0.0.1:${port}`));
    });
  });
}

/**
 * `sdkMetrics`: 'auto' (a free loopback port), 'off', or a bind address such as 0.0.0.0:9464.
 * Core lines at WARN and above are forwarded to the same logger.
 */
export async function installRuntime(logger: Logger, sdkMetrics: string): Promise<RuntimeSetup> {
  const address = sdkMetrics === 'off' ? null : sdkMetrics === 'auto' ? await freeLoopbackAddress() : sdkMetrics;
  Runtime.install({
    logger: new PinoTemporalLogger(logger),
    telemetryOptions: {
      logging: { filter: makeTelemetryFilterString({ core: 'WARN', other: 'ERROR' }), forward: {} },
      ...(address ? { metrics: { prometheus: { bindAddress: address, countersTotalSuffix: true } } } : {}),
    },
  });
  return { sdkMetricsAddress: address };
}
