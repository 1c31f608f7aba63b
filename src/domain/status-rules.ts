/**
 * Status posts ("stories"): from primeiros_contatos on a chip now and then posts a text status on a
 * coloured background that only its fleet sees, at most its phase's dailyStatusCap a program day
 * (PHASE_TABLE). Each day's posting times are drawn from the chip id, the day and the phase — not from
 * the workflow's random, so planning them shifts no other draw and a chip that predates the rule
 * replays unchanged — at human hours inside the chip's window. A post rides on the first wake of the
 * chip's loop after its time (no timer of its own), one per wake; a time no wake reaches that day is
 * dropped. The viewers are fleet chips only, named one by one (the provider's `allContacts` is broken).
 */
import type { ChipState } from './chip-state';
import { type ProgramClock, realAtMinute } from './clock';
import { phaseRule } from './phases';
import { hashString, pickOne, seededRandom } from './random';
import { type ActivityWindow, isInsideWindow } from './window';

export const STATUS_POSTS = {
  /** Chance that each of the day's allowed posts happens: "now and then", not every day. */
  chance: 0.6,
  /** Minutes kept clear at both ends of the window: nobody posts the moment they wake or before bed. */
  marginMinutes: 45,
} as const;

/** WhatsApp's text-status fonts as the provider takes them: 1 to 5 (it refuses 0). */
export type StatusFontId = 1 | 2 | 3 | 4 | 5;
const FONTS: readonly StatusFontId[] = [1, 2, 3, 4, 5];

/** Background colours of a person's text statuses (#RRGGBB). */
export const STATUS_BACKGROUNDS: readonly string[] = [
  '#25D366',
  '#128C7E',
  '#075E54',
  '#34B7F1',
  '#7E57C2',
  '#EF5350',
  '#FF7043',
  '#FFB300',
];

/** Short everyday lines, as people post them (Brazilian Portuguese). */
export const STATUS_TEXTS: readonly string[] = [
  'Bom dia! ☀️',
  'Café primeiro, o resto depois ☕',
  'Semana corrida, mas seguimos 💪',
  'Gratidão por mais um dia 🙏',
  'Sextou! 🎉',
  'Dia produtivo hoje',
  'Foco no que importa',
  'Hoje o dia rendeu 😄',
  'Boa tarde, pessoal!',
  'Um passo de cada vez',
  'Chuva lá fora, música aqui 🎶',
  'Quem mais tá contando as horas pro fim de semana?',
];

export interface TextStatusContent {
  type: 'text';
  content: string;
  backgroundColor: string;
  font: StatusFontId;
}

/** What the chip's state keeps of its status posts (carried across continue-as-new). */
export interface StatusPostState {
  /** `day|phase` of the plan below: a new day or a promotion draws a new one. */
  planKey: string | null;
  /** Real instants of the day's posts, in order; `next` indexes the first not yet due. */
  plan: number[];
  next: number;
  /** Program day of `today`. */
  day: string | null;
  today: number;
  total: number;
}

export interface StatusPostDue {
  /** Idempotency key: one post per chip, program day and place in the day's plan. */
  key: string;
  day: string;
  /** Its place in the day's plan (1-based) and the phase's daily status limit. */
  seq: number;
  cap: number;
  post: TextStatusContent;
}

export function emptyStatusPosts(): StatusPostState {
  return { planKey: null, plan: [], next: 0, day: null, today: 0, total: 0 };
}

export function dailyStatusCap(phase: string): number {
  return phaseRule(phase).dailyStatusCap;
}

/** Minutes of the day (São Paulo) at which the chip posts on `day` in `phase`: ascending, inside its window. */
export function statusMinutesOn(chipId: string, day: string, phase: string, window: ActivityWindow): number[] {
  const cap = dailyStatusCap(phase);
  const random = seededRandom(hashString(`status|${chipId}|${day}|${phase}`));
  const from = window.startMinute + STATUS_POSTS.marginMinutes;
  const to = window.endMinute - STATUS_POSTS.marginMinutes;
  const minutes: number[] = [];
  for (let i = 0; i < cap; i++) {
    const minute = from + Math.floor(random() * Math.max(1, to - from));
    if (random() < STATUS_POSTS.chance) minutes.push(minute);
  }
  return minutes.sort((a, b) => a - b);
}

/** The text status of the chip's `seq`-th post on `day`: a line, a background colour and a font. */
export function statusTextPost(chipId: string, day: string, seq: number): TextStatusContent {
  const random = seededRandom(hashString(`status-text|${chipId}|${day}|${seq}`));
  return {
    type: 'text',
    content: pickOne(random, STATUS_TEXTS),
    backgroundColor: pickOne(random, STATUS_BACKGROUNDS),
    font: pickOne(random, FONTS),
  };
}

/**
 * The post due at `nowMs`, or null: the chip is warming and connected, its phase allows posts, today's
 * limit is not reached, the plan's next time has come and the window is open.
 */
export function statusPostDue(
  c: { chipId: string; window: ActivityWindow; clock: ProgramClock },
  s: ChipState,
  nowMs: number,
): StatusPostDue | null {
  const cap = dailyStatusCap(s.phase);
  if (cap === 0 || s.status !== 'warming' || s.disconnected || s.banned) return null;
  const p = s.statusPosts;
  if (p.day !== s.day) Object.assign(p, { day: s.day, today: 0 });
  const planKey = `${s.day}|${s.phase}`;
  if (p.planKey !== planKey) {
    const minutes = statusMinutesOn(c.chipId, s.day, s.phase, c.window);
    Object.assign(p, { planKey, plan: minutes.map((m) => realAtMinute(c.clock, nowMs, m)), next: 0 });
  }
  const at = p.plan[p.next];
  if (at === undefined || at > nowMs || p.today >= cap || !isInsideWindow(c.window, c.clock, nowMs)) return null;
  const seq = p.next + 1;
  return { key: `status:${c.chipId}:${s.day}:${s.phase}:${seq}`, day: s.day, seq, cap, post: statusTextPost(c.chipId, s.day, seq) };
}

/** The due post went out (`posted`) or will not; either way the plan moves on to its next time. */
export function statusPostOver(s: ChipState, due: StatusPostDue, posted: boolean): void {
  const p = s.statusPosts;
  if (p.day !== due.day) return;
  p.next++;
  if (posted) {
    p.today++;
    p.total++;
  }
}

/** Whether every viewer is another chip of the poster's fleet (phones as E.164 digits or user JIDs). */
export function viewersAllInFleet(viewers: readonly string[], fleetPhones: readonly string[], posterPhone: string): boolean {
  const digits = (v: string) => v.replace(/@s\.whatsapp\.net$/, '');
  const fleet = new Set(fleetPhones.filter((p) => p !== posterPhone));
  return viewers.length > 0 && viewers.every((v) => fleet.has(digits(v)));
}
