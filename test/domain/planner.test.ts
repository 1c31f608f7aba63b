/**
 * The conversation planner's rules, without Temporal or a database: the same functions the
 * planConversation activity and the forecast call (src/domain/planner.ts).
 */
import type { PlanMiss } from '../../src/domain/chip-state';
import { programClock, realAtMinute } from '../../src/domain/clock';
import {
  type HeldCandidate,
  PLANNER,
  type PlannerCandidate,
  RefusalMemory,
  ReservationRound,
  pairTopUp,
  partnersToAsk,
  roomToday,
  shortlistPartners,
} from '../../src/domain/planner';
import { seededRandom } from '../../src/domain/random';
import { type ReservationRefusal, asRefusal, refusalMessage } from '../../src/domain/refusal';
import { activityWindow } from '../../src/domain/window';

const clock = programClock();
const NOON = realAtMinute(clock, Date.parse('2026-03-10T15:00:00Z'), 12 * 60);
const DAY = '2026-03-10';

const candidate = (chipId: string, more: Partial<PlannerCandidate> = {}): PlannerCandidate => ({
  chipId,
  phase: 'expansao',
  interactionsToday: 0,
  claimedToday: 0,
  inConversation: false,
  ...more,
});
const held = (c: PlannerCandidate, h = 0): HeldCandidate => ({ ...c, held: h });
const ids = (xs: readonly { chipId: string }[]) => xs.map((c) => c.chipId).sort();

describe('pairTopUp: once a program day before listing, otherwise only when the listing finds none', () => {
  test.each([
    [undefined, { before: false, ifNoneFound: true }],
    [false, { before: false, ifNoneFound: true }],
    [true, { before: true, ifNoneFound: false }],
  ])('topUpPairs %s -> %j', (topUpPairs, expected) => {
    expect(pairTopUp(topUpPairs)).toEqual(expected);
  });
});

describe('roomToday: the effective cap, less what was claimed and what is kept back', () => {
  test.each([
    ['phase cap (expansao 30), nothing claimed', {}, 30],
    ['phase cap less claimed', { claimedToday: 27 }, 3],
    ['the ramp lowered cap', { capToday: 22, claimedToday: 20 }, 2],
    ['less what it keeps back', { claimedToday: 20, held: 2 }, 8],
    ['never below zero', { capToday: 10, claimedToday: 12 }, 0],
    ['setup has no cap', { phase: 'setup' }, 0],
  ] as [string, Partial<HeldCandidate>, number][])('%s', (_label, more, room) => {
    expect(roomToday({ ...candidate('c'), ...more })).toBe(room);
  });
});

describe('shortlistPartners', () => {
  const at = (quarantined = false, maxTurns = 12) => ({ quarantined, clock, atMs: NOON, maxTurns });
  test.each<[string, PlanMiss, PlannerCandidate[], boolean]>([
    ['nobody paired', 'no_partners', [], false],
    ['a healthy chip and only quarantined partners', 'partners_unavailable', [candidate('q', { quarantined: true })], false],
    ['a quarantined chip and only healthy partners', 'quarantined', [candidate('h')], true],
    [
      'every partner in a conversation',
      'partners_unavailable',
      [candidate('a', { inConversation: true }), candidate('b', { inConversation: true })],
      false,
    ],
    [
      'every partner without room for the smallest share (2)',
      'partners_capped',
      [candidate('a', { claimedToday: 29 }), candidate('b', { capToday: 1 })],
      false,
    ],
    [
      'one capped, one talking',
      'partners_unavailable',
      [candidate('a', { claimedToday: 30 }), candidate('b', { inConversation: true })],
      false,
    ],
    ['partners still in setup', 'partners_capped', [candidate('s', { phase: 'setup' })], false],
  ])('%s -> %s', (_label, reason, all, quarantined) => {
    expect(shortlistPartners(all, at(quarantined))).toEqual({ kind: 'miss', reason });
  });

  test.each<[string, PlannerCandidate[], number, string[], number]>([
    ['room for 3 sends: 7 turns at most', [candidate('tight', { claimedToday: 27 })], 12, ['tight'], 7],
    ['the roomiest partner sets the bound', [candidate('tight', { claimedToday: 27 }), candidate('roomy')], 12, ['roomy', 'tight'], 12],
    ["the chip's own bound wins", [candidate('roomy')], 5, ['roomy'], 5],
    ['only free partners are kept', [candidate('free'), candidate('busy', { inConversation: true })], 12, ['free'], 12],
  ])('%s', (_label, all, maxTurns, free, expectedTurns) => {
    const out = shortlistPartners(all, at(false, maxTurns));
    expect(out.kind === 'shortlist' && { free: ids(out.free), maxTurns: out.maxTurns }).toEqual({ free, maxTurns: expectedTurns });
  });

  test('quarantined chips pair only with quarantined partners', () => {
    const out = shortlistPartners([candidate('h'), candidate('q', { quarantined: true })], at(true));
    expect(out.kind === 'shortlist' && ids(out.free)).toEqual(['q']);
  });

  test('a partner that conversed today keeps a smallest share back while another has not conversed yet', () => {
    // "early" conversed and has room for 3; "late" has not conversed and its window is still ahead:
    // early keeps 2 back, so only 1 is left for this conversation, too few: only late is asked.
    const all = [candidate('early', { interactionsToday: 1, claimedToday: 27 }), candidate('late')];
    const out = shortlistPartners(all, at());
    expect(out.kind === 'shortlist' && out.free.map((c) => [c.chipId, c.held])).toEqual([['late', 0]]);
    // Once everyone conversed, nobody keeps anything back.
    const after = shortlistPartners([all[0]!, candidate('late', { interactionsToday: 1 })], at());
    expect(after.kind === 'shortlist' && ids(after.free)).toEqual(['early', 'late']);
  });
});

describe('partnersToAsk', () => {
  const ask = (free: HeldCandidate[], more: Partial<Parameters<typeof partnersToAsk>[1]> = {}) =>
    partnersToAsk(free, {
      turns: 8,
      day: DAY,
      atMs: NOON,
      clock,
      paceScale: 1,
      phase: 'expansao',
      random: seededRandom(1),
      refusals: new RefusalMemory(),
      ...more,
    });

  test(`at most ${PLANNER.maxReserveAttempts} partners, same phase first, for the partner's share of the dialogue`, () => {
    const free = ['p1', 'p2', 'p3', 'p4'].map((id, i) => held(candidate(id, { phase: i < 2 ? 'pre_operacao' : 'expansao' })));
    const out = ask(free);
    if (out.kind !== 'ask') throw new Error(`expected partners to ask, got ${out.reason}`);
    expect(out.round.asked).toHaveLength(PLANNER.maxReserveAttempts);
    expect(ids(out.round.asked)).toEqual(['p3', 'p4']);
    expect(out.round.sends).toBe(4); // 8 turns: the partner sends 4
  });

  test('a partner that said today it has no room is not asked again that day; the next day it is', () => {
    const refusals = new RefusalMemory();
    refusals.note('full', DAY, { reason: 'cap_reached', remaining: 0 });
    expect(ask([held(candidate('full'))], { refusals })).toEqual({ kind: 'miss', reason: 'partners_capped' });
    expect(ask([held(candidate('full'))], { refusals, day: '2026-03-11' }).kind).toBe('ask');
  });

  test('partners outside their window, or whose window closes before the dialogue would end, are not asked', () => {
    const id = 'window-edge';
    const w = activityWindow(id);
    const night = realAtMinute(clock, NOON, 3 * 60);
    expect(ask([held(candidate(id))], { atMs: night })).toEqual({ kind: 'miss', reason: 'partners_unavailable' });
    // Five minutes before it closes: a 12-turn dialogue at the human pace runs past it; unpaced it fits.
    const late = realAtMinute(clock, NOON, w.endMinute - 5);
    expect(ask([held(candidate(id))], { atMs: late, turns: 12, paceScale: 1 })).toEqual({ kind: 'miss', reason: 'partners_unavailable' });
    expect(ask([held(candidate(id))], { atMs: late, turns: 12, paceScale: 0 }).kind).toBe('ask');
  });

  test('a partner still in setup may not send: not asked', () => {
    expect(ask([held(candidate('s', { phase: 'setup', capToday: 10 }))])).toEqual({ kind: 'miss', reason: 'partners_unavailable' });
  });
});

describe('ReservationRound: what each answer teaches and why a round ends with nobody', () => {
  type Step = { room: number } & ({ refusal: ReservationRefusal } | { unasked: true });
  test.each<[string, Step[], PlanMiss, string[], string[]]>([
    [
      'both known to lack room: nobody is asked',
      [
        { room: 2, unasked: true },
        { room: 1, unasked: true },
      ],
      'partners_capped',
      [],
      [],
    ],
    [
      'both refuse for their caps; only the one left with less than a smallest share is remembered',
      [
        { room: 30, refusal: { reason: 'cap_reached', remaining: 3 } },
        { room: 30, refusal: { reason: 'cap_reached', remaining: 1 } },
      ],
      'partners_capped',
      ['p0', 'p1'],
      ['p1'],
    ],
    [
      'a cap and a busy partner: unavailable, not capped',
      [
        { room: 30, refusal: { reason: 'cap_reached', remaining: 0 } },
        { room: 30, refusal: { reason: 'busy' } },
      ],
      'partners_unavailable',
      ['p0', 'p1'],
      ['p0'],
    ],
    [
      'one unasked for its room, one refusing outside its window',
      [
        { room: 1, unasked: true },
        { room: 30, refusal: { reason: 'outside_window' } },
      ],
      'partners_unavailable',
      ['p1'],
      [],
    ],
    [
      'an older worker refusing without a typed reason counts as unavailable',
      [{ room: 30, refusal: { reason: 'unknown', message: 'partner refused: cap_reached (remaining 0)' } }],
      'partners_unavailable',
      ['p0'],
      [],
    ],
  ])('%s', (_label, steps, miss, asked, remembered) => {
    const memory = new RefusalMemory();
    const candidates = steps.map((step, i) => held(candidate(`p${i}`, { claimedToday: 30 - step.room })));
    const round = new ReservationRound(candidates, 4, memory, DAY);
    const askedIds: string[] = [];
    candidates.forEach((c, i) => {
      const step = steps[i]!;
      if (!round.worthAsking(c)) return expect('unasked' in step).toBe(true);
      askedIds.push(c.chipId);
      if ('refusal' in step) round.refused(c, step.refusal);
    });
    expect(round.miss).toBe(miss);
    expect(askedIds).toEqual(asked);
    expect(candidates.filter((c) => memory.cappedOn(c.chipId, DAY)).map((c) => c.chipId)).toEqual(remembered);
  });
});

describe('refusals read back from another process', () => {
  test.each<[unknown, ReservationRefusal | null]>([
    [
      { reason: 'cap_reached', remaining: 3 },
      { reason: 'cap_reached', remaining: 3 },
    ],
    [{ reason: 'busy' }, { reason: 'busy' }],
    [{ reason: 'initiator_quarantined', extra: 'dropped' }, { reason: 'initiator_quarantined' }],
    [{ reason: 'cap_reached' }, null],
    [{ reason: 'cap_reached', remaining: -1 }, null],
    [{ reason: 'cap_reached', remaining: '3' }, null],
    [{ reason: 'rm -rf' }, null],
    ['partner refused: busy', null],
    [null, null],
  ])('%j -> %j', (details, refusal) => {
    expect(asRefusal(details)).toEqual(refusal);
  });

  test.each<[ReservationRefusal, string]>([
    [{ reason: 'cap_reached', remaining: 1 }, 'partner refused: cap_reached (remaining 1)'],
    [{ reason: 'paused' }, 'partner refused: paused'],
    [{ reason: 'no_warmup' }, 'partner has no running warm-up'],
  ])('%j reads "%s" for people', (refusal, text) => {
    expect(refusalMessage(refusal)).toBe(text);
  });
});
