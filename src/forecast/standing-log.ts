/**
 * What the forecast records of the adaptive ramp and quarantine: per chip and program day, whether the
 * chip was in quarantine, the effective caps it had and what it sent; and the warning signs a forecast
 * may inject (the provider facts each one is).
 */
import type { ChipMachine, ProviderFact } from '../domain/chip-machine';
import { dailyCap } from '../domain/phases';

export interface InjectedSign {
  chip: number;
  /** Program day since registration; injected at the forecast's start time of day. */
  day: number;
  kind: 'delivery_failures' | 'healed_disconnection' | 'unconfirmed_ban';
}

/** The provider facts a warning sign arrives as. */
export function signFacts(kind: InjectedSign['kind']): ProviderFact['kind'][] {
  switch (kind) {
    case 'delivery_failures':
      return ['delivery_failed', 'delivery_failed', 'delivery_failed'];
    case 'healed_disconnection':
      return ['disconnected', 'connected'];
    case 'unconfirmed_ban':
      return ['unconfirmed_ban'];
  }
}

interface DayEntry {
  quarantined: boolean;
  capMin: number;
  capMax: number;
  reduced: boolean;
  sent: number;
}

export class StandingLog {
  private readonly days = new Map<string, DayEntry>();

  private entry(index: number, day: string): DayEntry {
    const key = `${index}|${day}`;
    let entry = this.days.get(key);
    if (!entry) this.days.set(key, (entry = { quarantined: false, capMin: Infinity, capMax: 0, reduced: false, sent: 0 }));
    return entry;
  }

  /** The chip as its loop sees it now. */
  note(index: number, m: ChipMachine, nowMs: number): void {
    const day = m.day;
    const entry = this.entry(index, day);
    const cap = m.capOn(day);
    entry.quarantined ||= m.quarantinedAt(nowMs);
    entry.capMin = Math.min(entry.capMin, cap);
    entry.capMax = Math.max(entry.capMax, cap);
    entry.reduced ||= cap < dailyCap(m.phase);
  }

  sent(index: number, day: string, count: number): void {
    this.entry(index, day).sent += count;
  }

  summary(): { quarantineDays: number; reducedCapDays: { days: number; overCap: number } } {
    let quarantineDays = 0;
    const reducedCapDays = { days: 0, overCap: 0 };
    for (const entry of this.days.values()) {
      if (entry.quarantined) quarantineDays++;
      // Days reduced from their start (the held day): everything sent counts against the reduced cap.
      if (entry.reduced && entry.capMin === entry.capMax) reducedCapDays.days++;
      if (entry.sent > entry.capMax) reducedCapDays.overCap++;
    }
    return { quarantineDays, reducedCapDays };
  }
}
