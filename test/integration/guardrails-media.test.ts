/**
 * deliverTurn with media turns, on the real activities over the embedded database and the simulator
 * (no Temporal needed): the fleet-only guardrail refuses a non-fleet receiver for every kind before
 * any HTTP call; inside the fleet each kind goes out through its own Evolution endpoint, is claimed
 * and counted against the cap like a text, and its kind is recorded on both rows.
 */
import { ApplicationFailure } from '@temporalio/common';
import { randomUUID } from 'node:crypto';
import { createActivities } from '../../src/activities';
import type { ChipRef, DeliverTurnInput, WarmupActivities } from '../../src/activities/types';
import { createDialogueSource } from '../../src/adapters/dialogue';
import { createEvolutionClient } from '../../src/adapters/messaging/evolution';
import { DEFAULT_PROGRAM_EPOCH_MS, REAL_DAY_MS } from '../../src/domain/clock';
import type { TurnMedia } from '../../src/domain/message-mix';
import { phoneToJid } from '../../src/domain/phone';
import { promoteInDb, registerFleet, rows, SIM_API_KEY, startIntegrationStack, type IntegrationStack } from '../helpers/integration';

let stack: IntegrationStack;
let activities: WarmupActivities;
let fleet: ChipRef[];
let other: ChipRef[];
let requestsBefore = 0;
let run = 0;

const MEDIA: Array<[string, TurnMedia]> = [
  ['reaction', { kind: 'reaction', emoji: '👍' }],
  ['sticker', { kind: 'sticker', asset: 'sticker-coracao' }],
  ['image', { kind: 'image', asset: 'image-por-do-sol' }],
  ['audio', { kind: 'audio', asset: 'audio-curto' }],
];
const ENDPOINT: Record<string, string> = {
  reaction: '/message/sendReaction/',
  sticker: '/message/sendSticker/',
  image: '/message/sendMedia/',
  audio: '/message/sendWhatsAppAudio/',
};

beforeAll(async () => {
  stack = await startIntegrationStack();
  activities = createActivities({
    db: stack.db,
    messaging: createEvolutionClient({ baseUrl: stack.sim.url, apiKey: SIM_API_KEY, retryBaseDelayMs: 5 }),
    notifier: { notify: async () => undefined },
    dialogues: createDialogueSource(),
    chips: { reserve: async () => ({ accepted: false, refusal: { reason: 'no_warmup' } }) },
    clock: { dayMs: REAL_DAY_MS, epochMs: DEFAULT_PROGRAM_EPOCH_MS },
    sleep: async () => undefined,
  });
});
beforeEach(async () => {
  run++;
  fleet = await registerFleet(stack, 2, `media-a${run}`);
  other = await registerFleet(stack, 1, `media-b${run}`);
  await promoteInDb(stack, [...fleet, ...other]);
  requestsBefore = stack.sim.control.requests().length;
});
afterAll(async () => {
  await stack?.close();
});

const requests = () => stack.sim.control.requests().slice(requestsBefore);

async function conversation(a: ChipRef, b: ChipRef, turns = 4): Promise<string> {
  const id = randomUUID();
  await stack.db.createConversation({
    id,
    chipA: a.chipId,
    chipB: b.chipId,
    dialogueId: 'media-test',
    turns,
    at: new Date().toISOString(),
  });
  return id;
}

function turn(
  conversationId: string,
  index: number,
  sender: ChipRef,
  receiver: ChipRef,
  extra: Partial<DeliverTurnInput>,
): DeliverTurnInput {
  return {
    conversationId,
    turn: index,
    key: `${conversationId}:${index}`,
    sender,
    receiver,
    text: 'olha isso',
    thinkMs: 0,
    typingMs: 800,
    ...extra,
  };
}

describe.each(MEDIA)('a %s turn', (kind, media) => {
  test('to a receiver outside the fleet is refused (OutsideFleet, non-retryable) before any HTTP call', async () => {
    const outsider = other[0]!;
    const conversationId = await conversation(fleet[0]!, fleet[1]!);
    const replyTo = { remoteJid: phoneToJid(outsider.phone), fromMe: true, id: '3EB0BBBBBBBBBBBBBBBB' };
    for (const receiver of [outsider, { chipId: randomUUID(), phone: '5511987650001', instanceName: 'stranger' }]) {
      const err = await activities.deliverTurn(turn(conversationId, 1, fleet[0]!, receiver, { media, replyTo })).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ApplicationFailure);
      expect(err).toMatchObject({ type: 'OutsideFleet', nonRetryable: true });
      expect((err as Error).message).not.toContain(receiver.phone);
    }
    expect(requests()).toEqual([]);
    expect(await rows(stack.sql, `select 1 from warmup_interactions where conversation_id = $1`, [conversationId])).toHaveLength(0);
  });

  test('inside the fleet goes out through its endpoint, is counted like a text, and its kind is recorded', async () => {
    const [a, b] = [fleet[0]!, fleet[1]!];
    const conversationId = await conversation(a, b);
    const first = await activities.deliverTurn(turn(conversationId, 0, b, a, { text: 'oi, tudo bem?' }));
    const replyTo = first.key!;
    const out = await activities.deliverTurn(turn(conversationId, 1, a, b, { media, replyTo }));
    expect(out.alreadySent).toBe(false);

    const sends = requests().filter((r) => r.path.startsWith('/message/'));
    expect(sends.map((r) => [r.path.replace(/[^/]+$/, ''), r.status])).toEqual([
      ['/message/sendText/', 201],
      [ENDPOINT[kind], 201],
    ]);
    if (kind === 'reaction') {
      // The reaction is to the partner's message being answered, as the sender's instance sees it.
      expect(sends[1]!.body).toEqual({ key: { remoteJid: phoneToJid(b.phone), fromMe: false, id: replyTo.id }, reaction: '👍' });
    }
    // Read receipt first, then the presence that fits the kind (none before a reaction).
    const presences = requests().filter((r) => r.path.startsWith('/chat/sendPresence/') && r.instance === a.instanceName);
    expect(presences.map((r) => (r.body as { presence: string }).presence)).toEqual(
      kind === 'reaction' ? [] : [kind === 'audio' ? 'recording' : 'composing'],
    );
    const delivery = stack.sim.control.deliveries().find((d) => d.messageId === out.key!.id);
    expect(delivery).toMatchObject({ kind, fromPhone: a.phone, toPhone: b.phone });

    const recorded = await rows<{ chip_id: string; tipo: string; midia_tipo: string; estado: string | null }>(
      stack.sql,
      `select chip_id, tipo, midia_tipo, estado from warmup_interactions where conversation_id = $1 and turno = 1 order by tipo`,
      [conversationId],
    );
    expect(recorded).toEqual([
      { chip_id: a.chipId, tipo: 'msg_enviada', midia_tipo: kind, estado: 'sent' },
      { chip_id: b.chipId, tipo: 'msg_recebida', midia_tipo: kind, estado: null },
    ]);
    expect((await stack.db.getChip(a.chipId)).messagesSent).toBe(1);
    expect((await stack.db.getChip(b.chipId)).messagesReceived).toBe(1);

    // A retry finds it sent: nothing new goes out, the kind stays.
    expect(await activities.deliverTurn(turn(conversationId, 1, a, b, { media, replyTo }))).toEqual({ alreadySent: true });
    expect(requests().filter((r) => r.path.startsWith('/message/'))).toHaveLength(2);
  });
});

test('a reaction with nothing to react to (no replyTo) is sent as the turn text', async () => {
  const [a, b] = [fleet[0]!, fleet[1]!];
  const conversationId = await conversation(a, b);
  await activities.deliverTurn(turn(conversationId, 1, a, b, { media: { kind: 'reaction', emoji: '😂' } }));
  const sends = requests().filter((r) => r.path.startsWith('/message/'));
  expect(sends.map((r) => [r.path.replace(/[^/]+$/, ''), r.body])).toEqual([
    ['/message/sendText/', { number: b.phone, text: 'olha isso' }],
  ]);
  const [row] = await rows<{ midia_tipo: string }>(
    stack.sql,
    `select midia_tipo from warmup_interactions where conversation_id = $1 and tipo = 'msg_enviada'`,
    [conversationId],
  );
  expect(row?.midia_tipo).toBe('text');
});

test('a media turn is refused by the daily cap like a text (each item is one message)', async () => {
  const [a, b] = [fleet[0]!, fleet[1]!];
  // primeiros_contatos would be text-only in the plan; the cap check itself does not look at the kind.
  const conversationId = await conversation(a, b, 12);
  const first = await activities.deliverTurn(turn(conversationId, 0, b, a, { text: 'oi!' }));
  let sent = 0;
  let refusal: unknown = null;
  // Conversations of at most 12 turns: a fresh one every 11 items.
  let current = conversationId;
  for (let i = 1; i <= 40 && !refusal; i++) {
    const media = MEDIA[i % MEDIA.length]![1];
    const index = ((i - 1) % 11) + 1;
    if (i > 1 && index === 1) current = await conversation(a, b, 12);
    await activities
      .deliverTurn(turn(current, index, a, b, { media, replyTo: first.key, day: '2030-01-01' }))
      .then(() => sent++)
      .catch((e: unknown) => {
        refusal = e;
      });
  }
  // expansao's cap is 30 a day: the 31st item of chip a is refused, whatever its kind.
  expect(
    new Set(
      stack.sim.control
        .deliveries()
        .filter((d) => d.fromPhone === a.phone)
        .map((d) => d.kind),
    ),
  ).toEqual(new Set(['reaction', 'sticker', 'image', 'audio']));
  expect(refusal).toMatchObject({ type: 'DailyCapReached' });
  expect(sent).toBe(30);
});

test('the database refuses an unknown kind, and a kind for a turn that was never completed', async () => {
  const [a, b] = [fleet[0]!, fleet[1]!];
  const conversationId = await conversation(a, b);
  await activities.deliverTurn(turn(conversationId, 0, a, b, { text: 'oi!' }));
  await expect(stack.db.recordTurnKind({ key: `${conversationId}:0`, kind: 'video' })).rejects.toThrow(/turn kind must be text, reaction/);
  await expect(stack.db.recordTurnKind({ key: `${conversationId}:1`, kind: 'sticker' })).rejects.toThrow(/not a completed turn/);
  await stack.db.recordTurnKind({ key: `${conversationId}:0`, kind: 'sticker' });
  await stack.db.recordTurnKind({ key: `${conversationId}:0`, kind: 'sticker' }); // repeating is a no-op
  const kinds = await rows<{ midia_tipo: string }>(stack.sql, `select midia_tipo from warmup_interactions where conversation_id = $1`, [
    conversationId,
  ]);
  expect(kinds.map((k) => k.midia_tipo)).toEqual(['sticker', 'sticker']);
});

test('an item the library lacks is sent as the turn text, with the typing indicator of a text', async () => {
  const [a, b] = [fleet[0]!, fleet[1]!];
  const conversationId = await conversation(a, b);
  await activities.deliverTurn(turn(conversationId, 1, a, b, { media: { kind: 'audio', asset: 'audio-que-nao-existe' } }));
  const sent = requests().filter((r) => r.path.startsWith('/message/') || r.path.startsWith('/chat/sendPresence/'));
  expect(sent.map((r) => [r.path.replace(/[^/]+$/, ''), (r.body as { presence?: string }).presence])).toEqual([
    ['/chat/sendPresence/', 'composing'],
    ['/message/sendText/', undefined],
  ]);
  const [row] = await rows<{ midia_tipo: string }>(
    stack.sql,
    `select midia_tipo from warmup_interactions where conversation_id = $1 and tipo = 'msg_enviada'`,
    [conversationId],
  );
  expect(row?.midia_tipo).toBe('text');
});
