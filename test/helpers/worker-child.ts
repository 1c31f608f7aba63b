/**
 * A real Warmer worker in its own process, for the multi-worker test and the capacity benches (run
 * with `node -r tsx/cjs`). Configured like production from the environment (TEMPORAL_ADDRESS,
 * WARMER_TASK_QUEUE, DATABASE_URL, EVOLUTION_API_URL, WARMER_DAY, WARMER_MAX_CACHED_WORKFLOWS, ...),
 * with the prebuilt workflow bundle at WARMER_TEST_BUNDLE, started through the composition root like
 * the production entry. Its Temporal runtime's Prometheus exporter (WARMER_SDK_METRICS, default a
 * free loopback port) lets the sticky-cache and task-latency metrics be scraped from outside.
 *
 * Prints `READY pid=<pid> identity=<worker identity> metrics=<host:port>` once it polls; SIGTERM
 * shuts it down cleanly.
 *
 * WARMER_BENCH_TURN_LOG=<file>: appends one line per delivered turn, `<endMs> <latencyMs>`, where
 * latency is the deliverTurn attempt's schedule time to the provider's answer to the send, minus
 * the deliberate human holds inside the turn (thinking sleep, typing presence): the time the system
 * adds to a turn, measured inside the worker.
 */
import { Context } from '@temporalio/activity';
import { appendFileSync } from 'node:fs';
import { buildWarmerProcess } from '../../src/app/warmer-process';
import { loadConfig } from '../../src/config';
import type { Messaging } from '../../src/adapters/messaging/port';

/** Deliberate holds (ms) per activity attempt, and the finished turns waiting to be written. */
const holds = new Map<string, number>();
const pending: string[] = [];

function attemptKey(): string | null {
  try {
    const info = Context.current().info;
    return `${info.workflowExecution?.workflowId ?? info.workflowType}/${info.activityId}/${info.attempt}`;
  } catch {
    return null; // not inside an activity
  }
}

function addHold(ms: number): void {
  const key = attemptKey();
  if (key) holds.set(key, (holds.get(key) ?? 0) + ms);
}

async function timedSleep(ms: number): Promise<void> {
  const t = Date.now();
  await new Promise<void>((resolve) => setTimeout(resolve, ms));
  addHold(Date.now() - t);
}

function timedMessaging(inner: Messaging): Messaging {
  return new Proxy(inner, {
    get(target, prop, receiver) {
      const value = Reflect.get(target, prop, receiver) as unknown;
      if (typeof value !== 'function') return value;
      if (prop === 'sendPresence') {
        return async (...args: unknown[]) => {
          const t = Date.now();
          try {
            return await (value as (...a: unknown[]) => Promise<unknown>).apply(target, args);
          } finally {
            addHold(Date.now() - t);
          }
        };
      }
      if (prop === 'sendText') {
        return async (...args: unknown[]) => {
          const result = await (value as (...a: unknown[]) => Promise<unknown>).apply(target, args);
          const key = attemptKey();
          if (key) {
            const end = Date.now();
            const scheduled = Context.current().info.currentAttemptScheduledTimestampMs;
            pending.push(`${end} ${end - scheduled - (holds.get(key) ?? 0)}`);
            holds.delete(key);
          }
          return result;
        };
      }
      return value;
    },
  });
}

async function main(): Promise<void> {
  const turnLog = process.env.WARMER_BENCH_TURN_LOG;
  if (turnLog) {
    setInterval(() => {
      if (pending.length > 0) appendFileSync(turnLog, `${pending.splice(0).join('\n')}\n`);
    }, 1000).unref();
  }
  const bundlePath = process.env.WARMER_TEST_BUNDLE;
  const app = buildWarmerProcess(loadConfig(process.env), {
    logging: { level: 'error' },
    migrate: false,
    receiver: false,
    notifyLog: () => undefined,
    adapters: (built) => (turnLog ? { ...built, messaging: timedMessaging(built.messaging) } : built),
    sleep: turnLog ? timedSleep : undefined,
    workflowBundle: bundlePath ? { codePath: bundlePath } : undefined,
  });
  process.once('SIGTERM', () => void app.stop());
  const { worker, workerRun, sdkMetricsAddress } = await app.start();
  console.log(`READY pid=${process.pid} identity=${worker.options.identity} metrics=${sdkMetricsAddress ?? ''}`);
  try {
    await workerRun;
  } finally {
    await app.stop();
    if (turnLog && pending.length > 0) appendFileSync(turnLog, `${pending.splice(0).join('\n')}\n`);
  }
}

main().then(
  () => process.exit(0),
  (err) => {
    console.error(`worker process failed: ${(err as Error).stack ?? String(err)}`);
    process.exit(1);
  },
);
