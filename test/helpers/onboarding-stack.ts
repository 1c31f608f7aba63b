/**
 * Real parts for the onboarding's end-to-end tests (CLI and console): a Temporal dev server, a scratch
 * PostgreSQL database, the simulator as the provider, and a Warmer process built by the composition
 * root as production builds it: the webhook receiver with the bridge and the onboarding forwarder
 * (WEBHOOK_PUBLIC_URL points at it), and a worker on the real activities.
 */
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { createPostgresDb, type Db } from '../../src/adapters/db';
import { buildWarmerProcess } from '../../src/app/warmer-process';
import { loadConfig, type WarmerConfig } from '../../src/config';
import { createLogger } from '../../src/observability/logger';
import { SIM_TEST_PREFIX } from '../../src/simulator/instance-routes';
import { startSimulator, type Simulator } from '../../src/simulator/simulator';
import type { WebhookReceiver } from '../../src/webhooks/receiver';
import { createScratchDatabase, type ScratchDatabase } from './db-scratch';
import { freePort } from './ports';
import { devServerEnv, workflowBundle } from './temporal';

export const ONBOARDING_SIM_KEY = 'onboarding-sim-key';
const SECRET = 'onboarding-stack-secret-0123456789';

export interface OnboardingStack {
  env: TestWorkflowEnvironment;
  db: Db;
  simulator: Simulator;
  receiver: WebhookReceiver;
  config: WarmerConfig;
  /** Environment for `bin/warmer.js` against the same Temporal, database and provider. */
  cliEnv: NodeJS.ProcessEnv;
  notifications: string[];
  /** What the dev stack does for a person holding the phone: the simulator's test-only scan route. */
  scan(instance: string, phone: string): Promise<void>;
  close(): Promise<void>;
}

export async function startOnboardingStack(opts: { codeLifetime: string; qrLifetimeMs: number }): Promise<OnboardingStack> {
  const taskQueue = `onboarding-e2e-${Date.now()}`;
  const [env, scratch]: [TestWorkflowEnvironment, ScratchDatabase] = await Promise.all([devServerEnv(), createScratchDatabase()]);
  const db = createPostgresDb({ databaseUrl: scratch.url });
  await db.migrate();
  const notifications: string[] = [];
  const simulator = await startSimulator({ apiKey: ONBOARDING_SIM_KEY, qrLifetimeMs: opts.qrLifetimeMs, webhookRetryBaseDelayMs: 5 });
  const settings = {
    TEMPORAL_ADDRESS: env.address,
    DATABASE_URL: scratch.url,
    WARMER_TASK_QUEUE: taskQueue,
    EVOLUTION_API_URL: simulator.url,
    EVOLUTION_API_KEY: ONBOARDING_SIM_KEY,
    WARMER_ONBOARDING_CODE_LIFETIME: opts.codeLifetime,
    WARMER_SEARCH_ATTRIBUTES: 'false',
  };
  const webhookPort = await freePort();
  const config = loadConfig({
    ...settings,
    WEBHOOK_SECRET: SECRET,
    WEBHOOK_PORT: String(webhookPort),
    WEBHOOK_PUBLIC_URL: `http://127.0.0.1:${webhookPort}/webhook`,
  });
  const app = buildWarmerProcess(config, {
    // The test environment installed the Temporal runtime already.
    observability: { logger: createLogger({ level: 'error' }), sdkMetricsAddress: null },
    migrate: false,
    host: '127.0.0.1',
    notifyLog: (line) => notifications.push(line),
    workflowBundle: await workflowBundle(),
  });
  const { receiver } = await app.start();
  const cliEnv: NodeJS.ProcessEnv = { ...process.env, ...settings };
  for (const name of [
    'SUPABASE_URL',
    'SUPABASE_SERVICE_ROLE_KEY',
    'TEMPORAL_API_KEY',
    'WARMER_DAY',
    'WARMER_EPOCH',
    'WARMER_CONSOLE_TOKEN',
  ]) {
    delete cliEnv[name];
  }
  return {
    env,
    db,
    simulator,
    receiver: receiver!,
    config,
    cliEnv,
    notifications,
    scan: async (instance, phone) => {
      const res = await fetch(`${simulator.url}${SIM_TEST_PREFIX}/scan/${encodeURIComponent(instance)}`, {
        method: 'POST',
        headers: { apikey: ONBOARDING_SIM_KEY, 'content-type': 'application/json' },
        body: JSON.stringify({ phone }),
      });
      if (res.status !== 200) throw new Error(`scan of ${instance} answered ${res.status}: ${await res.text()}`);
      await simulator.control.idle();
    },
    close: async () => {
      await app.stop();
      await simulator.close();
      await db.close();
      await env.teardown();
      await scratch.drop();
    },
  };
}
