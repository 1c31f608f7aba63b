/**
 * Three worker processes on one task queue (Temporal dev server, a PostgreSQL scratch database, the
 * simulator over HTTP), configured from the environment like production. Nine chips in pre_operacao
 * converse at a 240x compressed pace; the histories show every worker ran some of their tasks. One
 * worker is killed with SIGKILL while conversations are open; the two others carry its chips on:
 * every chip's workflow keeps running and converses again, no turn reaches the provider twice,
 * every delivery is a claimed turn, and no chip goes over its daily cap.
 */
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Client as PgClient } from 'pg';
import type { ChipRef } from '../../src/activities/types';
import { createPostgresDb } from '../../src/adapters/db/postgres';
import type { Db } from '../../src/adapters/db/port';
import { DIALOGUE_LIBRARY } from '../../src/adapters/dialogue';
import { startChipWarmup } from '../../src/client/chips';
import { chipWorkflowId } from '../../src/domain/chip';
import { programClock, programDay } from '../../src/domain/clock';
import { dailyCap } from '../../src/domain/phases';
import { startSimulator, type Simulator } from '../../src/simulator/simulator';
import type { WarmupSettings } from '../../src/workflows/api';
import { createScratchDatabase, type ScratchDatabase } from '../helpers/db-scratch';
import { waitFor } from '../helpers/integration';
import { BUNDLE_PATH, clockAtNoon, devServerEnv } from '../helpers/temporal';
import {
  metricSum,
  preparedState,
  scrapeMetrics,
  spawnWorkerProcess,
  tasksByIdentity,
  workerEnv,
  type WorkerProcess,
} from '../helpers/worker-processes';

const API_KEY = 'e2e-multi-worker-key';
const DAY_MS = 6 * 60_000; // a program day in 6 real minutes: human pacing 240x faster (0.1-0.4 s gaps)
const CHIPS = 9;
const PHASE = 'pre_operacao';

let env: TestWorkflowEnvironment;
let scratch: ScratchDatabase;
let db: Db;
let pg: PgClient;
let sim: Simulator;
const workers: WorkerProcess[] = [];

beforeAll(async () => {
  [env, scratch, sim] = await Promise.all([devServerEnv(), createScratchDatabase(), startSimulator({ apiKey: API_KEY })]);
  db = createPostgresDb({ databaseUrl: scratch.url });
  await db.migrate();
  pg = new PgClient({ connectionString: scratch.url });
  await pg.connect();
}, 60_000);

afterAll(async () => {
  await Promise.all(workers.map((w) => w.kill()));
  await pg?.end().catch(() => undefined);
  await db?.close().catch(() => undefined);
  await scratch?.drop().catch(() => undefined);
  await sim?.close();
  await env?.teardown();
});

interface TurnRow {
  conversation_id: string;
  turno: number;
  chip_id: string;
  estado: 'in_flight' | 'sent';
  provider_message_id: string | null;
  dia: string;
}

test('three workers share the chips; one killed mid-conversation, the others carry its chips on with no duplicate send and no cap broken', async () => {
  const now = Date.now();
  // The day starts soon after every chip's window opened (08:00-09:00): a chip whose plan the kill cut
  // off waits out the plan's one-minute timeout (4 program hours here) and still has a day to converse in.
  const { epochMs } = clockAtNoon(now, DAY_MS, 9 * 60 + 5);
  const settings: WarmupSettings = { dayMs: DAY_MS, epochMs, paceScale: 1, searchAttributes: false, maxHistoryEvents: 10_000 };
  const taskQueue = `multi-worker-${now}`;

  const chips: ChipRef[] = [];
  for (let i = 0; i < CHIPS; i++) {
    const record = await db.registerChip({ phone: `55119771003${String(i).padStart(2, '0')}`, instanceName: `mw-${i}`, fleetId: 'mw' });
    sim.control.addInstance(record.instanceName, record.phone);
    chips.push({ chipId: record.id, phone: record.phone, instanceName: record.instanceName });
  }
  // Prepared state: the chips start in pre_operacao, in the database as in their workflows.
  await pg.query('update warmup_chips set fase_warmup = $1', [PHASE]);

  const wenv = workerEnv({
    temporalAddress: env.address,
    taskQueue,
    databaseUrl: scratch.url,
    simulatorUrl: sim.url,
    apiKey: API_KEY,
    dayMs: DAY_MS,
    epochMs,
    bundlePath: BUNDLE_PATH,
  });
  workers.push(...(await Promise.all([0, 1, 2].map((i) => spawnWorkerProcess(wenv, `worker ${i}`)))));
  expect(new Set(workers.map((w) => w.identity)).size).toBe(3);
  const [victim, ...survivors] = workers as [WorkerProcess, WorkerProcess, WorkerProcess];

  for (const chip of chips) {
    await startChipWarmup(env.client, {
      chip,
      registeredAt: new Date(now - 14 * DAY_MS).toISOString(),
      settings,
      taskQueue,
      state: preparedState(PHASE, now, DAY_MS, epochMs),
    });
  }

  const histories = () =>
    Promise.all(chips.map(async (c) => tasksByIdentity(await env.client.workflow.getHandle(chipWorkflowId(c.chipId)).fetchHistory())));
  const openConversations = async () =>
    Number((await pg.query<{ n: string }>('select count(*) as n from warmup_conversations where completed_at is null')).rows[0]!.n);

  // Every worker has run some chip's workflow tasks or activities (the chips spread over the three).
  await waitFor(
    async () => {
      const seen = new Set((await histories()).flat().map((t) => t.identity));
      return sim.control.deliveries().length >= 15 && workers.every((w) => seen.has(w.identity));
    },
    'every worker running some chips, and 15 deliveries',
    90_000,
    500,
  );

  // Kill one worker while conversations are open, preferably while it holds an activity.
  const busyDeadline = Date.now() + 10_000;
  await waitFor(
    async () => {
      if ((await openConversations()) === 0) return false;
      if (Date.now() > busyDeadline) return true;
      const m = await scrapeMetrics(victim.metricsAddress).catch(() => []);
      return metricSum(m, 'temporal_worker_task_slots_used', { worker_type: 'ActivityWorker' }) > 0;
    },
    'an open conversation',
    20_000,
    20,
  );
  const before = await histories();
  const victimChips = chips.filter((_, i) => before[i]!.some((t) => t.kind === 'workflow' && t.identity === victim.identity));
  await victim.kill();
  const killedAt = Date.now();
  const openAtKill = await openConversations();
  expect(openAtKill).toBeGreaterThanOrEqual(1);

  // The two others carry on: every chip converses again after the kill.
  const conversedAfterKill = () => {
    const phones = new Set<string>();
    for (const d of sim.control.deliveries()) if (d.at > killedAt) phones.add(d.fromPhone).add(d.toPhone);
    return phones;
  };
  // A delivery after the kill may belong to a conversation planned before it: each of the victim's chips
  // must also have had a workflow task of its own since (on a survivor).
  const victimChipsMovedOn = async () => {
    const now = await histories();
    return victimChips.every((chip) => now[chips.indexOf(chip)]!.some((t) => t.atMs > killedAt && t.kind === 'workflow'));
  };
  await waitFor(
    async () => conversedAfterKill().size === CHIPS && (await victimChipsMovedOn()),
    'every chip conversing after the kill, the victim chips on a survivor',
    150_000,
    500,
  );
  const statuses = await Promise.all(
    chips.map(async (c) => (await env.client.workflow.getHandle(chipWorkflowId(c.chipId)).describe()).status.name),
  );
  expect(statuses).toEqual(chips.map(() => 'RUNNING'));
  const after = await histories();

  // Stop the chips, then the workers gracefully, and read what happened.
  await Promise.all(chips.map((c) => env.client.workflow.getHandle(chipWorkflowId(c.chipId)).terminate('test over')));
  await Promise.all(survivors.map((w) => w.stop()));

  // The chips spread over the three workers; the victim's chips moved to the survivors.
  const seenBeforeKill = new Set(before.flat().map((t) => t.identity));
  for (const w of workers) expect(seenBeforeKill).toContain(w.identity);
  expect(victimChips.length).toBeGreaterThanOrEqual(1);
  for (const chip of victimChips) {
    const later = after[chips.indexOf(chip)]!.filter((t) => t.atMs > killedAt && t.kind === 'workflow');
    expect(later.length).toBeGreaterThanOrEqual(1);
    expect(later.every((t) => t.identity !== victim.identity)).toBe(true);
  }
  expect(after.flat().filter((t) => t.atMs > killedAt + 1_000 && t.identity === victim.identity)).toEqual([]);

  // No duplicate send: every delivery reached the network once, and each is one claimed turn.
  const allTurns = (
    await pg.query<TurnRow & { group_conversation_id: string | null }>(
      `select conversation_id, group_conversation_id, turno, chip_id, estado, provider_message_id, dia::text as dia
         from warmup_interactions where tipo = 'msg_enviada' order by conversation_id, turno`,
    )
  ).rows;
  // One-to-one turns here; group messages (keyed by their group conversation) count in the caps below.
  const turns = allTurns.filter((t) => t.group_conversation_id === null);
  const deliveries = sim.control.deliveries();
  for (const d of deliveries) expect(sim.control.deliveryCount(d.messageId)).toBe(1);
  const byMessage = new Map(turns.filter((t) => t.provider_message_id).map((t) => [t.provider_message_id!, t]));
  expect(new Set(turns.map((t) => `${t.conversation_id}:${t.turno}`)).size).toBe(turns.length);
  const sentRows = turns.filter((t) => t.estado === 'sent');
  expect(sentRows.every((t) => deliveries.some((d) => d.messageId === t.provider_message_id))).toBe(true);
  // A send the provider answered but whose completion the kill cut off stays an in_flight claim:
  // such a delivery must be the text of an in_flight turn, one per turn.
  const orphans = deliveries.filter((d) => !byMessage.has(d.messageId));
  const inFlight = turns.filter((t) => t.estado === 'in_flight');
  expect(orphans.length).toBeLessThanOrEqual(inFlight.length);
  const conversations = new Map(
    (
      await pg.query<{ id: string; dialogue_id: string; chip_a: string }>('select id, dialogue_id, chip_a from warmup_conversations')
    ).rows.map((r) => [r.id, r]),
  );
  const unmatched = [...inFlight];
  // Text deliveries first: they match one turn by their text, while a media delivery may match any
  // in-flight turn of its sender and would otherwise take the one a text delivery needs.
  const textFirst = [...orphans].sort((x, y) => Number(x.kind !== 'text') - Number(y.kind !== 'text'));
  for (const orphan of textFirst) {
    const i = unmatched.findIndex((t) => {
      const dialogue = DIALOGUE_LIBRARY.find((x) => x.id === conversations.get(t.conversation_id)?.dialogue_id);
      const sender = chips.find((c) => c.chipId === t.chip_id);
      // A text turn carries the dialogue's text; a reaction, sticker, image or voice note (pre_operacao's mix) its media.
      const sameContent = orphan.kind !== 'text' || dialogue?.turns[t.turno]?.text === orphan.text;
      return dialogue !== undefined && sameContent && sender?.phone === orphan.fromPhone;
    });
    if (i < 0) {
      // Says what it saw: the delivery, the sender's claimed turns, and their conversations.
      const senderTurns = turns.filter((t) => chips.find((c) => c.chipId === t.chip_id)?.phone === orphan.fromPhone);
      const theirConversations = senderTurns.map((t) => conversations.get(t.conversation_id));
      throw new Error(
        `A delivery matches no in-flight turn: ${JSON.stringify(orphan)}; unmatched in-flight turns ${JSON.stringify(unmatched)}; ` +
          `the sender's turns ${JSON.stringify(senderTurns)}; their conversations ${JSON.stringify(theirConversations)}`,
      );
    }
    unmatched.splice(i, 1);
  }
  expect(deliveries.length).toBe(sentRows.length + orphans.length);

  // No cap broken: claims per chip per program day (database) and sends per chip per program day (network).
  const cap = dailyCap(PHASE);
  const claims = new Map<string, number>();
  for (const t of allTurns) claims.set(`${t.chip_id}:${t.dia}`, (claims.get(`${t.chip_id}:${t.dia}`) ?? 0) + 1);
  expect(Math.max(...claims.values())).toBeLessThanOrEqual(cap);
  const clock = programClock(DAY_MS, epochMs);
  const sends = new Map<string, number>();
  for (const d of deliveries) {
    const key = `${d.fromPhone}:${programDay(clock, d.at)}`;
    sends.set(key, (sends.get(key) ?? 0) + 1);
  }
  expect(Math.max(...sends.values())).toBeLessThanOrEqual(cap);
  const records = await Promise.all(chips.map((c) => db.getChip(c.chipId)));
  // The chips' sent counters hold their group messages too.
  expect(records.reduce((sum, r) => sum + r.messagesSent, 0)).toBe(allTurns.filter((t) => t.estado === 'sent').length);

  if (process.env.WARMER_E2E_VERBOSE) {
    const perWorker = workers.map((w) => before.flat().filter((t) => t.identity === w.identity).length);
    console.log(
      `deliveries=${deliveries.length} (after kill ${deliveries.filter((d) => d.at > killedAt).length}) openAtKill=${openAtKill} ` +
        `victimChips=${victimChips.length} inFlight=${inFlight.length} orphans=${orphans.length} tasksPerWorkerBeforeKill=${perWorker.join('/')} ` +
        `t=${Date.now() - now}ms`,
    );
  }
}, 300_000);
