/**
 * The daily summary's lines on the adaptive ramp and quarantine: each chip whose cap is reduced today
 * or that is in quarantine, with the reason ("cap hoje 22/30: reduzido por 3 falhas de entrega ontem").
 */
import type { StandingPort } from '../adapters/db/port';
import { programClock, programDay } from '../domain/clock';
import { describeCap } from '../domain/ramp';

export async function summaryStandings(
  db: StandingPort,
  clock: { dayMs: number; epochMs: number },
  nowMs: number,
): Promise<{ instance: string; phone: string; capText: string | null; quarantine: string | null }[]> {
  const day = programDay(programClock(clock.dayMs, clock.epochMs), nowMs);
  return (await db.chipStandings({ day })).map((s) => {
    const cap = describeCap(s.capToday, s.phaseCap, { reason: s.rampReason, signDay: s.rampDay }, day);
    return {
      instance: s.instanceName,
      phone: s.phone,
      capText: cap.reason ? cap.text : null,
      quarantine: s.quarantined ? (s.quarantineReason ?? 'em quarentena') : null,
    };
  });
}
