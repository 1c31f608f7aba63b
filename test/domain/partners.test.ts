import { type Candidate, PAIRING, rankPartners } from '../../src/domain/partners';
import { seededRandom } from '../../src/domain/random';

const phases = ['primeiros_contatos', 'expansao', 'pre_operacao', 'operacao'];
const candidates: (Candidate & { tag: number })[] = Array.from({ length: 24 }, (_, i) => ({
  chipId: `chip-${i}`,
  phase: phases[i % phases.length]!,
  interactionsToday: i % 5 === 0 ? 15 : i % 7,
  tag: i,
}));
const eligible = candidates.filter((c) => c.interactionsToday < PAIRING.maxDailyInteractions);
const ids = (xs: readonly Candidate[]) => xs.map((c) => c.chipId);

describe('rankPartners', () => {
  test('limits are the documented ones', () => {
    expect(PAIRING).toEqual({ maxPartners: 10, maxDailyInteractions: 15, rotationDays: 7 });
  });

  test('same-phase partners come first, then the others', () => {
    for (let seed = 0; seed < 30; seed++) {
      for (const my of phases) {
        const ranked = rankPartners(candidates, my, seededRandom(seed));
        const same = ranked.filter((c) => c.phase === my).length;
        expect(ranked.slice(0, same).every((c) => c.phase === my)).toBe(true);
        expect(ranked.slice(same).every((c) => c.phase !== my)).toBe(true);
        expect(same).toBeGreaterThan(0);
      }
    }
  });

  test('excludes partners at the daily limit and keeps those just under it', () => {
    const ranked = rankPartners(candidates, 'expansao', seededRandom(1));
    expect(ranked.some((c) => c.interactionsToday >= 15)).toBe(false);
    const edge = [
      { chipId: 'at', phase: 'expansao', interactionsToday: 15 },
      { chipId: 'over', phase: 'expansao', interactionsToday: 16 },
      { chipId: 'under', phase: 'expansao', interactionsToday: 14 },
    ];
    expect(ids(rankPartners(edge, 'expansao', seededRandom(1)))).toEqual(['under']);
    expect(ids(rankPartners(edge, 'expansao', seededRandom(1), 16)).sort()).toEqual(['at', 'under']);
  });

  test('is a permutation of the eligible candidates, keeping the caller`s objects', () => {
    for (let seed = 0; seed < 20; seed++) {
      const ranked = rankPartners(candidates, 'operacao', seededRandom(seed));
      expect(ranked).toHaveLength(eligible.length);
      expect(ids(ranked).sort()).toEqual(ids(eligible).sort());
      expect(new Set(ids(ranked)).size).toBe(ranked.length);
      for (const c of ranked) expect(candidates).toContain(c);
      expect(ranked[0]!.tag).toEqual(expect.any(Number));
    }
  });

  test('repeatable for a seed, different across seeds, input untouched', () => {
    const before = JSON.stringify(candidates);
    const a = ids(rankPartners(candidates, 'expansao', seededRandom(123)));
    const b = ids(rankPartners(candidates, 'expansao', seededRandom(123)));
    expect(a).toEqual(b);
    const orders = new Set(Array.from({ length: 20 }, (_, s) => ids(rankPartners(candidates, 'expansao', seededRandom(s))).join(',')));
    expect(orders.size).toBeGreaterThan(15);
    expect(ids(rankPartners(candidates, 'expansao', seededRandom(124)))).not.toEqual(a);
    expect(JSON.stringify(candidates)).toBe(before);
  });

  test('random among equals: each same-phase candidate is sometimes first', () => {
    const same = eligible.filter((c) => c.phase === 'expansao').map((c) => c.chipId);
    const firsts = new Set(Array.from({ length: 200 }, (_, s) => rankPartners(candidates, 'expansao', seededRandom(s))[0]!.chipId));
    expect([...firsts].sort()).toEqual([...same].sort());
  });

  test('no candidates or no same-phase candidates', () => {
    expect(rankPartners([], 'expansao', seededRandom(1))).toEqual([]);
    const others = eligible.filter((c) => c.phase !== 'setup');
    expect(ids(rankPartners(others, 'setup', seededRandom(2))).sort()).toEqual(ids(others).sort());
  });
});
