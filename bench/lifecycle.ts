/**
 * Lifecycle: N chips through the whole 21-day program on the time-skipping test server, with the
 * embedded database, the simulator and the real activities (think time inside activities is a no-op,
 * the simulator answers presence at once). Prints wall time, billable Temporal actions counted from
 * the real histories (per chip per program day and per warm-up message), database calls per chip per
 * day, and peak worker memory.
 *
 *   npx tsx bench/lifecycle.ts [--chips 100] [--max-days 30] [--pace 1] [--out lifecycle]
 */
import { Worker } from '@temporalio/worker';
import { performance } from 'node:perf_hooks';
import { startChipWarmup } from '../src/client/chips';
import { REAL_DAY_MS, minuteOfDay, programClock } from '../src/domain/clock';
import { PHASE_TABLE } from '../src/domain/phases';
import { HEARTBEAT_HOLD_MIN_MS } from '../src/activities/turn-limits';
import { promotionDaysOf } from './forecast-compare';
import type { ChipWarmupResult } from '../src/workflows/api';
import { testSettings, timeSkippingEnv, workflowBundle } from '../test/helpers/temporal';
import {
  MiB,
  addTallies,
  argFlag,
  argNumber,
  argString,
  cpuSeconds,
  billable,
  heartbeatingHolds,
  createFleet,
  log,
  machine,
  observeActivities,
  quietRuntime,
  report,
  round,
  startRssSampler,
  table,
  tallyHistories,
} from './lib';

async function main(): Promise<void> {
  const n = argNumber('chips', 100);
  const maxDays = argNumber('max-days', 30);
  // 1 = the human pacing of domain/pacing.ts (20-90 s between turns, as in production); 0 = no waits inside conversations.
  const pace = argNumber('pace', 1);
  const out = argString('out', 'lifecycle');
  // The time-skipping server cannot register search attributes (no OperatorService), so upserts are off here
  // and counted from the code paths that upsert instead (see upsertEstimate below).
  const searchAttributes = argFlag('search-attributes');
  const load = machine();
  quietRuntime();
  const sampler = startRssSampler(200);
  const t0 = performance.now();

  log(`bundling workflows`);
  const bundle = await workflowBundle({ fresh: true });
  const tBundle = performance.now();
  log(`starting the time-skipping server, the embedded database and the simulator; registering ${n} chips`);
  const env = await timeSkippingEnv();
  const fleet = await createFleet(env.client, n);
  const rssBeforeWorker = process.memoryUsage().rss;
  const taskQueue = `bench-lifecycle-${Date.now()}`;
  // A warm-up message: a direct one delivered, or a group message sent (once, whatever the group's size).
  const warmupMessages = () =>
    fleet.simulator.control.deliveries().length +
    fleet.simulator.control.groupMessages().length +
    fleet.simulator.control.statusPosts().length;
  const plans = { total: 0, empty: 0, reasons: {} as Record<string, number> };
  const planConversation = fleet.activities.planConversation;
  const activities = observeActivities(
    {
      ...fleet.activities,
      async planConversation(input) {
        const planned = await planConversation(input);
        if (planned.kind === 'none') plans.reasons[planned.reason] = (plans.reasons[planned.reason] ?? 0) + 1;
        return planned;
      },
    },
    {
      onPlan: (_input, plan) => {
        plans.total++;
        if (!plan) plans.empty++;
      },
    },
  );
  const worker = await Worker.create({
    connection: env.nativeConnection,
    taskQueue,
    workflowBundle: bundle,
    activities,
    maxCachedWorkflows: 1000, // the app's default (WARMER_MAX_CACHED_WORKFLOWS)
    maxConcurrentActivityTaskExecutions: 100, // the app's default (WARMER_MAX_CONCURRENT_ACTIVITIES)
  });
  const tSetup = performance.now();
  fleet.dbCounts.reset();

  const startMs = await env.currentTimeMs();
  // Production settings: real days, human pacing, search attributes on, continue-as-new at 10,000 events.
  const s = testSettings({ paceScale: pace, searchAttributes, maxHistoryEvents: 10_000 });
  let results: (ChipWarmupResult | { status: string; phase: string })[] = [];
  let virtualDays = 0;
  const handles: { workflowId: string; firstRunId: string }[] = [];
  const timeline: { programDay: number; chipsDone: number; messages: number; wallSeconds: number }[] = [];
  const runStart = performance.now();
  const cpuStart = cpuSeconds();
  await worker.runUntil(async () => {
    const started = await Promise.all(
      fleet.chips.map((chip) =>
        startChipWarmup(env.client, { chip, registeredAt: new Date(startMs).toISOString(), settings: s, taskQueue }),
      ),
    );
    for (const h of started) handles.push({ workflowId: h.workflowId, firstRunId: h.firstExecutionRunId });
    // Advance program time in steps; never await many results at once (it stalls time skipping).
    const open = new Set(started.map((h) => h.workflowId));
    const stepMs = 6 * 60 * 60 * 1000;
    for (let step = 0; open.size > 0 && step * stepMs < maxDays * REAL_DAY_MS; step++) {
      await env.sleep(stepMs);
      const elapsedDays = ((step + 1) * stepMs) / REAL_DAY_MS;
      if (elapsedDays < 20 && (step + 1) % 4 !== 0) continue; // nothing closes before day 21; check daily until then
      const ids = [...open];
      const statuses = await Promise.all(
        ids.map(async (id) => [id, (await env.client.workflow.getHandle(id).describe()).status.name] as const),
      );
      for (const [id, status] of statuses) if (status !== 'RUNNING') open.delete(id);
      timeline.push({
        programDay: elapsedDays,
        chipsDone: n - open.size,
        messages: warmupMessages(),
        wallSeconds: round((performance.now() - runStart) / 1000, 1),
      });
      if (elapsedDays % 3 === 0 || elapsedDays >= 20) {
        log(
          `program day ${elapsedDays.toFixed(2)}: ${n - open.size}/${n} chips done, ${warmupMessages()} messages, ${round((performance.now() - runStart) / 1000, 1)} s`,
        );
      }
    }
    virtualDays = ((await env.currentTimeMs()) - startMs) / REAL_DAY_MS;
    for (const id of open) await env.client.workflow.getHandle(id).terminate('benchmark: program day limit reached');
    results = [];
    for (const h of started) {
      try {
        results.push(await h.result());
      } catch {
        results.push({ status: 'not finished', phase: 'unknown' });
      }
    }
  });
  const wallMs = performance.now() - runStart;
  const cpuEnd = cpuSeconds();
  const cpu = {
    workerProcessSeconds: round(cpuEnd.process - cpuStart.process, 1),
    testServerSeconds: round(cpuEnd.children - cpuStart.children, 1),
  };
  // Where the memory sits at the end: the main thread's heap holds the simulator's in-memory logs (every
  // request, send, delivery, presence and read) and the bench's own maps; PGlite and the workflow isolate
  // live in worker threads (in RSS, not in this heap).
  const mem = process.memoryUsage();
  const sim = fleet.simulator.control;
  const memoryAtEnd = {
    rssMiB: round(mem.rss / MiB, 0),
    mainHeapUsedMiB: round(mem.heapUsed / MiB, 0),
    mainExternalMiB: round(mem.external / MiB, 0),
    simulatorRecords: sim.requests().length + sim.sent().length + sim.deliveries().length + sim.presences().length + sim.reads().length,
  };
  const peakRss = sampler.peakRss();
  const peakServerRss = sampler.peakServerRss();
  sampler.stop();

  log('fetching histories (chip runs and conversation children)');
  const tHist = performance.now();
  const tally = await tallyHistories(env.client, handles);
  const historyMs = performance.now() - tHist;
  const all = addTallies(tally.chip, tally.conversation);
  // With search attributes on (production default), the chip workflow upserts once per run, once per
  // promotion, once per status persisted and once per daily health log: exactly these Db calls.
  const m = fleet.dbCounts.byMethod;
  const upsertEstimate = searchAttributes
    ? 0
    : tally.chip.histories + (m.promoteChip ?? 0) + (m.recordHealth ?? 0) + (m.setChipStatus ?? 0);
  // Heartbeats leave no history event: counted where the activities decide to heartbeat (think time is a
  // no-op here, but every hold is still planned and counted at its real length).
  const heartbeats = await heartbeatingHolds();
  const actions = billable(all, {
    rejectedUpdates: fleet.reserveCounts.rejected,
    queries: 0,
    estimatedUpserts: upsertEstimate,
    heartbeats,
  });
  const chipActions = billable(tally.chip, { rejectedUpdates: fleet.reserveCounts.rejected, queries: 0, estimatedUpserts: upsertEstimate });
  const convActions = billable(tally.conversation, { rejectedUpdates: 0, queries: 0 });

  // Status posts count as messages: one each, however many fleet chips see it.
  const statusPosts = fleet.simulator.control.statusPosts().length;
  const messages = warmupMessages();
  const groupMessages = fleet.simulator.control.groupMessages().length;
  const sent = fleet.simulator.control.sent().length;
  const chipDays = tally.chip.chipProgramMs / REAL_DAY_MS;
  const ready = results.filter((r) => r.status === 'ready').length;
  const dbCalls = fleet.dbCounts.total;
  const dbByMethod = { ...fleet.dbCounts.byMethod };
  const conversations = tally.conversation.histories;

  await fleet.close();
  await env.teardown();

  const perMsg = (x: number) => round(x / Math.max(1, messages), 3);
  const perChipDay = (x: number) => round(x / Math.max(1e-9, chipDays), 2);
  // When each chip reached each phase (program days since registration): the forecast is checked against these.
  const promotionDays = promotionDaysOf(
    results.map((r) => ('promotions' in r ? r.promotions : [])),
    startMs,
  );
  const result = {
    command: `npx tsx bench/lifecycle.ts --chips ${n}${pace !== 1 ? ` --pace ${pace}` : ''}${searchAttributes ? ' --search-attributes' : ''}${out !== 'lifecycle' ? ` --out ${out}` : ''}`,
    paceScale: pace,
    machine: load,
    chips: n,
    ready,
    programDaysSimulated: round(virtualDays, 2),
    chipProgramDays: round(chipDays, 1),
    minimumProgramDays: Object.values(PHASE_TABLE).reduce((a, p) => a + p.minDays, 0),
    wallSeconds: round(wallMs / 1000, 1),
    setupSeconds: { bundle: round((tBundle - t0) / 1000, 1), serverDbSimulatorChipsWorker: round((tSetup - tBundle) / 1000, 1) },
    historyFetchSeconds: round(historyMs / 1000, 1),
    cpuDuringRun: {
      ...cpu,
      note: 'worker process = worker + embedded Postgres thread + simulator; test server = the time-skipping server',
    },
    messages,
    statusPosts,
    messagesPerChip: round(messages / n, 1),
    groupMessages,
    startMinuteOfDay: minuteOfDay(programClock(s.dayMs, s.epochMs), startMs),
    promotionDays,
    sendsAccepted: sent,
    conversations,
    messagesPerConversation: round(messages / Math.max(1, conversations), 2),
    historyEvents: {
      total: all.events,
      perChipPerDay: perChipDay(all.events),
      perMessage: perMsg(all.events),
      chipRuns: tally.chip.histories,
      continueAsNew: all.continueAsNew,
    },
    billableActions: {
      total: actions.total,
      perMessage: perMsg(actions.total),
      perChipPerDay: perChipDay(actions.total),
      breakdown: actions,
      perMessageByKind: Object.fromEntries(Object.entries(actions).map(([k, v]) => [k, perMsg(v)])),
      chipWorkflows: chipActions,
      conversationWorkflows: convActions,
      heartbeatsCountedFrom: 'warmer_heartbeating_holds_total (one heartbeat per hold planned >= HEARTBEAT_HOLD_MIN_MS)',
      upsertsCountedFrom: searchAttributes
        ? 'history (UpsertWorkflowSearchAttributes events)'
        : 'code paths (search attributes cannot be registered on the time-skipping server): chip runs + promoteChip + recordHealth + setChipStatus calls',
      rejectedReserveUpdates: fleet.reserveCounts.rejected,
      rejectedReserveReasons: fleet.reserveCounts.reasons,
      conversationPlans: plans,
      acceptedReserveUpdates: fleet.reserveCounts.accepted,
      perMessageCountingWorkflowSignalsTwice: perMsg(actions.totalCountingSignalsTwice),
    },
    database: { calls: dbCalls, perChipPerDay: perChipDay(dbCalls), perMessage: perMsg(dbCalls), byMethod: dbByMethod },
    memory: {
      peakProcessRssMiB: round(peakRss / MiB, 0),
      processRssBeforeWorkerMiB: round(rssBeforeWorker / MiB, 0),
      peakTemporalTestServerRssMiB: round(peakServerRss / MiB, 0),
      atEnd: memoryAtEnd,
      note: 'process RSS includes the worker, the embedded Postgres (PGlite, WebAssembly in a worker thread) and the simulator',
    },
    timeline,
    targets: {
      actionsPerMessageAtMost3: perMsg(actions.total) <= 3,
      hundredChipsUnder2Minutes: n >= 100 ? wallMs < 120_000 : null,
    },
  };

  const rows: [string, string | number, string?][] = [
    ['chips (ready / started)', `${ready} / ${n}`],
    ['program days simulated', round(virtualDays, 2), `chip-days ${round(chipDays, 1)}`],
    [
      'wall time (s)',
      round(wallMs / 1000, 1),
      `+ setup ${round((tSetup - t0) / 1000, 1)} s, history fetch ${round(historyMs / 1000, 1)} s`,
    ],
    [
      'CPU during the run (s)',
      round(cpu.workerProcessSeconds + cpu.testServerSeconds, 1),
      `worker process ${cpu.workerProcessSeconds} s, time-skipping server ${cpu.testServerSeconds} s`,
    ],
    [
      'warm-up messages delivered',
      messages,
      `${conversations} conversations, ${round(messages / Math.max(1, conversations), 2)} msgs each`,
    ],
    ['history events', all.events, `${perChipDay(all.events)} /chip/day, ${perMsg(all.events)} /message`],
    ['billable actions', actions.total, `${perChipDay(actions.total)} /chip/day`],
    [
      '  per warm-up message',
      perMsg(actions.total),
      `(target <= 3; ${perMsg(actions.totalCountingSignalsTwice)} if workflow signals counted twice)`,
    ],
    ['    timers', perMsg(actions.timers)],
    ['    activity attempts', perMsg(actions.activityAttempts), `(${all.activitiesScheduled} scheduled, ${all.activityAttempts} attempts)`],
    ['    child starts (x2)', perMsg(actions.childStarts)],
    ['    heartbeats', perMsg(actions.heartbeats), `(${heartbeats} holds of >= ${HEARTBEAT_HOLD_MIN_MS / 1000} s)`],
    ['    signals', perMsg(actions.signals)],
    [
      '    updates (reserve)',
      perMsg(actions.updates),
      `(${fleet.reserveCounts.accepted} accepted, ${fleet.reserveCounts.rejected} rejected: ${Object.entries(fleet.reserveCounts.reasons)
        .map(([k, v]) => `${k} ${v}`)
        .join(', ')})`,
    ],
    [
      'conversation plans (found no partner)',
      `${plans.total} (${plans.empty})`,
      Object.entries(plans.reasons)
        .map(([k, v]) => `${k} ${v}`)
        .join(', '),
    ],
    [
      '    upserts',
      perMsg(actions.upserts),
      searchAttributes ? '' : `(${upsertEstimate}, from code paths: not registrable on the test server)`,
    ],
    ['    starts + continue-as-new', perMsg(actions.starts + actions.continueAsNew)],
    ['messages per chip', round(messages / n, 1), `start at minute ${result.startMinuteOfDay} of the day (Sao Paulo)`],
    ...promotionDays.phases
      .filter((p) => p.phase !== 'setup')
      .map((p): [string, string, string] => [
        `  reached ${p.phase} (program day)`,
        `${p.median}`,
        `p10 ${p.p10}, p90 ${p.p90}, ${p.chips} chips`,
      ]),
    ['database calls', dbCalls, `${perChipDay(dbCalls)} /chip/day, ${perMsg(dbCalls)} /message`],
    [
      'peak process RSS (MiB)',
      round(peakRss / MiB, 0),
      `before worker ${round(rssBeforeWorker / MiB, 0)}; test server ${round(peakServerRss / MiB, 0)}`,
    ],
    ['load average at start', load.loadavg.join(' '), `${load.cpus} cpus`],
  ];
  report(out, table(`Lifecycle: ${n} chips through the 21-day program (time-skipping server, pace ${pace})`, rows), result);
}

main().then(
  () => process.exit(0),
  (err) => {
    console.error(err);
    process.exit(1);
  },
);
