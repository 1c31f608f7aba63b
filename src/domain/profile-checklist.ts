/**
 * The profile checklist a chip runs during `setup`, as a new WhatsApp user would: instance settings
 * (calls rejected politely), privacy, a profile name, an about text and a photo. Pure rules: when each
 * step is due (spread over the setup days at human hours inside the chip's window), what a run's
 * result does to the checklist, and whether leaving setup must wait for it. The workflow, the CLI,
 * the console and the tests share them.
 */
import { type ProgramClock, realAtMinute, realDuration } from './clock';
import { PHASE_TABLE, type Phase } from './phases';
import { type Random, uniform } from './random';
import { type ActivityWindow, nextWindowOpen } from './window';

/** In the order a person would do them: settings and privacy first, the face of the profile last. */
export const PROFILE_STEPS = ['settings', 'privacy', 'name', 'about', 'photo'] as const;
export type ProfileStep = (typeof PROFILE_STEPS)[number];

/** Console and CLI labels (Brazilian Portuguese). */
export const PROFILE_STEP_LABELS: Readonly<Record<ProfileStep, string>> = {
  settings: 'configurações da instância',
  privacy: 'privacidade',
  name: 'nome do perfil',
  about: 'recado',
  photo: 'foto do perfil',
};

/** Steps applied together at one moment: one activity call per moment (each call is billed). */
export const PROFILE_MOMENTS: readonly (readonly ProfileStep[])[] = [['settings', 'privacy'], ['name', 'about'], ['photo']];

export function isProfileStep(value: unknown): value is ProfileStep {
  return typeof value === 'string' && (PROFILE_STEPS as readonly string[]).includes(value);
}

/** The checklist as the chip's workflow carries it. */
export interface ProfileChecklist {
  /** Real ms at which each step not yet done is due (next attempt). */
  dueAtMs: Partial<Record<ProfileStep, number>>;
  done: ProfileStep[];
  /** Attempts that failed at the provider, per step (drives the retry delay). */
  failures: Partial<Record<ProfileStep, number>>;
  /** The last provider error and its step, shown until the step succeeds. */
  lastError: { step: ProfileStep; message: string } | null;
}

/** What a run of due steps came to: every step the database has as done, and the ones that failed now. */
export interface ProfileRunResult {
  done: ProfileStep[];
  failed: { step: ProfileStep; error: string }[];
}

/** An operator's hand on a step: done (e.g. a photo set in the app), or try it again now. */
export interface ProfileStepRequest {
  step: ProfileStep;
  action: 'done' | 'retry';
}

/** Program minutes kept clear at the window's end, so a moment is not the window's last minute. */
const END_MARGIN_MINUTES = 30;
/** Retries: one program hour after the first failure, up to four hours apart. */
const RETRY_BASE_MINUTES = 60;
const RETRY_MAX_MINUTES = 240;

interface Span {
  from: number;
  to: number;
}

/**
 * The stretches of the chip's window that fall inside its setup days, from `nowMs` on: one per
 * program day, each long enough for a moment.
 */
function setupSpans(window: ActivityWindow, clock: ProgramClock, setupStartMs: number, nowMs: number): Span[] {
  const setupEndMs = setupStartMs + PHASE_TABLE.setup.minDays * clock.dayMs;
  const spans: Span[] = [];
  for (let day = 0; day <= PHASE_TABLE.setup.minDays; day++) {
    const from = Math.max(nowMs, setupStartMs, realAtMinute(clock, setupStartMs, window.startMinute, day));
    const to = Math.min(setupEndMs, realAtMinute(clock, setupStartMs, window.endMinute - END_MARGIN_MINUTES, day));
    if (to - from >= realDuration(clock, END_MARGIN_MINUTES * 60_000)) spans.push({ from, to });
  }
  return spans;
}

/**
 * A new checklist: its moments spread over the setup days that are left (one a day while there are
 * days enough), each at a random time inside the window, the first at once when the window is open. Without any window left in setup, every
 * step is due at once (the gate then holds the chip until they are done).
 */
export function planProfileChecklist(input: {
  window: ActivityWindow;
  clock: ProgramClock;
  setupStartMs: number;
  nowMs: number;
  random: Random;
  done?: readonly ProfileStep[];
}): ProfileChecklist {
  const spans = setupSpans(input.window, input.clock, input.setupStartMs, input.nowMs);
  const dueAtMs: Partial<Record<ProfileStep, number>> = {};
  PROFILE_MOMENTS.forEach((steps, moment) => {
    const span = spans[Math.floor((moment * spans.length) / PROFILE_MOMENTS.length)];
    // A person sets a new phone up at once: inside the window the first moment is now (and costs the
    // chip no wake of its own).
    const openNow = moment === 0 && span?.from === input.nowMs;
    const at = openNow ? input.nowMs : span ? Math.round(uniform(input.random, span.from, span.to)) : input.nowMs;
    for (const step of steps) if (!input.done?.includes(step)) dueAtMs[step] = at;
  });
  return { dueAtMs, done: [...(input.done ?? [])], failures: {}, lastError: null };
}

/** The steps due at `nowMs`, in checklist order. */
export function dueProfileSteps(checklist: ProfileChecklist, nowMs: number): ProfileStep[] {
  return PROFILE_STEPS.filter((step) => !checklist.done.includes(step) && (checklist.dueAtMs[step] ?? Infinity) <= nowMs);
}

/** When the next step is due (null: none left). */
export function nextProfileDueAt(checklist: ProfileChecklist): number | null {
  const times = PROFILE_STEPS.filter((s) => !checklist.done.includes(s)).map((s) => checklist.dueAtMs[s] ?? Infinity);
  const next = Math.min(...times);
  return Number.isFinite(next) ? next : null;
}

export function profileComplete(checklist: ProfileChecklist): boolean {
  return PROFILE_STEPS.every((step) => checklist.done.includes(step));
}

/** `perfil: 3/5`, the operators' shape of what is still pending. */
export function profilePendingText(checklist: ProfileChecklist): string {
  return `perfil: ${checklist.done.length}/${PROFILE_STEPS.length}`;
}

/** Leaving setup waits for the checklist (beside the phase criteria, which stay as the phase table has them). */
export function profileHoldsPromotion(phase: Phase, checklist: ProfileChecklist | null): boolean {
  return phase === 'setup' && checklist !== null && !profileComplete(checklist);
}

/** When a step that failed `failures` times is tried again: later each time, always inside the window. */
export function profileRetryAt(window: ActivityWindow, clock: ProgramClock, nowMs: number, failures: number, random: Random): number {
  const minutes = Math.min(RETRY_MAX_MINUTES, RETRY_BASE_MINUTES * 2 ** Math.max(0, failures - 1));
  const jitter = uniform(random, 0, 15);
  return nextWindowOpen(window, clock, nowMs + realDuration(clock, (minutes + jitter) * 60_000));
}

/** A run's result applied: done steps leave the checklist, failed ones are due again later. */
export function applyProfileRun(
  checklist: ProfileChecklist,
  result: ProfileRunResult,
  retry: (failures: number) => number,
): ProfileChecklist {
  const done = PROFILE_STEPS.filter((step) => checklist.done.includes(step) || result.done.includes(step));
  const dueAtMs = { ...checklist.dueAtMs };
  const failures = { ...checklist.failures };
  let lastError = checklist.lastError;
  for (const step of done) delete dueAtMs[step];
  for (const { step, error } of result.failed) {
    if (done.includes(step)) continue;
    failures[step] = (failures[step] ?? 0) + 1;
    dueAtMs[step] = retry(failures[step]);
    lastError = { step, message: error };
  }
  if (lastError && done.includes(lastError.step)) lastError = null;
  return { dueAtMs, done, failures, lastError };
}

/** An operator's request applied: done by hand, or due again now. */
export function applyProfileRequest(checklist: ProfileChecklist, request: ProfileStepRequest, nowMs: number): ProfileChecklist {
  const next: ProfileChecklist = { ...checklist, dueAtMs: { ...checklist.dueAtMs }, failures: { ...checklist.failures } };
  if (request.action === 'done') {
    next.done = PROFILE_STEPS.filter((s) => s === request.step || checklist.done.includes(s));
    delete next.dueAtMs[request.step];
    if (next.lastError?.step === request.step) next.lastError = null;
  } else {
    next.done = checklist.done.filter((s) => s !== request.step);
    next.dueAtMs[request.step] = nowMs;
    next.failures[request.step] = 0;
  }
  return next;
}

/**
 * The chip's next wake with its checklist's next step: only in setup, since a step retried after it
 * (rare) runs at the chip's ordinary wakes.
 */
export function withProfileWake(s: { phase: Phase; profile: ProfileChecklist | null }, next: number, nowMs: number): number {
  const profileAt = s.profile && s.phase === 'setup' ? nextProfileDueAt(s.profile) : null;
  return profileAt === null ? next : Math.max(nowMs + 1, Math.min(next, profileAt));
}

/**
 * The checklist after an operator's hand on a step (the database already has it). A chip in setup
 * that has not planned its checklist yet plans it at its next iteration and reads the database then;
 * a chip without a checklist past setup runs just the step asked for.
 */
export function operatorProfileRequest(
  s: { phase: Phase; profile: ProfileChecklist | null },
  request: ProfileStepRequest,
  nowMs: number,
): ProfileChecklist | null {
  if (!isProfileStep(request?.step) || (request.action !== 'done' && request.action !== 'retry')) return s.profile;
  if (s.profile) return applyProfileRequest(s.profile, request, nowMs);
  if (request.action !== 'retry' || s.phase === 'setup') return null;
  const others = PROFILE_STEPS.filter((step) => step !== request.step);
  return { dueAtMs: { [request.step]: nowMs }, done: others, failures: {}, lastError: null };
}
