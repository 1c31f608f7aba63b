/**
 * The lifecycle workflows with the REAL activities: embedded Postgres (PGlite, in memory), the
 * Evolution adapter against the simulator over real HTTP, the built-in dialogue library, partner
 * reservation through the real Update, on the time-skipping server. Three chips of one fleet go
 * through the 21-day program; the database, the simulator and the workflows must agree.
 *
 * deliverTurn is wrapped (test/helpers/integration.ts) only to note the workflow time of each send:
 * activities see real time, while caps and phases are counted on the skipped clock.
 */
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import { startChipWarmup } from '../../src/client/chips';
import { programClock, programDay } from '../../src/domain/clock';
import { PHASE_TABLE, type Phase } from '../../src/domain/phases';
import { phoneToJid } from '../../src/domain/phone';
import type { ChipWarmupResult } from '../../src/workflows/api';
import { registerFleet, rows, startIntegrationStack, type IntegrationStack } from '../helpers/integration';
import { checkMessageMix } from './message-mix-checks';
import { skipUntilClosed, testSettings, timeSkippingEnv, workflowBundle } from '../helpers/temporal';

let env: TestWorkflowEnvironment;
let stack: IntegrationStack;
beforeEach(async () => {
  env = await timeSkippingEnv();
  stack = await startIntegrationStack({ client: env.client });
});
afterEach(async () => {
  await stack?.close();
  await env?.teardown();
});

const SEND_PATH = /^\/message\/(sendText|sendReaction|sendSticker|sendMedia|sendWhatsAppAudio)\//;

interface SentTurn extends Record<string, unknown> {
  conversation_id: string;
  turno: number;
  chip_id: string;
  peer_chip_id: string;
  estado: string;
  provider_message_id: string | null;
}

test('three chips reach operacao with real activities; db, simulator and caps agree', async () => {
  const { db, sql, sim } = stack;
  const chips = await registerFleet(stack, 3, 'fleet-life');
  const byId = new Map(chips.map((c) => [c.chipId, c]));
  const byPhone = new Map(chips.map((c) => [c.phone, c]));
  const taskQueue = `lifecycle-real-${Date.now()}`;
  const worker = await Worker.create({
    connection: env.nativeConnection,
    taskQueue,
    workflowBundle: await workflowBundle(),
    activities: stack.activities,
  });
  const startMs = await env.currentTimeMs();
  const settings = testSettings();
  const results: ChipWarmupResult[] = await worker.runUntil(async () => {
    const handles = [];
    for (const chip of chips) {
      handles.push(await startChipWarmup(env.client, { chip, registeredAt: new Date(startMs).toISOString(), settings, taskQueue }));
    }
    return skipUntilClosed(env, handles);
  });

  // Every chip finished the program, in the workflow and in the database.
  for (const result of results) {
    expect(result.status).toBe('ready');
    expect(result.phase).toBe('operacao');
  }
  for (const chip of chips) {
    const record = await db.getChip(chip.chipId);
    expect(record.status).toBe('ready');
    expect(record.phase).toBe('operacao');
    expect(record.readyAt).not.toBeNull();
    const lastPromotion = results.find((r) => r.chipId === chip.chipId)!.promotions.at(-1)!;
    // Within a second: the time-skipping server's workflow clock and the recorded activity input
    // can differ in their milliseconds (see report), never by more.
    expect(Math.abs(Date.parse(record.readyAt!) - lastPromotion.atMs)).toBeLessThan(1000);
  }

  // The promotion log in the database (timestamps are workflow time) drives the phase checks.
  const transitions = await rows<{ chip_id: string; fase_anterior: string; fase_nova: Phase; created_at: number }>(
    sql,
    'select chip_id, fase_anterior, fase_nova, created_at from warmup_phase_transitions order by created_at',
  );
  for (const chip of chips) {
    expect(transitions.filter((t) => t.chip_id === chip.chipId).map((t) => `${t.fase_anterior}->${t.fase_nova}`)).toEqual([
      'setup->primeiros_contatos',
      'primeiros_contatos->expansao',
      'expansao->pre_operacao',
      'pre_operacao->operacao',
    ]);
  }
  const phaseAt = (chipId: string, atMs: number): Phase => {
    let phase: Phase = 'setup';
    for (const t of transitions) if (t.chip_id === chipId && t.created_at <= atMs) phase = t.fase_nova;
    return phase;
  };

  // Simulator deliveries vs database counters.
  const deliveries = sim.control.deliveries();
  expect(deliveries.length).toBeGreaterThan(300);
  expect(sim.control.sent()).toHaveLength(deliveries.length); // every instance was online throughout
  // Group messages (from expansao on, in the fleet's closed group) count for their sender and reach
  // every other present member.
  const groupMessages = sim.control.groupMessages();
  expect(groupMessages.length).toBeGreaterThan(0);
  for (const chip of chips) {
    const record = await db.getChip(chip.chipId);
    const groupSent = groupMessages.filter((m) => m.fromPhone === chip.phone).length;
    const groupReceived = groupMessages.filter((m) => m.deliveredTo.includes(chip.instanceName)).length;
    expect(record.messagesSent).toBe(deliveries.filter((d) => d.fromPhone === chip.phone).length + groupSent);
    expect(record.messagesReceived).toBe(deliveries.filter((d) => d.toPhone === chip.phone).length + groupReceived);
  }
  const groupTurns = await rows<{ provider_message_id: string | null; estado: string }>(
    sql,
    `select provider_message_id, estado from warmup_interactions where tipo = 'msg_enviada' and group_conversation_id is not null`,
  );
  expect(groupTurns.every((t) => t.estado === 'sent')).toBe(true);
  expect(new Set(groupTurns.map((t) => t.provider_message_id)).size).toBe(groupMessages.length);

  // Every delivered message is exactly one recorded turn, and no turn was delivered twice.
  const turns = await rows<SentTurn>(
    sql,
    `select conversation_id, turno, chip_id, peer_chip_id, estado, provider_message_id
       from warmup_interactions where tipo = 'msg_enviada' and group_conversation_id is null order by conversation_id, turno`,
  );
  expect(turns.every((t) => t.estado === 'sent')).toBe(true);
  const turnByMessage = new Map(turns.map((t) => [t.provider_message_id!, t]));
  expect(turnByMessage.size).toBe(turns.length);
  expect(turns).toHaveLength(deliveries.length);
  const tuples = new Set<string>();
  for (const d of deliveries) {
    expect(sim.control.deliveryCount(d.messageId)).toBe(1);
    const turn = turnByMessage.get(d.messageId);
    expect(turn).toBeDefined();
    expect(byId.get(turn!.chip_id)!.phone).toBe(d.fromPhone);
    expect(byId.get(turn!.peer_chip_id)!.phone).toBe(d.toPhone);
    if (d.kind !== 'text') continue; // media turns repeat items; their ids are checked above
    const tuple = JSON.stringify([d.fromPhone, d.toPhone, d.text, turn!.conversation_id]);
    expect(tuples.has(tuple)).toBe(false);
    tuples.add(tuple);
  }

  // Every conversation completed, with as many turns as the database recorded for it.
  const conversations = await rows<{ id: string; turnos: number; turnos_entregues: number; outcome: string; completed_at: number | null }>(
    sql,
    'select id, turnos, turnos_entregues, outcome, completed_at from warmup_conversations',
  );
  expect(conversations.length).toBeGreaterThan(50);
  for (const c of conversations) {
    expect(c.outcome).toBe('completed');
    expect(c.completed_at).not.toBeNull();
    expect(c.turnos_entregues).toBe(c.turnos);
    expect(turns.filter((t) => t.conversation_id === c.id)).toHaveLength(c.turnos);
  }

  // Request order at the provider: a 'composing' presence ('recording' before a voice note, none
  // before a reaction) from the sender to the receiver before each message, and a read receipt for
  // the message being answered.
  const requests = sim.control.requests();
  const sendIndex = new Map<string, number>(); // message id -> index of its sendText request
  const lastSendTo = new Map<string, number>(); // instance|number -> index of the previous sendText
  const presenceIndexes = new Map<string, number[]>(); // instance|number -> composing presence indexes
  const sends = sim.control.sent();
  let sendSeq = 0;
  requests.forEach((r, index) => {
    const body = r.body as Record<string, unknown> | undefined;
    if (
      r.path.startsWith('/chat/sendPresence/') &&
      r.status === 201 &&
      (body?.presence === 'composing' || body?.presence === 'recording')
    ) {
      const k = `${r.instance}|${body.number}`;
      presenceIndexes.set(k, [...(presenceIndexes.get(k) ?? []), index]);
    }
    // Group sends are checked above, against the simulator's group messages.
    if (SEND_PATH.test(r.path) && r.status === 201 && !String(body?.number).endsWith('@g.us')) {
      const sent = sends[sendSeq++]!;
      expect(sent.fromInstance).toBe(r.instance);
      if (sent.kind === 'text') expect(sent.text).toBe(body?.text);
      if (sent.kind === 'reaction') {
        sendIndex.set(sent.messageId, index);
        return;
      }
      const k = `${r.instance}|${body?.number}`;
      const previous = lastSendTo.get(k) ?? -1;
      const presences = presenceIndexes.get(k) ?? [];
      expect(presences.some((p) => p > previous && p < index)).toBe(true);
      lastSendTo.set(k, index);
      sendIndex.set(sent.messageId, index);
    }
  });
  expect(sendSeq).toBe(sends.length);
  const readRequests = requests
    .map((r, index) => ({ r, index }))
    .filter(({ r }) => r.path.startsWith('/chat/markMessageAsRead/') && r.status === 201);
  const turnsOf = new Map<string, SentTurn[]>();
  for (const t of turns) turnsOf.set(t.conversation_id, [...(turnsOf.get(t.conversation_id) ?? []), t]);
  let readsChecked = 0;
  for (const list of turnsOf.values()) {
    list.sort((x, y) => x.turno - y.turno);
    expect(list.map((t) => t.turno)).toEqual(list.map((_, i) => i));
    for (let i = 1; i < list.length; i++) {
      const [prev, cur] = [list[i - 1]!, list[i]!];
      if (prev.chip_id === cur.chip_id) continue; // not an answer
      const reader = byId.get(cur.chip_id)!;
      const at = sendIndex.get(cur.provider_message_id!)!;
      const found = readRequests.find(({ r, index }) => {
        const keys = (r.body as { readMessages: { remoteJid: string; fromMe: boolean; id: string }[] }).readMessages;
        return (
          r.instance === reader.instanceName &&
          index < at &&
          keys.some(
            (k) => k.id === prev.provider_message_id && k.fromMe === false && k.remoteJid === phoneToJid(byId.get(prev.chip_id)!.phone),
          )
        );
      });
      expect(found).toBeDefined();
      readsChecked++;
    }
  }
  expect(readsChecked).toBeGreaterThan(200);
  // ...and no other read receipt (none before a conversation's first turn, none repeated).
  expect(readRequests).toHaveLength(readsChecked);

  // The message mix: text only in primeiros_contatos, media later, each item one recorded turn.
  const mix = await checkMessageMix({
    sql,
    deliveries,
    turns,
    phaseAt,
    sentAtMs: (id) => stack.sentAtServerMs.get(id),
    phoneOf: (id) => byId.get(id)!.phone,
  });
  if (process.env.WARMER_MIX_VERBOSE) console.log(`message mix by sender phase: ${JSON.stringify(mix)}`);

  // Caps and setup, in program days of workflow time: no message while either side was in setup,
  // and no chip ever sent more than its phase's cap on one program day.
  const clock = programClock(settings.dayMs, settings.epochMs);
  const perDay = new Map<string, number>();
  for (const d of deliveries) {
    const at = stack.sentAtServerMs.get(d.messageId);
    expect(at).toBeDefined();
    expect(at!).toBeGreaterThanOrEqual(startMs);
    const sender = byPhone.get(d.fromPhone)!;
    const receiver = byPhone.get(d.toPhone)!;
    const phase = phaseAt(sender.chipId, at!);
    expect(phase).not.toBe('setup');
    expect(phaseAt(receiver.chipId, at!)).not.toBe('setup');
    const key = `${sender.chipId}|${programDay(clock, at!)}|${phase}`;
    perDay.set(key, (perDay.get(key) ?? 0) + 1);
  }
  for (const [key, count] of perDay) {
    const phase = key.split('|')[2] as Phase;
    expect(count).toBeLessThanOrEqual(PHASE_TABLE[phase].dailyCap);
  }
  // The caps are reached, not just respected from far below.
  const busiest = (phase: Phase) => Math.max(0, ...[...perDay].filter(([k]) => k.endsWith(`|${phase}`)).map(([, c]) => c));
  expect(busiest('primeiros_contatos')).toBeGreaterThanOrEqual(6);
  expect(busiest('pre_operacao')).toBeGreaterThanOrEqual(30);

  // Nothing went wrong: no alert; every chip announced its four promotions and readiness.
  expect(await db.listAlerts()).toEqual([]);
  for (const chip of chips) {
    const mine = stack.notifications.filter((n) => 'phone' in n && n.phone === chip.phone);
    expect(mine.map((n) => (n.kind === 'promotion' ? n.to : n.kind))).toEqual([
      'primeiros_contatos',
      'expansao',
      'pre_operacao',
      'operacao',
      'ready',
    ]);
  }
  expect(stack.notifications.filter((n) => n.kind === 'alert')).toEqual([]);
  // Over two minutes on a loaded machine (5 test runs on 2 cores); no timed assertion depends on it.
}, 360_000);
