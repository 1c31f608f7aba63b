/**
 * A turn's round trips on the real (embedded) database: the claim confirms the previous turn, and a
 * refused claim still leaves the previous turn confirmed (it was sent).
 */
import { claimTurn, confirmSentTurn } from '../../src/activities/turn-trips';
import type { DeliverTurnInput } from '../../src/activities/types';
import { createEmbeddedDb, openEmbeddedSql } from '../../src/adapters/db/embedded';
import type { ChipRecord, Db } from '../../src/adapters/db/port';
import { ChipNotWarming } from '../../src/domain/errors';
import { aSendingFleet } from '../helpers/db-fixtures';

let db: Db;
beforeAll(async () => {
  db = createEmbeddedDb({ client: openEmbeddedSql() });
  await db.migrate();
});
afterAll(async () => db.close());

const now = () => new Date().toISOString();
const ref = (c: ChipRecord) => ({ chipId: c.id, phone: c.phone, instanceName: c.instanceName });
const turnInput = (id: string, turn: number, from: ChipRecord, to: ChipRecord, more: Partial<DeliverTurnInput> = {}): DeliverTurnInput => ({
  conversationId: id,
  turn,
  key: `${id}:${turn}`,
  sender: ref(from),
  receiver: ref(to),
  text: 'oi',
  thinkMs: 0,
  typingMs: 0,
  ...more,
});

test('a turn confirmed later is written by the next claim; a refused claim confirms it on its own', async () => {
  const [a, b] = await aSendingFleet(db, 2, 'turn-trips');
  const id = 'turn-trips-conv';
  await db.createConversation({ id, chipA: a!.id, chipB: b!.id, dialogueId: 'd', turns: 4, at: now() });
  const first = turnInput(id, 0, a!, b!, { confirmLater: true });
  expect(await claimTurn(db, first, now())).toBe('new');
  const sent0 = { key: first.key, providerMessageId: 'wamid-t0', textLength: 2, at: now() };
  const close = async () => undefined;
  // Confirmed later: nothing written after the send, the confirmation is handed on.
  expect(await confirmSentTurn(db, first, sent0, close)).toEqual(sent0);
  expect(await db.sentMessageExists({ chipId: a!.id, providerMessageId: 'wamid-t0' })).toBe(false);
  expect(await claimTurn(db, turnInput(id, 1, b!, a!, { previous: sent0 }), now())).toBe('new');
  expect(await db.sentMessageExists({ chipId: a!.id, providerMessageId: 'wamid-t0' })).toBe(true);

  // Turn 1 sent; turn 2's sender is paused meanwhile: the claim is refused, turn 1 is confirmed anyway.
  const sent1 = { key: `${id}:1`, providerMessageId: 'wamid-t1', textLength: 2, at: now() };
  await db.setChipStatus({ chipId: a!.id, status: 'paused', reason: 'test' });
  await expect(claimTurn(db, turnInput(id, 2, a!, b!, { previous: sent1 }), now())).rejects.toBeInstanceOf(ChipNotWarming);
  expect(await db.sentMessageExists({ chipId: b!.id, providerMessageId: 'wamid-t1' })).toBe(true);
  expect((await db.getChip(b!.id)).messagesSent).toBe(1);
});

test('a turn of older workflow code (no confirmLater) confirms at once; the last turn closes the conversation', async () => {
  const [a, b] = await aSendingFleet(db, 2, 'turn-trips-old');
  const id = 'turn-trips-old-conv';
  await db.createConversation({ id, chipA: a!.id, chipB: b!.id, dialogueId: 'd', turns: 4, at: now() });
  const old = turnInput(id, 0, a!, b!);
  await claimTurn(db, old, now());
  expect(
    await confirmSentTurn(db, old, { key: old.key, providerMessageId: 'wamid-o0', textLength: 2, at: now() }, async () => undefined),
  ).toBeNull();
  expect(await db.sentMessageExists({ chipId: a!.id, providerMessageId: 'wamid-o0' })).toBe(true);
  const closed: unknown[] = [];
  const last = turnInput(id, 1, b!, a!, { finish: { a: ref(a!), b: ref(b!), day: '2026-03-10' }, confirmLater: false });
  await claimTurn(db, last, now());
  const sent = { key: last.key, providerMessageId: 'wamid-o1', textLength: 2, at: now() };
  expect(await confirmSentTurn(db, last, sent, async (confirm) => void closed.push(confirm))).toBeNull();
  expect(closed).toEqual([sent]);
});
