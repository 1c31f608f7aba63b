/**
 * Pause latency: 100 trials of "an operator pauses a chip while its conversation is in progress".
 * Each trial is a pair of chips in a fleet of their own (so they only talk to each other), on the
 * Temporal dev server in real time with human pacing compressed (a program day of 1/20 real day, so a
 * 20-90 s turn gap lasts 1-4.5 s). When a random turn k (1 <= k < turns) has been delivered, the bench
 * waits a random 0-1.5 s and pauses (or, one trial in three, pauses the moment turn k+1 starts sending)
 * one of the two chips, at random, the way an operator does (`warmer chip pause`, the console): the
 * pause is written to the database, then signalled (src/client/chip-actions.ts). `--by signal` pauses
 * by the signal alone, as before. It then records every send after the pause.
 *
 * A send after the pause is allowed only for a turn already in flight (its deliverTurn started before
 * the pause); a turn that *starts* after the pause and is still sent is a violation (target: none).
 * "The pause" is the moment the database holds it (operator mode; the operator's call first asks the
 * workflow for the chip's status, and a turn claimed meanwhile is in flight), or the signal (`--by signal`).
 * A turn that starts after it and is refused by the database (its sender or receiver not warming)
 * sends nothing: it is counted, not a violation.
 *
 *   npx tsx bench/pause-latency.ts [--trials 100] [--parallel 20] [--day-ms 4320000]
 */
import { Worker } from '@temporalio/worker';
import { startChipWarmup, pauseChip } from '../src/client/chips';
import { applyChipAction } from '../src/client/chip-actions';
import type { Client } from '@temporalio/client';
import type { Db } from '../src/adapters/db/port';
import { temporal } from '@temporalio/proto';
import { chipWorkflowId } from '../src/domain/chip';
import { conversationWorkflowId } from '../src/workflows/api';
import { REAL_DAY_MS } from '../src/domain/clock';
import { clockAtNoon, devServerEnv, testSettings, workflowBundle } from '../test/helpers/temporal';
import {
  argNumber,
  argString,
  createFleet,
  log,
  machine,
  observeActivities,
  percentile,
  quietRuntime,
  report,
  stateIn,
  table,
} from './lib';

interface Conversation {
  id: string;
  initiator: string;
  partner: string;
  turns: number;
  starts: Map<number, number>;
  receipts: Map<number, number>;
  finishedAt?: number;
  outcome?: string;
  waiters: { turn: number; resolve: () => void }[];
  /** Resolved when deliverTurn of this turn index starts (the send then goes on, concurrently with the pause). */
  onStart?: { turn: number; resolve: () => void };
}

interface Trial {
  index: number;
  mode: 'between-turns' | 'during-send';
  pausedChip: 'initiator' | 'partner';
  turns: number;
  pauseAfterTurn: number;
  extraDelayMs: number;
  signalAtMs: number;
  sendsAfterSignal: number;
  inFlightAtSignal: number;
  turnsStartedAfterSignal: number;
  /** Turns that started after the pause and were still sent: the violation. */
  turnsSentThatStartedAfterSignal: number;
  signalToLastSendMs: number;
  signalToClosedMs: number | null;
  outcome: string;
  /** From the histories, ms after the client's signal call: when each step of the pause path happened. */
  path?: { pauseReceived?: number; abortSent?: number; abortReceived?: number; turnsScheduledAfterSignal: number[] };
}

const ET = temporal.api.enums.v1.EventType;
const eventMs = (e: temporal.api.history.v1.IHistoryEvent) =>
  Number(e.eventTime?.seconds ?? 0) * 1000 + Math.floor((e.eventTime?.nanos ?? 0) / 1e6);

/** Reads the chip's and the conversation's histories: pause received, abort sent, abort received, turns scheduled after. */
async function pausePath(
  client: Client,
  pausedChipId: string,
  conversationId: string,
  signalAtMs: number,
): Promise<NonNullable<Trial['path']>> {
  const chipEvents = (await client.workflow.getHandle(chipWorkflowId(pausedChipId)).fetchHistory()).events ?? [];
  const convEvents = (await client.workflow.getHandle(conversationWorkflowId(conversationId)).fetchHistory()).events ?? [];
  const pause = chipEvents.find(
    (e) => e.eventType === ET.EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED && e.workflowExecutionSignaledEventAttributes?.signalName === 'pause',
  );
  const sent = chipEvents.find(
    (e) =>
      e.eventType === ET.EVENT_TYPE_SIGNAL_EXTERNAL_WORKFLOW_EXECUTION_INITIATED &&
      e.signalExternalWorkflowExecutionInitiatedEventAttributes?.signalName === 'abort',
  );
  const received = convEvents.find(
    (e) => e.eventType === ET.EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED && e.workflowExecutionSignaledEventAttributes?.signalName === 'abort',
  );
  const scheduled = convEvents
    .filter(
      (e) =>
        e.eventType === ET.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED &&
        e.activityTaskScheduledEventAttributes?.activityType?.name === 'deliverTurn',
    )
    .map((e) => eventMs(e) - signalAtMs)
    .filter((d) => d > 0);
  return {
    pauseReceived: pause ? eventMs(pause) - signalAtMs : undefined,
    abortSent: sent ? eventMs(sent) - signalAtMs : undefined,
    abortReceived: received ? eventMs(received) - signalAtMs : undefined,
    turnsScheduledAfterSignal: scheduled,
  };
}

function summary(values: (number | undefined)[]) {
  const v = values.filter((x): x is number => x !== undefined);
  return { n: v.length, p50: percentile(v, 50), p99: percentile(v, 99), max: percentile(v, 100) };
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** The database, noting when a pause's status write has committed. */
function recordingPause(db: Db, onRecorded: (atMs: number) => void): Db {
  return new Proxy(db, {
    get(target, prop, receiver) {
      const value = Reflect.get(target, prop, receiver) as unknown;
      if (prop !== 'setChipStatus' || typeof value !== 'function') return value;
      return async (...args: Parameters<Db['setChipStatus']>) => {
        await (value as Db['setChipStatus']).apply(target, args);
        onRecorded(Date.now());
      };
    },
  });
}

async function main(): Promise<void> {
  const trialsWanted = argNumber('trials', 100);
  const parallel = argNumber('parallel', 20);
  const dayMs = argNumber('day-ms', REAL_DAY_MS / 20);
  const by = argString('by', 'operator');
  if (by !== 'operator' && by !== 'signal') throw new Error(`--by must be "operator" or "signal", got ${JSON.stringify(by)}`);
  const load = machine();
  quietRuntime();

  log('bundling workflows');
  const bundle = await workflowBundle({ fresh: true });
  log(`starting the dev server, the embedded database and the simulator; registering ${2 * trialsWanted} chips (one fleet per pair)`);
  const env = await devServerEnv({ logLevel: 'error' });
  const fleet = await createFleet(env.client, 2 * trialsWanted, { fleetOf: (i) => `pause-${Math.floor(i / 2)}`, phase: 'pre_operacao' });
  const conversations = new Map<string, Conversation>();
  const byChip = new Map<string, Conversation>();
  const planWaiters = new Map<string, (c: Conversation) => void>();
  const conversation = (id: string) => conversations.get(id);

  const activities = observeActivities(fleet.activities, {
    onPlan: (input, plan) => {
      if (!plan) return;
      const c: Conversation = {
        id: plan.conversationId,
        initiator: input.initiator.chipId,
        partner: plan.partner.chipId,
        turns: plan.dialogue.turns.length,
        starts: new Map(),
        receipts: new Map(),
        waiters: [],
      };
      // The plan sent the opening turn (before this hook ran): started and received already.
      if (plan.opening?.sent) {
        const at = Date.now();
        c.starts.set(0, at);
        c.receipts.set(0, at);
      }
      conversations.set(c.id, c);
      for (const chip of [c.initiator, c.partner]) {
        if (!byChip.has(chip)) {
          byChip.set(chip, c);
          planWaiters.get(chip)?.(c);
        }
      }
    },
    onTurnStart: (input, at) => {
      const c = conversation(input.conversationId);
      c?.starts.set(input.turn, at);
      if (c?.onStart?.turn === input.turn) c.onStart.resolve();
    },
    onTurnEnd: (input, result, at) => {
      const c = conversation(input.conversationId);
      if (!c || !result || result.alreadySent) return;
      c.receipts.set(input.turn, at);
      // The last turn's activity closes a completed conversation itself (no finishConversation call).
      if (input.finish) {
        c.finishedAt = at;
        c.outcome = 'completed';
      }
      c.waiters = c.waiters.filter((w) => {
        if (c.receipts.size >= w.turn) w.resolve();
        return c.receipts.size < w.turn;
      });
    },
    onFinish: (input, at) => {
      const c = conversation(input.conversationId);
      if (c) {
        c.finishedAt = at;
        c.outcome = input.outcome;
      }
    },
  });
  const taskQueue = `bench-pause-${Date.now()}`;
  const worker = await Worker.create({
    connection: env.nativeConnection,
    taskQueue,
    workflowBundle: bundle,
    activities,
    maxCachedWorkflows: 1000,
    maxConcurrentActivityTaskExecutions: 100,
  });

  const trials: Trial[] = [];
  const failures: string[] = [];
  await worker.runUntil(async () => {
    for (let batch = 0; batch * parallel < trialsWanted; batch++) {
      const indexes = Array.from({ length: Math.min(parallel, trialsWanted - batch * parallel) }, (_, j) => batch * parallel + j);
      const now = Date.now();
      // Program time 09:10 in São Paulo at the start of each batch: inside both chips' windows.
      const s = testSettings({
        ...clockAtNoon(now, dayMs, 9 * 60 + 10),
        paceScale: 1,
        searchAttributes: true,
        maxHistoryEvents: 10_000,
      });
      const outcomes = await Promise.all(
        indexes.map(async (index) => {
          const a = fleet.chips[2 * index]!;
          const b = fleet.chips[2 * index + 1]!;
          const planned = new Promise<Conversation>((resolve) => {
            planWaiters.set(a.chipId, resolve);
            planWaiters.set(b.chipId, resolve);
          });
          // b starts first and holds its own first slot a program day away, so a initiates and b is its partner
          // (two chips of a fleet that both start at once reserve themselves and refuse each other).
          const registeredAt = new Date(now - 14 * dayMs).toISOString();
          await startChipWarmup(env.client, {
            chip: b,
            registeredAt,
            settings: s,
            taskQueue,
            state: { ...stateIn('pre_operacao', now, dayMs), nextConversationAtMs: now + dayMs },
          });
          await startChipWarmup(env.client, { chip: a, registeredAt, settings: s, taskQueue, state: stateIn('pre_operacao', now, dayMs) });
          const c = await Promise.race([planned, sleep(60_000).then(() => null)]);
          if (!c) return `trial ${index}: no conversation started within 60 s`;
          const pauseAfterTurn = 1 + Math.floor(Math.random() * (c.turns - 1));
          // Two trials in three pause between turns (after turn k, plus 0-1.5 s); one in three pauses while
          // turn k+1 is being sent (its deliverTurn has started): that send may land, no later one may.
          const mode: Trial['mode'] = index % 3 === 2 ? 'during-send' : 'between-turns';
          let extraDelayMs = 0;
          if (mode === 'during-send') {
            await new Promise<void>((resolve) => {
              c.onStart = { turn: pauseAfterTurn, resolve };
              if (c.starts.has(pauseAfterTurn)) resolve();
            });
          } else {
            await new Promise<void>((resolve) => {
              c.waiters.push({ turn: pauseAfterTurn, resolve });
              if (c.receipts.size >= pauseAfterTurn) resolve();
            });
            extraDelayMs = Math.round(Math.random() * 1500);
            await sleep(extraDelayMs);
          }
          const pausedChip = Math.random() < 0.5 ? 'initiator' : 'partner';
          let signalAtMs = Date.now();
          const pausedId = pausedChip === 'initiator' ? c.initiator : c.partner;
          if (by === 'signal') await pauseChip(env.client, pausedId, 'benchmark pause');
          else {
            const record = await fleet.rawDb.getChip(pausedId);
            if (!record) throw new Error(`chip ${pausedId} is not registered`);
            // The pause counts from when the database holds it (where every turn's claim is checked):
            // a turn whose claim raced the write itself is a turn in flight, not one after the pause.
            const recording = recordingPause(fleet.rawDb, (atMs) => (signalAtMs = atMs));
            await applyChipAction(env.client, recording, record, 'pause', { reason: 'benchmark pause', actor: 'bench', source: 'cli' });
          }
          // Long enough for any further turn (the longest gap is 90 s of program time = 4.5 s here).
          const deadline = Date.now() + 15_000;
          while (c.finishedAt === undefined && Date.now() < deadline) await sleep(50);
          await sleep(1000);
          const after = [...c.receipts].filter(([, at]) => at > signalAtMs);
          const inFlight = [...c.starts].filter(([turn, at]) => at <= signalAtMs && !(c.receipts.get(turn)! <= signalAtMs)).length;
          const startedAfter = [...c.starts].filter(([, at]) => at > signalAtMs);
          const sentAfterStartingAfter = startedAfter.filter(([turn]) => c.receipts.has(turn)).length;
          trials.push({
            index,
            mode,
            pausedChip,
            turns: c.turns,
            pauseAfterTurn,
            extraDelayMs,
            signalAtMs,
            sendsAfterSignal: after.length,
            inFlightAtSignal: inFlight,
            turnsStartedAfterSignal: startedAfter.length,
            turnsSentThatStartedAfterSignal: sentAfterStartingAfter,
            signalToLastSendMs: after.length ? Math.max(...after.map(([, at]) => at)) - signalAtMs : 0,
            signalToClosedMs: c.finishedAt !== undefined ? c.finishedAt - signalAtMs : null,
            outcome: c.outcome ?? 'unfinished',
          });
          trials[trials.length - 1]!.path = await pausePath(
            env.client,
            pausedChip === 'initiator' ? c.initiator : c.partner,
            c.id,
            signalAtMs,
          ).catch(() => undefined);
          for (const chip of [a, b])
            await env.client.workflow
              .getHandle(chipWorkflowId(chip.chipId))
              .terminate('trial over')
              .catch(() => undefined);
          return null;
        }),
      );
      for (const o of outcomes) if (o) failures.push(o);
      log(`batch ${batch + 1}: ${trials.length} trials done`);
    }
  });
  await fleet.close();
  await env.teardown();

  const toLast = trials.map((t) => t.signalToLastSendMs);
  const toAbort = trials.map((t) => t.signalToClosedMs).filter((x): x is number => x !== null);
  const violations = trials.filter((t) => t.turnsSentThatStartedAfterSignal > 0);
  const withSendAfter = trials.filter((t) => t.sendsAfterSignal > 0);
  const result = {
    command: `npx tsx bench/pause-latency.ts --trials ${trialsWanted} --parallel ${parallel} --day-ms ${dayMs} --by ${by}`,
    pausedBy: by === 'operator' ? 'database first, then signal (src/client/chip-actions.ts)' : 'signal only',
    machine: load,
    server: 'temporal dev server (real time)',
    programDayMs: dayMs,
    trials: trials.length,
    failures,
    signalToLastSendMs: { p50: percentile(toLast, 50), p99: percentile(toLast, 99), max: percentile(toLast, 100) },
    signalToConversationClosedMs: { p50: percentile(toAbort, 50), p99: percentile(toAbort, 99), max: percentile(toAbort, 100) },
    trialsWithASendAfterSignal: withSendAfter.length,
    sendsAfterSignalTotal: trials.reduce((a, t) => a + t.sendsAfterSignal, 0),
    sendsAfterSignalThatWereInFlight: trials.reduce((a, t) => a + Math.min(t.sendsAfterSignal, t.inFlightAtSignal), 0),
    trialsWithATurnStartedAfterSignal: trials.filter((t) => t.turnsStartedAfterSignal > 0).length,
    turnsStartedAfterSignalRefused: trials.reduce((a, t) => a + t.turnsStartedAfterSignal - t.turnsSentThatStartedAfterSignal, 0),
    trialsWithANewTurnSentAfterSignal: violations.length,
    outcomes: trials.reduce<Record<string, number>>((acc, t) => ({ ...acc, [t.outcome]: (acc[t.outcome] ?? 0) + 1 }), {}),
    byMode: Object.fromEntries(
      (['between-turns', 'during-send'] as const).map((mode) => {
        const ts = trials.filter((t) => t.mode === mode);
        return [
          mode,
          {
            trials: ts.length,
            withSendAfterSignal: ts.filter((t) => t.sendsAfterSignal > 0).length,
            newTurnAfterSignal: ts.filter((t) => t.turnsSentThatStartedAfterSignal > 0).length,
            signalToLastSendP99: percentile(
              ts.map((t) => t.signalToLastSendMs),
              99,
            ),
          },
        ];
      }),
    ),
    violations: violations.map((t) => ({
      index: t.index,
      mode: t.mode,
      pausedChip: t.pausedChip,
      turns: t.turns,
      pauseAfterTurn: t.pauseAfterTurn,
      outcome: t.outcome,
      path: t.path,
    })),
    pausePathMs: {
      pauseReceivedByChip: summary(trials.map((t) => t.path?.pauseReceived)),
      abortSentToConversation: summary(trials.map((t) => t.path?.abortSent)),
      abortReceivedByConversation: summary(trials.map((t) => t.path?.abortReceived)),
      trialsWhereTheConversationHadClosedBeforeTheAbort: trials.filter((t) => t.path && t.path.abortReceived === undefined).length,
    },
    targetPauseBeforeNextTurnInEveryTrial: violations.length === 0 && failures.length === 0,
  };
  const rows: [string, string | number, string?][] = [
    ['trials', trials.length, failures.length ? `${failures.length} failed to start` : ''],
    ['signal -> last send p50 (ms)', result.signalToLastSendMs.p50, '0 = no send after the signal'],
    ['signal -> last send p99 (ms)', result.signalToLastSendMs.p99],
    ['signal -> last send max (ms)', result.signalToLastSendMs.max],
    [
      'signal -> conversation closed p50 (ms)',
      result.signalToConversationClosedMs.p50,
      'aborted (or completed by its in-flight last turn)',
    ],
    ['signal -> conversation closed p99 (ms)', result.signalToConversationClosedMs.p99],
    [
      'trials with a send after the signal',
      withSendAfter.length,
      `${result.sendsAfterSignalThatWereInFlight} of ${result.sendsAfterSignalTotal} such sends were already in flight`,
    ],
    [
      'trials where a turn started after the pause',
      result.trialsWithATurnStartedAfterSignal,
      `${result.turnsStartedAfterSignalRefused} such turns refused by the database`,
    ],
    ['trials where a NEW turn was SENT after the pause', violations.length, 'target 0'],
    [
      'pause path p50/p99: chip got pause (ms)',
      `${result.pausePathMs.pauseReceivedByChip.p50}/${result.pausePathMs.pauseReceivedByChip.p99}`,
      'server event times after the client call',
    ],
    [
      'pause path p50/p99: conversation got abort (ms)',
      `${result.pausePathMs.abortReceivedByConversation.p50}/${result.pausePathMs.abortReceivedByConversation.p99}`,
      `${result.pausePathMs.trialsWhereTheConversationHadClosedBeforeTheAbort} had already completed`,
    ],
    ['load average at start', load.loadavg.join(' '), `${load.cpus} cpus`],
  ];
  report(
    'pause-latency',
    table(`Pause latency: ${trials.length} trials (paused by ${by}), dev server, program day ${dayMs / 1000} s`, rows),
    result,
  );
}

main().then(
  () => process.exit(0),
  (err) => {
    console.error(err);
    process.exit(1);
  },
);
