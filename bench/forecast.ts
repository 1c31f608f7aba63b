/**
 * Forecast: how fast the fleet forecast runs (1,000 chips x 21 program days, target < 10 s), and how
 * well it agrees with the real thing: for every bench/results/lifecycle*.json that recorded promotion
 * days, the forecast of the same fleet size, registered at the same minute of the day, over several
 * seeds (the real run's randomness is Temporal's, it cannot be replayed by seed): messages per chip
 * within 5 % and each phase's median promotion day within one program day.
 *
 *   npx tsx bench/forecast.ts [--chips 1000] [--days 21] [--seeds 10] [--out forecast]
 */
import { readdirSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { programClock, realAtMinute } from '../src/domain/clock';
import { DEFAULT_START_MS, simulateFleet } from '../src/forecast/simulate';
import { type PhaseReach, phaseReach, round, summarize } from '../src/forecast/summary';
import { type Agreement, compare } from './forecast-compare';
import { RESULTS_DIR, argNumber, argString, log, machine, readResult, report, table } from './lib';

interface LifecycleResult {
  command: string;
  chips: number;
  paceScale: number;
  messagesPerChip?: number;
  messages: number;
  startMinuteOfDay?: number;
  promotionDays?: { phases: PhaseReach[] };
  billableActions: { total: number; perMessage: number; perChipPerDay: number };
}

/** The forecast's start on its fixed day, at the given São Paulo minute. */
function startAtMinute(minute: number): number {
  return realAtMinute(programClock(), DEFAULT_START_MS, minute);
}

function main(): void {
  const chips = argNumber('chips', 1000);
  const days = argNumber('days', 21);
  const seeds = argNumber('seeds', 10);
  const out = argString('out', 'forecast');
  const load = machine();

  log(`forecast of ${chips} chips x ${days} program days`);
  const t0 = performance.now();
  const big = simulateFleet({ chips, days, replyRate: 1, seed: 1 });
  const wallMs = performance.now() - t0;
  const s = summarize(big);

  const checks: {
    against: string;
    chips: number;
    paceScale: number;
    seeds: number;
    forecast: { messagesPerChip: { mean: number; min: number; max: number }; actionsPerMessage: number; phases: PhaseReach[] };
    real: { messagesPerChip: number; actionsPerMessage: number; phases: PhaseReach[] };
    agreement: Agreement;
  }[] = [];
  const lifecycleFiles = readdirSync(RESULTS_DIR).filter((f) => /^lifecycle.*\.json$/.test(f));
  for (const file of lifecycleFiles) {
    const real = readResult(file.replace(/\.json$/, '')) as LifecycleResult | null;
    if (!real?.promotionDays || real.startMinuteOfDay === undefined || real.paceScale === undefined) continue;
    log(`checking against ${file} (${real.chips} chips, ${seeds} seeds)`);
    const runs = Array.from({ length: seeds }, (_, seed) =>
      simulateFleet({
        chips: real.chips,
        days: 30,
        replyRate: 1,
        seed: seed + 1,
        startMs: startAtMinute(real.startMinuteOfDay!),
        paceScale: real.paceScale,
      }),
    );
    const perChip = runs.map((r) => r.messages / real.chips);
    const mean = perChip.reduce((a, b) => a + b, 0) / perChip.length;
    const phases = phaseReach(runs.flatMap((r) => r.chips.map((c) => c.reachedDay)));
    const sums = runs.map(summarize);
    const forecast = {
      messagesPerChip: { mean: round(mean, 1), min: round(Math.min(...perChip), 1), max: round(Math.max(...perChip), 1) },
      actionsPerMessage: round(sums.reduce((a, x) => a + x.actions.perMessage, 0) / sums.length, 3),
      phases,
    };
    const realSide = {
      messagesPerChip: real.messagesPerChip ?? round(real.messages / real.chips, 1),
      actionsPerMessage: real.billableActions.perMessage,
      phases: real.promotionDays.phases,
    };
    checks.push({
      against: file,
      chips: real.chips,
      paceScale: real.paceScale,
      seeds,
      forecast,
      real: realSide,
      agreement: compare({ messagesPerChip: forecast.messagesPerChip.mean, phases }, realSide),
    });
  }

  const result = {
    command: `npx tsx bench/forecast.ts --chips ${chips} --days ${days}`,
    machine: load,
    chips,
    days,
    wallSeconds: round(wallMs / 1000, 2),
    simulationEvents: big.events,
    summary: { ...s, messages: { ...s.messages, fleetPerDay: undefined } },
    targets: { thousandChips21DaysUnder10s: chips >= 1000 && days >= 21 ? wallMs < 10_000 : null },
    checks,
  };
  const rows: [string, string | number, string?][] = [
    [
      `forecast ${chips} chips x ${days} days, wall time (s)`,
      result.wallSeconds,
      `${big.events.toLocaleString('en-US')} events; target < 10 s: ${wallMs < 10_000 ? 'MET' : 'NOT MET'}`,
    ],
    ['  messages per chip', s.messages.perChip, `${s.messages.perChipPerDay} per chip-day`],
    ['  actions per message', s.actions.perMessage, `${s.actions.perChipDay} per chip-day; $${s.costUsd.total} for the fleet`],
    ['  ready at the end', `${s.ready}/${chips}`, `${s.stalled.everStalled} raised a stall alert`],
  ];
  for (const c of checks) {
    const a = c.agreement;
    rows.push([
      `vs ${c.against} (${c.chips} chips, pace ${c.paceScale})`,
      a.agrees ? 'AGREES' : 'DISAGREES',
      `forecast over ${c.seeds} seeds vs one real run`,
    ]);
    rows.push([
      '  messages per chip',
      `${c.forecast.messagesPerChip.mean} vs ${c.real.messagesPerChip}`,
      `${a.messagesPerChip.differencePercent} % (within 5 %: ${a.messagesPerChip.within5Percent ? 'yes' : 'no'}); forecast seeds ${c.forecast.messagesPerChip.min}-${c.forecast.messagesPerChip.max}`,
    ]);
    rows.push(['  actions per message', `${c.forecast.actionsPerMessage} vs ${c.real.actionsPerMessage}`]);
    for (const p of a.promotionDays)
      rows.push([`  ${p.phase} median day`, `${p.forecastMedian} vs ${p.realMedian}`, `within 1 day: ${p.withinOneDay ? 'yes' : 'no'}`]);
  }
  if (checks.length === 0)
    rows.push([
      'check against the real thing',
      'none',
      'run npx tsx bench/lifecycle.ts --chips 4 --out lifecycle-4 first (it records promotion days)',
    ]);
  report(out, table(`Forecast: ${chips} chips x ${days} program days (discrete-event simulation of the chip machine)`, rows), result);
}

main();
