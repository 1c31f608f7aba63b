/**
 * Capacity of one worker at a realistic pace: N chips (default 1,000) spread over the four
 * messaging phases, on a 24x compressed program day (WARMER_DAY=1h: a program hour per 2.5 real
 * minutes, human pacing 24x faster), for `--minutes` (default 10) on the Temporal dev server with
 * PostgreSQL and the simulator over HTTP. The worker runs in its own process (configured from the
 * environment like production), so its CPU time and RSS, read from /proc, are its own.
 *
 * Reported: messages per second; worker CPU seconds per message and per chip-hour (program and
 * real); RSS (peak and steady); the workflow cache hit rate (the SDK's sticky cache counters, from
 * the worker's Prometheus exporter); turn latency p50/p99 (measured inside the worker: the
 * deliverTurn attempt's schedule time to the provider's answer, minus the deliberate human holds);
 * the SDK's workflow-task schedule-to-start latency; and the chips one core holds at real pace,
 * extrapolated (the formula is printed with the figures).
 *
 * The cache: by default maxCachedWorkflows = chips / 10. Between two activations of one chip, a
 * fleet of N chips compressed 24x interleaves as many other activations as a fleet of 10N chips at
 * real pace with a cache 10x larger does in the same program time, so what matters for the hit rate
 * is cache / fleet: 1,000 chips with a cache of 100 here stand for 10,000 chips with
 * WARMER_MAX_CACHED_WORKFLOWS=1000 (the app's default) at real pace.
 *
 *   npx tsx bench/capacity.ts [--chips 1000] [--minutes 10] [--day-ms 3600000] [--cache 100] [--warmup 60] [--out capacity]
 */
import { readFileSync, existsSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { REAL_DAY_MS } from '../src/domain/clock';
import { PHASE_TABLE, type Phase } from '../src/domain/phases';
import {
  histogramBuckets,
  histogramDelta,
  histogramQuantile,
  metricSum,
  processCpuSeconds,
  processRssBytes,
  scrapeMetrics,
} from '../test/helpers/worker-processes';
import { clockAtNoon, devServerEnv, testSettings, workflowBundle } from '../test/helpers/temporal';
import { MiB, argNumber, argString, log, machine, percentile, quietRuntime, report, round, table } from './lib';
import { openProcessStack } from './process-stack';

const MESSAGING_PHASES: Phase[] = ['primeiros_contatos', 'expansao', 'pre_operacao', 'operacao'];
/** The per-cached-workflow memory measured by bench/memory.ts (0.25 MiB), for the memory bound. */
const MIB_PER_CACHED_WORKFLOW = 0.25;

async function main(): Promise<void> {
  const n = argNumber('chips', 1000);
  const minutes = argNumber('minutes', 10);
  const dayMs = argNumber('day-ms', 3_600_000);
  const cache = argNumber('cache', Math.max(10, Math.round(n / 10)));
  const warmupSeconds = argNumber('warmup', 60);
  const out = argString('out', 'capacity');
  const speedup = REAL_DAY_MS / dayMs;
  const load = machine();
  quietRuntime();

  log('bundling workflows; starting the dev server');
  const [workflow, env] = await Promise.all([workflowBundle({ fresh: true }), devServerEnv({ logLevel: 'error' })]);
  const now = Date.now();
  // Program time starts at 09:30 (São Paulo): every chip's window is open, and stays open for the run.
  const s = testSettings({ ...clockAtNoon(now, dayMs, 9 * 60 + 30), paceScale: 1, maxHistoryEvents: 10_000 });
  log(`registering ${n} chips in PostgreSQL (scratch database) and the simulator`);
  const stack = await openProcessStack({
    env,
    workflowCode: workflow.code,
    chips: n,
    phaseOf: (i) => MESSAGING_PHASES[i % MESSAGING_PHASES.length]!,
    settings: s,
    label: 'cap',
    holdPresence: true,
  });
  const turnLog = path.join(os.tmpdir(), `warmer-capacity-turns-${process.pid}.log`);
  rmSync(turnLog, { force: true });
  const [worker] = await stack.startWorkers(1, {
    WARMER_MAX_CACHED_WORKFLOWS: String(cache),
    WARMER_MAX_CONCURRENT_ACTIVITIES: '200',
    WARMER_BENCH_TURN_LOG: turnLog,
  });
  const w = worker!;
  log(`worker pid ${w.pid} (${w.identity}), metrics at ${w.metricsAddress}, maxCachedWorkflows ${cache}`);

  // The idle worker: what polling alone costs per second (subtracted before extrapolating).
  const idleSeconds = 20;
  const idleCpu0 = processCpuSeconds(w.pid);
  await new Promise((r) => setTimeout(r, idleSeconds * 1000));
  const idleCpuPerSecond = (processCpuSeconds(w.pid) - idleCpu0) / idleSeconds;
  const idleRss = processRssBytes(w.pid);

  // First slots spread over 20 program minutes, so the fleet does not start in one burst.
  const spreadMs = Math.round((20 * 60_000) / speedup);
  log(`starting ${n} chips (${MESSAGING_PHASES.join(', ')}); warming up ${warmupSeconds} s, then measuring ${minutes} min`);
  const started = Date.now();
  await stack.startChips(spreadMs);
  log(`chips started in ${round((Date.now() - started) / 1000, 1)} s`);

  const samples: { at: number; cpu: number; rss: number; delivered: number }[] = [];
  const sample = () =>
    samples.push({
      at: Date.now(),
      cpu: processCpuSeconds(w.pid),
      rss: processRssBytes(w.pid),
      delivered: stack.sim.control.deliveries().length,
    });
  const sampler = setInterval(sample, 5_000);
  await new Promise((r) => setTimeout(r, warmupSeconds * 1000));

  sample();
  const windowStart = samples.at(-1)!;
  const metricsStart = await scrapeMetrics(w.metricsAddress);
  const measureMs = minutes * 60_000;
  while (Date.now() - windowStart.at < measureMs) {
    await new Promise((r) => setTimeout(r, Math.min(30_000, measureMs - (Date.now() - windowStart.at))));
    const last = samples.at(-1)!;
    log(
      `${round((Date.now() - windowStart.at) / 60_000, 1)} min: ${last.delivered - windowStart.delivered} messages, worker CPU ${round(last.cpu - windowStart.cpu, 1)} s, RSS ${round(last.rss / MiB, 0)} MiB`,
    );
  }
  sample();
  const windowEnd = samples.at(-1)!;
  const metricsEnd = await scrapeMetrics(w.metricsAddress);
  clearInterval(sampler);
  const conversations = (
    await stack.pg.query<{ outcome: string | null; n: string }>(
      `select outcome, count(*) as n from warmup_conversations where started_at >= $1 and started_at < $2 group by outcome`,
      [new Date(windowStart.at).toISOString(), new Date(windowEnd.at).toISOString()],
    )
  ).rows;
  await stack.terminateChips();
  await stack.close();
  await env.teardown();

  // ---- figures
  const windowSeconds = (windowEnd.at - windowStart.at) / 1000;
  const messages = windowEnd.delivered - windowStart.delivered;
  const cpu = windowEnd.cpu - windowStart.cpu;
  const realChipHours = (n * windowSeconds) / 3600;
  const programChipHours = realChipHours * speedup;
  const inWindow = samples.filter((x) => x.at >= windowStart.at);
  const steady = inWindow.filter((x) => x.at >= windowStart.at + (windowEnd.at - windowStart.at) / 2).map((x) => x.rss);
  const peakRss = Math.max(...samples.map((x) => x.rss));

  const delta = (name: string) => metricSum(metricsEnd, name) - metricSum(metricsStart, name);
  const hits = delta('temporal_sticky_cache_hit_total');
  const misses = delta('temporal_sticky_cache_miss_total');
  const quantiles = (name: string, labels: Record<string, string> = {}) => {
    const d = histogramDelta(histogramBuckets(metricsEnd, name, labels), histogramBuckets(metricsStart, name, labels));
    // Upper bucket bounds; past the largest finite bound only "more than" is known.
    const top = Math.max(...[...d.keys()].filter(Number.isFinite));
    const bound = (q: number) => {
      const v = histogramQuantile(d, q);
      return v === Infinity ? `>${top}` : v;
    };
    return { p50: bound(0.5), p99: bound(0.99), n: d.get(Infinity) ?? 0 };
  };
  const wftScheduleToStart = quantiles('temporal_workflow_task_schedule_to_start_latency');
  const wftExecution = quantiles('temporal_workflow_task_execution_latency');
  const activityScheduleToStart = quantiles('temporal_activity_schedule_to_start_latency');

  const turns: number[] = [];
  if (existsSync(turnLog)) {
    for (const line of readFileSync(turnLog, 'utf8').split('\n')) {
      const [end, latency] = line.split(' ').map(Number);
      if (end !== undefined && latency !== undefined && end >= windowStart.at && end < windowEnd.at) turns.push(latency);
    }
    rmSync(turnLog, { force: true });
  }

  // At real pace a chip does in one real hour what it does here in one program hour, so the work
  // per chip per real second at real pace is the work per chip per *program* second measured here.
  // The idle worker's polling does not scale with chips and is taken off first.
  const busyCpu = Math.max(0, cpu - idleCpuPerSecond * windowSeconds);
  const cpuPerProgramChipSecond = busyCpu / (programChipHours * 3600);
  const chipsPerCore = (utilization: number) => Math.floor((utilization - idleCpuPerSecond) / cpuPerProgramChipSecond);
  const offeredPerChipDay = MESSAGING_PHASES.map((p) => PHASE_TABLE[p].dailyCap);
  const steadyRss = percentile(steady, 50);

  const result = {
    command: `npx tsx bench/capacity.ts --chips ${n} --minutes ${minutes} --day-ms ${dayMs} --cache ${cache}${out !== 'capacity' ? ` --out ${out}` : ''}`,
    machine: load,
    loadAverageAtEnd: os.loadavg().map((l) => round(l, 2)),
    server:
      'temporal dev server (temporal CLI, SQLite in memory) + PostgreSQL (scratch database) + simulator over HTTP, in the bench process',
    worker:
      'one worker process (test/helpers/worker-child.ts: the composition root, src/app/warmer-process.ts, configured from the environment); CPU and RSS from /proc/<pid>',
    chips: n,
    phases: `${MESSAGING_PHASES.join(', ')} (one in four each; daily caps ${offeredPerChipDay.join('/')})`,
    programDayMs: dayMs,
    speedup,
    paceScale: 1,
    maxCachedWorkflows: cache,
    warmupSeconds,
    measuredSeconds: round(windowSeconds, 1),
    programHoursCovered: round((windowSeconds * speedup) / 3600, 2),
    messages,
    messagesPerSecond: round(messages / windowSeconds, 2),
    conversationsStartedInWindow: Object.fromEntries(conversations.map((r) => [r.outcome ?? 'open', Number(r.n)])),
    workerCpu: {
      seconds: round(cpu, 1),
      idleSecondsPerSecond: round(idleCpuPerSecond, 4),
      utilizationOfOneCore: round(cpu / windowSeconds, 3),
      secondsPerMessage: round(cpu / Math.max(1, messages), 5),
      secondsPerProgramChipHour: round(cpu / programChipHours, 5),
      secondsPerRealChipHourAt24x: round(cpu / realChipHours, 4),
      note: 'program chip-hour: one chip through one hour of its program (at real pace, one real hour); real chip-hour here is 24 program hours',
    },
    rss: {
      idleMiB: round(idleRss / MiB, 0),
      peakMiB: round(peakRss / MiB, 0),
      steadyMiB: round(steadyRss / MiB, 0),
      boundFor10kChipsMiB: round(steadyRss / MiB + (10 * cache - cache) * MIB_PER_CACHED_WORKFLOW, 0),
      note: `estimate for 10,000 chips with a cache of ${10 * cache}: the steady RSS measured here + ${MIB_PER_CACHED_WORKFLOW} MiB (bench/memory.ts) per extra cached workflow; chips beyond the cache add no memory (they are replayed when they wake)`,
    },
    workflowCache: {
      hits,
      misses,
      hitRate: hits + misses > 0 ? round(hits / (hits + misses), 4) : null,
      sizeAtEnd: metricSum(metricsEnd, 'temporal_sticky_cache_size'),
      source: "the worker's SDK Prometheus exporter: temporal_sticky_cache_hit_total / temporal_sticky_cache_miss_total",
    },
    turnLatencyMs: {
      n: turns.length,
      p50: percentile(turns, 50),
      p99: percentile(turns, 99),
      max: percentile(turns, 100),
      definition:
        'inside the worker: the deliverTurn attempt scheduled -> the provider answered the send, minus the deliberate holds (thinking sleep, typing presence)',
    },
    workflowTaskScheduleToStartMs: wftScheduleToStart,
    workflowTaskExecutionMs: wftExecution,
    activityScheduleToStartMs: activityScheduleToStart,
    extrapolation: {
      cpuSecondsPerChipPerRealSecondAtRealPace: cpuPerProgramChipSecond,
      chipsPerCoreAtRealPace: chipsPerCore(1),
      chipsPerCoreAtRealPace70Percent: chipsPerCore(0.7),
      formula:
        'chips per core = (target core utilization - idle CPU per second) / (busy worker CPU seconds / program chip-seconds); busy = measured - idle x window. ' +
        'At real pace one chip does per real second what it does here per program second. Measured during the active hours (09:30 onwards), the busiest part of the day.',
    },
  };
  const rows: [string, string | number, string?][] = [
    ['chips (4 messaging phases), pace 1', n, `program day = ${dayMs / 60_000} real min (${speedup}x)`],
    ['measured (s)', result.measuredSeconds, `${result.programHoursCovered} program hours after ${warmupSeconds} s warm-up`],
    ['messages / second', result.messagesPerSecond, `${messages} messages`],
    [
      'worker CPU s / message',
      result.workerCpu.secondsPerMessage,
      `${result.workerCpu.seconds} s over the window, idle ${result.workerCpu.idleSecondsPerSecond} s/s`,
    ],
    ['worker CPU s / program chip-hour', result.workerCpu.secondsPerProgramChipHour, 'at real pace: per real chip-hour'],
    ['worker CPU s / real chip-hour (24x)', result.workerCpu.secondsPerRealChipHourAt24x],
    ['worker RSS peak / steady (MiB)', `${result.rss.peakMiB} / ${result.rss.steadyMiB}`, `idle ${result.rss.idleMiB} MiB`],
    ['workflow cache hit rate', result.workflowCache.hitRate ?? 'n/a', `${hits} hits, ${misses} misses, maxCachedWorkflows ${cache}`],
    ['turn latency p50 / p99 (ms)', `${result.turnLatencyMs.p50} / ${result.turnLatencyMs.p99}`, `${turns.length} turns, system time only`],
    [
      'workflow task schedule-to-start p50 / p99 (ms)',
      `${wftScheduleToStart.p50} / ${wftScheduleToStart.p99}`,
      'SDK histogram: upper bucket bounds',
    ],
    ['workflow task execution p50 / p99 (ms)', `${wftExecution.p50} / ${wftExecution.p99}`, 'SDK histogram: upper bucket bounds'],
    ['chips per core at real pace (100% / 70%)', `${chipsPerCore(1)} / ${chipsPerCore(0.7)}`, '(u - idle) / CPU per chip-second'],
    ['RSS bound at 10,000 chips (MiB)', result.rss.boundFor10kChipsMiB, `cache ${10 * cache}`],
    ['load average start / end', `${load.loadavg.join(' ')} / ${result.loadAverageAtEnd.join(' ')}`, `${load.cpus} cpus, shared`],
  ];
  report(out, table(`Capacity: ${n} chips on one worker process, ${speedup}x compressed day, dev server + PostgreSQL`, rows), result);
}

main().then(
  () => process.exit(0),
  (err) => {
    console.error(err);
    process.exit(1);
  },
);
