/**
 * The deliverTurn activity's guardrails, with the real activities over the embedded database and
 * the simulator (no Temporal needed): only chips of the sender's fleet are ever written to, a turn
 * is sent at most once, a turn whose outcome is unknown is never sent again, and a disconnected
 * instance is a non-retryable failure.
 */
import { ApplicationFailure } from '@temporalio/common';
import { randomUUID } from 'node:crypto';
import { createActivities } from '../../src/activities';
import type { ChipRef, DeliverTurnInput, WarmupActivities } from '../../src/activities/types';
import { createDialogueSource } from '../../src/adapters/dialogue';
import { createEvolutionClient } from '../../src/adapters/messaging/evolution';
import { DEFAULT_PROGRAM_EPOCH_MS, REAL_DAY_MS } from '../../src/domain/clock';
import { phoneToJid } from '../../src/domain/phone';
import { promoteInDb, registerFleet, rows, SIM_API_KEY, startIntegrationStack, type IntegrationStack } from '../helpers/integration';

let stack: IntegrationStack;
let activities: WarmupActivities;
let sleeps: number[];
let fleet: ChipRef[];
let other: ChipRef[];
// One database and simulator for the file (PGlite takes a second to start); each test gets fresh
// fleets and looks only at what happened on the network since it began.
let requestsBefore = 0;
let deliveriesBefore = 0;
let run = 0;

beforeAll(async () => {
  stack = await startIntegrationStack();
  activities = createActivities({
    db: stack.db,
    messaging: createEvolutionClient({ baseUrl: stack.sim.url, apiKey: SIM_API_KEY, retryBaseDelayMs: 5 }),
    notifier: { notify: async () => undefined },
    dialogues: createDialogueSource(),
    chips: { reserve: async () => ({ accepted: false, refusal: { reason: 'no_warmup' } }) },
    clock: { dayMs: REAL_DAY_MS, epochMs: DEFAULT_PROGRAM_EPOCH_MS },
    sleep: async (ms) => {
      sleeps.push(ms);
    },
  });
});
beforeEach(async () => {
  run++;
  sleeps = [];
  fleet = await registerFleet(stack, 2, `fleet-a${run}`);
  other = await registerFleet(stack, 1, `fleet-b${run}`);
  await promoteInDb(stack, [...fleet, ...other]);
  requestsBefore = stack.sim.control.requests().length;
  deliveriesBefore = stack.sim.control.deliveries().length;
});
afterAll(async () => {
  await stack?.close();
});

const requests = () => stack.sim.control.requests().slice(requestsBefore);
const deliveries = () => stack.sim.control.deliveries().slice(deliveriesBefore);
const sentTurnsOf = (conversationId: string) =>
  rows(stack.sql, `select 1 from warmup_interactions where tipo = 'msg_enviada' and conversation_id = $1`, [conversationId]);

async function conversation(a: ChipRef, b: ChipRef): Promise<string> {
  const id = randomUUID();
  await stack.db.createConversation({
    id,
    chipA: a.chipId,
    chipB: b.chipId,
    dialogueId: 'guardrail-test',
    turns: 4,
    at: new Date().toISOString(),
  });
  return id;
}

function turn(
  conversationId: string,
  index: number,
  sender: ChipRef,
  receiver: ChipRef,
  extra: Partial<DeliverTurnInput> = {},
): DeliverTurnInput {
  return {
    conversationId,
    turn: index,
    key: `${conversationId}:${index}`,
    sender,
    receiver,
    text: `mensagem ${index} de ${conversationId.slice(0, 8)}`,
    thinkMs: 1200,
    typingMs: 1500,
    ...extra,
  };
}

/** The activity's rejection as the Temporal failure it is. */
async function failureOf(promise: Promise<unknown>): Promise<ApplicationFailure> {
  const err = await promise.then(
    () => {
      throw new Error('expected the activity to fail');
    },
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ApplicationFailure);
  return err as ApplicationFailure;
}

const sendTextCalls = () => requests().filter((r) => r.path.startsWith('/message/sendText/'));

describe('deliverTurn refuses a receiver outside the sender fleet before any HTTP call', () => {
  const refusals: [string, () => ChipRef][] = [
    ['a phone that is not a registered chip', () => ({ chipId: randomUUID(), phone: '5511987650000', instanceName: 'stranger' })],
    ['a chip of another fleet', () => other[0]!],
    ['a registered chip id with another phone', () => ({ ...fleet[1]!, phone: other[0]!.phone })],
    ['an id that is not a uuid', () => ({ chipId: 'not-a-chip', phone: fleet[1]!.phone, instanceName: fleet[1]!.instanceName })],
  ];
  test.each(refusals)('%s', async (_label, receiverOf) => {
    const receiver = receiverOf();
    // The outsider also owns a live instance on the network, so a send would have arrived.
    if (!stack.sim.control.instances().some((i) => i.phone === receiver.phone))
      stack.sim.control.addInstance(`live-${receiver.phone}`, receiver.phone);
    const conversationId = await conversation(fleet[0]!, fleet[1]!);
    const failure = await failureOf(
      activities.deliverTurn(
        turn(conversationId, 1, fleet[0]!, receiver, {
          replyTo: { remoteJid: phoneToJid(receiver.phone), fromMe: false, id: '3EB0AAAAAAAAAAAAAAAA' },
        }),
      ),
    );
    expect(failure.type).toBe('OutsideFleet');
    expect(failure.nonRetryable).toBe(true);
    expect(failure.message).not.toContain(receiver.phone); // masked
    expect(requests()).toEqual([]); // no read receipt, presence or send
    expect(sleeps).toEqual([]); // refused before even "thinking"
    expect(deliveries()).toEqual([]);
    expect(await sentTurnsOf(conversationId)).toHaveLength(0);
  });

  test('a sender of another fleet writing to a chip of this fleet is refused too', async () => {
    const conversationId = await conversation(fleet[0]!, fleet[1]!);
    const failure = await failureOf(activities.deliverTurn(turn(conversationId, 0, other[0]!, fleet[0]!)));
    expect(failure.type).toBe('OutsideFleet');
    expect(requests()).toEqual([]);
  });

  test('the same call between two chips of the fleet goes through (the refusals are about the fleet)', async () => {
    const conversationId = await conversation(fleet[0]!, fleet[1]!);
    const out = await activities.deliverTurn(turn(conversationId, 0, fleet[0]!, fleet[1]!));
    expect(out.alreadySent).toBe(false);
    expect(deliveries()).toHaveLength(1);
    expect(deliveries()[0]).toMatchObject({ fromPhone: fleet[0]!.phone, toPhone: fleet[1]!.phone, messageId: out.key!.id });
  });
});

test('a retried turn that was already sent is not sent again', async () => {
  const [a, b] = [fleet[0]!, fleet[1]!];
  const conversationId = await conversation(a, b);
  const input = turn(conversationId, 0, a, b);
  const first = await activities.deliverTurn(input);
  expect(first.alreadySent).toBe(false);
  const retry = await activities.deliverTurn(input);
  const again = await activities.deliverTurn(input);
  expect(retry).toEqual({ alreadySent: true });
  expect(again).toEqual({ alreadySent: true });

  expect(sendTextCalls()).toHaveLength(1);
  expect(deliveries()).toHaveLength(1);
  expect(stack.sim.control.deliveryCount(first.key!.id)).toBe(1);
  const [sender, receiver] = [await stack.db.getChip(a.chipId), await stack.db.getChip(b.chipId)];
  expect(sender.messagesSent).toBe(1);
  expect(receiver.messagesReceived).toBe(1);
  const recorded = await rows<{ estado: string; provider_message_id: string }>(
    stack.sql,
    `select estado, provider_message_id from warmup_interactions where tipo = 'msg_enviada' and conversation_id = $1`,
    [conversationId],
  );
  expect(recorded).toEqual([{ estado: 'sent', provider_message_id: first.key!.id }]);
});

test('a turn claimed but never completed ends with TurnOutcomeUnknown and is not sent', async () => {
  const [a, b] = [fleet[0]!, fleet[1]!];
  const conversationId = await conversation(a, b);
  const input = turn(conversationId, 0, a, b);
  // An earlier attempt claimed the turn and crashed before recording the send.
  expect(
    await stack.db.beginTurn({
      key: input.key,
      conversationId,
      turn: 0,
      senderId: a.chipId,
      receiverId: b.chipId,
      at: new Date().toISOString(),
    }),
  ).toBe('new');

  for (let attempt = 0; attempt < 2; attempt++) {
    const failure = await failureOf(activities.deliverTurn(input));
    expect(failure.type).toBe('TurnOutcomeUnknown');
    expect(failure.nonRetryable).toBe(true);
  }
  expect(sendTextCalls()).toHaveLength(0);
  expect(deliveries()).toHaveLength(0);
  expect((await stack.db.getChip(a.chipId)).messagesSent).toBe(0);
  expect((await stack.db.getChip(b.chipId)).messagesReceived).toBe(0);
});

describe('a disconnected instance is a non-retryable ProviderDisconnected failure', () => {
  test('found by the typing presence, before the turn is claimed', async () => {
    const [a, b] = [fleet[0]!, fleet[1]!];
    const conversationId = await conversation(a, b);
    stack.sim.control.disconnect(a.instanceName);
    const failure = await failureOf(activities.deliverTurn(turn(conversationId, 0, a, b)));
    expect(failure.type).toBe('ProviderDisconnected');
    expect(failure.nonRetryable).toBe(true);
    expect(sendTextCalls()).toHaveLength(0);
    // Not claimed: once the instance is back, the same turn can still be sent, once.
    stack.sim.control.connect(a.instanceName);
    const out = await activities.deliverTurn(turn(conversationId, 0, a, b));
    expect(out.alreadySent).toBe(false);
    expect(deliveries()).toHaveLength(1);
  });

  test('found by the send itself', async () => {
    const [a, b] = [fleet[0]!, fleet[1]!];
    const conversationId = await conversation(a, b);
    stack.sim.control.disconnect(a.instanceName);
    const failure = await failureOf(activities.deliverTurn(turn(conversationId, 0, a, b, { typingMs: 0, thinkMs: 0 })));
    expect(failure.type).toBe('ProviderDisconnected');
    expect(failure.nonRetryable).toBe(true);
    expect(failure.message).toMatch(/not connected/);
    const attempts = sendTextCalls();
    expect(attempts).toHaveLength(1); // sendText is never retried inside the adapter
    expect(attempts[0]!.status).toBe(400);
    expect(deliveries()).toHaveLength(0);
    expect((await stack.db.getChip(a.chipId)).messagesSent).toBe(0);
  });
});
