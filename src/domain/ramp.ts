/**
 * The adaptive ramp: on the first warning sign of a program day (the early warning's `atencao`: delivery
 * failures under the pause threshold, a disconnection that healed, an unconfirmed ban report; or an
 * automatic pause) a chip's daily cap drops one step for the rest of that day and the next, then
 * recovers one step per clean program day. The pause at `critico` stays as it was.
 *
 * A ramp is (level, the day of its last sign): the level holds on the sign day and the day after, then
 * falls one step a day. A later sign raises it from wherever it got to, and moves the day. Because
 * every day without a sign is a clean day, the cap of any day follows from those two values alone,
 * which is what the database stores (warmup_chips.ramp_level, ramp_dia) and its last-line cap check
 * computes the same way (warmup_ramp_cap in the migration *_adaptive_ramp_quarantine.sql).
 */
import { dailyCap } from './phases';

export const RAMP = {
  /** Share of the phase cap per level: level 0 is the phase cap, the last level is the floor. */
  factors: [1, 0.75, 0.5] as readonly number[],
  /** Days the level holds after the sign day before recovering one step per day. */
  heldDays: 1,
} as const;

export const MAX_RAMP_LEVEL = RAMP.factors.length - 1;

export type RampSignKind = 'delivery_failures' | 'healed_disconnection' | 'unconfirmed_ban' | 'early_warning_pause' | 'repeated_calls';

export interface RampSign {
  kind: RampSignKind;
  /** pt-BR noun phrase for the operator: "3 falhas de entrega", "uma desconexão que se resolveu". */
  reason: string;
}

export interface RampState {
  /** Level reached on signDay (1..MAX_RAMP_LEVEL). */
  level: number;
  /** Program day (YYYY-MM-DD) of the last sign. */
  signDay: string;
  /** What the last sign was, for "cap hoje 22/30: reduzido por …". */
  reason: string;
  kind: RampSignKind;
}

const DAY_MS = 86_400_000;

/** Whole days from program day `from` to program day `to` (both YYYY-MM-DD). */
export function daysFrom(from: string, to: string): number {
  return Math.round((Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / DAY_MS);
}

/** The ramp's level on a program day: held on the sign day and the next, then one step less per day. */
export function rampLevelOn(ramp: RampState | null, day: string): number {
  if (!ramp) return 0;
  const after = daysFrom(ramp.signDay, day);
  if (after < 0) return 0; // a day before the sign (a conversation that began before midnight)
  return Math.max(0, ramp.level - Math.max(0, after - RAMP.heldDays));
}

/** The cap a level leaves of a phase cap (rounded down: 75% of 30 is 22). */
export function cappedAt(phaseCap: number, level: number): number {
  const factor = RAMP.factors[Math.min(Math.max(0, level), MAX_RAMP_LEVEL)]!;
  return Math.floor(phaseCap * factor);
}

/** The cap every check uses: the phase cap, reduced by the ramp's level on that day. */
export function effectiveCap(phase: string, ramp: RampState | null, day: string): number {
  return cappedAt(dailyCap(phase), rampLevelOn(ramp, day));
}

/**
 * A sign on `day`: the first of a day raises the level one step from where it is that day (an
 * automatic pause goes straight to the floor); further signs the same day change only the reason.
 */
export function rampAfterSign(ramp: RampState | null, sign: RampSign, day: string): RampState {
  const now = rampLevelOn(ramp, day);
  const firstToday = !ramp || ramp.signDay !== day;
  const raised = sign.kind === 'early_warning_pause' ? MAX_RAMP_LEVEL : firstToday ? now + 1 : Math.max(now, 1);
  return { level: Math.min(MAX_RAMP_LEVEL, Math.max(1, raised)), signDay: day, reason: sign.reason, kind: sign.kind };
}

export interface CapExplanation {
  cap: number;
  phaseCap: number;
  level: number;
  /** Null at the phase cap. */
  reason: string | null;
  /** pt-BR line for the CLI, the console and Slack: "cap hoje 22/30: reduzido por 3 falhas de entrega ontem". */
  text: string;
}

/** "hoje", "ontem" or the day itself, seen from `day`. */
export function whenSaid(signDay: string, day: string): string {
  const ago = daysFrom(signDay, day);
  return ago === 0 ? 'hoje' : ago === 1 ? 'ontem' : `em ${signDay}`;
}

export function explainCap(phase: string, ramp: RampState | null, day: string): CapExplanation {
  const phaseCap = dailyCap(phase);
  const level = rampLevelOn(ramp, day);
  const cap = cappedAt(phaseCap, level);
  const described = describeCap(cap, phaseCap, level > 0 ? ramp : null, day);
  return { cap, phaseCap, level, ...described };
}

/** The cap's line from what the database keeps (warmup_chip_standings) or the workflow's ramp. */
export function describeCap(
  cap: number,
  phaseCap: number,
  sign: { reason: string | null; signDay: string | null } | null,
  day: string,
): { reason: string | null; text: string } {
  if (!sign || !sign.reason || !sign.signDay || cap >= phaseCap) return { reason: null, text: `cap hoje ${cap}/${phaseCap}` };
  const reason = `${sign.reason} ${whenSaid(sign.signDay, day)}`;
  return { reason, text: `cap hoje ${cap}/${phaseCap}: reduzido por ${reason}` };
}
