import { createActivities } from '../../src/activities';
import type { ReserveAnswer, ReserveRequest } from '../../src/activities/types';
import type { Db, PlanCandidate } from '../../src/adapters/db/port';
import { createLibrarySource } from '../../src/adapters/dialogue/library-source';
import { programClock, realAtMinute } from '../../src/domain/clock';
import { activityWindow } from '../../src/domain/window';

/** Only what planConversation touches; the Db contract itself is tested on real drivers. */
function fakeDb(candidates: PlanCandidate[], breakerOpen = false, created: { turns: number }[] = []): Db {
  return {
    fleetBreakerOpen: async () => breakerOpen,
    planCandidates: async () => candidates,
    ensurePairs: async () => 0,
    createConversation: async (c: { turns: number }) => void created.push(c),
  } as unknown as Db;
}

const clock = programClock();
const candidate = (chipId: string, more: Partial<PlanCandidate> = {}): PlanCandidate => ({
  chipId,
  phone: `55119000000${chipId.length}`,
  instanceName: chipId,
  phase: 'expansao',
  interactionsToday: 0,
  claimedToday: 0,
  inConversation: false,
  ...more,
});

function plannerWith(candidates: PlanCandidate[], answer: (chipId: string) => ReserveAnswer, breakerOpen = false) {
  const asked: string[] = [];
  const created: { turns: number }[] = [];
  const activities = createActivities({
    db: fakeDb(candidates, breakerOpen, created),
    messaging: {} as never,
    notifier: { notify: async () => undefined },
    dialogues: createLibrarySource(),
    chips: {
      reserve: async (chipId: string, _request: ReserveRequest) => {
        asked.push(chipId);
        return answer(chipId);
      },
    },
    clock,
  });
  return { activities, asked, created };
}

const input = (atMs: number, day = '2026-03-10') => ({
  initiator: { chipId: 'me', phone: '5511900000099', instanceName: 'me' },
  phase: 'expansao' as const,
  conversationId: `c-${atMs}`,
  maxTurns: 12,
  day,
  atMs,
  clock: { dayMs: clock.dayMs, epochMs: clock.epochMs },
  seed: 7,
  leaseMs: 60_000,
});

test('partners whose activity window is closed are never asked (a refusal would still be billed)', async () => {
  const ids = ['p-one', 'p-two', 'p-three'];
  const noon = realAtMinute(clock, Date.parse('2026-03-10T15:00:00Z'), 12 * 60);
  const { activities, asked } = plannerWith(
    ids.map((id) => candidate(id)),
    () => ({ accepted: true }),
  );
  expect(await activities.planConversation(input(noon))).toMatchObject({ kind: 'planned' });
  expect(asked).toHaveLength(1);

  // At 08:00 São Paulo only a chip whose window already opened may be asked.
  const early = realAtMinute(clock, noon, 8 * 60);
  const openAt8 = ids.filter((id) => activityWindow(id).startMinute <= 8 * 60);
  const late = plannerWith(
    ids.map((id) => candidate(id)),
    () => ({ accepted: true }),
  );
  const plan = await late.activities.planConversation(input(early));
  expect(late.asked.every((id) => openAt8.includes(id))).toBe(true);
  expect(plan.kind === 'none').toBe(openAt8.length === 0);
});

test('a partner with no room left today is not asked again that day, and is asked the next day', async () => {
  const noon = realAtMinute(clock, Date.parse('2026-03-10T15:00:00Z'), 12 * 60);
  const { activities, asked } = plannerWith([candidate('full')], () => ({
    accepted: false,
    refusal: { reason: 'cap_reached', remaining: 0 },
  }));
  expect(await activities.planConversation(input(noon))).toMatchObject({ kind: 'none' });
  expect(await activities.planConversation(input(noon + 60_000))).toMatchObject({ kind: 'none' });
  expect(asked).toEqual(['full']);
  await activities.planConversation(input(noon + clock.dayMs, '2026-03-11'));
  expect(asked).toEqual(['full', 'full']);
});

test('a partner with room for a short dialogue is asked again', async () => {
  const noon = realAtMinute(clock, Date.parse('2026-03-10T15:00:00Z'), 12 * 60);
  const { activities, asked } = plannerWith([candidate('some')], () => ({
    accepted: false,
    refusal: { reason: 'cap_reached', remaining: 3 },
  }));
  await activities.planConversation(input(noon));
  await activities.planConversation(input(noon + 60_000));
  expect(asked).toEqual(['some', 'some']);
});

test('a chip whose fleet breaker is open plans nothing, even if it never got the pause signal', async () => {
  const noon = realAtMinute(clock, Date.parse('2026-03-10T15:00:00Z'), 12 * 60);
  const { activities, asked } = plannerWith(
    ['p-one', 'p-two'].map((id) => candidate(id)),
    () => ({ accepted: true }),
    true,
  );
  expect(await activities.planConversation(input(noon))).toEqual({ kind: 'none', reason: 'partners_unavailable' });
  expect(asked).toEqual([]);
});

test('partners in an open conversation or without room today are not asked (the database says so, no Update)', async () => {
  const noon = realAtMinute(clock, Date.parse('2026-03-10T15:00:00Z'), 12 * 60);
  const talking = candidate('talking', { inConversation: true });
  const full = candidate('full', { claimedToday: 29 }); // expansao: cap 30, a partner's share of the smallest dialogue is 2
  const { activities, asked } = plannerWith([talking, full], () => ({ accepted: true }));
  expect(await activities.planConversation(input(noon))).toEqual({ kind: 'none', reason: 'partners_unavailable' });
  const onlyFull = plannerWith([full], () => ({ accepted: true }));
  expect(await onlyFull.activities.planConversation(input(noon))).toEqual({ kind: 'none', reason: 'partners_capped' });
  expect([...asked, ...onlyFull.asked]).toEqual([]);
});

test('the longest dialogue that fits, and that the partner has room for', async () => {
  const noon = realAtMinute(clock, Date.parse('2026-03-10T15:00:00Z'), 12 * 60);
  const roomy = plannerWith([candidate('roomy')], () => ({ accepted: true }));
  const plan = await roomy.activities.planConversation(input(noon));
  expect(plan.kind === 'planned' && plan.plan.dialogue.turns.length).toBe(12);
  // Room for 3 sends: a dialogue of at most 7 turns (the partner sends 3 of them).
  const tight = plannerWith([candidate('tight', { claimedToday: 27 })], () => ({ accepted: true }));
  const short = await tight.activities.planConversation(input(noon));
  expect(short.kind === 'planned' && short.plan.dialogue.turns.length).toBe(7);
  expect(tight.asked).toEqual(['tight']);
});
