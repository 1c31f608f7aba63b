/**
 * The bridge's answers to the outside world failing: Temporal unreachable, the provider's state
 * unreachable, a chip whose workflow has ended, pause signals that fail at first. The database is the
 * real embedded one; Temporal is a stand-in client whose failures the test decides.
 */
import type { Client } from '@temporalio/client';
import { WorkflowNotFoundError } from '@temporalio/common';
import { createEmbeddedDb, openEmbeddedSql } from '../../src/adapters/db/embedded';
import type { Db } from '../../src/adapters/db/port';
import type { ConnectionState } from '../../src/adapters/messaging/port';
import { createProviderEventBridge } from '../../src/webhooks/bridge';
import type { ChipProviderEvent } from '../../src/webhooks/events';
import { aSendingFleet } from '../helpers/db-fixtures';

let db: Db;
const signals: { workflowId: string; name: string; arg: unknown }[] = [];
/** What the next signals do: undefined delivers, an Error is thrown. */
let failures: (Error | undefined)[] = [];
let providerState: ConnectionState | Error = 'close';

const client = {
  workflow: {
    getHandle: (workflowId: string) => ({
      signal: async (def: { name: string }, arg: unknown) => {
        const failure = failures.shift();
        if (failure) throw failure;
        signals.push({ workflowId, name: def.name, arg });
      },
    }),
  },
} as unknown as Client;

const bridge = () =>
  createProviderEventBridge({
    db,
    client,
    notifier: { notify: async () => undefined },
    breaker: { incidents: 2, windowMs: 86_400_000 },
    connectionState: async () => {
      if (providerState instanceof Error) throw providerState;
      return providerState;
    },
    log: () => undefined,
    signalBackoffMs: 1,
  });

beforeAll(async () => {
  db = createEmbeddedDb({ client: openEmbeddedSql() });
  await db.migrate();
});
afterAll(async () => db.close());
beforeEach(() => {
  signals.length = 0;
  failures = [];
  providerState = 'close';
});

const ban = (chipId: string, instance: string, stamp: string): ChipProviderEvent => ({
  chipId,
  instance,
  kind: 'banned',
  statusReason: 403,
  providerTime: stamp,
  at: new Date().toISOString(),
});
const bans = (chipId: string) => db.countProviderEvents({ kinds: ['banned'], since: new Date(0).toISOString(), chipId });

test('Temporal unreachable: the event fails (the receiver answers 5xx), and the provider retry is acted on', async () => {
  const [a] = await aSendingFleet(db, 1, 'bridge-outage');
  const onEvent = bridge();
  failures = [new Error('14 UNAVAILABLE: connection refused')];
  await expect(onEvent(ban(a!.id, a!.instanceName, 't1'))).rejects.toThrow(/UNAVAILABLE/);
  expect(await bans(a!.id)).toBe(0);
  await onEvent(ban(a!.id, a!.instanceName, 't1'));
  expect(await bans(a!.id)).toBe(1);
  expect(signals).toEqual([
    {
      workflowId: `chip-warmup/${a!.id}`,
      name: 'providerEvent',
      arg: expect.objectContaining({ kind: 'banned', eventId: expect.any(String) }),
    },
  ]);
  // A third delivery of the same report is a redelivery: nothing more.
  await onEvent(ban(a!.id, a!.instanceName, 't1'));
  expect(signals).toHaveLength(1);
});

test('a chip whose workflow is not running: recorded, answered 200 (no retry would help)', async () => {
  const [a] = await aSendingFleet(db, 1, 'bridge-ended');
  failures = [new WorkflowNotFoundError('workflow execution already completed', `chip-warmup/${a!.id}`, undefined)];
  await expect(bridge()(ban(a!.id, a!.instanceName, 't2'))).resolves.toBeUndefined();
  expect(await bans(a!.id)).toBe(1);
});

test("the provider's state cannot be read: the report is neither recorded nor acted on, and comes again", async () => {
  const [a] = await aSendingFleet(db, 1, 'bridge-provider-down');
  providerState = new Error('connect ECONNREFUSED');
  await expect(bridge()(ban(a!.id, a!.instanceName, 't3'))).rejects.toThrow(/ECONNREFUSED/);
  expect(await bans(a!.id)).toBe(0);
  expect(signals).toEqual([]);
});

test('the fleet breaker retries its pause signals until they are delivered', async () => {
  const [a, b, c] = await aSendingFleet(db, 3, 'bridge-breaker');
  const onEvent = bridge();
  await onEvent(ban(a!.id, a!.instanceName, 'b1'));
  await db.setChipStatus({ chipId: a!.id, status: 'banned', reason: 'x' });
  // b's ban signal goes through; then the first two pause signals fail.
  failures = [undefined, new Error('DEADLINE_EXCEEDED'), new Error('DEADLINE_EXCEEDED')];
  await onEvent(ban(b!.id, b!.instanceName, 'b2'));
  expect(await db.fleetBreakerOpen({ fleetId: 'bridge-breaker' })).toBe(true);
  const pauses = signals.filter((s) => s.name === 'pause').map((s) => s.workflowId);
  // Every chip still warming in the database gets its pause (b's own status is still warming there).
  expect(pauses.sort()).toEqual([`chip-warmup/${b!.id}`, `chip-warmup/${c!.id}`].sort());
});

test("a delivery failure while the chip's last turn awaits its confirmation comes again, and counts once its id is recorded", async () => {
  const [a, b] = await aSendingFleet(db, 2, 'bridge-pending');
  const id = 'bridge-pending-conv';
  await db.createConversation({ id, chipA: a!.id, chipB: b!.id, dialogueId: 'd', turns: 4, at: new Date().toISOString() });
  const now = () => new Date().toISOString();
  await db.beginTurn({ key: `${id}/0`, conversationId: id, turn: 0, senderId: a!.id, receiverId: b!.id, at: now() });
  const failed = (messageId: string): ChipProviderEvent => ({
    chipId: a!.id,
    instance: a!.instanceName,
    kind: 'delivery_failed',
    messageId,
    providerTime: messageId,
    at: now(),
  });
  const failures = () => db.countProviderEvents({ kinds: ['delivery_failed'], since: new Date(0).toISOString(), chipId: a!.id });
  // Sent, not yet confirmed (the next turn's claim records the id): answered 5xx, nothing recorded.
  await expect(bridge()(failed('wamid-0'))).rejects.toThrow(/awaits its confirmation/);
  expect(await failures()).toBe(0);
  // The next turn's claim confirms it: the provider's retry counts.
  await db.confirmAndClaim({
    key: `${id}/1`,
    conversationId: id,
    turn: 1,
    senderId: b!.id,
    receiverId: a!.id,
    at: now(),
    previous: { key: `${id}/0`, providerMessageId: 'wamid-0', textLength: 3, at: now() },
  });
  await bridge()(failed('wamid-0'));
  expect(await failures()).toBe(1);
  expect(signals).toEqual([expect.objectContaining({ name: 'providerEvent', arg: expect.objectContaining({ kind: 'delivery_failed' }) })]);
  // A message this chip never sent, with nothing awaiting confirmation: not counted, answered 200.
  await expect(bridge()(failed('wamid-foreign'))).resolves.toBeUndefined();
  expect(await failures()).toBe(1);
});
