/**
 * Closed groups of the fleet on the time-skipping server: six chips in expansao share one group; one
 * is paused, one is in quarantine, and the database's last line refuses every group message of a
 * third (its cap). Over a program day and a half the others talk in the group; the paused and the
 * quarantined chips stay silent there, and the refused turns are never sent and end their conversation.
 */
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import { chipStatus, pauseChip, startChipWarmup } from '../../src/client/chips';
import { chipWorkflowId } from '../../src/domain/chip';
import { programClock } from '../../src/domain/clock';
import { activityWindow, isInsideWindow } from '../../src/domain/window';
import { providerEventSignal } from '../../src/workflows/api';
import { createFakeWorld, type FakeWorld } from '../helpers/fake-activities';
import { makeChip, testSettings, timeSkippingEnv, workflowBundle } from '../helpers/temporal';

const HOUR = 60 * 60 * 1000;

let env: TestWorkflowEnvironment;
let world: FakeWorld;
const chips = ['a', 'b', 'c', 'capped', 'paused', 'quarantined'].map((label) => makeChip(`grp-${label}`));
const [, , , capped, paused, quarantined] = chips as [
  (typeof chips)[0],
  (typeof chips)[0],
  (typeof chips)[0],
  (typeof chips)[0],
  (typeof chips)[0],
  (typeof chips)[0],
];
const refused: { conversationId: string; turn: number }[] = [];
let quarantinedSinceMs = 0;
let statusesAtEnd: Record<string, string> = {};
const unclosedByLastTurn = new Set<string>();

beforeAll(async () => {
  env = await timeSkippingEnv();
  world = createFakeWorld(env.client);
  for (const chip of chips) world.chips.set(chip.chipId, { ...chip, phase: 'expansao' });
  // One group of all six (the most a group holds), as the plan would find it.
  world.groups.groups.set('120363000000000999@g.us', {
    jid: '120363000000000999@g.us',
    creator: chips[0]!.chipId,
    members: new Set(chips.map((c) => c.chipId)),
    changes: [],
  });
  world.groups.stableMembership = true;
  // Every other conversation's last message goes out but its activity cannot write the closing.
  let lasts = 0;
  world.groups.lastCloseFails = (conversationId) => {
    if (lasts++ % 2 === 0) return false;
    unclosedByLastTurn.add(conversationId);
    return true;
  };
  // The database's last line for the capped chip: every group message it claims is over its cap.
  world.groups.refuse = (m) => {
    if (m.from !== capped.chipId) return undefined;
    refused.push({ conversationId: m.conversationId, turn: m.turn });
    return 'DailyCapReached';
  };
  const taskQueue = `fleet-groups-${Date.now()}`;
  const worker = await Worker.create({
    connection: env.nativeConnection,
    taskQueue,
    workflowBundle: await workflowBundle(),
    activities: world.activities,
  });
  await worker.runUntil(async () => {
    const registeredAt = new Date((await env.currentTimeMs()) - 20 * 24 * HOUR).toISOString();
    for (const chip of chips) {
      await startChipWarmup(env.client, { chip, registeredAt, settings: testSettings(), taskQueue, state: { phase: 'expansao' } });
    }
    await pauseChip(env.client, paused.chipId, 'conferindo o aparelho');
    // A ban report the provider contradicted: a warning sign, so the chip enters quarantine.
    await env.client.workflow
      .getHandle(chipWorkflowId(quarantined.chipId))
      .signal(providerEventSignal, { kind: 'unconfirmed_ban', atMs: await env.currentTimeMs(), eventId: 'grp-unconfirmed' });
    for (let i = 0; i < 60 && !world.standings.some((s) => s.chipId === quarantined.chipId && s.quarantined); i++)
      await env.sleep('1 minute');
    quarantinedSinceMs = await env.currentTimeMs();
    await env.sleep('36 hours');
    statusesAtEnd = Object.fromEntries(
      await Promise.all(chips.map(async (c) => [c.chipId, (await chipStatus(env.client, c.chipId)).status] as const)),
    );
    for (const chip of chips) await env.client.workflow.getHandle(chipWorkflowId(chip.chipId)).terminate('test over');
  });
}, 240_000);

afterAll(async () => {
  await env?.teardown();
});

test('the healthy members talk in their group, each message from a member of the one fleet', () => {
  const talkers = new Set(world.groups.messages.map((m) => m.from));
  expect(world.groups.messages.length).toBeGreaterThan(10);
  expect(talkers.size).toBeGreaterThanOrEqual(2);
  for (const m of world.groups.messages) expect(m.members).toContain(m.from);
  // Each inside its sender's window, as a direct message is.
  const clock = programClock();
  for (const m of world.groups.messages) expect(isInsideWindow(activityWindow(m.from), clock, m.atMs)).toBe(true);
});

test('a quarantined chip does not post into a group with healthy members', () => {
  expect(quarantinedSinceMs).toBeGreaterThan(0);
  const after = world.groups.messages.filter((m) => m.atMs >= quarantinedSinceMs);
  // The group went on talking, with the quarantined chip among its members ...
  expect(after.filter((m) => m.members.includes(quarantined.chipId)).length).toBeGreaterThan(5);
  // ... and never from it.
  expect(after.filter((m) => m.from === quarantined.chipId)).toEqual([]);
  expect(statusesAtEnd[quarantined.chipId]).toBe('warming');
});

test('a paused chip stays in its group, silent', () => {
  expect(world.groups.messages.filter((m) => m.members.includes(paused.chipId)).length).toBeGreaterThan(5);
  expect(world.groups.messages.filter((m) => m.from === paused.chipId)).toEqual([]);
  expect(statusesAtEnd[paused.chipId]).toBe('paused');
});

test('a group turn over its sender cap is refused, not sent, and ends that conversation', () => {
  expect(refused.length).toBeGreaterThan(0);
  expect(world.groups.messages.filter((m) => m.from === capped.chipId)).toEqual([]);
  for (const r of refused) {
    // Nothing after the refused turn went out, and the conversation closed as failed.
    expect(world.groups.messages.filter((m) => m.conversationId === r.conversationId && m.turn >= r.turn)).toEqual([]);
    expect(world.groups.conversations.get(r.conversationId)?.outcome).toBe('failed');
  }
  // The capped chip goes on warming (its direct conversations are not refused here).
  expect(statusesAtEnd[capped.chipId]).toBe('warming');
  expect(world.deliveries.some((d) => d.from === capped.chipId)).toBe(true);
});

test('a last group message whose activity could not close the conversation is confirmed by the conversation closing it', () => {
  expect(unclosedByLastTurn.size).toBeGreaterThan(0);
  for (const conversationId of unclosedByLastTurn) {
    const last = world.groups.messages.filter((m) => m.conversationId === conversationId).at(-1)!;
    expect(world.groups.closings.filter((c) => c.conversationId === conversationId)).toEqual([
      { conversationId, outcome: 'completed', turnsDelivered: last.turn + 1, confirmedKey: last.key },
    ]);
  }
});
