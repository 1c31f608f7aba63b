/**
 * Closed groups of the fleet with the real activities over the embedded database and the simulator
 * (real HTTP, no Temporal): the plan creates a group of fleet chips only, on WhatsApp and in the
 * database; a group message goes to the group JID; one over the sender's cap, or into a group that
 * holds a chip of another fleet, is refused by the database and never sent.
 */
import { ApplicationFailure } from '@temporalio/common';
import { randomUUID } from 'node:crypto';
import { createActivities } from '../../src/activities';
import { groupsOf } from '../../src/activities/group-plan';
import type { DeliverGroupTurnInput } from '../../src/activities/group-types';
import type { ChipRef, WarmupActivities } from '../../src/activities/types';
import type { TurnConfirmation } from '../../src/adapters/db/port';
import { createDialogueSource } from '../../src/adapters/dialogue';
import { createEvolutionClient } from '../../src/adapters/messaging/evolution';
import { DEFAULT_PROGRAM_EPOCH_MS, REAL_DAY_MS } from '../../src/domain/clock';
import { PHASE_TABLE } from '../../src/domain/phases';
import { promoteInDb, registerFleet, rows, SIM_API_KEY, startIntegrationStack, type IntegrationStack } from '../helpers/integration';

const DAY = '2025-03-03';
let stack: IntegrationStack;
let activities: WarmupActivities;
let run = 0;
let deps: Parameters<typeof createActivities>[0];

beforeAll(async () => {
  stack = await startIntegrationStack();
  deps = {
    db: stack.db,
    messaging: createEvolutionClient({ baseUrl: stack.sim.url, apiKey: SIM_API_KEY, retryBaseDelayMs: 5 }),
    notifier: { notify: async () => undefined },
    dialogues: createDialogueSource(),
    // Every member the plan asks accepts (their workflows' checks are the workflow tests' business).
    chips: { reserve: async () => ({ accepted: true }) },
    clock: { dayMs: REAL_DAY_MS, epochMs: DEFAULT_PROGRAM_EPOCH_MS },
    sleep: async () => undefined,
  };
  activities = createActivities(deps);
});
afterAll(async () => {
  await stack?.close();
});

async function plannedGroup(size = 4) {
  run++;
  const fleet = await registerFleet(stack, size, `grp-fleet-${run}`);
  const outsiders = await registerFleet(stack, 2, `grp-other-${run}`);
  await promoteInDb(stack, [...fleet, ...outsiders], 'expansao');
  const planned = await activities.planGroupConversation({
    initiator: fleet[0]!,
    phase: 'expansao',
    conversationId: randomUUID(),
    maxTurns: 12,
    day: DAY,
    atMs: Date.now(),
    seed: 7 + run,
    leaseMs: 60_000,
  });
  if (planned.kind !== 'planned') throw new Error(`no group plan: ${planned.reason}`);
  return { fleet, outsiders, plan: planned.plan };
}

const turn = (
  conversationId: string,
  groupJid: string,
  index: number,
  sender: ChipRef,
  previous?: TurnConfirmation,
): DeliverGroupTurnInput => ({
  conversationId,
  turn: index,
  key: `${conversationId}:${index}`,
  sender,
  groupJid,
  text: `oi pessoal ${index}`,
  thinkMs: 0,
  typingMs: 200,
  day: DAY,
  ...(previous ? { previous } : {}),
});

async function refusal(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (err) {
    return err instanceof ApplicationFailure ? String(err.type) : String(err);
  }
  throw new Error('expected a refusal');
}

test('the plan creates a group of fleet chips only, on WhatsApp and in the database, and its turns reach the group', async () => {
  const { fleet, outsiders, plan } = await plannedGroup();
  const onWhatsApp = stack.sim.control.groups().find((g) => g.groupJid === plan.groupJid)!;
  const fleetPhones = new Set(fleet.map((c) => c.phone));
  expect(onWhatsApp.members.length).toBeGreaterThanOrEqual(3);
  expect(onWhatsApp.members.length).toBeLessThanOrEqual(6);
  for (const m of onWhatsApp.members) expect(fleetPhones.has(m.phone)).toBe(true);
  expect(onWhatsApp.members.some((m) => outsiders.some((o) => o.phone === m.phone))).toBe(false);
  const [recorded] = await stack.db.chipGroups({ chipId: fleet[0]!.chipId });
  expect(recorded?.members.map((m) => m.phone).sort()).toEqual(onWhatsApp.members.map((m) => m.phone).sort());
  expect(plan.speakers[0]).toEqual(fleet[0]);
  expect(plan.turns.length).toBeGreaterThanOrEqual(2);
  // The plan sent the opening (the initiator's); the next turn goes out from its speaker, to the group.
  expect(plan.opening?.confirm).toBeDefined();
  const second = plan.turns[1]!;
  const sent = await activities.deliverGroupTurn({
    ...turn(plan.conversationId, plan.groupJid, 1, plan.speakers[second.speaker]!, plan.opening?.confirm),
    text: second.text,
  });
  expect(sent.alreadySent).toBe(false);
  const messages = stack.sim.control.groupMessages(plan.groupJid);
  expect(messages.map((m) => m.fromPhone)).toEqual([fleet[0]!.phone, plan.speakers[second.speaker]!.phone]);
  expect(messages.map((m) => m.text)).toEqual([plan.turns[0]!.text, second.text]);
  await activities.finishGroupConversation({
    conversationId: plan.conversationId,
    turnsDelivered: 2,
    outcome: 'completed',
    confirm: sent.confirm,
  });
  expect((await stack.db.groupSummary({ day: DAY })).groupMessages).toBeGreaterThanOrEqual(2);
  // The daily summary counts the fleet's groups.
  expect((await activities.sendDailySummary()).groups).toBeGreaterThanOrEqual(1);
});

test('the last message of a group conversation is recorded sent with its closing, for its sender and every other member', async () => {
  const { plan } = await plannedGroup(3);
  const members = (await stack.db.chipGroups({ chipId: plan.speakers[0]!.chipId }))[0]!.members;
  const counters = async () =>
    new Map(
      await Promise.all(
        members.map(async (m) => {
          const chip = await stack.db.getChip(m.chipId);
          return [m.chipId, { sent: chip.messagesSent, received: chip.messagesReceived }] as const;
        }),
      ),
    );
  const before = await counters();
  const second = plan.turns[1]!;
  const sender = plan.speakers[second.speaker]!;
  // The conversation's second turn is its last: the activity sends it and closes the conversation.
  const sent = await activities.deliverGroupTurn({
    ...turn(plan.conversationId, plan.groupJid, 1, sender, plan.opening?.confirm),
    text: second.text,
    last: true,
  });
  expect(sent).toEqual({ alreadySent: false, closed: true });
  const [message] = stack.sim.control.groupMessages(plan.groupJid).slice(-1);
  expect(message?.fromPhone).toBe(sender.phone);
  const recorded = await rows<{ estado: string; provider_message_id: string }>(
    stack.sql,
    `select estado, provider_message_id from warmup_interactions where idempotency_key = $1`,
    [`${plan.conversationId}:1`],
  );
  expect(recorded).toEqual([{ estado: 'sent', provider_message_id: message!.messageId }]);
  const [closed] = await rows<{ outcome: string; turnos_entregues: number }>(
    stack.sql,
    `select outcome, turnos_entregues from warmup_group_conversations where id = $1`,
    [plan.conversationId],
  );
  expect(closed).toEqual({ outcome: 'completed', turnos_entregues: 2 });
  // Both messages are now recorded: the opening (confirmed by this claim) and the last one.
  const after = await counters();
  const senders = [plan.speakers[0]!.chipId, sender.chipId];
  for (const m of members) {
    const own = senders.filter((id) => id === m.chipId).length;
    expect(after.get(m.chipId)!.sent - before.get(m.chipId)!.sent).toBe(own);
    expect(after.get(m.chipId)!.received - before.get(m.chipId)!.received).toBe(senders.length - own);
  }
});

test('a group message over its sender cap is refused by the database and never sent', async () => {
  const { plan } = await plannedGroup(3);
  const sender = plan.speakers[0]!;
  // A conversation long enough for one sender to cross its cap (expansao's).
  const cap = PHASE_TABLE.expansao.dailyCap;
  const id = randomUUID();
  const at = new Date().toISOString();
  await stack.db.beginGroupConversation({ id, groupJid: plan.groupJid, initiatorChipId: sender.chipId, turns: cap + 2, day: DAY, at });
  let previous: TurnConfirmation | undefined;
  // The plan's opening was the sender's first send of the day.
  for (let i = 0; i < cap - 1; i++) previous = (await activities.deliverGroupTurn(turn(id, plan.groupJid, i, sender, previous))).confirm;
  const before = stack.sim.control.groupMessages(plan.groupJid).length;
  expect(before).toBe(cap);
  expect(await refusal(activities.deliverGroupTurn(turn(id, plan.groupJid, cap - 1, sender, previous)))).toBe('DailyCapReached');
  expect(stack.sim.control.groupMessages(plan.groupJid).length).toBe(before);
});

test('a group message into a group that holds a chip of another fleet is refused and never sent', async () => {
  const { plan } = await plannedGroup(4);
  const member = plan.speakers[0]!;
  const [group] = await stack.db.chipGroups({ chipId: member.chipId });
  const moved = group!.members.find((m) => m.chipId !== member.chipId)!;
  await stack.sql.query(`update warmup_chips set fleet_id = 'somewhere-else' where id = $1`, [moved.chipId]);
  const before = stack.sim.control.groupMessages(plan.groupJid).length;
  const next = turn(plan.conversationId, plan.groupJid, 1, member, plan.opening?.confirm);
  expect(await refusal(activities.deliverGroupTurn(next))).toBe('OutsideFleet');
  expect(stack.sim.control.groupMessages(plan.groupJid).length).toBe(before);
});

test('a membership change is recorded only when WhatsApp made it, so both agree on who is in the group', async () => {
  const { fleet } = await plannedGroup(4);
  const creator = fleet[0]!;
  const [group] = await stack.db.chipGroups({ chipId: creator.chipId });
  const leaving = group!.members.find((m) => m.chipId !== creator.chipId)!;
  // A banned member is removed by the creator's next plan.
  await stack.sql.query(`update warmup_chips set status = 'banned' where id = $1`, [leaving.chipId]);
  const onWhatsApp = () =>
    stack.sim.control
      .groups()
      .find((g) => g.groupJid === group!.groupJid)!
      .members.some((m) => m.phone === leaving.phone);
  const inDb = async () =>
    (await stack.db.chipGroups({ chipId: creator.chipId }))[0]!.members.some((m) => m.chipId === leaving.chipId && m.leftAt === null);
  const plan = (acts: WarmupActivities, seed: number) =>
    acts.planGroupConversation({
      initiator: creator,
      phase: 'expansao',
      conversationId: randomUUID(),
      maxTurns: 12,
      day: DAY,
      atMs: Date.now(),
      seed,
      leaseMs: 60_000,
    });
  // WhatsApp refuses the removal (per number, as it answers): the database keeps the member too.
  const real = groupsOf(deps.messaging)!;
  const asked: string[] = [];
  const refusing = createActivities({
    ...deps,
    groups: {
      createGroup: (...args) => real.createGroup(...args),
      leaveGroup: (...args) => real.leaveGroup(...args),
      fetchGroup: (...args) => real.fetchGroup(...args),
      updateGroupParticipants: async (_instance, _jid, action, participants) => {
        asked.push(action);
        return participants.map((phone) => ({ phone, code: '403', ok: false }));
      },
    },
  });
  await plan(refusing, 101);
  expect(asked).toEqual(['remove']);
  expect(onWhatsApp()).toBe(true);
  expect(await inDb()).toBe(true);
  // WhatsApp makes it: both have it.
  await plan(activities, 102);
  expect(onWhatsApp()).toBe(false);
  expect(await inDb()).toBe(false);
});
