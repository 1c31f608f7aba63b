/**
 * The plan sends the dialogue's first turn (one billed activity fewer per conversation), with the
 * real activities over the embedded database and the simulator over HTTP: the opening goes out once,
 * from the initiator to the partner it reserved, its confirmation rides on the next turn's claim, a
 * retried plan never sends it twice, a retry on another worker after the first attempt was cut off
 * frees the partner that attempt reserved, and a refused opening leaves the plan standing for the
 * conversation to close.
 */
import { MockActivityEnvironment } from '@temporalio/testing';
import { createActivities } from '../../src/activities';
import type { ChipRef, PlanConversationInput, PlanResult, WarmupActivities } from '../../src/activities/types';
import { createDialogueSource } from '../../src/adapters/dialogue';
import { createEvolutionClient } from '../../src/adapters/messaging/evolution';
import { DEFAULT_PROGRAM_EPOCH_MS, REAL_DAY_MS, programClock, programDay, realAtMinute } from '../../src/domain/clock';
import { promoteInDb, registerFleet, rows, SIM_API_KEY, startIntegrationStack, type IntegrationStack } from '../helpers/integration';

let stack: IntegrationStack;
let activities: WarmupActivities;
let run = 0;
const clock = programClock(REAL_DAY_MS, DEFAULT_PROGRAM_EPOCH_MS);

beforeAll(async () => {
  stack = await startIntegrationStack();
  activities = createActivities(deps());
});
const deps = () => ({
  db: stack.db,
  messaging: createEvolutionClient({ baseUrl: stack.sim.url, apiKey: SIM_API_KEY, retryBaseDelayMs: 5 }),
  notifier: { notify: async () => undefined },
  dialogues: createDialogueSource(),
  chips: { reserve: async () => ({ accepted: true as const }) },
  clock,
  sleep: async () => undefined,
});
afterAll(async () => {
  await stack?.close();
});

async function pair(): Promise<[ChipRef, ChipRef]> {
  run++;
  const [a, b] = await registerFleet(stack, 2, `fleet-open${run}`);
  await promoteInDb(stack, [a!, b!]);
  return [a!, b!];
}

function planInput(initiator: ChipRef, more: Partial<PlanConversationInput> = {}): PlanConversationInput {
  // Noon São Paulo: inside every chip's activity window.
  const atMs = realAtMinute(clock, Date.now(), 12 * 60);
  return {
    initiator,
    phase: 'expansao',
    conversationId: `open-${run}-${Math.random().toString(36).slice(2)}`,
    maxTurns: 12,
    day: programDay(clock, atMs),
    atMs,
    clock: { dayMs: clock.dayMs, epochMs: clock.epochMs },
    seed: 11,
    leaseMs: 60_000,
    topUpPairs: true,
    paceScale: 0,
    sendOpening: true,
    ...more,
  };
}

const sendsOf = (conversationId: string) =>
  rows<{ turno: number; chip_id: string; provider_message_id: string | null }>(
    stack.sql,
    `select turno, chip_id, provider_message_id from warmup_interactions where tipo = 'msg_enviada' and conversation_id = $1 order by turno`,
    [conversationId],
  );

const planned = (result: PlanResult) => {
  if (result.kind !== 'planned') throw new Error(`expected a plan, got ${result.reason}`);
  return result.plan;
};

test('the plan sends the first turn to the partner it reserved; the next claim confirms it', async () => {
  const [a, b] = await pair();
  const before = stack.sim.control.deliveries().length;
  const input = planInput(a);
  const plan = planned(await activities.planConversation(input));
  expect(plan.partner.chipId).toBe(b.chipId);
  expect(plan.opening).toMatchObject({ sent: true });
  const opening = plan.opening!;
  if (!opening.sent) throw new Error('unreachable');
  expect(opening.confirm?.key).toBe(`${input.conversationId}:0`);

  const delivered = stack.sim.control.deliveries().slice(before);
  expect(delivered).toHaveLength(1);
  expect(delivered[0]).toMatchObject({ fromPhone: a.phone, toPhone: b.phone });
  // Claimed, its confirmation deferred to the next turn's claim (one round trip per message).
  expect(await sendsOf(input.conversationId)).toEqual([{ turno: 0, chip_id: a.chipId, provider_message_id: null }]);

  const second = plan.dialogue.turns[1]!;
  const [sender, receiver] = second.from === 'A' ? [a, b] : [b, a];
  await activities.deliverTurn({
    conversationId: input.conversationId,
    turn: 1,
    key: `${input.conversationId}:1`,
    sender,
    receiver,
    text: second.text,
    replyTo: opening.key,
    thinkMs: 0,
    typingMs: 0,
    previous: opening.confirm,
    confirmLater: true,
  });
  const sends = await sendsOf(input.conversationId);
  expect(sends.map((s) => s.turno)).toEqual([0, 1]);
  expect(sends[0]!.provider_message_id).toBe(opening.confirm!.providerMessageId);

  // A retried plan (same conversation) returns the same plan and opening: nothing goes out twice.
  const again = planned(await activities.planConversation(input));
  expect(again).toEqual(plan);
  expect(stack.sim.control.deliveries().slice(before)).toHaveLength(2);
  // On another worker (no memory of the plan) the database's claim still refuses a second opening.
  const elsewhere = createActivities({ ...deps(), chips: { reserve: async () => ({ accepted: true }) } });
  const retried = await elsewhere.planConversation(input);
  if (retried.kind === 'planned') expect(retried.plan.opening).not.toMatchObject({ sent: true, key: expect.anything() });
  expect(stack.sim.control.deliveries().slice(before)).toHaveLength(2);
});

test('a refused opening leaves the plan standing and says the conversation must not go on', async () => {
  const [a] = await pair();
  stack.sim.control.disconnect(a.instanceName);
  const before = stack.sim.control.deliveries().length;
  const input = planInput(a);
  const plan = planned(await activities.planConversation(input));
  expect(plan.opening).toEqual({ sent: false, retry: false, reason: 'ProviderDisconnected' });
  expect(stack.sim.control.deliveries().slice(before)).toEqual([]);
  // Refused at the send, after its claim: counted as in flight, never confirmed, never resent.
  expect(await sendsOf(input.conversationId)).toEqual([{ turno: 0, chip_id: a.chipId, provider_message_id: null }]);
  // The conversation was recorded: the workflow closes it (the child ends as failed).
  expect(await rows(stack.sql, 'select id from warmup_conversations where id = $1', [input.conversationId])).toHaveLength(1);
});

test('without sendOpening the plan sends nothing (plans recorded before the opening existed)', async () => {
  const [a] = await pair();
  const before = stack.sim.control.deliveries().length;
  const input = planInput(a, { sendOpening: false });
  const plan = planned(await activities.planConversation(input));
  expect(plan.opening).toBeUndefined();
  expect(stack.sim.control.deliveries().slice(before)).toEqual([]);
  expect(await sendsOf(input.conversationId)).toEqual([]);
});

test('a retry on another worker, after the first attempt died past its conversation, closes it and releases its partner', async () => {
  const [a, b] = await pair();
  const input = planInput(a);
  // The first attempt reserved b and recorded the conversation; its worker died while sending the opening.
  planned(await activities.planConversation({ ...input, sendOpening: false }));
  const released: [string, string][] = [];
  const elsewhere = createActivities({
    ...deps(),
    chips: {
      reserve: async () => ({ accepted: true }),
      release: async (chipId: string, conversationId: string) => void released.push([chipId, conversationId]),
    },
  });
  const before = stack.sim.control.deliveries().length;
  const retry = new MockActivityEnvironment({ attempt: 2, startToCloseTimeoutMs: 60_000 } as never);
  const result = await retry.run(elsewhere.planConversation, input);
  expect(result).toEqual({ kind: 'none', reason: 'planner_error' });
  expect(released).toEqual([[b.chipId, input.conversationId]]);
  expect(stack.sim.control.deliveries().slice(before)).toEqual([]);
  const [closed] = await rows<{ outcome: string; completed: boolean }>(
    stack.sql,
    'select outcome, completed_at is not null as completed from warmup_conversations where id = $1',
    [input.conversationId],
  );
  expect(closed).toEqual({ outcome: 'failed', completed: true });

  // A first attempt finds nothing recorded under a new id, and plans as usual without asking the database.
  const fresh: PlanResult = await new MockActivityEnvironment({ attempt: 1, startToCloseTimeoutMs: 60_000 } as never).run(
    elsewhere.planConversation,
    planInput(b),
  );
  expect(fresh.kind).toBe('planned');
  expect(released).toHaveLength(1);
});
