/**
 * More than one worker: throughput (messages per second) and worker CPU per message with 1, 2 and
 * 3 worker processes on one task queue, for the same fleet (default 300 chips in operacao), with
 * human pacing at zero and a compressed program day, so the offered load is above what the workers
 * push. Each run has its own PostgreSQL scratch database, simulator and task queue; the Temporal
 * dev server is shared. Worker CPU is read from /proc for each worker process; the dev server's is
 * the bench process's children minus the workers (PostgreSQL runs outside and is not counted).
 *
 *   npx tsx bench/workers.ts [--chips 300] [--workers 1,2,3] [--seconds 60] [--warmup 15] [--day-ms 240000] [--out workers]
 */
import os from 'node:os';
import {
  histogramBuckets,
  histogramDelta,
  metricSum,
  processCpuSeconds,
  processRssBytes,
  scrapeMetrics,
  type Sample,
} from '../test/helpers/worker-processes';
import { clockAtNoon, devServerEnv, testSettings, workflowBundle } from '../test/helpers/temporal';
import { MiB, argNumber, argString, cpuSeconds, log, machine, quietRuntime, report, round, table } from './lib';
import { openProcessStack } from './process-stack';

interface Run {
  workers: number;
  measuredSeconds: number;
  messages: number;
  messagesPerSecond: number;
  workerCpuSeconds: number;
  workerCpuMsPerMessage: number;
  devServerCpuSeconds: number;
  perWorker: { identity: string; cpuSeconds: number; peakRssMiB: number; activityShare: number; workflowTaskShare: number }[];
  workflowCacheHitRate: number | null;
  loadAverage: number[];
}

/** Workflow tasks and activities one worker ran between two scrapes (from the SDK's latency histograms' counts). */
function tasks(before: Sample[], after: Sample[], name: string): number {
  const d = histogramDelta(histogramBuckets(after, name), histogramBuckets(before, name));
  return d.get(Infinity) ?? 0;
}

async function main(): Promise<void> {
  const n = argNumber('chips', 300);
  const counts = argString('workers', '1,2,3').split(',').map(Number);
  const seconds = argNumber('seconds', 60);
  const warmupSeconds = argNumber('warmup', 15);
  // 240 s program days: a program hour every 10 real seconds, so the warm-up and the measured
  // minute (about 10:00 to 18:00 in program time) stay inside every chip's window.
  const dayMs = argNumber('day-ms', 240_000);
  const out = argString('out', 'workers');
  const load = machine();
  quietRuntime();

  log('bundling workflows; starting the dev server');
  const [workflow, env] = await Promise.all([workflowBundle({ fresh: true }), devServerEnv({ logLevel: 'error' })]);
  const runs: Run[] = [];
  for (const k of counts) {
    log(`--- ${k} worker(s): registering ${n} chips in a fresh scratch database`);
    const stack = await openProcessStack({
      env,
      workflowCode: workflow.code,
      chips: n,
      phaseOf: () => 'operacao',
      settings: testSettings({ dayMs }),
      label: `w${k}`,
    });
    try {
      // Program time 09:05 (São Paulo) as the workers start, so about 10:00 when the chips start:
      // inside every chip's window (08:00-09:00 .. 21:00-22:00) for the whole run. Pacing zero.
      stack.settings = testSettings({ ...clockAtNoon(Date.now(), dayMs, 9 * 60 + 5), paceScale: 0, maxHistoryEvents: 10_000 });
      const live = await stack.startWorkers(k, { WARMER_MAX_CACHED_WORKFLOWS: String(n), WARMER_MAX_CONCURRENT_ACTIVITIES: '200' });
      await stack.startChips(0);
      log(`${n} chips started (operacao, pace 0) on ${k} worker(s); warming up ${warmupSeconds} s, measuring ${seconds} s`);
      await new Promise((r) => setTimeout(r, warmupSeconds * 1000));

      const peak = new Map<number, number>();
      const sampler = setInterval(() => {
        for (const w of live) peak.set(w.pid, Math.max(peak.get(w.pid) ?? 0, processRssBytes(w.pid)));
      }, 1000);
      const t0 = Date.now();
      const d0 = stack.sim.control.deliveries().length;
      const cpu0 = live.map((w) => processCpuSeconds(w.pid));
      const children0 = cpuSeconds().children;
      const m0 = await Promise.all(live.map((w) => scrapeMetrics(w.metricsAddress)));
      await new Promise((r) => setTimeout(r, seconds * 1000));
      const t1 = Date.now();
      const d1 = stack.sim.control.deliveries().length;
      const cpu1 = live.map((w) => processCpuSeconds(w.pid));
      const children1 = cpuSeconds().children;
      const m1 = await Promise.all(live.map((w) => scrapeMetrics(w.metricsAddress)));
      clearInterval(sampler);

      const measured = (t1 - t0) / 1000;
      const messages = d1 - d0;
      const workerCpu = cpu1.reduce((s, c, i) => s + c - cpu0[i]!, 0);
      const acts = live.map((_, i) => tasks(m0[i]!, m1[i]!, 'temporal_activity_execution_latency'));
      const wfts = live.map((_, i) => tasks(m0[i]!, m1[i]!, 'temporal_workflow_task_execution_latency'));
      const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);
      const hits = sum(
        live.map((_, i) => metricSum(m1[i]!, 'temporal_sticky_cache_hit_total') - metricSum(m0[i]!, 'temporal_sticky_cache_hit_total')),
      );
      const misses = sum(
        live.map((_, i) => metricSum(m1[i]!, 'temporal_sticky_cache_miss_total') - metricSum(m0[i]!, 'temporal_sticky_cache_miss_total')),
      );
      const run: Run = {
        workers: k,
        measuredSeconds: round(measured, 1),
        messages,
        messagesPerSecond: round(messages / measured, 1),
        workerCpuSeconds: round(workerCpu, 1),
        workerCpuMsPerMessage: round((workerCpu * 1000) / Math.max(1, messages), 2),
        devServerCpuSeconds: round(children1 - children0 - workerCpu, 1),
        perWorker: live.map((w, i) => ({
          identity: w.identity,
          cpuSeconds: round(cpu1[i]! - cpu0[i]!, 1),
          peakRssMiB: round((peak.get(w.pid) ?? 0) / MiB, 0),
          activityShare: round(acts[i]! / Math.max(1, sum(acts)), 3),
          workflowTaskShare: round(wfts[i]! / Math.max(1, sum(wfts)), 3),
        })),
        workflowCacheHitRate: hits + misses > 0 ? round(hits / (hits + misses), 4) : null,
        loadAverage: os.loadavg().map((l) => round(l, 2)),
      };
      runs.push(run);
      log(
        `${k} worker(s): ${run.messagesPerSecond} messages/s, worker CPU ${run.workerCpuMsPerMessage} ms/message, shares ${run.perWorker.map((p) => p.activityShare).join('/')}`,
      );
      await stack.terminateChips();
    } finally {
      await stack.close();
    }
  }
  await env.teardown();

  const result = {
    command: `npx tsx bench/workers.ts --chips ${n} --workers ${counts.join(',')} --seconds ${seconds} --day-ms ${dayMs}${out !== 'workers' ? ` --out ${out}` : ''}`,
    machine: load,
    server:
      'temporal dev server (shared by the runs) + PostgreSQL (a scratch database per run) + simulator over HTTP, in the bench process',
    chips: n,
    phase: 'operacao (cap 100/day, at most 15 conversations a day)',
    programDayMs: dayMs,
    paceScale: 0,
    runs,
    note: 'Workers, the dev server, PostgreSQL and the bench share the machine; worker CPU is the sum over worker processes.',
  };
  const rows: [string, string | number, string?][] = runs.flatMap((r) => [
    [
      `${r.workers} worker(s): messages / s`,
      r.messagesPerSecond,
      `${r.messages} in ${r.measuredSeconds} s; cache hit rate ${r.workflowCacheHitRate ?? 'n/a'}`,
    ] as [string, number, string],
    [
      `${r.workers} worker(s): worker CPU ms / message`,
      r.workerCpuMsPerMessage,
      `workers ${r.perWorker.map((p) => `${p.cpuSeconds} s`).join(' + ')}; dev server ${r.devServerCpuSeconds} s; activity shares ${r.perWorker.map((p) => p.activityShare).join('/')}; load ${r.loadAverage.join(' ')}`,
    ] as [string, number, string],
  ]);
  rows.push(['load average at start', load.loadavg.join(' '), `${load.cpus} cpus, shared`]);
  report(out, table(`Workers: ${n} chips (operacao, pace 0) on 1..${Math.max(...counts)} worker processes, one task queue`, rows), result);
}

main().then(
  () => process.exit(0),
  (err) => {
    console.error(err);
    process.exit(1);
  },
);
