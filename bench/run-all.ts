/**
 * Runs every benchmark with its defaults, one child process each (a Temporal Runtime is installed
 * once per process), then prints the targets of docs/performance.md against the figures.
 *
 *   npm run bench                 # all, defaults (lifecycle 100 chips: long on a loaded 2-core machine)
 *   npm run bench -- --only throughput,pause-latency
 *   npm run bench -- --quick      # small sizes, to check the scripts work
 */
import { spawnSync } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import { argFlag, argString, readResult, round, table } from './lib';

const ALL = ['lifecycle', 'forecast', 'baseline', 'throughput', 'pause-latency', 'memory', 'console', 'capacity', 'workers'] as const;
// Quick sizes write bench/results/<name>-quick.json, so they never replace the default-size figures.
const QUICK: Record<string, string[]> = {
  lifecycle: ['--chips', '4', '--out', 'lifecycle-quick'],
  forecast: ['--chips', '200', '--seeds', '3', '--out', 'forecast-quick'],
  baseline: ['--lifecycle', 'lifecycle-quick', '--out', 'baseline-quick'],
  throughput: ['--chips', '20', '--seconds', '20', '--out', 'throughput-quick'],
  'pause-latency': ['--trials', '10', '--parallel', '10', '--out', 'pause-latency-quick'],
  memory: ['--chips', '200', '--caches', 'sdk-default,100,100x600', '--out', 'memory-quick'],
  console: ['--sizes', '100', '--runs', '3'],
  capacity: ['--chips', '40', '--minutes', '1', '--warmup', '15', '--out', 'capacity-quick'],
  workers: ['--chips', '40', '--workers', '1,2', '--seconds', '20', '--warmup', '10', '--out', 'workers-quick'],
};

function main(): void {
  const only = argString('only', '').split(',').filter(Boolean);
  const quick = argFlag('quick');
  const names = ALL.filter((n) => only.length === 0 || only.includes(n));
  const ran: { name: string; seconds: number; status: number | null }[] = [];
  for (const name of names) {
    const args = [...process.execArgv, path.join(__dirname, `${name}.ts`), ...(quick ? QUICK[name]! : [])];
    process.stderr.write(
      `\n[bench] === ${name} ${quick ? '(quick)' : ''} — load ${os
        .loadavg()
        .map((l) => l.toFixed(2))
        .join(' ')} ===\n`,
    );
    const t = Date.now();
    const child = spawnSync(process.execPath, args, { stdio: 'inherit' });
    ran.push({ name, seconds: round((Date.now() - t) / 1000, 1), status: child.status });
  }

  const suffix = quick ? '-quick' : '';
  const lc = readResult(`lifecycle${suffix}`) as null | {
    chips: number;
    wallSeconds: number;
    billableActions: { perMessage: number };
    memory: { peakProcessRssMiB: number };
  };
  const tp = readResult(`throughput${suffix}`) as null | { messagesPerSecond: number; turnToTurnGapMs: { p50: number; p99: number } };
  const pl = readResult(`pause-latency${suffix}`) as null | {
    trials: number;
    trialsWithATurnStartedAfterSignal: number;
    trialsWithASendAfterSignal: number;
    signalToLastSendMs: { p50: number; p99: number; max: number };
  };
  const fc = readResult(`forecast${suffix}`) as null | {
    chips: number;
    days: number;
    wallSeconds: number;
    checks: {
      against: string;
      agreement: { agrees: boolean; messagesPerChip: { differencePercent: number }; promotionDays: { differenceDays: number }[] };
    }[];
  };
  const mem = readResult(`memory${suffix}`) as null | {
    chips: number;
    runs: { cache: string; maxCachedWorkflows: number; deltaMiB: number; perThousandChipsMiB: number }[];
  };
  const cap = readResult(`capacity${suffix}`) as null | {
    chips: number;
    maxCachedWorkflows: number;
    messagesPerSecond: number;
    workerCpu: { secondsPerMessage: number };
    workflowCache: { hitRate: number | null };
    rss: { peakMiB: number; boundFor10kChipsMiB: number };
    extrapolation: { chipsPerCoreAtRealPace: number };
  };
  const wk = readResult(`workers${suffix}`) as null | {
    runs: { workers: number; messagesPerSecond: number; workerCpuMsPerMessage: number }[];
  };
  const bl = readResult(`baseline${suffix}`) as null | {
    ratio: { low: number; likely: number } | null;
    oursRoundTripsPerChipPerDay: number | null;
    seedRoundTripsPerChipPerDay: { low: { total: number }; likely: { total: number } };
  };

  const rows: [string, string | number, string?][] = [];
  if (lc) {
    rows.push([
      '<= 3 billable actions per warm-up message',
      lc.billableActions.perMessage,
      lc.billableActions.perMessage <= 3 ? 'MET' : 'NOT MET',
    ]);
    rows.push([
      `${lc.chips} chips x 21 days wall time (s)`,
      lc.wallSeconds,
      lc.chips >= 100 ? (lc.wallSeconds < 120 ? 'MET (< 120 s)' : 'NOT MET (target < 120 s)') : 'run with --chips 100 for the target',
    ]);
  }
  if (fc) {
    rows.push([
      `forecast ${fc.chips} chips x ${fc.days} days wall time (s)`,
      fc.wallSeconds,
      fc.chips >= 1000 ? (fc.wallSeconds < 10 ? 'MET (< 10 s)' : 'NOT MET (target < 10 s)') : 'run with --chips 1000 for the target',
    ]);
    for (const c of fc.checks) {
      const worstDay = Math.max(...c.agreement.promotionDays.map((p) => Math.abs(p.differenceDays)));
      rows.push([
        `forecast vs ${c.against}`,
        c.agreement.agrees ? 'AGREES' : 'DISAGREES',
        `messages/chip ${c.agreement.messagesPerChip.differencePercent} % (<= 5 %), promotion days off by <= ${worstDay} (<= 1)`,
      ]);
    }
  }
  if (mem) {
    for (const r of mem.runs)
      rows.push([
        `memory, ${mem.chips} open chips, cache ${r.maxCachedWorkflows}`,
        `${r.deltaMiB} MiB`,
        `${r.perThousandChipsMiB} MiB per 1,000 chips`,
      ]);
  }
  if (tp)
    rows.push([
      'throughput (messages/s, pace 0)',
      tp.messagesPerSecond,
      `turn p50 ${tp.turnToTurnGapMs.p50} ms, p99 ${tp.turnToTurnGapMs.p99} ms`,
    ]);
  if (pl) {
    rows.push([
      'pause before the next turn in every trial',
      `${pl.trials - pl.trialsWithATurnStartedAfterSignal}/${pl.trials}`,
      pl.trialsWithATurnStartedAfterSignal === 0 ? 'MET' : 'NOT MET',
    ]);
    rows.push([
      'pause: signal -> last send p50/p99/max (ms)',
      `${pl.signalToLastSendMs.p50}/${pl.signalToLastSendMs.p99}/${pl.signalToLastSendMs.max}`,
      `${pl.trialsWithASendAfterSignal} trials had an in-flight send land after the signal`,
    ]);
  }
  if (cap) {
    rows.push([
      '>= 10,000 chips per worker process at real pace (chips per core, extrapolated)',
      cap.extrapolation.chipsPerCoreAtRealPace,
      `${cap.extrapolation.chipsPerCoreAtRealPace >= 10_000 ? 'MET' : 'NOT MET'} (${cap.chips} chips at 24x, cache ${cap.maxCachedWorkflows}: ${cap.messagesPerSecond} msg/s, ${cap.workerCpu.secondsPerMessage} CPU s/msg, hit rate ${cap.workflowCache.hitRate}, RSS bound at 10,000 chips ${cap.rss.boundFor10kChipsMiB} MiB)`,
    ]);
  }
  if (wk) {
    for (const r of wk.runs)
      rows.push([`${r.workers} worker(s): messages/s, worker CPU ms/message`, `${r.messagesPerSecond}, ${r.workerCpuMsPerMessage}`]);
  }
  if (bl && bl.oursRoundTripsPerChipPerDay !== null) {
    rows.push([
      'DB round trips / chip / day: seed vs ours',
      `${bl.seedRoundTripsPerChipPerDay.low.total}-${bl.seedRoundTripsPerChipPerDay.likely.total} vs ${bl.oursRoundTripsPerChipPerDay}`,
      bl.ratio ? `${bl.ratio.low}-${bl.ratio.likely}x fewer` : '',
    ]);
  }
  process.stdout.write(`\n${table(`Summary (from bench/results/*${suffix}.json)`, rows)}\n`);
  process.stdout.write(
    `\n${table(
      'Runs',
      ran.map((r) => [r.name, `${r.seconds} s`, r.status === 0 ? 'ok' : `exit ${r.status}`]),
    )}\n`,
  );
  if (ran.some((r) => r.status !== 0)) process.exitCode = 1;
}

main();
