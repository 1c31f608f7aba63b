/**
 * What an operator reads from a forecast: when chips reach each phase (median and p10-p90 program
 * day), messages per day, Temporal actions and their cost, and how many chips stall.
 */
import { PHASES, type Phase, dailyCap } from '../domain/phases';
import { type ActionCounts, PRICE_PER_MILLION_ACTIONS_USD, costUsd, totalActions } from './actions';
import type { ChipOutcome } from './forecast-types';
import type { SimulationResult } from './simulate';

export interface Spread {
  median: number;
  p10: number;
  p90: number;
}

export interface PhaseReach extends Spread {
  phase: Phase;
  /** Chips that reached the phase within the forecast. */
  chips: number;
}

export interface ForecastSummary {
  chips: number;
  days: number;
  replyRate: number;
  seed: number;
  phases: PhaseReach[];
  /** Chips in operacao (ready) at the end of the forecast. */
  ready: number;
  messages: {
    /** Conversation messages and status posts (one each). */
    total: number;
    perChip: number;
    /** Status posts, in `total`; not in the per-day figures (their own daily limit, not the message cap). */
    statusPosts: number;
    /** Per calendar program day, the days the caps count (index 0 = the day of registration). */
    fleetPerDay: number[];
    /** Per calendar program day, the highest daily cap any chip had that day (its phase's; the day it is promoted, the new one's). */
    capPerDay: number[];
    /** Mean over the days with traffic, and the busiest day. */
    fleetPerActiveDay: number;
    peakFleetDay: number;
    perChipPerDay: number;
  };
  conversations: number;
  actions: ActionCounts & { total: number; perMessage: number; perChipDay: number; perChip: number };
  costUsd: { total: number; perChip: number; pricePerMillionActions: number };
  stalled: { everStalled: number; stalledAtEnd: number; notReady: number };
  plans: SimulationResult['plans'];
  reservations: SimulationResult['reservations'];
  chipDays: number;
}

/** Nearest-rank percentile (as the benchmarks compute theirs). */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank]!;
}

export function spread(values: readonly number[]): Spread {
  return { median: round(percentile(values, 50), 2), p10: round(percentile(values, 10), 2), p90: round(percentile(values, 90), 2) };
}

export const round = (n: number, digits = 2): number => {
  if (!Number.isFinite(n)) return n;
  const f = 10 ** digits;
  return Math.round(n * f) / f;
};

/** The highest phase cap any chip had on each calendar program day: what no chip's sends that day can exceed. */
export function highestCapPerDay(chips: readonly ChipOutcome[], days: number): number[] {
  return Array.from({ length: days }, (_, day) =>
    Math.max(0, ...chips.map((c) => Math.max(0, ...PHASES.filter((p) => (c.enteredOnDay[p] ?? Infinity) <= day).map(dailyCap)))),
  );
}

/** When the chips of a fleet entered each phase, from their promotion records (ms since registration). */
export function phaseReach(reachedDays: readonly Partial<Record<Phase, number>>[]): PhaseReach[] {
  return PHASES.map((phase) => {
    const days = reachedDays.map((r) => r[phase]).filter((d): d is number => d !== undefined);
    return { phase, chips: days.length, ...spread(days) };
  });
}

export function summarize(result: SimulationResult): ForecastSummary {
  const n = result.chips.length;
  const total = totalActions(result.actions);
  const activeDays = result.messagesPerDay.filter((m) => m > 0);
  const perMessage = (x: number) => round(x / Math.max(1, result.messages), 3);
  return {
    chips: n,
    days: result.options.days,
    replyRate: result.options.replyRate,
    seed: result.options.seed,
    phases: phaseReach(result.chips.map((c) => c.reachedDay)),
    ready: result.chips.filter((c) => c.status === 'ready').length,
    messages: {
      total: result.messages,
      perChip: round(result.messages / Math.max(1, n), 1),
      statusPosts: result.statusPosts,
      fleetPerDay: result.messagesPerDay,
      capPerDay: highestCapPerDay(result.chips, result.messagesPerDay.length),
      fleetPerActiveDay: round(activeDays.reduce((a, b) => a + b, 0) / Math.max(1, activeDays.length), 1),
      peakFleetDay: Math.max(0, ...result.messagesPerDay),
      perChipPerDay: round(result.messages / Math.max(1e-9, result.chipDays), 2),
    },
    conversations: result.conversations,
    actions: {
      ...result.actions,
      total,
      perMessage: perMessage(total),
      perChipDay: round(total / Math.max(1e-9, result.chipDays), 2),
      perChip: round(total / Math.max(1, n), 1),
    },
    costUsd: {
      total: round(costUsd(total), 4),
      perChip: round(costUsd(total) / Math.max(1, n), 5),
      pricePerMillionActions: PRICE_PER_MILLION_ACTIONS_USD,
    },
    stalled: {
      everStalled: result.chips.filter((c) => c.stallAlerts > 0).length,
      stalledAtEnd: result.chips.filter((c) => c.stalledAtEnd).length,
      notReady: result.chips.filter((c) => c.status !== 'ready').length,
    },
    plans: result.plans,
    reservations: result.reservations,
    chipDays: round(result.chipDays, 1),
  };
}
