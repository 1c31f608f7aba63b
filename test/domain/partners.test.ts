import { type Candidate, type CandidateDay, LATECOMER_SHARE, PAIRING, heldForLatecomers, rankPartners } from '../../src/domain/partners';
import { dailyCap } from '../../src/domain/phases';
import { sendsPerSide } from '../../src/domain/window';
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

describe('heldForLatecomers', () => {
  const day = (chipId: string, interactionsToday: number, room: number, extra: Partial<CandidateDay> = {}): CandidateDay => ({
    chipId,
    interactionsToday,
    room,
    windowAhead: true,
    ...extra,
  });

  test('a day of primeiros_contatos in a fleet of three: the two chips awake first leave room for the third', () => {
    // A and B wake at 08:05, W's window opens at 09:00. As the planner: each partner gives its room less
    // what it holds back, and the longest dialogue drawn is one the partner can take its share of.
    const cap = dailyCap('primeiros_contatos');
    const sent = { A: 0, B: 0, W: 0 };
    const talks = { A: 0, B: 0, W: 0 };
    type Id = keyof typeof sent;
    const converse = (initiator: Id, partner: Id, others: Id[]) => {
      const candidates = [partner, ...others].map((id) => day(id, talks[id], cap - sent[id]));
      const gives = cap - sent[partner] - (heldForLatecomers(candidates).get(partner) ?? 0);
      const turns = Math.min(12, 2 * gives + 1, 2 * (cap - sent[initiator]));
      if (turns < 4) return 0;
      sent[initiator] += sendsPerSide(turns).a;
      sent[partner] += sendsPerSide(turns).b;
      talks[initiator]++;
      talks[partner]++;
      return turns;
    };
    expect(converse('A', 'B', ['W'])).toBe(12);
    // Without the hold this was an 8-turn dialogue: A and B at their cap of 10 before W's window opened.
    expect(converse('B', 'A', ['W'])).toBe(5);
    expect(cap - sent.A).toBe(LATECOMER_SHARE);
    // W wakes: A still has a partner's share of the smallest dialogue for it.
    expect(converse('W', 'A', ['B'])).toBeGreaterThanOrEqual(4);
    for (const id of ['A', 'B', 'W'] as Id[]) expect(sent[id]).toBeLessThanOrEqual(cap);
  });

  test('only chips that conversed today hold back, and only the smallest dialogue’s share', () => {
    const held = heldForLatecomers([
      day('late', 0, 10),
      day('twice', 2, 4),
      day('once', 1, 1),
      day('talking', 0, 6, { inConversation: true }),
    ]);
    expect(held.get('late')).toBeUndefined();
    expect(held.get('twice')).toBe(LATECOMER_SHARE);
    expect(held.get('once')).toBe(1); // never more than it has
    expect(held.get('talking')).toBe(LATECOMER_SHARE); // in a conversation: it conversed today
    expect(LATECOMER_SHARE).toBe(2);
  });

  test('nothing is held when every partner conversed, or the one that did not cannot today', () => {
    expect(heldForLatecomers([day('a', 1, 4), day('b', 3, 4)]).size).toBe(0);
    // Its window closed for today: holding room for it would only leave caps unused.
    expect(heldForLatecomers([day('a', 1, 4), day('closed', 0, 10, { windowAhead: false })]).size).toBe(0);
    // Without a partner's share of the smallest dialogue it cannot converse today anyway.
    expect(heldForLatecomers([day('a', 1, 4), day('capped', 0, LATECOMER_SHARE - 1)]).size).toBe(0);
    expect(heldForLatecomers([]).size).toBe(0);
  });
});
