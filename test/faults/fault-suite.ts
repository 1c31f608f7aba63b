/**
 * The fault-injection suite: a small fleet warms up on the time-skipping server with the real
 * activities (embedded database, simulator over HTTP, webhook receiver and bridge) while one fault is
 * injected, then the database, the simulator and the workflows are compared. Every row must read
 * 0 lost / 0 duplicate / 0 over cap / 0 chips ended.
 *
 * Used by test/faults/faults.test.ts (short form) and bench/faults.ts (`npm run faults`).
 */
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import type { ChipRef } from '../../src/activities/types';
import { startChipWarmup } from '../../src/client/chips';
import { chipWorkflowId } from '../../src/domain/chip';
import { REAL_DAY_MS } from '../../src/domain/clock';
import { FLEET_BREAKER_DEFAULT } from '../../src/domain/early-warning';
import { PHASE_TABLE } from '../../src/domain/phases';
import { createProviderEventBridge, resolveChipByInstance } from '../../src/webhooks/bridge';
import { startWebhookReceiver } from '../../src/webhooks/receiver';
import { promoteInDb, registerFleet, rows, startIntegrationStack, type IntegrationStack } from '../helpers/integration';
import { testSettings, timeSkippingEnv, workflowBundle } from '../helpers/temporal';

const SECRET = 'fault-suite-secret-0123456789';
const SIX_HOURS = 6 * 3_600_000;

export interface FaultContext {
  stack: IntegrationStack;
  env: TestWorkflowEnvironment;
  chips: ChipRef[];
  receiverUrl: string;
  /** Posts one webhook body to the receiver with the secret; its HTTP status. */
  post(body: Record<string, unknown>): Promise<number>;
  /** Replaces the running worker by a new one (a crash and a redeploy). */
  restartWorker(): Promise<void>;
}

export interface Fault {
  name: string;
  description: string;
  /** Called once before the run; may start timers that inject faults while the fleet runs. */
  start(ctx: FaultContext): Promise<void> | void;
  /** Called after each 6-hour step of the program clock. */
  step?(ctx: FaultContext, step: number): Promise<void> | void;
  stop?(ctx: FaultContext): Promise<void> | void;
}

export interface FaultRow {
  fault: string;
  description: string;
  chips: number;
  days: number;
  sent: number;
  lost: number;
  duplicate: number;
  overCap: number;
  chipsEnded: number;
  /** Sends whose confirmation was still held for the next turn's claim when the run was cut off. */
  awaitingConfirmation: number;
  seconds: number;
}

/** Runs `fault` against a fresh fleet of `chips` in expansao for `days` program days. */
export async function runFault(fault: Fault, opts: { chips: number; days: number; bundle?: { code: string } }): Promise<FaultRow> {
  const started = Date.now();
  const env = await timeSkippingEnv();
  const stack = await startIntegrationStack({ client: env.client });
  const receiver = await startWebhookReceiver({
    port: 0,
    host: '127.0.0.1',
    secret: SECRET,
    resolveChip: resolveChipByInstance(stack.db),
    onEvent: createProviderEventBridge({
      db: stack.db,
      client: env.client,
      notifier: { notify: async () => undefined },
      breaker: FLEET_BREAKER_DEFAULT,
      connectionState: (instance) => stack.messaging.connectionState(instance),
      log: () => undefined,
    }),
  });
  stack.sim.control.setWebhook(receiver.url, { 'x-warmer-secret': SECRET });
  const taskQueue = `faults-${fault.name}-${Date.now()}`;
  const bundle = opts.bundle ?? (await workflowBundle());
  const newWorker = () =>
    Worker.create({
      connection: env.nativeConnection,
      taskQueue,
      workflowBundle: bundle,
      activities: stack.activities,
      shutdownGraceTime: '2s',
      // No cache, so no sticky queue: every workflow task replays its history (the time-skipping
      // server does not move a stopped worker's sticky tasks on; a real server does after 10 s).
      ...(fault.name === 'worker-restarts' ? { maxCachedWorkflows: 0 } : {}),
    });
  let worker = await newWorker();
  let running = worker.run();
  try {
    const chips = await registerFleet(stack, opts.chips, `faults-${fault.name}`);
    await promoteInDb(stack, chips, 'expansao');
    const ctx: FaultContext = {
      stack,
      env,
      chips,
      receiverUrl: receiver.url,
      post: async (body) =>
        (
          await fetch(receiver.url, {
            method: 'POST',
            headers: { 'content-type': 'application/json', 'x-warmer-secret': SECRET },
            body: JSON.stringify({ date_time: new Date().toISOString(), sender: null, server_url: 'fault-suite', apikey: null, ...body }),
          })
        ).status,
      restartWorker: async () => {
        worker.shutdown();
        await running;
        worker = await newWorker();
        running = worker.run();
      },
    };
    const nowMs = await env.currentTimeMs();
    const settings = testSettings({ paceScale: 1 });
    for (const chip of chips) {
      await startChipWarmup(env.client, {
        chip,
        registeredAt: new Date(nowMs - 10 * REAL_DAY_MS).toISOString(),
        settings,
        taskQueue,
        state: { phase: 'expansao', phaseStartedAtMs: nowMs },
      });
    }
    await fault.start(ctx);
    const steps = Math.round((opts.days * REAL_DAY_MS) / SIX_HOURS);
    for (let step = 0; step < steps; step++) {
      const t = Date.now();
      await env.sleep(SIX_HOURS);
      await fault.step?.(ctx, step);
      if (process.env.FAULTS_DEBUG) console.log(`${fault.name} step ${step} took ${Date.now() - t} ms`);
    }
    await fault.stop?.(ctx);
    await stack.sim.control.idle();
    return {
      fault: fault.name,
      description: fault.description,
      chips: opts.chips,
      days: opts.days,
      ...(await measure(ctx)),
      seconds: Math.round((Date.now() - started) / 1000),
    };
  } finally {
    worker.shutdown();
    await running.catch(() => undefined);
    await receiver.close();
    await stack.close();
    await env.teardown();
  }
}

interface Turn extends Record<string, unknown> {
  chip_id: string;
  estado: string;
  provider_message_id: string | null;
  destinatario: string;
  held: boolean;
  dia: string;
  n: number;
}

/** Compares the simulator (what the provider sent), the database (what was counted) and the workflows. */
async function measure(ctx: FaultContext): Promise<Omit<FaultRow, 'fault' | 'description' | 'chips' | 'days' | 'seconds'>> {
  const { sim, sql } = ctx.stack;
  const phones = new Set(ctx.chips.map((c) => c.phone));
  const sends = sim.control.sent().filter((s) => phones.has(s.fromPhone));
  // held: the latest claimed turn of a conversation still open. Its send's confirmation rides on the
  // next turn's claim (or the closing write), so while the run is cut off mid-conversation it is
  // still in flight in the database although the provider has sent it.
  const turns = await rows<Turn>(
    sql,
    `select i.chip_id::text, i.estado, i.provider_message_id, i.destinatario,
            (i.estado = 'in_flight' and v.completed_at is null
              and i.turno = (select max(j.turno) from warmup_interactions j
                             where j.conversation_id = i.conversation_id and j.tipo = 'msg_enviada')) as held
       from warmup_interactions i join warmup_conversations v on v.id = i.conversation_id
      where i.tipo = 'msg_enviada'`,
  );
  const counted = new Set(turns.filter((t) => t.estado === 'sent').map((t) => t.provider_message_id));
  const sentIds = new Set(sends.map((s) => s.messageId));
  const phoneOf = new Map(ctx.chips.map((c) => [c.chipId, c.phone]));
  const held = turns.filter((t) => t.held).map((t) => ({ from: phoneOf.get(t.chip_id), to: t.destinatario }));
  // An uncounted send is explained only by a held claim from the same sender to the same receiver.
  let awaitingConfirmation = 0;
  const unexplained = sends.filter((s) => {
    if (counted.has(s.messageId)) return false;
    const i = held.findIndex((h) => h.from === s.fromPhone && h.to === s.toPhone);
    if (i < 0) return true;
    held.splice(i, 1);
    awaitingConfirmation++;
    return false;
  });
  // Lost: out at the provider but not counted, or counted but never out.
  const lost = unexplained.length + [...counted].filter((id) => !sentIds.has(id!)).length;
  // Duplicate: one claim allows one send; more sends than claims means a turn went out twice.
  const duplicate = Math.max(0, sends.length - turns.length) + sends.filter((s) => sim.control.deliveryCount(s.messageId) > 1).length;
  const perDay = await rows<Turn>(
    sql,
    `select chip_id, dia::text as dia, count(*)::int as n from warmup_interactions where tipo = 'msg_enviada' group by chip_id, dia`,
  );
  const cap = PHASE_TABLE.expansao.dailyCap;
  const overCap = perDay.filter((r) => Number(r.n) > cap).length;
  let chipsEnded = 0;
  for (const chip of ctx.chips) {
    const description = await ctx.env.client.workflow.getHandle(chipWorkflowId(chip.chipId)).describe();
    if (description.status.name !== 'RUNNING') chipsEnded++;
  }
  return { sent: sends.length, lost, duplicate, overCap, chipsEnded, awaitingConfirmation };
}

export function markdownTable(rowsIn: FaultRow[]): string {
  const header =
    '| Fault | What is injected | Chips × days | Messages | Lost | Duplicate | Over cap | Chips ended |\n| --- | --- | --- | --- | --- | --- | --- | --- |';
  const body = rowsIn.map(
    (r) =>
      `| ${r.fault} | ${r.description} | ${r.chips} × ${r.days} | ${r.sent} | ${r.lost} | ${r.duplicate} | ${r.overCap} | ${r.chipsEnded} |`,
  );
  return [header, ...body].join('\n');
}
