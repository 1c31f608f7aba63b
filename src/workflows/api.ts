/**
 * Names and shapes both sides of the chip workflows use: signals, queries, updates, inputs and state.
 * Imported by the workflows, the worker's activities, the webhook bridge and the CLI.
 */
import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type { ChipRef, ReserveRequest } from '../activities/types';
import type { ChipStatus } from '../domain/chip';
import type { Phase } from '../domain/phases';

export const TASK_QUEUE_DEFAULT = 'warmer';

export type PausedBy = 'operator' | 'early_warning' | 'fleet_breaker' | 'provider';

export interface PauseRequest {
  reason: string;
  by?: PausedBy;
}

/** A provider fact the webhook receiver forwards to the chip's workflow. */
export interface ProviderEventSignal {
  kind: 'inbound' | 'delivery_failed' | 'disconnected' | 'logged_out' | 'banned' | 'connected';
  atMs: number;
  detail?: string;
}

/** What a conversation reports to each chip that took part. */
export interface ConversationReport {
  conversationId: string;
  sent: number;
  received: number;
  /** This chip's messages that the other side answered. */
  replied: number;
  twoWay: boolean;
  outcome: 'completed' | 'aborted' | 'failed';
}

export interface WarmupSettings {
  /** Real ms per program day (86,400,000 in production). */
  dayMs: number;
  /** Program-clock origin (see domain/clock.ts). */
  epochMs: number;
  /** Multiplies human pacing (1 = the seed's delays in program time; 0 = none, for tests and benchmarks). */
  paceScale: number;
  /** Upsert the Warmer* search attributes (needs them registered on the namespace). */
  searchAttributes: boolean;
  /** Continue-as-new once history passes this many events (the server's own suggestion also counts). */
  maxHistoryEvents: number;
}

export interface ChipWarmupInput {
  chip: ChipRef;
  /** ISO timestamp the chip was registered; its account age starts there. */
  registeredAt: string;
  settings: WarmupSettings;
  /** Present when continuing as new, or when resuming a chip recorded at a later phase. */
  state?: ChipState;
}

export interface Busy {
  conversationId: string;
  role: 'initiator' | 'partner';
  /** Messages this chip reserved for the conversation (counted against today's cap). */
  reserved: number;
  /** Real ms after which a reservation that never reported back is released. */
  leaseUntilMs: number;
}

export interface ChipState {
  phase: Phase;
  phaseStartedAtMs: number;
  registeredAtMs: number;
  status: ChipStatus;
  pauseReason: string | null;
  pausedBy: PausedBy | null;
  /** Status last written to the database, so a change is persisted once. */
  persistedStatus: ChipStatus;
  day: string;
  sentToday: number;
  receivedToday: number;
  failuresToday: number;
  warnedDay: string | null;
  sentTotal: number;
  receivedTotal: number;
  repliedTotal: number;
  twoWayConversations: number;
  lastConversationAtMs: number | null;
  health: number;
  lastHealthDay: string | null;
  busy: Busy | null;
  nextConversationAtMs: number | null;
  disconnected: boolean;
  banned: boolean;
  /** The most sent on any program day per phase, so tests and the CLI can see caps held. */
  maxSentPerDay: Partial<Record<Phase, number>>;
  promotions: { from: Phase; to: Phase; atMs: number }[];
  runs: number;
  /** Conversation attempts in a row that found no partner free (drives the backoff). */
  failedPlans: number;
  /** Conversations this chip took part in today (the pairing engine's daily interaction limit). */
  conversationsToday: number;
}

export interface ChipStatusView {
  chipId: string;
  phase: Phase;
  dayInPhase: number;
  health: number;
  replyRate: number;
  sentToday: number;
  cap: number;
  status: ChipStatus;
  pauseReason: string | null;
  pending: string[];
  busyWith: string | null;
  sentTotal: number;
  receivedTotal: number;
  maxSentPerDay: Partial<Record<Phase, number>>;
  promotions: { from: Phase; to: Phase; atMs: number }[];
  runs: number;
}

export interface ChipWarmupResult {
  chipId: string;
  status: ChipStatus;
  phase: Phase;
  health: number;
  replyRate: number;
  promotions: { from: Phase; to: Phase; atMs: number }[];
}

export const pauseSignal = defineSignal<[PauseRequest]>('pause');
export const resumeSignal = defineSignal<[{ by?: PausedBy } | undefined]>('resume');
export const retireSignal = defineSignal<[{ reason?: string } | undefined]>('retire');
export const providerEventSignal = defineSignal<[ProviderEventSignal]>('providerEvent');
export const conversationEndedSignal = defineSignal<[ConversationReport]>('conversationEnded');
export const statusQuery = defineQuery<ChipStatusView>('status');
/** A partner accepts (or refuses, by throwing in its validator) before a conversation uses it. */
export const reserveUpdate = defineUpdate<{ accepted: true }, [ReserveRequest]>('reserve');

export interface ConversationInput {
  conversationId: string;
  a: ChipRef;
  b: ChipRef;
  dialogue: { id: string; turns: { from: 'A' | 'B'; text: string }[] };
  paceScale: number;
  day: string;
}

export interface ConversationResult {
  conversationId: string;
  turnsDelivered: number;
  outcome: 'completed' | 'aborted' | 'failed';
  a: ConversationReport;
  b: ConversationReport;
}

export const abortConversationSignal = defineSignal<[{ reason: string }]>('abort');

export function conversationWorkflowId(conversationId: string): string {
  return `conversation/${conversationId}`;
}

export const SEARCH_ATTRIBUTES = {
  phase: 'WarmerPhase',
  status: 'WarmerStatus',
  health: 'WarmerHealth',
} as const;
