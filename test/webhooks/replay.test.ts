/**
 * A replay is a replay, end to end: bare provider reports (no message id, no provider time) posted over
 * HTTP to the real webhook receiver, through the bridge, into a real chip workflow on the
 * time-skipping server with the real activities (embedded database, simulator over HTTP). And each
 * instance's webhook carries its own secret when it has one; the shared one does not post for it.
 */
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { ChipRef } from '../../src/activities/types';
import { createEvolutionClient } from '../../src/adapters/messaging/evolution';
import { chipStatus } from '../../src/client/chips';
import { UNCONFIRMED_WINDOW_MS } from '../../src/webhooks/bridge';
import { webhookHeadersFor } from '../../src/webhooks/instance-secret';
import type { WebhookReceiver } from '../../src/webhooks/receiver';
import { registerFleet, SIM_API_KEY, waitFor, type IntegrationStack } from '../helpers/integration';
import { noonSettings, startChipsIn, startWebhookStack, type WebhookStack } from '../helpers/webhook-stack';

const SECRET = 'replay-shared-secret-0123456789';

let ws: WebhookStack | undefined;
let env: TestWorkflowEnvironment;
let stack: IntegrationStack;
let receiver: WebhookReceiver;
/** The receiver's clock: what the bridge calls the time a report arrived. */
let receivedAtMs = Date.now();
const OWN_SECRET = 'own-secret-of-this-instance-01';
/** registerFleet names instances `<fleet>-inst-<n>`: the first chip of 'replay-secrets' has its own secret. */
const instanceSecrets: Record<string, string> = { 'replay-secrets-inst-0': OWN_SECRET };

beforeAll(async () => {
  ws = await startWebhookStack({
    secret: SECRET,
    taskQueuePrefix: 'replay',
    // Each test says which instance posts what: the simulator posts only where a test configures it.
    simulatorWebhook: false,
    instanceSecrets,
    now: () => new Date(receivedAtMs),
  });
  ({ env, stack, receiver } = ws);
});
afterAll(async () => {
  await ws?.close();
  ws = undefined;
});

/** Starts the chip's workflow in expansao, with no conversation due for a month (nothing but the reports happens). */
async function startChip(chip: ChipRef) {
  // The program clock at noon as the test starts (the suite's stack may have started long before).
  const settings = await noonSettings(env);
  const [handle] = await startChipsIn({ ...ws!, settings }, [chip], null, { primeirosContatosAgoMs: 0 });
  await waitFor(async () => (await chipStatus(env.client, chip.chipId)).status === 'warming', 'the chip to run');
  return handle!;
}

/** A bare `connection.update close/403`, as a replayed capture carries it: no date_time. */
async function postBan(instance: string, secret = SECRET): Promise<number> {
  const res = await fetch(receiver.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-warmer-secret': secret },
    body: JSON.stringify({ event: 'connection.update', instance, data: { instance, state: 'close', statusReason: 403 } }),
  });
  return res.status;
}

async function providerSignals(chip: ChipRef): Promise<{ kind: string; eventId: string }[]> {
  const history = await env.client.workflow.getHandle(`chip-warmup/${chip.chipId}`).fetchHistory();
  const signals = (history.events ?? []).filter((e) => e.workflowExecutionSignaledEventAttributes?.signalName === 'providerEvent');
  return signals.map((e) => {
    const payload = e.workflowExecutionSignaledEventAttributes!.input!.payloads![0]!;
    return JSON.parse(Buffer.from(payload.data!).toString('utf8')) as { kind: string; eventId: string };
  });
}

const unconfirmedCount = (chip: ChipRef) =>
  stack.db.countProviderEvents({ kinds: ['unconfirmed'], since: new Date(0).toISOString(), chipId: chip.chipId });

test('the same unconfirmed ban posted 5 times acts once: one warning sign, five reports recorded; a report past the window acts again', async () => {
  const [a] = await registerFleet(stack, 1, 'replay-ban');
  await startChip(a!);
  // The provider says the instance is open: every report is unconfirmed.
  stack.sim.control.setReportedState(a!.instanceName, 'open');
  receivedAtMs = Math.floor(Date.now() / UNCONFIRMED_WINDOW_MS) * UNCONFIRMED_WINDOW_MS + 1_000;

  for (let i = 0; i < 5; i++) {
    expect(await postBan(a!.instanceName)).toBe(200);
    receivedAtMs += 60_000; // a minute apart: all within one window
  }
  await waitFor(async () => (await providerSignals(a!)).length >= 1, 'the warning sign');
  const status = await chipStatus(env.client, a!.chipId);
  expect(status).toMatchObject({ status: 'warming', quarantine: expect.stringMatching(/relato de banimento não confirmado/) });
  expect(status.capToday).toBe(Math.floor(status.cap * 0.75));
  // Recorded for the operator: five contradictory reports, and the warning alert (opened once a day, at the second).
  expect(await unconfirmedCount(a!)).toBe(5);
  const alerts = (await stack.db.listAlerts({ open: true })).filter((x) => x.chipId === a!.chipId);
  expect(alerts).toEqual([expect.objectContaining({ kind: 'provider_unconfirmed', severity: 'warning' })]);
  // Acted once: one signal reached the workflow.
  expect(await providerSignals(a!)).toEqual([expect.objectContaining({ kind: 'unconfirmed_ban' })]);

  // The same report after the window is a new report: it acts again.
  receivedAtMs += UNCONFIRMED_WINDOW_MS;
  expect(await postBan(a!.instanceName)).toBe(200);
  await waitFor(async () => (await providerSignals(a!)).length === 2, 'the second warning sign');
  const [first, second] = await providerSignals(a!);
  expect(second!.eventId).not.toBe(first!.eventId);
  expect(await unconfirmedCount(a!)).toBe(6);
  await env.client.workflow.getHandle(`chip-warmup/${a!.chipId}`).terminate('test over');
}, 60_000);

test('an instance with its own secret gets it in its webhook config, not the shared one, which cannot post for it', async () => {
  const [own, shared] = await registerFleet(stack, 2, 'replay-secrets');
  expect(instanceSecrets[own!.instanceName]).toBe(OWN_SECRET);
  // What the worker pushes to each instance at start (POST /webhook/set).
  const evolution = createEvolutionClient({ baseUrl: stack.sim.url, apiKey: SIM_API_KEY });
  for (const chip of [own!, shared!]) {
    await evolution.setWebhook(chip.instanceName, {
      url: receiver.url,
      headers: webhookHeadersFor(chip.instanceName, { shared: SECRET, perInstance: instanceSecrets }),
    });
  }
  const configs = Object.fromEntries(stack.sim.control.instances().map((i) => [i.name, i.webhook?.headers]));
  expect(configs[own!.instanceName]).toEqual({ 'x-warmer-secret': OWN_SECRET });
  expect(configs[shared!.instanceName]).toEqual({ 'x-warmer-secret': SECRET });
  expect(JSON.stringify(configs[own!.instanceName])).not.toContain(SECRET);

  // The provider's own webhooks, with the configured headers, are accepted.
  for (const chip of [own!, shared!]) stack.sim.control.setReportedState(chip.instanceName, 'open');
  stack.sim.control.ban(own!.instanceName, 403);
  stack.sim.control.ban(shared!.instanceName, 403);
  await stack.sim.control.idle();
  const statuses = stack.sim.control
    .webhooks()
    .filter((w) => w.event === 'connection.update' && [own!.instanceName, shared!.instanceName].includes(w.instance))
    .map((w) => [w.instance, w.status]);
  expect(statuses).toEqual(
    expect.arrayContaining([
      [own!.instanceName, 200],
      [shared!.instanceName, 200],
    ]),
  );

  // The shared secret, which every other instance holds, cannot post for the instance with its own.
  expect(await postBan(own!.instanceName, SECRET)).toBe(401);
  expect(await postBan(shared!.instanceName, OWN_SECRET)).toBe(401);
  expect(await postBan(own!.instanceName, OWN_SECRET)).toBe(200);
});
