/**
 * Provider events end to end: the simulator posts Evolution webhooks (with the shared secret) to the
 * real webhook receiver, the bridge records them and signals the chip workflows, which run on the
 * time-skipping server with the real activities (embedded database, simulator over HTTP).
 *
 * The server's clock is never advanced here (no env.sleep, no result() while anything runs): the
 * workflows react to signals in real time, and a conversation started before an event is still in
 * the gap after its first turn when the event arrives.
 */
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { ChipRef } from '../../src/activities/types';
import { chipStatus, pauseChip, resumeChip } from '../../src/client/chips';
import type { ChipStatusView } from '../../src/workflows/api';
import type { WebhookReceiver } from '../../src/webhooks/receiver';
import { registerFleet, rows, waitFor, type IntegrationStack } from '../helpers/integration';
import { startChipsIn, startWebhookStack, type WebhookStack } from '../helpers/webhook-stack';

const SECRET = 'provider-events-secret-0123456789';

let ws: WebhookStack | undefined;
let env: TestWorkflowEnvironment;
let stack: IntegrationStack;
let receiver: WebhookReceiver;

beforeEach(async () => {
  ws = await startWebhookStack({ secret: SECRET, taskQueuePrefix: 'provider-events' });
  ({ env, stack, receiver } = ws);
});
afterEach(async () => {
  await ws?.close();
  ws = undefined;
});

/** Starts the chips' workflows in `expansao`; only `initiator` (if any) starts a conversation now. */
const startChips = (chips: ChipRef[], initiator: ChipRef | null) => startChipsIn(ws!, chips, initiator);

const status = (chip: ChipRef): Promise<ChipStatusView> => chipStatus(env.client, chip.chipId);
const closed = async (handle: { describe(): Promise<{ status: { name: string } }> }) => (await handle.describe()).status.name !== 'RUNNING';

test('a ban webhook on a chip in conversation stops it for good, aborts the conversation and opens a critical alert', async () => {
  const { db, sim, sql } = stack;
  const chips = await registerFleet(stack, 3, 'fleet-ban');
  const [a, b, c] = chips as [ChipRef, ChipRef, ChipRef];
  const [ha] = await startChips(chips, a);

  // A conversation is under way: its first turn arrived and the next waits on a timer.
  await waitFor(() => sim.control.deliveries().some((d) => d.fromPhone === a.phone), 'the first turn of a conversation');
  const [conversation] = await rows<{ id: string; chip_b: string }>(sql, 'select id, chip_b from warmup_conversations');
  expect(conversation).toBeDefined();
  const partner = chips.find((x) => x.chipId === conversation!.chip_b)!;
  expect((await status(partner)).busyWith).toBe(conversation!.id);

  sim.control.ban(a.instanceName);
  await waitFor(() => closed(ha!), "the banned chip's workflow to end");
  const result = await ha!.result();
  expect(result.status).toBe('banned');
  expect(result.phase).toBe('expansao');

  // The webhook reached the receiver with the secret (a 401 would have been answered otherwise).
  await sim.control.idle();
  const posts = sim.control.webhooks().filter((w) => w.event === 'connection.update' && w.instance === a.instanceName);
  expect(posts.map((w) => w.status)).toEqual([200]);
  expect(posts[0]!.url).toBe(receiver.url);

  // The database: banned, one open critical alert, the provider fact recorded, the conversation aborted.
  const record = await db.getChip(a.chipId);
  expect(record.status).toBe('banned');
  expect(record.pauseReason).toBe('banido pelo provedor');
  const alerts = await db.listAlerts({ open: true });
  expect(alerts).toEqual([expect.objectContaining({ chipId: a.chipId, severity: 'critical', kind: 'chip_banned', resolved: false })]);
  expect(await db.countProviderEvents({ kinds: ['banned'], since: new Date(0).toISOString(), chipId: a.chipId })).toBe(1);
  await waitFor(
    async () => (await rows(sql, 'select 1 from warmup_conversations where outcome is not null')).length === 1,
    'the conversation to be closed',
  );
  const [closedConversation] = await rows<{ outcome: string; turnos_entregues: number }>(
    sql,
    'select outcome, turnos_entregues from warmup_conversations',
  );
  expect(closedConversation).toEqual({ outcome: 'aborted', turnos_entregues: 1 });
  expect(sim.control.deliveries()).toHaveLength(1);
  expect(stack.notifications).toContainEqual(
    expect.objectContaining({ kind: 'alert', severity: 'critical', title: 'chip_banned', phone: a.phone }),
  );

  // One incident does not trip the fleet breaker: the others keep warming, the partner is free again.
  await waitFor(async () => (await status(partner)).busyWith === null, 'the partner to be released');
  for (const chip of [b, c]) {
    expect((await status(chip)).status).toBe('warming');
    expect((await db.getChip(chip.chipId)).status).toBe('warming');
  }
  expect(alerts.some((x) => x.kind === 'fleet_breaker')).toBe(false);

  // A forged post (no secret) changes nothing.
  const forged = await fetch(receiver.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      event: 'connection.update',
      instance: b.instanceName,
      data: { instance: b.instanceName, state: 'close', statusReason: 403 },
    }),
  });
  expect(forged.status).toBe(401);
  expect((await status(b)).status).toBe('warming');
}, 60_000);

test('a logout (401) pauses the chip with the reconnect alert; reconnecting resumes it', async () => {
  const { db, sim } = stack;
  const chips = await registerFleet(stack, 2, 'fleet-logout');
  const [a, b] = chips as [ChipRef, ChipRef];
  await startChips(chips, null);
  await waitFor(async () => (await status(a)).status === 'warming', 'the chip to run');

  sim.control.logout(a.instanceName);
  await waitFor(async () => (await status(a)).status === 'paused', 'the chip to pause');
  const view = await status(a);
  expect(view.statusReason).toBe('desconectado — leia o QR code de novo');
  await waitFor(async () => (await db.getChip(a.chipId)).status === 'paused', 'the pause to be persisted');
  expect((await db.getChip(a.chipId)).pauseReason).toBe('desconectado — leia o QR code de novo');
  // The status is written before the alert is opened: wait for the alert itself.
  await waitFor(async () => (await db.listAlerts({ open: true })).length > 0, 'the warning alert');
  const alerts = await db.listAlerts({ open: true });
  expect(alerts).toEqual([expect.objectContaining({ chipId: a.chipId, severity: 'warning', kind: 'chip_reconnect' })]);
  // The notification follows the alert (its own activity).
  await waitFor(() => stack.notifications.some((n) => n.kind === 'alert' && n.title === 'chip_reconnect'), 'the warning notification');
  expect(stack.notifications).toContainEqual(expect.objectContaining({ kind: 'alert', severity: 'warning', title: 'chip_reconnect' }));
  expect((await status(b)).status).toBe('warming');

  // The instance comes back (connection.update open): a provider pause lifts by itself.
  sim.control.connect(a.instanceName);
  await waitFor(async () => (await status(a)).status === 'warming', 'the chip to resume');
  await waitFor(async () => (await db.getChip(a.chipId)).status === 'warming', 'the resume to be persisted');
}, 60_000);

test('two bans within 24 h trip the fleet breaker: critical alert, the fleet paused, resumed by the operator', async () => {
  const { db, sim } = stack;
  const chips = await registerFleet(stack, 5, 'fleet-breaker');
  const [x, y, p, q, r] = chips as [ChipRef, ChipRef, ChipRef, ChipRef, ChipRef];
  const [outsider, outsider2] = await registerFleet(stack, 2, 'fleet-elsewhere');
  const handles = await startChips([...chips, outsider!, outsider2!], null);
  for (const chip of [...chips, outsider!, outsider2!])
    await waitFor(async () => (await status(chip)).status === 'warming', 'the chips to run');
  // An operator had paused r for their own reasons before anything happened.
  await pauseChip(env.client, r.chipId, 'operator check');
  await waitFor(async () => (await db.getChip(r.chipId)).status === 'paused', 'the operator pause to be persisted');

  // A ban in another fleet does not count towards this fleet's breaker.
  sim.control.ban(outsider2!.instanceName);
  await waitFor(() => closed(handles[6]!), "the other fleet's banned chip to stop");
  sim.control.ban(x.instanceName);
  await waitFor(() => closed(handles[0]!), 'the first banned chip to stop');
  expect((await db.listAlerts({ open: true })).some((a) => a.kind === 'fleet_breaker')).toBe(false);
  for (const chip of [p, q]) expect((await status(chip)).status).toBe('warming');

  sim.control.ban(y.instanceName, 406);
  await waitFor(() => closed(handles[1]!), 'the second banned chip to stop');
  await waitFor(async () => (await db.listAlerts({ open: true })).some((a) => a.kind === 'fleet_breaker'), 'the fleet breaker alert');
  const breaker = (await db.listAlerts({ open: true })).filter((a) => a.kind === 'fleet_breaker');
  expect(breaker).toEqual([expect.objectContaining({ chipId: y.chipId, severity: 'critical' })]);
  expect(breaker[0]!.message).toMatch(/2 chips banidos ou desconectados em 24h/);
  await waitFor(
    () => stack.notifications.some((n) => n.kind === 'alert' && n.title === 'Disjuntor da frota acionado'),
    'the breaker notification',
  );
  expect(stack.notifications.filter((n) => n.kind === 'alert' && n.title === 'Disjuntor da frota acionado')).toHaveLength(1);
  expect((await handles[1]!.result()).status).toBe('banned');

  // Every other warming chip of the fleet is paused by the breaker; the operator's pause is untouched;
  // a chip of another fleet goes on.
  for (const chip of [p, q]) {
    await waitFor(async () => (await status(chip)).status === 'paused', 'the fleet to pause');
    expect((await status(chip)).statusReason).toBe('disjuntor da frota');
    await waitFor(async () => (await db.getChip(chip.chipId)).status === 'paused', 'the breaker pause to be persisted');
  }
  expect((await status(r)).statusReason).toBe('operator check');
  expect((await status(outsider!)).status).toBe('warming');

  // The operator resumes the fleet: the breaker's pauses lift, the operator's own stays.
  for (const chip of [p, q, r]) await resumeChip(env.client, chip.chipId, 'fleet_breaker');
  for (const chip of [p, q]) {
    await waitFor(async () => (await status(chip)).status === 'warming', 'the fleet to resume');
    expect((await status(chip)).statusReason).toBeNull();
    await waitFor(async () => (await db.getChip(chip.chipId)).status === 'warming', 'the resume to be persisted');
  }
  const stillPaused = await status(r);
  expect(stillPaused.status).toBe('paused');
  expect(stillPaused.statusReason).toBe('operator check');
  for (const chip of [x, y]) expect((await db.getChip(chip.chipId)).status).toBe('banned');
}, 60_000);

/** Posts one Evolution webhook to the receiver, with the secret and a fixed provider stamp (a redelivery). */
async function post(body: Record<string, unknown>): Promise<number> {
  const res = await fetch(receiver.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-warmer-secret': SECRET },
    body: JSON.stringify({ date_time: '2026-03-10T12:00:00.000Z', sender: null, server_url: 'http://sim', apikey: null, ...body }),
  });
  return res.status;
}

const failureOf = (chip: ChipRef, messageId: string) => ({
  event: 'messages.update',
  instance: chip.instanceName,
  data: { keyId: messageId, messageId, remoteJid: '5511900000000@s.whatsapp.net', fromMe: true, status: 'ERROR', instanceId: 'i' },
});

/** Provider-event signals the chip's workflow received, from its history. */
async function providerSignals(chip: ChipRef): Promise<number> {
  const history = await env.client.workflow.getHandle(`chip-warmup/${chip.chipId}`).fetchHistory();
  return (history.events ?? []).filter((e) => e.workflowExecutionSignaledEventAttributes?.signalName === 'providerEvent').length;
}

/** Records a message `sender` sent to `receiver`, as completeTurn does after a send. */
async function recordSent(sender: ChipRef, receiver: ChipRef, providerMessageId: string): Promise<void> {
  const id = `sent-${providerMessageId}`;
  await stack.db.createConversation({
    id,
    chipA: sender.chipId,
    chipB: receiver.chipId,
    dialogueId: 'd',
    turns: 2,
    at: new Date().toISOString(),
  });
  await stack.db.beginTurn({
    key: `${id}/0`,
    conversationId: id,
    turn: 0,
    senderId: sender.chipId,
    receiverId: receiver.chipId,
    at: new Date().toISOString(),
  });
  await stack.db.completeTurn({ key: `${id}/0`, providerMessageId, textLength: 5, at: new Date().toISOString() });
}

test('one messages.update ERROR replayed 7 times counts once; for a message id the chip never sent it changes nothing', async () => {
  const { db } = stack;
  const chips = await registerFleet(stack, 2, 'fleet-replay');
  const [a, b] = chips as [ChipRef, ChipRef];
  await startChips(chips, null);
  await waitFor(async () => (await status(a)).status === 'warming', 'the chip to run');

  for (let i = 0; i < 7; i += 1) expect(await post(failureOf(a, 'never-sent-by-a'))).toBe(200);
  expect(await db.countProviderEvents({ kinds: ['delivery_failed'], since: new Date(0).toISOString(), chipId: a.chipId })).toBe(0);
  expect(await providerSignals(a)).toBe(0);

  await recordSent(a, b, 'wamid-sent-by-a');
  for (let i = 0; i < 7; i += 1) expect(await post(failureOf(a, 'wamid-sent-by-a'))).toBe(200);
  expect(await db.countProviderEvents({ kinds: ['delivery_failed'], since: new Date(0).toISOString(), chipId: a.chipId })).toBe(1);
  await waitFor(async () => (await providerSignals(a)) === 1, 'the one signal');
  // Seven failures would have paused it (6 is critical); one did not.
  expect((await status(a)).status).toBe('warming');
  expect((await db.getChip(a.chipId)).status).toBe('warming');
  expect(await db.listAlerts({ open: true })).toEqual([]);
  expect(await providerSignals(a)).toBe(1);
}, 60_000);

test("close 403 while the provider's connectionState says open leaves the chip warming; when it says close, the chip is banned", async () => {
  const { db, sim } = stack;
  const chips = await registerFleet(stack, 2, 'fleet-confirm');
  const [a] = chips as [ChipRef, ChipRef];
  const [ha] = await startChips(chips, null);
  await waitFor(async () => (await status(a)).status === 'warming', 'the chip to run');

  // The report and the provider's own state disagree: recorded as unconfirmed, the chip untouched.
  sim.control.setReportedState(a.instanceName, 'open');
  sim.control.ban(a.instanceName, 403);
  await sim.control.idle();
  expect(await db.countProviderEvents({ kinds: ['unconfirmed'], since: new Date(0).toISOString(), chipId: a.chipId })).toBe(1);
  expect(await db.countProviderEvents({ kinds: ['banned'], since: new Date(0).toISOString(), chipId: a.chipId })).toBe(0);
  // Only a warning sign for the chip: its cap backs off and it goes into quarantine (adaptive ramp).
  await waitFor(async () => (await providerSignals(a)) === 1, 'the warning sign');
  await waitFor(async () => (await status(a)).quarantine !== null, 'the quarantine');
  expect(await status(a)).toMatchObject({ status: 'warming', quarantine: expect.stringMatching(/relato de banimento não confirmado/) });
  expect(await db.listAlerts({ open: true })).toEqual([]);
  // It repeats: a warning for the operator, still no change to the chip.
  sim.control.ban(a.instanceName, 403);
  await sim.control.idle();
  expect(await db.listAlerts({ open: true })).toEqual([
    expect.objectContaining({ chipId: a.chipId, severity: 'warning', kind: 'provider_unconfirmed' }),
  ]);
  expect((await status(a)).status).toBe('warming');
  expect((await db.getChip(a.chipId)).status).toBe('warming');

  // Now the provider agrees: banned, with the critical alert, and the workflow ends.
  sim.control.setReportedState(a.instanceName, null);
  sim.control.ban(a.instanceName, 403);
  await waitFor(() => closed(ha!), "the banned chip's workflow to end");
  expect((await ha!.result()).status).toBe('banned');
  expect((await db.getChip(a.chipId)).status).toBe('banned');
  await waitFor(async () => (await db.listAlerts({ open: true })).some((x) => x.kind === 'chip_banned'), 'the critical alert');
  expect(await db.listAlerts({ open: true })).toContainEqual(
    expect.objectContaining({ chipId: a.chipId, severity: 'critical', kind: 'chip_banned' }),
  );
}, 60_000);
