/**
 * Real parts for the provider-event tests: the time-skipping server, the integration stack (embedded
 * database, simulator over HTTP, real activities), the real webhook receiver with the provider-event
 * bridge, and a worker; the program clock is placed at noon (São Paulo) right now, so every chip is
 * inside its window.
 */
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import type { ChipRef } from '../../src/activities/types';
import { startChipWarmup } from '../../src/client/chips';
import { REAL_DAY_MS, programClock, toProgramMs, minuteOfDay } from '../../src/domain/clock';
import { FLEET_BREAKER_DEFAULT } from '../../src/domain/early-warning';
import type { ChipState, WarmupSettings } from '../../src/workflows/api';
import { createProviderEventBridge, resolveChipByInstance } from '../../src/webhooks/bridge';
import { startWebhookReceiver, type WebhookReceiver } from '../../src/webhooks/receiver';
import { startIntegrationStack, type IntegrationStack } from './integration';
import { testSettings, timeSkippingEnv, workflowBundle } from './temporal';

const HOUR = 3_600_000;

export interface WebhookStackOptions {
  /** The receiver's shared secret. */
  secret: string;
  /** The worker's task queue is `<prefix>-<now>`. */
  taskQueuePrefix: string;
  /** Whether the simulator posts every instance's webhooks to the receiver with the shared secret. */
  simulatorWebhook?: boolean;
  instanceSecrets?: Readonly<Record<string, string>>;
  /** The receiver's clock. */
  now?: () => Date;
}

export interface WebhookStack {
  env: TestWorkflowEnvironment;
  stack: IntegrationStack;
  receiver: WebhookReceiver;
  /** Program clock at noon when the stack started (see `noonSettings`). */
  settings: WarmupSettings;
  taskQueue: string;
  /** What the bridge logged. */
  bridgeLog: string[];
  close(): Promise<void>;
}

/** Settings whose program clock (half-length days) reads noon in São Paulo at the server's time now. */
export async function noonSettings(env: TestWorkflowEnvironment): Promise<WarmupSettings> {
  const now = await env.currentTimeMs();
  const dayMs = REAL_DAY_MS / 2;
  const noon = Math.floor(now / REAL_DAY_MS) * REAL_DAY_MS + 15 * HOUR;
  const settings = testSettings({ dayMs, epochMs: 2 * now - noon });
  expect(minuteOfDay(programClock(dayMs, settings.epochMs), now)).toBe(12 * 60);
  expect(toProgramMs(programClock(dayMs, settings.epochMs), now)).toBe(noon);
  return settings;
}

export async function startWebhookStack(options: WebhookStackOptions): Promise<WebhookStack> {
  const closers: (() => Promise<void>)[] = [];
  const close = async () => {
    for (const closer of closers.splice(0).reverse()) await closer();
  };
  try {
    const env = await timeSkippingEnv();
    closers.push(() => env.teardown());
    const stack = await startIntegrationStack({ client: env.client });
    closers.push(() => stack.close());
    const { db } = stack;
    const bridgeLog: string[] = [];
    const receiver = await startWebhookReceiver({
      port: 0,
      host: '127.0.0.1',
      secret: options.secret,
      ...(options.instanceSecrets ? { instanceSecrets: options.instanceSecrets } : {}),
      ...(options.now ? { now: options.now } : {}),
      resolveChip: resolveChipByInstance(db),
      onEvent: createProviderEventBridge({
        db,
        client: env.client,
        notifier: { notify: async (n) => void stack.notifications.push(n) },
        breaker: FLEET_BREAKER_DEFAULT,
        connectionState: (instance) => stack.messaging.connectionState(instance),
        log: (message) => void bridgeLog.push(message),
      }),
    });
    closers.push(() => receiver.close());
    if (options.simulatorWebhook ?? true) stack.sim.control.setWebhook(receiver.url, { 'x-warmer-secret': options.secret });
    const taskQueue = `${options.taskQueuePrefix}-${Date.now()}`;
    const worker = await Worker.create({
      connection: env.nativeConnection,
      taskQueue,
      workflowBundle: await workflowBundle(),
      activities: stack.activities,
    });
    const running = worker.run();
    closers.push(async () => {
      worker.shutdown();
      await running.catch(() => undefined);
    });
    const settings = await noonSettings(env);
    return { env, stack, receiver, settings, taskQueue, bridgeLog, close };
  } catch (err) {
    await close();
    throw err;
  }
}

export interface StartChipsOptions {
  /** How long before now the chip entered `primeiros_contatos` (5 days unless told). */
  primeirosContatosAgoMs?: number;
}

/**
 * Promotes the chips to `expansao` in the database and starts their workflows there; only `initiator`
 * (if any) starts a conversation now.
 */
export async function startChipsIn(
  ws: Pick<WebhookStack, 'env' | 'stack' | 'settings' | 'taskQueue'>,
  chips: ChipRef[],
  initiator: ChipRef | null,
  options: StartChipsOptions = {},
) {
  const { env, stack, settings, taskQueue } = ws;
  const now = await env.currentTimeMs();
  const handles = [];
  for (const chip of chips) {
    const registeredAt = new Date(now - 10 * REAL_DAY_MS).toISOString();
    // Bystanders never initiate (their first slot is 30 days away), and their stall clock starts then
    // too: a chip that lets a whole window pass without a conversation rightly raises a stall, and the
    // time-skipping server may jump that far while a test waits.
    const later = chip === initiator ? {} : { nextConversationAtMs: now + 30 * REAL_DAY_MS, maySendSinceMs: now + 30 * REAL_DAY_MS };
    const state: Partial<ChipState> = {
      phase: 'expansao',
      phaseStartedAtMs: now,
      nextConversationAtMs: null,
      ...later,
    };
    await stack.db.promoteChip({
      chipId: chip.chipId,
      from: 'setup',
      to: 'primeiros_contatos',
      health: 60,
      replyRate: 0.5,
      at: new Date(now - (options.primeirosContatosAgoMs ?? 5 * REAL_DAY_MS)).toISOString(),
    });
    await stack.db.promoteChip({
      chipId: chip.chipId,
      from: 'primeiros_contatos',
      to: 'expansao',
      health: 70,
      replyRate: 0.5,
      at: new Date(now).toISOString(),
    });
    handles.push(await startChipWarmup(env.client, { chip, registeredAt, settings, taskQueue, state }));
  }
  return handles;
}
