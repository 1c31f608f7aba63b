/**
 * The pairing tables of the database (warmup_pairs, warmup_daily_interactions) as plain memory, with
 * the same rules as the SQL functions planConversation calls: ensurePairs tops a chip up to
 * PAIRING.maxPartners active pairs with warming chips that are under the limit themselves (same
 * phase first, then a seeded shuffle); planCandidates lists warming partners under the daily
 * interaction limit, none when the chip itself reached it; an interaction counts for both chips on
 * the initiator's program day when a conversation that delivered a turn is closed.
 */
import { PAIRING } from '../domain/partners';
import { type Random, shuffle } from '../domain/random';

export interface PairedChip {
  index: number;
  chipId: string;
  phase: string;
  /** The chip's status as the database knows it ('ready' once promoted to operacao). */
  warming: boolean;
  /** Its interactions on the day of the last candidates() that listed it (set there). */
  interactionsToday: number;
  /** Its quarantine and health as last written to the database (the planner's view). */
  quarantined?: boolean;
  health?: number;
}

export class PairTable {
  private readonly partners: Set<number>[];
  /** Interactions per chip, by program day. */
  private readonly interactions = new Map<string, Int32Array>();

  constructor(private readonly chips: readonly PairedChip[]) {
    this.partners = chips.map(() => new Set<number>());
  }

  partnersOf(index: number): ReadonlySet<number> {
    return this.partners[index]!;
  }

  ensurePairs(index: number, random: Random): number {
    const me = this.chips[index]!;
    if (!me.warming) return 0;
    const mine = this.partners[index]!;
    const need = PAIRING.maxPartners - mine.size;
    if (need <= 0) return 0;
    const eligible = this.chips.filter(
      (c) => c.index !== index && c.warming && !mine.has(c.index) && this.partners[c.index]!.size < PAIRING.maxPartners,
    );
    const shuffled = shuffle(random, eligible);
    const ordered = [...shuffled.filter((c) => c.phase === me.phase), ...shuffled.filter((c) => c.phase !== me.phase)];
    const chosen = ordered.slice(0, need);
    for (const c of chosen) {
      mine.add(c.index);
      this.partners[c.index]!.add(index);
    }
    return chosen.length;
  }

  private countsOn(day: string): Int32Array {
    let counts = this.interactions.get(day);
    if (!counts) {
      counts = new Int32Array(this.chips.length);
      this.interactions.set(day, counts);
    }
    return counts;
  }

  interactionsOn(index: number, day: string): number {
    return this.interactions.get(day)?.[index] ?? 0;
  }

  recordInteraction(a: number, b: number, day: string): void {
    const counts = this.countsOn(day);
    counts[a]!++;
    counts[b]!++;
  }

  /** Warming partners under the daily limit (the SQL's order does not matter: the ranking shuffles). */
  candidates(index: number, day: string): PairedChip[] {
    const counts = this.countsOn(day);
    if (counts[index]! >= PAIRING.maxDailyInteractions) return [];
    const out: PairedChip[] = [];
    for (const p of this.partners[index]!) {
      const chip = this.chips[p]!;
      chip.interactionsToday = counts[p]!;
      if (chip.warming && chip.interactionsToday < PAIRING.maxDailyInteractions) out.push(chip);
    }
    return out;
  }
}
