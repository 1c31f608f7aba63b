/**
 * Disconnections told from bans, end to end: the simulator drops connections and rings calls as
 * Evolution v2.3.6 reports them (status.instance, logout.instance, connection.update, call), over real
 * HTTP to the real webhook receiver; the bridge classifies and confirms them with the provider's own
 * connection state and signals the chip workflows (time-skipping server, real activities, embedded
 * database). The server's clock is never advanced here: the workflows react to signals in real time.
 */
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { ChipRef } from '../../src/activities/types';
import { chipStatus } from '../../src/client/chips';
import type { ChipStatusView } from '../../src/workflows/api';
import { registerFleet, waitFor, type IntegrationStack } from '../helpers/integration';
import { startChipsIn, startWebhookStack, type WebhookStack } from '../helpers/webhook-stack';

const SECRET = 'disconnections-secret-0123456789';

let ws: WebhookStack | undefined;
let env: TestWorkflowEnvironment;
let stack: IntegrationStack;

beforeEach(async () => {
  ws = await startWebhookStack({ secret: SECRET, taskQueuePrefix: 'disconnections' });
  ({ env, stack } = ws);
});
afterEach(async () => {
  await ws?.close();
  ws = undefined;
});

/** Starts the chips' workflows in `expansao`; only `initiator` (if any) starts a conversation now. */
const startChips = (chips: ChipRef[], initiator: ChipRef | null) => startChipsIn(ws!, chips, initiator);

const status = (chip: ChipRef): Promise<ChipStatusView> => chipStatus(env.client, chip.chipId);

const since = new Date(0).toISOString();
const facts = (chip: ChipRef, kinds: string[]) => stack.db.countProviderEvents({ kinds, since, chipId: chip.chipId });

test('401 (logged out): paused as reconnect with the "scan the QR code again" alert; resumes by itself once the instance is open', async () => {
  const { db, sim } = stack;
  const chips = await registerFleet(stack, 2, 'fleet-401');
  const [a, b] = chips as [ChipRef, ChipRef];
  await startChips(chips, null);
  await waitFor(async () => (await status(a)).status === 'warming', 'the chip to run');

  // Evolution posts status.instance (401), logout.instance and connection.update close 401.
  sim.control.dropConnection(a.instanceName, 401);
  await waitFor(async () => (await status(a)).status === 'paused', 'the chip to pause');
  expect(await status(a)).toMatchObject({ pausedBy: 'reconnect', statusReason: 'desconectado — leia o QR code de novo' });
  await waitFor(async () => (await db.getChip(a.chipId)).status === 'paused', 'the pause to be persisted');
  expect((await db.getChip(a.chipId)).pauseReason).toBe('desconectado — leia o QR code de novo');
  await waitFor(() => stack.notifications.some((n) => n.kind === 'alert' && n.title === 'chip_reconnect'), 'the reconnect alert');
  const alerts = await db.listAlerts({ open: true });
  expect(alerts).toEqual([expect.objectContaining({ chipId: a.chipId, severity: 'warning', kind: 'chip_reconnect' })]);
  expect(alerts[0]!.message).toMatch(/Reconecte: leia o QR code de novo/);
  await sim.control.idle();
  expect(
    sim.control
      .webhooks()
      // A status post from the other chip may reach this one meanwhile (messages.upsert): not the drop's.
      .filter((w) => w.instance === a.instanceName && w.event !== 'messages.upsert')
      .map((w) => [w.event, w.status]),
  ).toEqual([
    ['status.instance', 200],
    ['logout.instance', 200],
    ['connection.update', 200],
  ]);
  expect(await facts(a, ['banned'])).toBe(0);
  // Reports stamped alike are one fact (status.instance and close 401 in the same millisecond).
  expect(await facts(a, ['disconnected'])).toBeGreaterThanOrEqual(2);
  expect((await status(b)).status).toBe('warming');

  // The operator scans the QR code: connection.update open, and the chip resumes by itself.
  sim.control.connect(a.instanceName);
  await waitFor(async () => (await status(a)).status === 'warming', 'the chip to resume');
  await waitFor(async () => (await db.getChip(a.chipId)).status === 'warming', 'the resume to be persisted');
  expect((await status(a)).pausedBy).toBeNull();
}, 60_000);

test('403 confirmed by connectionState bans; 403 contradicted changes nothing', async () => {
  const { db, sim } = stack;
  const chips = await registerFleet(stack, 2, 'fleet-403');
  const [a] = chips as [ChipRef, ChipRef];
  const [ha] = await startChips(chips, null);
  await waitFor(async () => (await status(a)).status === 'warming', 'the chip to run');

  // The provider's own state says open: every report of the drop is recorded as unconfirmed.
  sim.control.setReportedState(a.instanceName, 'open');
  sim.control.dropConnection(a.instanceName, 403);
  await sim.control.idle();
  expect(await facts(a, ['banned', 'disconnected'])).toBe(0);
  expect(await facts(a, ['unconfirmed'])).toBeGreaterThanOrEqual(2);
  expect((await status(a)).status).toBe('warming');
  expect((await db.getChip(a.chipId)).status).toBe('warming');
  expect((await db.listAlerts({ open: true })).filter((x) => x.kind !== 'provider_unconfirmed')).toEqual([]);

  // Now it agrees: banned, the workflow ends.
  sim.control.setReportedState(a.instanceName, null);
  sim.control.connect(a.instanceName);
  sim.control.dropConnection(a.instanceName, 403);
  await waitFor(async () => (await ha!.describe()).status.name !== 'RUNNING', "the banned chip's workflow to end");
  expect((await ha!.result()).status).toBe('banned');
  expect((await db.getChip(a.chipId)).status).toBe('banned');
}, 60_000);

test('an unknown code bans nothing: the chip holds with one alert and resumes when the instance is open', async () => {
  const { db, sim } = stack;
  const chips = await registerFleet(stack, 2, 'fleet-unknown');
  const [a] = chips as [ChipRef, ChipRef];
  const [ha] = await startChips(chips, null);
  await waitFor(async () => (await status(a)).status === 'warming', 'the chip to run');

  sim.control.disconnect(a.instanceName, { statusReason: 499, emit: true });
  await waitFor(async () => (await status(a)).status === 'paused', 'the chip to hold');
  expect(await status(a)).toMatchObject({ pausedBy: 'provider', statusReason: expect.stringMatching(/código 499 desconhecido/) });
  await waitFor(async () => (await db.listAlerts({ open: true })).length > 0, 'the alert');
  expect(await db.listAlerts({ open: true })).toEqual([
    expect.objectContaining({ chipId: a.chipId, kind: 'chip_disconnected', message: expect.stringMatching(/nenhum banimento/) }),
  ]);
  expect(await facts(a, ['banned'])).toBe(0);
  expect((await ha!.describe()).status.name).toBe('RUNNING');

  sim.control.connect(a.instanceName);
  await waitFor(async () => (await status(a)).status === 'warming', 'the chip to resume');
}, 60_000);

test('a drop the provider recovers from holds the chip silently; calls are recorded, only repeated ones from outside the fleet are a sign', async () => {
  const { db, sim } = stack;
  const chips = await registerFleet(stack, 2, 'fleet-calls');
  const [a, b] = chips as [ChipRef, ChipRef];
  await startChips(chips, null);
  await waitFor(async () => (await status(a)).status === 'warming', 'the chip to run');

  // 428: Evolution posts only `connecting` and reconnects; the chip holds without an alert, then goes on.
  sim.control.dropConnection(a.instanceName, 428);
  await waitFor(async () => (await status(a)).status === 'paused', 'the chip to hold');
  expect(await status(a)).toMatchObject({ pausedBy: 'provider', statusReason: 'conexão perdida — aguardando reconexão' });
  sim.control.connect(a.instanceName);
  await waitFor(async () => (await status(a)).status === 'warming', 'the chip to resume');
  expect(await facts(a, ['connection_lost'])).toBe(1);
  expect(await facts(a, ['disconnected', 'banned'])).toBe(0);
  expect(await db.listAlerts({ open: true })).toEqual([]);
  expect((await status(a)).quarantine).toBeNull();

  // A fleet chip calling is fine; a stranger calling twice is a mild warning sign (quarantine, cap backs off).
  sim.control.incomingCall(a.instanceName, b.phone);
  sim.control.incomingCall(a.instanceName, '5511987650001');
  await sim.control.idle();
  expect(await facts(a, ['call_fleet'])).toBe(1);
  expect(await facts(a, ['call'])).toBe(1);
  expect((await status(a)).quarantine).toBeNull();
  sim.control.incomingCall(a.instanceName, '5511987650002');
  await sim.control.idle();
  expect(await facts(a, ['call'])).toBe(2);
  await waitFor(async () => (await status(a)).quarantine !== null, 'the warning sign');
  expect((await status(a)).quarantine).toMatch(/chamadas repetidas/);
  expect((await status(a)).status).toBe('warming');
}, 60_000);
