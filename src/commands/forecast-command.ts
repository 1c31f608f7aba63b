/**
 * `warmer forecast`: what a fleet of N chips will do over the program, from the chip's own rules
 * (domain/chip-machine) driven by a discrete-event simulation. Needs neither Temporal nor a database.
 */
import { InvalidArgumentError } from 'commander';
import { simulateFleet } from '../forecast/simulate';
import { type ForecastSummary, round, summarize } from '../forecast/summary';
import { formatPercent } from '../domain/phases';
import type { CliContext } from './context';
import { table } from '../presentation/text-tables';

export interface ForecastOptions {
  chips: number;
  replyRate: number;
  days: number;
  seed: number;
  json?: boolean;
}

// Time grows a little faster than the fleet (about 2 s for 1,000 chips, 13 s for 5,000, on 2 busy cores).
export const MAX_FORECAST_CHIPS = 10_000;
export const MAX_FORECAST_DAYS = 365;

function parseNumber(raw: string, what: string, valid: (n: number) => boolean, expected: string): number {
  const value = Number(raw);
  if (raw.trim() === '' || !Number.isFinite(value) || !valid(value))
    throw new InvalidArgumentError(`${what} must be ${expected}, got '${raw}'.`);
  return value;
}

export const parseChips = (raw: string) =>
  parseNumber(
    raw,
    '--chips',
    (n) => Number.isInteger(n) && n >= 1 && n <= MAX_FORECAST_CHIPS,
    `a whole number from 1 to ${MAX_FORECAST_CHIPS}`,
  );
export const parseReplyRate = (raw: string) =>
  parseNumber(raw, '--reply-rate', (n) => n > 0 && n <= 1, 'a number above 0 and at most 1 (e.g. 0.7)');
export const parseDays = (raw: string) =>
  parseNumber(raw, '--days', (n) => n > 0 && n <= MAX_FORECAST_DAYS, `a number of program days above 0 and at most ${MAX_FORECAST_DAYS}`);
export const parseSeed = (raw: string) =>
  parseNumber(raw, '--seed', (n) => Number.isInteger(n) && n >= 0 && n < 2 ** 32, 'a whole number from 0 to 4294967295');

export function forecastCommand(ctx: CliContext, opts: ForecastOptions): void {
  const started = process.hrtime.bigint();
  const summary = summarize(simulateFleet({ chips: opts.chips, days: opts.days, replyRate: opts.replyRate, seed: opts.seed }));
  const elapsedSeconds = round(Number(process.hrtime.bigint() - started) / 1e9, 2);
  if (opts.json) {
    ctx.io.out(`${JSON.stringify({ ...summary, elapsedSeconds }, null, 2)}\n`);
    return;
  }
  ctx.io.out(`${forecastText(summary, elapsedSeconds)}\n`);
}

const int = (n: number) => Math.round(n).toLocaleString('en-US');
const usd = (n: number) => `$${n < 1 ? n.toFixed(4) : n.toFixed(2)}`;

export function forecastText(s: ForecastSummary, elapsedSeconds: number): string {
  const phases = table(
    ['PHASE', 'CHIPS', 'MEDIAN DAY', 'P10-P90'],
    s.phases.map((p) => [p.phase, `${p.chips}/${s.chips}`, p.chips > 0 ? String(p.median) : '-', p.chips > 0 ? `${p.p10}-${p.p90}` : '-']),
  );
  const days = table(
    ['DAY', 'FLEET', 'PER CHIP', 'TOP CAP'],
    s.messages.fleetPerDay
      .map((m, day) => [String(day), int(m), String(round(m / s.chips, 1)), String(s.messages.capPerDay[day] ?? 0)])
      .filter(([, m]) => m !== '0'),
  );
  const a = s.actions;
  return [
    `Forecast: ${s.chips} chips, ${s.days} program days, reply rate ${formatPercent(s.replyRate)}, seed ${s.seed} (simulated in ${elapsedSeconds} s; no Temporal, no database)`,
    '',
    'When chips reach each phase (program day since registration):',
    phases,
    `Ready (operacao) at the end: ${s.ready}/${s.chips}`,
    '',
    `Messages: ${int(s.messages.total)} total (${int(s.messages.statusPosts)} status posts), ${s.messages.perChip} per chip, ${s.messages.perChipPerDay} per chip per day; ${int(s.conversations)} conversations`,
    `Fleet per day with traffic: mean ${int(s.messages.fleetPerActiveDay)}, busiest ${int(s.messages.peakFleetDay)}`,
    'Per calendar program day, as the daily caps count them (São Paulo midnight to midnight; day 0 = the day of registration).',
    "TOP CAP: the highest daily cap any chip had that day (on a promotion day, the new phase's).",
    days,
    '',
    `Temporal actions: ${int(a.total)} total, ${a.perMessage} per message, ${a.perChipDay} per chip-day, ${int(a.perChip)} per chip`,
    `  timers ${int(a.timers)}, activities ${int(a.activityAttempts)}, child starts ${int(a.childStarts)}, signals ${int(a.signals)}, updates ${int(a.updates)}, upserts ${int(a.upserts)}, starts ${int(a.starts)}, continue-as-new ${int(a.continueAsNew)}`,
    `Cost: ${usd(s.costUsd.total)} total, ${usd(s.costUsd.perChip)} per chip (at $${s.costUsd.pricePerMillionActions} per million actions)`,
    '',
    `Stalled: ${s.stalled.everStalled} chip(s) raised a stall alert (a whole window without a conversation), ${s.stalled.stalledAtEnd} still stalled at the end; ${s.stalled.notReady} not ready at the end`,
    `Conversation plans: ${int(s.plans.total)}, ${int(s.plans.empty)} found nobody${
      Object.keys(s.plans.reasons).length
        ? ` (${Object.entries(s.plans.reasons)
            .map(([k, v]) => `${k} ${v}`)
            .join(', ')})`
        : ''
    }`,
  ].join('\n');
}
