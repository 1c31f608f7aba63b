/**
 * A turn's worst case fits its timeout: a slow provider (every answer late, presence held for its
 * delay like Evolution) costs the read receipt and the typing, never the send. Real simulator over
 * HTTP, real embedded database; the turn runs with a shorter budget than production's 20 s so the
 * test stays short (the same arithmetic scales: src/activities/turn-limits.ts).
 */
import { randomUUID } from 'node:crypto';
import { createActivities } from '../../src/activities';
import { MARGIN_MS } from '../../src/activities/turn-limits';
import { createDialogueSource } from '../../src/adapters/dialogue';
import { createEvolutionClient } from '../../src/adapters/messaging/evolution';
import { DEFAULT_PROGRAM_EPOCH_MS, REAL_DAY_MS } from '../../src/domain/clock';
import { promoteInDb, registerFleet, SIM_API_KEY, startIntegrationStack, type IntegrationStack } from '../helpers/integration';

let stack: IntegrationStack;
beforeAll(async () => {
  stack = await startIntegrationStack({ simulator: { holdPresence: true } });
});
afterAll(async () => stack?.close());

test('a turn with a slow provider ends inside its budget, the message sent once', async () => {
  const budgetMs = 8_000;
  const latencyMs = 800;
  const [a, b] = await registerFleet(stack, 2, 'deadline');
  await promoteInDb(stack, [a!, b!]);
  const activities = createActivities({
    db: stack.db,
    messaging: createEvolutionClient({ baseUrl: stack.sim.url, apiKey: SIM_API_KEY, retryBaseDelayMs: 50 }),
    notifier: { notify: async () => undefined },
    dialogues: createDialogueSource(),
    chips: { reserve: async () => ({ accepted: false, refusal: { reason: 'no_warmup' } }) },
    clock: { dayMs: REAL_DAY_MS, epochMs: DEFAULT_PROGRAM_EPOCH_MS },
    turnTimeoutMs: budgetMs,
  });
  const conversationId = randomUUID();
  await stack.db.createConversation({
    id: conversationId,
    chipA: a!.chipId,
    chipB: b!.chipId,
    dialogueId: 'd',
    turns: 2,
    at: new Date().toISOString(),
  });
  stack.sim.control.setLatency(latencyMs);
  // Without limits: receipt 0.8 + think 1 + presence 0.8 + 4 held + send 0.8 = 7.4 s of provider time
  // plus the database, past the 7 s this budget leaves.
  const started = Date.now();
  const result = await activities.deliverTurn({
    conversationId,
    turn: 0,
    key: `${conversationId}:0`,
    sender: a!,
    receiver: b!,
    text: 'oi, tudo bem?',
    replyTo: { remoteJid: `${b!.phone}@s.whatsapp.net`, fromMe: false, id: 'earlier' },
    thinkMs: 1_000,
    typingMs: 4_000,
  });
  const elapsed = Date.now() - started;
  stack.sim.control.setLatency(0);
  expect(result.alreadySent).toBe(false);
  expect(elapsed).toBeLessThan(budgetMs - MARGIN_MS);
  expect(stack.sim.control.deliveryCount(result.key!.id)).toBe(1);
}, 30_000);

test('a call is cut at its deadline, its retries included, and at once when cancelled', async () => {
  const client = createEvolutionClient({ baseUrl: stack.sim.url, apiKey: SIM_API_KEY, retries: 5, retryBaseDelayMs: 100 });
  const [c] = await registerFleet(stack, 1, 'deadline-calls');
  stack.sim.control.setLatency(2_000);
  try {
    let started = Date.now();
    await expect(client.connectionState(c!.instanceName, { deadlineMs: Date.now() + 700 })).rejects.toMatchObject({ reason: 'timeout' });
    expect(Date.now() - started).toBeLessThan(1_200);

    const controller = new AbortController();
    started = Date.now();
    setTimeout(() => controller.abort(), 200);
    await expect(client.connectionState(c!.instanceName, { signal: controller.signal })).rejects.toMatchObject({ reason: 'cancelled' });
    expect(Date.now() - started).toBeLessThan(700);
  } finally {
    stack.sim.control.setLatency(0);
  }
  // Failures that would be retried 5 times stop retrying when the next attempt could not finish in time.
  stack.sim.control.failNextRequests(c!.instanceName, 10, 503);
  const started = Date.now();
  await expect(client.connectionState(c!.instanceName, { deadlineMs: Date.now() + 400 })).rejects.toMatchObject({ reason: 'server_error' });
  expect(Date.now() - started).toBeLessThan(600);
}, 30_000);
