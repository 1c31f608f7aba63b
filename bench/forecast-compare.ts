/**
 * The forecast checked against the real thing: promotion days read from the chip workflows' results
 * (bench/lifecycle.ts records them), and the agreement rules docs/performance.md states (messages per chip
 * within 5 %, each phase's median promotion day within one program day).
 */
import { REAL_DAY_MS } from '../src/domain/clock';
import type { Phase } from '../src/domain/phases';
import { type PhaseReach, phaseReach, round } from '../src/forecast/summary';

/** Each chip's promotions as program days since the fleet's registration, summarised per phase. */
export function promotionDaysOf(
  promotions: readonly { to: Phase; atMs: number }[][],
  startMs: number,
): { perChip: Partial<Record<Phase, number>>[]; phases: PhaseReach[] } {
  const perChip = promotions.map((list) => {
    const reached: Partial<Record<Phase, number>> = { setup: 0 };
    for (const p of list) reached[p.to] = round((p.atMs - startMs) / REAL_DAY_MS, 3);
    return reached;
  });
  return { perChip, phases: phaseReach(perChip) };
}

export interface Agreement {
  messagesPerChip: { forecast: number; real: number; differencePercent: number; within5Percent: boolean };
  promotionDays: { phase: Phase; forecastMedian: number; realMedian: number; differenceDays: number; withinOneDay: boolean }[];
  agrees: boolean;
}

export function compare(
  forecast: { messagesPerChip: number; phases: PhaseReach[] },
  real: { messagesPerChip: number; phases: PhaseReach[] },
): Agreement {
  const diff = ((forecast.messagesPerChip - real.messagesPerChip) / Math.max(1e-9, real.messagesPerChip)) * 100;
  const promotionDays = forecast.phases
    .filter((p) => p.phase !== 'setup')
    .map((f) => {
      const r = real.phases.find((x) => x.phase === f.phase);
      const realMedian = r && r.chips > 0 ? r.median : NaN;
      const differenceDays = round(f.median - realMedian, 2);
      return { phase: f.phase, forecastMedian: f.median, realMedian, differenceDays, withinOneDay: Math.abs(differenceDays) <= 1 };
    });
  const messagesPerChip = {
    forecast: forecast.messagesPerChip,
    real: real.messagesPerChip,
    differencePercent: round(diff, 1),
    within5Percent: Math.abs(diff) <= 5,
  };
  return { messagesPerChip, promotionDays, agrees: messagesPerChip.within5Percent && promotionDays.every((p) => p.withinOneDay) };
}
