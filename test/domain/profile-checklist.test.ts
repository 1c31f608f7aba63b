import { ChipMachine } from '../../src/domain/chip-machine';
import { upgradeState } from '../../src/domain/chip-state';
import { minuteOfDay, programClock, realAtMinute } from '../../src/domain/clock';
import { PHASE_TABLE } from '../../src/domain/phases';
import {
  PROFILE_STEPS,
  applyProfileRequest,
  applyProfileRun,
  dueProfileSteps,
  nextProfileDueAt,
  planProfileChecklist,
  profileHoldsPromotion,
  profilePendingText,
} from '../../src/domain/profile-checklist';
import {
  CALL_REJECTED_MESSAGE,
  PERSON_INSTANCE_SETTINGS,
  profileAboutCandidates,
  profileNameCandidates,
} from '../../src/domain/profile-texts';
import { PROFILE_ABOUT_MAX_CHARS, PROFILE_NAME_MAX_CHARS } from '../../src/adapters/messaging/profile-port';
import { seededRandom } from '../../src/domain/random';
import { activityWindow } from '../../src/domain/window';

const clock = programClock();
const DAY = clock.dayMs;
const CHIP = 'profile-chip';
const window = activityWindow(CHIP);
/** 07:00 São Paulo: before every chip's window opens. */
const MORNING = realAtMinute(clock, Date.UTC(2025, 0, 10, 15), 7 * 60);

describe('planProfileChecklist', () => {
  test.each([
    ['before the window opens', MORNING],
    ['in the afternoon', MORNING + 8 * 3_600_000],
    ['late at night (no window left today)', MORNING + 16 * 3_600_000],
  ])('registered %s: every step falls inside the window, within the setup days, on two days or more', (_, start) => {
    for (let seed = 1; seed <= 20; seed++) {
      const plan = planProfileChecklist({ window, clock, setupStartMs: start, nowMs: start, random: seededRandom(seed) });
      const times = PROFILE_STEPS.map((step) => plan.dueAtMs[step]!);
      for (const at of times) {
        expect(at).toBeGreaterThanOrEqual(start);
        expect(at).toBeLessThan(start + PHASE_TABLE.setup.minDays * DAY);
        const minute = minuteOfDay(clock, at);
        expect(minute).toBeGreaterThanOrEqual(window.startMinute);
        expect(minute).toBeLessThan(window.endMinute);
      }
      // Steps of a moment go together (one activity call); the moments spread over days.
      expect(plan.dueAtMs.settings).toBe(plan.dueAtMs.privacy);
      expect(plan.dueAtMs.name).toBe(plan.dueAtMs.about);
      expect(new Set(times.map((t) => Math.floor((t - start) / DAY))).size).toBeGreaterThanOrEqual(2);
      expect(plan.done).toEqual([]);
    }
  });

  test('registered inside its window, the chip sets up its instance and privacy at once; later moments are random', () => {
    const afternoon = MORNING + 8 * 3_600_000;
    const plan = planProfileChecklist({ window, clock, setupStartMs: afternoon, nowMs: afternoon, random: seededRandom(4) });
    expect(dueProfileSteps(plan, afternoon)).toEqual(['settings', 'privacy']);
    expect(plan.dueAtMs.name).toBeGreaterThan(afternoon);
    const early = planProfileChecklist({ window, clock, setupStartMs: MORNING, nowMs: MORNING, random: seededRandom(4) });
    expect(dueProfileSteps(early, MORNING)).toEqual([]);
  });

  test('is deterministic for one random sequence', () => {
    const a = planProfileChecklist({ window, clock, setupStartMs: MORNING, nowMs: MORNING, random: seededRandom(7) });
    const b = planProfileChecklist({ window, clock, setupStartMs: MORNING, nowMs: MORNING, random: seededRandom(7) });
    expect(a).toEqual(b);
  });

  test('with no window left in setup every step is due at once', () => {
    const late = MORNING + 3 * DAY - 1;
    const plan = planProfileChecklist({ window, clock, setupStartMs: MORNING, nowMs: late, random: seededRandom(1) });
    expect(dueProfileSteps(plan, late)).toEqual([...PROFILE_STEPS]);
  });
});

describe('runs, retries and the operator', () => {
  const plan = planProfileChecklist({ window, clock, setupStartMs: MORNING, nowMs: MORNING, random: seededRandom(3) });
  const first = plan.dueAtMs.settings!;

  test('a failed step is due again later, inside the window; the done one leaves the checklist', () => {
    const retry = (failures: number) => first + failures * 3_600_000;
    const after = applyProfileRun(plan, { done: ['settings'], failed: [{ step: 'privacy', error: 'HTTP 500' }] }, retry);
    expect(after.done).toEqual(['settings']);
    expect(after.dueAtMs.privacy).toBe(first + 3_600_000);
    expect(after.lastError).toEqual({ step: 'privacy', message: 'HTTP 500' });
    expect(dueProfileSteps(after, first)).toEqual([]);
    expect(profilePendingText(after)).toBe('perfil: 1/5');
    const healed = applyProfileRun(after, { done: ['settings', 'privacy'], failed: [] }, retry);
    expect(healed.lastError).toBeNull();
    expect(profilePendingText(healed)).toBe('perfil: 2/5');
  });

  test('an operator marks a step done by hand, or asks for it again now', () => {
    const marked = applyProfileRequest(plan, { step: 'photo', action: 'done' }, first);
    expect(marked.done).toEqual(['photo']);
    expect(nextProfileDueAt(marked)).toBe(first);
    const again = applyProfileRequest(marked, { step: 'photo', action: 'retry' }, first + 5);
    expect(again.done).toEqual([]);
    expect(dueProfileSteps(again, first + 5)).toContain('photo');
  });

  test('leaving setup waits for the checklist; other phases and chips without one never do', () => {
    expect(profileHoldsPromotion('setup', plan)).toBe(true);
    expect(profileHoldsPromotion('setup', null)).toBe(false);
    expect(profileHoldsPromotion('primeiros_contatos', plan)).toBe(false);
    const complete = { ...plan, done: [...PROFILE_STEPS] };
    expect(profileHoldsPromotion('setup', complete)).toBe(false);
  });
});

describe('the machine', () => {
  /** A chip in setup for three days with the health the criteria want: only the checklist holds it. */
  function setupChip(nowMs: number) {
    const state = upgradeState({ phaseStartedAtMs: nowMs - 3 * DAY, health: 60 }, nowMs - 3 * DAY, clock, nowMs);
    return new ChipMachine(CHIP, clock, state, { paceScale: 0 });
  }

  test('the checklist gates the promotion out of setup and shows as perfil: x/5 beside the phase criteria', () => {
    const now = realAtMinute(clock, MORNING, 12 * 60, 3);
    const m = setupChip(now);
    expect(m.promotionDue(now)).not.toBeNull(); // no checklist: the criteria alone (a chip that predates it)
    expect(m.profileWorkAt(now)).toBe(true);
    m.planProfile(now, seededRandom(1));
    expect(m.promotionDue(now)).toBeNull();
    expect(m.view(now).pending).toContain('perfil: 0/5');
    const due = m.profileStepsDue(now);
    expect(due).toEqual([...PROFILE_STEPS]); // the setup days are over: all due at once
    expect(m.profileRan({ done: [...PROFILE_STEPS], failed: [] }, now, seededRandom(2))).toBe(true);
    expect(m.promotionDue(now)).toMatchObject({ from: 'setup', to: 'primeiros_contatos' });
    expect(m.view(now).pending.some((p) => p.startsWith('perfil'))).toBe(false);
  });

  test('in setup the chip wakes for its next step; a retry waits inside the window', () => {
    const start = MORNING;
    const fresh = new ChipMachine(CHIP, clock, upgradeState({ phaseStartedAtMs: start }, start, clock, start), { paceScale: 0 });
    fresh.planProfile(start, seededRandom(5));
    const next = fresh.view(start).profile!.pending.map((p) => Date.parse(p.dueAt!));
    expect(fresh.nextWakeAt(start)).toBe(Math.min(...next));
    const at = Math.min(...next);
    fresh.profileRan(
      { done: [], failed: fresh.profileStepsDue(at).map((step) => ({ step, error: 'Connection Closed' })) },
      at,
      seededRandom(6),
    );
    const retried = fresh.view(at).profile!;
    expect(retried.lastError?.message).toBe('Connection Closed');
    for (const p of retried.pending.filter((x) => x.failures > 0)) {
      const minute = minuteOfDay(clock, Date.parse(p.dueAt!));
      expect(Date.parse(p.dueAt!)).toBeGreaterThan(at);
      expect(minute).toBeGreaterThanOrEqual(window.startMinute);
      expect(minute).toBeLessThan(window.endMinute);
    }
  });
});

test('an operator request naming no known step or action changes nothing', () => {
  const now = MORNING;
  const m = new ChipMachine(CHIP, clock, upgradeState({ phaseStartedAtMs: now }, now, clock, now), { paceScale: 0 });
  m.planProfile(now, seededRandom(1));
  const before = m.snapshot().profile;
  m.profileRequest({ step: 'banner' as never, action: 'done' }, now);
  m.profileRequest({ step: 'photo', action: 'undo' as never }, now);
  expect(m.snapshot().profile).toEqual(before);
  m.profileRequest({ step: 'photo', action: 'done' }, now);
  expect(m.snapshot().profile?.done).toEqual(['photo']);
});

describe('texts', () => {
  test('names and about texts are Portuguese, within WhatsApp limits, deterministic per chip, and vary across chips', () => {
    expect(profileNameCandidates('a')).toEqual(profileNameCandidates('a'));
    expect(profileNameCandidates('a')[0]).not.toBe(profileNameCandidates('b')[0]);
    for (const name of profileNameCandidates('a')) expect([...name].length).toBeLessThanOrEqual(PROFILE_NAME_MAX_CHARS);
    for (const about of profileAboutCandidates('a')) expect([...about].length).toBeLessThanOrEqual(PROFILE_ABOUT_MAX_CHARS);
    expect(new Set(profileNameCandidates('a')).size).toBe(profileNameCandidates('a').length);
    const firsts = new Set(Array.from({ length: 20 }, (_, i) => profileNameCandidates(`chip-${i}`)[0]));
    expect(firsts.size).toBeGreaterThan(15);
  });

  test('calls are rejected with a polite text; the provider neither reads for the chip nor keeps it online', () => {
    expect(PERSON_INSTANCE_SETTINGS).toMatchObject({ rejectCall: true, groupsIgnore: false, alwaysOnline: false, readMessages: false });
    expect(PERSON_INSTANCE_SETTINGS.msgCall).toBe(CALL_REJECTED_MESSAGE);
    expect(CALL_REJECTED_MESSAGE).toMatch(/mensagem/);
  });
});
