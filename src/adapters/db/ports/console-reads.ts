/** What operators read about the fleet and one chip: the console's pages, the CLI and the daily summary. */
import type { Phase } from '../../../domain/phases';
import type { ChipRecord } from './chips';
import type { ConversationOutcome } from './turns';
import type { OperatorAction } from './operator-actions';

export interface DailySummary {
  warming: number;
  paused: number;
  ready: number;
  banned: number;
  averageHealth: number;
  openAlerts: number;
}

/** One chip as the fleet page shows it: its record plus what one SQL call adds beside it. */
export interface FleetOverviewRow {
  chip: ChipRecord;
  /** Sent / received since the start of today's program day. */
  sentToday: number;
  receivedToday: number;
  openAlerts: number;
  /** Last health score of each of the last program days (days since registration), oldest first. */
  healthDays: { day: number; health: number }[];
}

/** One program day of a chip (days since registration). */
export interface ChipDay {
  day: number;
  sent: number;
  received: number;
  /** Sent messages the partner answered. */
  replied: number;
  /** Last health score recorded that day, null when none. */
  health: number | null;
}

export interface PhaseTransition {
  from: Phase;
  to: Phase;
  health: number;
  replyRate: number;
  at: string;
}

export interface ConversationSummary {
  id: string;
  partnerId: string;
  /** Unmasked: callers mask it before it leaves the process. */
  partnerPhone: string;
  turns: number;
  turnsDelivered: number;
  outcome: ConversationOutcome | null;
  startedAt: string;
  completedAt: string | null;
}

export interface ChipHistory {
  days: ChipDay[];
  transitions: PhaseTransition[];
  conversations: ConversationSummary[];
  actions: OperatorAction[];
}

export interface ConsoleReadsPort {
  /** Chips by status, average health and open alerts, for the daily summary. */
  dailySummary(): Promise<DailySummary>;
  /** The fleet page's data in one call: every chip (of one fleet when given), oldest first. */
  fleetOverview(input: { fleetId?: string; dayStart: string; dayMs: number; days: number }): Promise<FleetOverviewRow[]>;
  /** A chip's story: per program day counts and health, promotions, recent conversations, operator actions. */
  chipHistory(input: { chipId: string; dayMs: number; conversations: number }): Promise<ChipHistory>;
  /** The chip's latest conversations, either side, newest first. */
  recentConversations(input: { chipId: string; limit: number }): Promise<ConversationSummary[]>;
}
