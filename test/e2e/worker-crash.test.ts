/**
 * End to end on the Temporal DEV server: a real worker in a child process (configured from the
 * environment like production) over a PostgreSQL scratch database it shares with the test, and the
 * simulator. Two chips in `expansao` hold a paced conversation; the worker is killed with SIGKILL in
 * the middle of it, a new worker process takes over, and the conversation must end with no turn
 * delivered twice, no recorded turn lost, and either every turn delivered or a 'failed' end at the
 * crash turn.
 *
 * Two crashes run side by side (each with its own worker processes, task queue, database and
 * simulator; the waits are Temporal timeouts, so running them together halves the time):
 *  - "after the 2nd delivery": killed as soon as two turns have arrived — wherever the worker was;
 *  - "send at the provider": killed while the provider is still answering a send, so the message
 *    goes out but its completion is never recorded: the one case where at-most-once must give up
 *    the rest of the conversation.
 */
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { Client as PgClient } from 'pg';
import type { ChipRef } from '../../src/activities/types';
import { createPostgresDb } from '../../src/adapters/db/postgres';
import type { Db } from '../../src/adapters/db/port';
import { DIALOGUE_LIBRARY } from '../../src/adapters/dialogue';
import { startChipWarmup } from '../../src/client/chips';
import { minuteOfDay, programClock } from '../../src/domain/clock';
import { startSimulator, type Simulator } from '../../src/simulator/simulator';
import { conversationWorkflowId, type ChipState, type ConversationResult, type WarmupSettings } from '../../src/workflows/api';
import { createScratchDatabase, type ScratchDatabase } from '../helpers/db-scratch';
import { waitFor } from '../helpers/integration';
import { BUNDLE_PATH, devServerEnv } from '../helpers/temporal';

const API_KEY = 'e2e-crash-key';
const HOUR = 3_600_000;
const DAY_MS = 24 * 60_000; // one program day = 24 real minutes: a program hour per real minute
const WORKER_SCRIPT = path.resolve(__dirname, 'worker-process.ts');

let env: TestWorkflowEnvironment;

beforeAll(async () => {
  env = await devServerEnv();
}, 60_000);
afterAll(async () => {
  await env?.teardown();
});

interface TurnRow {
  conversation_id: string;
  turno: number;
  chip_id: string;
  estado: 'in_flight' | 'sent';
  provider_message_id: string | null;
}

type CrashMode = 'after-second-delivery' | 'send-at-provider';

class Scenario {
  readonly workers: { child: ChildProcess; output: string[] }[] = [];
  scratch!: ScratchDatabase;
  db!: Db;
  pg!: PgClient;
  sim!: Simulator;
  readonly taskQueue: string;

  constructor(readonly mode: CrashMode) {
    this.taskQueue = `crash-${mode}-${Date.now()}`;
  }

  async open(): Promise<void> {
    [this.scratch, this.sim] = await Promise.all([
      createScratchDatabase(),
      // The provider takes its time to answer in the second mode, so a send can be caught in flight.
      startSimulator({ apiKey: API_KEY, latencyMs: this.mode === 'send-at-provider' ? 400 : 0 }),
    ]);
    this.db = createPostgresDb({ databaseUrl: this.scratch.url });
    await this.db.migrate();
    this.pg = new PgClient({ connectionString: this.scratch.url });
    await this.pg.connect();
  }

  async close(): Promise<void> {
    for (const w of this.workers) if (w.child.exitCode === null && w.child.signalCode === null) w.child.kill('SIGKILL');
    await this.pg?.end().catch(() => undefined);
    await this.db?.close().catch(() => undefined);
    await this.scratch?.drop().catch(() => undefined);
    await this.sim?.close();
  }

  startWorker(epochMs: number): Promise<{ child: ChildProcess; output: string[] }> {
    const output: string[] = [];
    const child = spawn(process.execPath, ['-r', require.resolve('tsx/cjs'), WORKER_SCRIPT], {
      cwd: path.resolve(__dirname, '../..'),
      env: {
        ...process.env,
        TEMPORAL_ADDRESS: env.address,
        TEMPORAL_NAMESPACE: 'default',
        WARMER_TASK_QUEUE: this.taskQueue,
        DATABASE_URL: this.scratch.url,
        SUPABASE_URL: '',
        SUPABASE_SERVICE_ROLE_KEY: '',
        SLACK_WEBHOOK_URL: '',
        LLM_BASE_URL: '',
        EVOLUTION_API_URL: this.sim.url,
        EVOLUTION_API_KEY: API_KEY,
        WARMER_DAY: '24m',
        WARMER_EPOCH: new Date(epochMs).toISOString(),
        WARMER_SEARCH_ATTRIBUTES: 'false',
        WARMER_TEST_BUNDLE: BUNDLE_PATH,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const entry = { child, output };
    this.workers.push(entry);
    return new Promise((resolve, reject) => {
      child.stdout!.on('data', (chunk: Buffer) => {
        output.push(chunk.toString());
        if (/READY pid=/.test(output.join(''))) resolve(entry);
      });
      child.stderr!.on('data', (chunk: Buffer) => output.push(chunk.toString()));
      child.once('exit', (code, signal) => reject(new Error(`worker exited early (${code ?? signal}):\n${output.join('').slice(-4000)}`)));
    });
  }

  async turnRows(): Promise<TurnRow[]> {
    const result = await this.pg.query<TurnRow>(
      `select conversation_id, turno, chip_id, estado, provider_message_id from warmup_interactions
        where tipo = 'msg_enviada' order by conversation_id, turno`,
    );
    return result.rows;
  }

  /** The moment to pull the plug. */
  crashPoint(): boolean {
    const control = this.sim.control;
    if (this.mode === 'after-second-delivery') return control.deliveries().length >= 2;
    // The second send has reached the provider and is not answered yet.
    // Any kind of send (text, reaction, sticker, ...: expansao's message mix).
    // A status post (/message/sendStatus) is no turn of the conversation.
    const sends = control.requests().filter((r) => r.path.startsWith('/message/send') && !r.path.startsWith('/message/sendStatus'));
    return sends.length >= 2 && sends[1]!.status === 0;
  }

  async run(): Promise<void> {
    const { db, sim, pg } = this;
    // The program clock reads noon (São Paulo) now, so both chips are inside their windows.
    const now = Date.now();
    const noon = Math.floor(now / (24 * HOUR)) * 24 * HOUR + 15 * HOUR;
    const speedup = (24 * HOUR) / DAY_MS;
    const epochMs = Math.round((speedup * now - noon) / (speedup - 1));
    expect(Math.abs(minuteOfDay(programClock(DAY_MS, epochMs), now) - 12 * 60)).toBeLessThanOrEqual(1);
    // Human pacing compressed 60x by the program clock: 0.3-1.5 s between turns.
    const settings: WarmupSettings = { dayMs: DAY_MS, epochMs, paceScale: 1, searchAttributes: false, maxHistoryEvents: 10_000 };

    const chips: ChipRef[] = [];
    const phones = this.mode === 'after-second-delivery' ? ['5511977000101', '5511977000102'] : ['5511977000201', '5511977000202'];
    for (const [i, phone] of phones.entries()) {
      const record = await db.registerChip({ phone, instanceName: `crash-${this.mode}-${i}`, fleetId: `fleet-${this.mode}` });
      await db.promoteChip({
        chipId: record.id,
        from: 'setup',
        to: 'primeiros_contatos',
        health: 60,
        replyRate: 0.5,
        at: new Date(now - 5 * DAY_MS).toISOString(),
      });
      await db.promoteChip({
        chipId: record.id,
        from: 'primeiros_contatos',
        to: 'expansao',
        health: 70,
        replyRate: 0.5,
        at: new Date(now).toISOString(),
      });
      sim.control.addInstance(record.instanceName, record.phone);
      chips.push({ chipId: record.id, phone: record.phone, instanceName: record.instanceName });
    }
    const [a, b] = chips as [ChipRef, ChipRef];

    const first = await this.startWorker(epochMs);
    const handles = [];
    for (const chip of chips) {
      const input = { chip, registeredAt: new Date(now - 10 * DAY_MS).toISOString(), settings };
      // a starts a conversation at once; b only answers (its own next slot is far away).
      const state: Partial<ChipState> = {
        phase: 'expansao',
        phaseStartedAtMs: now,
        nextConversationAtMs: chip === a ? null : now + 30 * DAY_MS,
      };
      handles.push(
        await startChipWarmup(env.client, { chip, registeredAt: input.registeredAt, settings, taskQueue: this.taskQueue, state }),
      );
    }

    // Mid-conversation: kill the worker without warning.
    await waitFor(() => this.crashPoint(), `the crash point (${this.mode})`, 30_000, 5);
    await new Promise<void>((resolve) => {
      first.child.once('exit', () => resolve());
      first.child.kill('SIGKILL');
    });
    const recordedAtCrash = await this.turnRows();
    const open = (
      await pg.query<{ id: string; dialogue_id: string; turnos: number }>(
        'select id, dialogue_id, turnos from warmup_conversations where completed_at is null',
      )
    ).rows;
    expect(open).toHaveLength(1);
    const crashed = open[0]!;
    const dialogue = DIALOGUE_LIBRARY.find((d) => d.id === crashed.dialogue_id)!;
    expect(dialogue.turns).toHaveLength(crashed.turnos);
    const sentAtCrash = recordedAtCrash.filter((t) => t.estado === 'sent');
    expect(sentAtCrash.length).toBeGreaterThanOrEqual(1);
    expect(sentAtCrash.length).toBeLessThan(crashed.turnos);

    // Nothing new is sent while no worker runs (a send already at the provider may still land).
    await new Promise((r) => setTimeout(r, 1000));
    const deliveredWhileDown = sim.control.deliveries().length;
    await new Promise((r) => setTimeout(r, 500));
    expect(sim.control.deliveries()).toHaveLength(deliveredWhileDown);

    // A new worker process takes over; the conversation runs to its end.
    const second = await this.startWorker(epochMs);
    const result: ConversationResult = await env.client.workflow.getHandle(conversationWorkflowId(crashed.id)).result();
    // Stop the chips before a next conversation starts, then the worker, gracefully.
    for (const h of handles) await h.terminate('test over').catch(() => undefined);
    second.child.kill('SIGTERM');
    await new Promise((r) => second.child.once('exit', r));

    const turns = await this.turnRows();
    const mine = turns.filter((t) => t.conversation_id === crashed.id);
    const deliveries = sim.control.deliveries();
    const diagnostics = () =>
      JSON.stringify(
        { mode: this.mode, result, mine, recordedAtCrash, deliveries: deliveries.map((d) => [d.fromInstance, d.text]) },
        null,
        1,
      );

    // Every turn recorded before the crash is still recorded, as sent, with the same message.
    for (const before of sentAtCrash) expect(turns).toContainEqual(before);

    // Every delivery is one recorded turn, except at most one: the turn that was sent but whose
    // completion the crash prevented (it stays in_flight, and the conversation fails there).
    const byMessage = new Map(turns.filter((t) => t.provider_message_id).map((t) => [t.provider_message_id!, t]));
    const orphans = deliveries.filter((d) => !byMessage.has(d.messageId));
    expect(orphans.length).toBeLessThanOrEqual(1);
    for (const d of deliveries) expect(sim.control.deliveryCount(d.messageId)).toBe(1);
    const perTurn = new Map<string, number>();
    for (const d of deliveries) {
      const t = byMessage.get(d.messageId);
      if (t) perTurn.set(`${t.conversation_id}:${t.turno}`, (perTurn.get(`${t.conversation_id}:${t.turno}`) ?? 0) + 1);
    }
    expect([...perTurn.values()].every((n) => n === 1)).toBe(true);

    // The crashed conversation: all its turns, or 'failed' exactly at the one turn left in flight.
    const inFlight = mine.filter((t) => t.estado === 'in_flight');
    const sent = mine.filter((t) => t.estado === 'sent');
    expect(sent.map((t) => t.turno)).toEqual(sent.map((_, i) => i)); // no gap
    if (result.outcome === 'completed') {
      expect(result.turnsDelivered).toBe(dialogue.turns.length);
      expect(inFlight).toEqual([]);
      expect(orphans).toEqual([]);
    } else {
      if (result.outcome !== 'failed') throw new Error(`unexpected outcome: ${diagnostics()}`);
      expect(inFlight).toHaveLength(1);
      expect(inFlight[0]!.turno).toBe(sent.length);
      expect(result.turnsDelivered).toBe(sent.length);
      expect(mine.every((t) => t.turno <= sent.length)).toBe(true); // nothing after the crash turn
      // If the crash turn did reach the network, it did so once, with that turn's text (or as its media).
      for (const orphan of orphans) {
        const turn = dialogue.turns[inFlight[0]!.turno]!;
        if (orphan.kind === 'text') expect(orphan.text).toBe(turn.text);
        expect(orphan.fromPhone).toBe(turn.from === 'A' ? a.phone : b.phone);
      }
    }
    if (this.mode === 'send-at-provider') {
      // The send was out when the worker died: it arrived, once, and nothing after it was sent.
      if (result.outcome !== 'failed' || orphans.length !== 1)
        throw new Error(`expected a failed end with one unrecorded delivery: ${diagnostics()}`);
      expect(sent).toHaveLength(1);
    }
    // The crashed conversation's deliveries are exactly its sent turns (+ the orphan), in order, once each.
    const own = deliveries.filter((d) => byMessage.get(d.messageId)?.conversation_id === crashed.id || orphans.includes(d));
    expect(own).toHaveLength(sent.length + orphans.length);
    // Text turns carry the dialogue's text; the others are the media expansao allows.
    expect(own.map((d, i) => (d.kind === 'text' ? d.text : dialogue.turns[i]!.text))).toEqual(
      dialogue.turns.slice(0, own.length).map((t) => t.text),
    );
    expect(own.every((d) => ['text', 'reaction', 'sticker'].includes(d.kind))).toBe(true);
    expect(own.map((d) => d.fromPhone)).toEqual(dialogue.turns.slice(0, own.length).map((t) => (t.from === 'A' ? a.phone : b.phone)));

    if (process.env.WARMER_E2E_VERBOSE) {
      console.log(
        `[${this.mode}] outcome=${result.outcome} turns=${result.turnsDelivered}/${dialogue.turns.length} sentAtCrash=${sentAtCrash.length} unrecorded=${orphans.length} t=${Date.now() - now}ms`,
      );
    }
    // The database agrees with the workflow and with the network.
    const record = (
      await pg.query<{ outcome: string; turnos_entregues: number }>(
        'select outcome, turnos_entregues from warmup_conversations where id = $1',
        [crashed.id],
      )
    ).rows[0];
    expect(record).toEqual({ outcome: result.outcome, turnos_entregues: result.turnsDelivered });
    const [ra, rb] = [await db.getChip(a.chipId), await db.getChip(b.chipId)];
    expect(ra.messagesSent + rb.messagesSent).toBe(turns.filter((t) => t.estado === 'sent').length);
    expect(ra.messagesSent + rb.messagesSent).toBe(deliveries.length - orphans.length);
  }
}

test('a worker killed mid-conversation and replaced: no duplicate delivery, no lost turn, at most one failed turn', async () => {
  const scenarios = [new Scenario('after-second-delivery'), new Scenario('send-at-provider')];
  const outcomes = await Promise.allSettled(
    scenarios.map(async (s) => {
      try {
        await s.open();
        await s.run();
      } finally {
        await s.close();
      }
    }),
  );
  const failed = outcomes.find((o): o is PromiseRejectedResult => o.status === 'rejected');
  if (failed) throw failed.reason;
}, 90_000);
