/** What a fleet forecast takes and gives (src/forecast/simulate.ts runs it). */
import type { Phase } from '../domain/phases';
import type { ActionCounts } from './actions';
import type { InjectedSign } from './standing-log';

export interface ForecastOptions {
  chips: number;
  /** Program days to simulate from the fleet's registration. */
  days: number;
  /** Probability that each message gets an answer (1 = the real system's scripted dialogues). */
  replyRate: number;
  seed: number;
  /** Human pacing scale (1 = the delays of domain/pacing.ts, as in production and bench/lifecycle.ts). */
  paceScale?: number;
  /** Real instant every chip is registered at (default: a fixed Monday noon in São Paulo). */
  startMs?: number;
  /** Continue-as-new threshold of the chip workflow (WARMER_MAX_HISTORY_EVENTS; 10,000 in the bench). */
  maxHistoryEvents?: number;
  /** Turn counts of the dialogues available (default: the built-in library's). */
  dialogueTurns?: readonly number[];
  /** Warning signs to inject: chip index, program day since registration (at noon), and what. */
  signs?: readonly InjectedSign[];
}

/** 2026-01-05 12:00 in São Paulo (UTC-3). */
export const DEFAULT_START_MS = Date.UTC(2026, 0, 5, 15, 0, 0);

export interface ChipOutcome {
  chipId: string;
  phase: Phase;
  status: string;
  /** Program day (fractional, since registration) at which the chip entered each phase. */
  reachedDay: Partial<Record<Phase, number>>;
  /** Calendar program day (as in messagesPerDay) on which the chip entered each phase. */
  enteredOnDay: Partial<Record<Phase, number>>;
  sentTotal: number;
  receivedTotal: number;
  replyRate: number;
  maxSentPerDay: Partial<Record<Phase, number>>;
  /** Times the chip raised a stall alert (a whole window without a conversation though it may send). */
  stallAlerts: number;
  stalledAtEnd: boolean;
}

export interface SimulationResult {
  options: Required<Omit<ForecastOptions, 'dialogueTurns' | 'signs'>>;
  chips: ChipOutcome[];
  /**
   * Messages delivered per calendar program day (São Paulo midnight to midnight, the days the daily caps
   * count), by the day each conversation started; index 0 = the day of registration.
   */
  messagesPerDay: number[];
  messages: number;
  /** Status posts: counted in `messages` as one each, not in `messagesPerDay` (they have their own daily limit). */
  statusPosts: number;
  /** Of `messages`, those sent in closed groups of the fleet (forecast/groups.ts). */
  groupMessages: number;
  /** Of `conversations`, those held in groups (each with a second speaker reserved and told of the end). */
  groupConversations: number;
  conversations: number;
  plans: { total: number; empty: number; reasons: Record<string, number> };
  /** Reservation Updates, and why the refused ones were refused (busy, cap_reached, outside_window...). */
  reservations: { accepted: number; rejected: number; reasons: Record<string, number> };
  /** Accepted pairings by the quarantine of each side when they were made (mixed must stay 0). */
  pairings: { healthy: number; quarantined: number; mixed: number };
  /** Chip-days with some time in quarantine. */
  quarantineDays: number;
  /** Chip-days whose cap was reduced from the start, and chip-days on which a chip sent more than its effective cap. */
  reducedCapDays: { days: number; overCap: number };
  actions: ActionCounts;
  /** Chip-days simulated: each chip from registration until it finished or the forecast ended. */
  chipDays: number;
  /** Simulation events processed (a measure of the work done). */
  events: number;
}
