/**
 * Onboarding on the time-skipping server with the real activities: the simulator over HTTP as the
 * provider (a scan stands for the phone), the real webhook receiver and bridge forwarding the
 * connection report to the onboarding, and the embedded database the chip is registered in.
 */
import { WorkflowClient, WorkflowFailedError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import { createOnboardingActivities } from '../../src/activities/onboarding';
import { createEvolutionInstances } from '../../src/adapters/messaging/evolution-instances';
import { onboardingRegistrar } from '../../src/client/chip-registration';
import { chipStatus } from '../../src/client/chips';
import { onboardingInput, startOnboarding } from '../../src/client/onboarding';
import { FLEET_BREAKER_DEFAULT } from '../../src/domain/early-warning';
import { type OnboardingSettings, type OnboardingView, WARMUP_INSTANCE_SETTINGS } from '../../src/domain/onboarding';
import { createOnboardingForwarder, createProviderEventBridge, resolveChipByInstance } from '../../src/webhooks/bridge';
import { webhookHeadersFor } from '../../src/webhooks/instance-secret';
import { startWebhookReceiver, type WebhookReceiver } from '../../src/webhooks/receiver';
import { onboardingQuery } from '../../src/workflows/onboarding-api';
import { SIM_API_KEY, startIntegrationStack, type IntegrationStack } from '../helpers/integration';
import { testSettings, timeSkippingEnv, workflowBundle } from '../helpers/temporal';

const SHARED_SECRET = 'onboarding-shared-secret-0123456789';
const OWN_SECRET = 'instance-own-secret-0123456789';
const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

let env: TestWorkflowEnvironment;
let stack: IntegrationStack;
let receiver: WebhookReceiver;
let worker: Worker;
let running: Promise<void>;
const taskQueue = `onboarding-${Date.now()}`;

beforeAll(async () => {
  env = await timeSkippingEnv();
  stack = await startIntegrationStack({ client: env.client });
  const { db } = stack;
  receiver = await startWebhookReceiver({
    port: 0,
    host: '127.0.0.1',
    secret: SHARED_SECRET,
    instanceSecrets: { 'novo-1': OWN_SECRET },
    resolveChip: resolveChipByInstance(db),
    onEvent: createProviderEventBridge({
      db,
      client: env.client,
      notifier: { notify: async (n) => void stack.notifications.push(n) },
      breaker: FLEET_BREAKER_DEFAULT,
      connectionState: (instance) => stack.messaging.connectionState(instance),
      log: () => undefined,
    }),
    onUnregisteredInstance: createOnboardingForwarder(env.client),
  });
  const onboarding = createOnboardingActivities({
    instances: createEvolutionInstances({ baseUrl: stack.sim.url, apiKey: SIM_API_KEY, retryBaseDelayMs: 5 }),
    db,
    notifier: { notify: async (n) => void stack.notifications.push(n) },
    registerChip: onboardingRegistrar({ db, client: env.client, taskQueue, settings: testSettings() }),
    webhook: {
      url: receiver.url,
      headersFor: (instance) => webhookHeadersFor(instance, { shared: SHARED_SECRET, perInstance: { 'novo-1': OWN_SECRET } }),
    },
  });
  worker = await Worker.create({
    connection: env.nativeConnection,
    taskQueue,
    workflowBundle: await workflowBundle(),
    activities: { ...stack.activities, ...onboarding },
  });
  running = worker.run();
});

afterAll(async () => {
  worker?.shutdown();
  await running?.catch(() => undefined);
  await receiver?.close();
  await stack?.close();
  await env?.teardown();
});

async function onboard(phone: string, instance: string, settings: OnboardingSettings) {
  const { handle } = await startOnboarding(
    env.client,
    onboardingInput({ phone, instance, fleet: 'lojas', requestedBy: 'test' }, settings),
    taskQueue,
  );
  return handle;
}

/** Reads the query until `ok` holds (the server's clock does not move while it waits). */
async function viewWhen(handle: Awaited<ReturnType<typeof onboard>>, ok: (v: OnboardingView) => boolean): Promise<OnboardingView> {
  for (let i = 0; i < 200; i++) {
    const view = await handle.query(onboardingQuery);
    if (ok(view)) return view;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error('the onboarding never reached the expected view');
}

/**
 * How an onboarding failed. Its result is read once it has closed, through a plain client: awaiting a
 * failing workflow's result through the time-skipping client lets the test server skip years ahead.
 */
async function failureOf(handle: Awaited<ReturnType<typeof onboard>>, opts: { skipMs?: number } = {}): Promise<ApplicationFailure> {
  if (opts.skipMs) await env.sleep(opts.skipMs);
  for (let i = 0; i < 200 && (await handle.describe()).status.name === 'RUNNING'; i++) await new Promise((r) => setTimeout(r, 50));
  const err = await new WorkflowClient({ connection: env.connection })
    .getHandle(handle.workflowId)
    .result()
    .then(
      () => null,
      (e: unknown) => e,
    );
  expect(err).toBeInstanceOf(WorkflowFailedError);
  const cause = (err as WorkflowFailedError).cause;
  expect(cause).toBeInstanceOf(ApplicationFailure);
  return cause as ApplicationFailure;
}

const requests = (path: string, instance: string) =>
  stack.sim.control
    .requests()
    .filter(
      (r) => r.path.startsWith(path) && (r.instance === instance || (r.body as { instanceName?: string })?.instanceName === instance),
    );

test('a new number: created, two codes expire, the phone connects after 3 hours, the chip is registered and warming', async () => {
  stack.sim.control.setQrLifetime(0); // the provider has a new code each time it is asked
  const phone = '5511977000001';
  const handle = await onboard(`+${phone}`, 'novo-1', { timeoutMs: 24 * HOUR, codeLifetimeMs: 70 * MINUTE });
  const waiting = await viewWhen(handle, (v) => v.step === 'waiting_for_connection');
  expect(waiting).toMatchObject({ phone: '***0001', created: true, adopted: false, codesShown: 1, code: { kind: 'qr', count: 1 } });

  await env.sleep(3 * HOUR);
  const before = await handle.query(onboardingQuery);
  expect(before.code?.count).toBe(3); // expired at 70 and 140 minutes
  expect(before.codesShown).toBe(3);
  expect(stack.sim.control.currentCode('novo-1')?.code).toBe(before.code?.value);

  stack.sim.control.scan('novo-1', phone);
  await stack.sim.control.idle(); // the connection report reached the onboarding through the receiver
  const result = await handle.result();
  expect(result).toMatchObject({ instanceName: 'novo-1', phone: '***0001', created: true, adopted: false, codesShown: 3 });
  // Woken by the forwarded report, not by the next code's expiry at 210 minutes.
  expect(result.connectedAfterMs).toBeGreaterThanOrEqual(3 * HOUR);
  expect(result.connectedAfterMs).toBeLessThan(210 * MINUTE);

  const chip = await stack.db.findChipByInstance('novo-1');
  expect(chip).toMatchObject({ id: result.chipId, phone, fleetId: 'lojas', status: 'warming', phase: 'setup' });
  expect(result.chipWorkflowId).toBe(`chip-warmup/${result.chipId}`);
  expect((await chipStatus(env.client, result.chipId)).status).toBe('warming');
  expect(await handle.query(onboardingQuery)).toMatchObject({ step: 'warming', chipId: result.chipId, code: null });

  // What the provider was told: created once with its webhook, asked for two new codes, configured.
  expect(requests('/instance/create', 'novo-1')).toHaveLength(1);
  expect(requests('/instance/connect/', 'novo-1')).toHaveLength(2);
  const instance = stack.sim.control.instances().find((i) => i.name === 'novo-1')!;
  expect(instance.webhook).toMatchObject({ url: receiver.url, headers: { 'x-warmer-secret': OWN_SECRET }, enabled: true });
  expect(instance.webhook!.events).toEqual(expect.arrayContaining(['CONNECTION_UPDATE', 'MESSAGES_UPSERT', 'MESSAGES_UPDATE']));
  // Onboarding applies the settings; setup's profile checklist re-applies the very same ones.
  const settingsCalls = requests('/settings/set/', 'novo-1');
  expect(settingsCalls.length).toBeGreaterThanOrEqual(1);
  for (const call of settingsCalls) expect(call.body).toEqual(WARMUP_INSTANCE_SETTINGS);
  expect(stack.sim.control.instanceSettings('novo-1')).toMatchObject(WARMUP_INSTANCE_SETTINGS);
  expect(
    stack.sim.control
      .webhooks()
      .filter((w) => w.instance === 'novo-1')
      .map((w) => [w.event, w.status]),
  ).toEqual([['connection.update', 200]]);
  await env.client.workflow.getHandle(result.chipWorkflowId).terminate('test over');
});

test('a number that connects to the wrong phone ends with the reason and an alert; nothing is registered; the instance is left', async () => {
  stack.sim.control.setQrLifetime(60_000);
  const phone = '5511977000002';
  const other = '5511977000099';
  const handle = await onboard(phone, 'novo-2', { timeoutMs: 24 * HOUR, codeLifetimeMs: HOUR });
  await viewWhen(handle, (v) => v.step === 'waiting_for_connection' && v.code !== null);
  stack.sim.control.scan('novo-2', other);
  await stack.sim.control.idle();
  const failure = await failureOf(handle);
  expect(failure.type).toBe('WrongNumber');
  expect(failure.message).toMatch(/Instance 'novo-2' is connected to \*\*\*0099, not to \*\*\*0002/);
  expect(failure.message).not.toContain(other);
  expect(await handle.query(onboardingQuery)).toMatchObject({ step: 'failed', failure: { code: 'WrongNumber' }, chipId: null });

  expect(await stack.db.findChipByInstance('novo-2')).toBeNull();
  expect(await stack.db.findChipByPhone(phone)).toBeNull();
  expect(stack.sim.control.instances().find((i) => i.name === 'novo-2')).toMatchObject({ state: 'open', phone: other });
  const alerts = (await stack.db.listAlerts({ open: true })).filter((a) => a.kind === 'onboarding_failed');
  expect(alerts.map((a) => a.message)).toEqual([expect.stringMatching(/instância 'novo-2'.*outro número/)]);
  expect(stack.notifications).toContainEqual(expect.objectContaining({ kind: 'alert', title: 'Onboarding não concluído', phone }));

  // An instance found connected to another number ends the same way, before anything is created or changed.
  stack.sim.control.addInstance('ocupada-1', other.replace(/99$/, '98'));
  const taken = await onboard(phone, 'ocupada-1', { timeoutMs: HOUR, codeLifetimeMs: HOUR });
  expect((await failureOf(taken)).type).toBe('WrongNumber');
  expect(requests('/webhook/set', 'ocupada-1')).toHaveLength(0);
});

test('nobody connects the number: the onboarding ends after 24 hours with the reason and an alert, across runs', async () => {
  stack.sim.control.setQrLifetime(0);
  const phone = '5511977000003';
  const input = onboardingInput({ phone, instance: 'novo-3', requestedBy: 'test' }, { timeoutMs: 24 * HOUR, codeLifetimeMs: 2 * HOUR });
  // A low history limit makes the day's wait continue as new several times, carrying its codes and deadline.
  const { handle } = await startOnboarding(env.client, { ...input, historyLimit: 40 }, taskQueue);
  const first = await viewWhen(handle, (v) => v.step === 'waiting_for_connection');
  const firstRun = (await handle.describe()).runId;
  const failure = await failureOf(handle, { skipMs: 24 * HOUR + MINUTE });
  expect(failure.type).toBe('OnboardingTimedOut');
  expect(failure.message).toMatch(/\*\*\*0003 did not connect to instance 'novo-3' within 24 h \((\d+) code\(s\) shown\)/);
  const shown = Number(/\((\d+) code\(s\) shown\)/.exec(failure.message)![1]);
  expect(shown).toBeGreaterThanOrEqual(12); // one every 2 hours, carried from run to run
  const closed = await handle.describe();
  expect(closed.runId).not.toBe(firstRun);
  expect(closed.closeTime!.getTime()).toBeGreaterThanOrEqual(first.deadlineMs);
  expect(closed.closeTime!.getTime()).toBeLessThan(first.deadlineMs + MINUTE);
  expect(await stack.db.findChipByInstance('novo-3')).toBeNull();
  expect(stack.sim.control.instances().find((i) => i.name === 'novo-3')?.state).toBe('connecting');
  const alerts = (await stack.db.listAlerts({ open: true })).filter(
    (a) => a.kind === 'onboarding_failed' && a.message.includes("'novo-3'"),
  );
  expect(alerts).toHaveLength(1);
  expect(alerts[0]!.message).toMatch(/não foi conectado dentro do prazo/);
});

test('an instance already connected to the number is adopted: nothing is created, the chip is registered; doing it again changes nothing', async () => {
  const phone = '5511977000004';
  stack.sim.control.addInstance('ja-conectada', phone);
  const first = await (await onboard(phone, 'ja-conectada', { timeoutMs: HOUR, codeLifetimeMs: HOUR })).result();
  expect(first).toMatchObject({ adopted: true, created: false, codesShown: 0 });
  expect(requests('/instance/create', 'ja-conectada')).toHaveLength(0);
  expect(requests('/instance/connect/', 'ja-conectada')).toHaveLength(0);
  expect((await chipStatus(env.client, first.chipId)).status).toBe('warming');

  const again = await (await onboard(phone, 'ja-conectada', { timeoutMs: HOUR, codeLifetimeMs: HOUR })).result();
  expect(again.chipId).toBe(first.chipId);
  expect((await stack.db.listChips()).filter((c) => c.instanceName === 'ja-conectada')).toHaveLength(1);
  expect(requests('/instance/create', 'ja-conectada')).toHaveLength(0);
  await env.client.workflow.getHandle(first.chipWorkflowId).terminate('test over');
});

test('a number that connects after the wait continued as new still ends in a warming chip', async () => {
  stack.sim.control.setQrLifetime(0);
  const phone = '5511977000005';
  const input = onboardingInput({ phone, instance: 'novo-5', requestedBy: 'test' }, { timeoutMs: 24 * HOUR, codeLifetimeMs: HOUR });
  // So low that the first run hands over as soon as it starts waiting; the next run asks the provider at once.
  const { handle } = await startOnboarding(env.client, { ...input, historyLimit: 15 }, taskQueue);
  const firstRun = (await handle.describe()).runId;
  const waiting = await viewWhen(handle, (v) => v.step === 'waiting_for_connection' && v.codesShown === 2);
  expect((await handle.describe()).runId).not.toBe(firstRun);
  expect(waiting).toMatchObject({ created: true, code: { count: 2 } });
  stack.sim.control.scan('novo-5', phone);
  await stack.sim.control.idle();
  const result = await handle.result();
  expect(result).toMatchObject({ instanceName: 'novo-5', created: true, codesShown: 2 });
  expect(result.connectedAfterMs).toBeLessThan(HOUR);
  expect(await stack.db.findChipByInstance('novo-5')).toMatchObject({ id: result.chipId, phone });
  await env.client.workflow.getHandle(result.chipWorkflowId).terminate('test over');
});
