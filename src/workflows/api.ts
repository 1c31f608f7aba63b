/**
 * Names and shapes both sides of the chip workflows use: signals, queries, updates, inputs and state.
 * Imported by the workflows, the worker's activities, the webhook bridge and the CLI.
 */
import type { TurnMedia } from '../domain/message-mix';
import { ApplicationFailure, defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type { ChipRef, OpeningTurn, ReserveRequest } from '../activities/types';
import type { ChipStatus } from '../domain/chip';
import { PartnerRefused, failureFields } from '../domain/errors';
import type { ReservationRefusal } from '../domain/refusal';
import type { ProviderFact } from '../domain/chip-machine';
import type { ChipState, ChipStatusView, ConversationReport, PausedBy } from '../domain/chip-state';
import type { Phase } from '../domain/phases';
import type { ProfileStepRequest } from '../domain/profile-checklist';
import type * as workflows from './index';

export const TASK_QUEUE_DEFAULT = 'warmer';

/** Workflow type names: stored in every history, so they never change (the UI, CLI, schedules and tests use these). */
export const WORKFLOW_TYPES = {
  chip: 'ChipWarmupWorkflow',
  conversation: 'ConversationWorkflow',
  dailySummary: 'DailySummaryWorkflow',
  pairRotation: 'PairRotationWorkflow',
  eventDelivery: 'EventDeliveryWorkflow',
  onboarding: 'OnboardingWorkflow',
  groupConversation: 'GroupConversationWorkflow',
} as const satisfies Record<string, keyof typeof workflows>;

export type { Busy, ChipState, ChipStatusView, ConversationReport, PausedBy } from '../domain/chip-state';

export interface PauseRequest {
  reason: string;
  by?: PausedBy;
}

/** A provider fact the webhook receiver forwards to the chip's workflow (`eventId` de-duplicates). */
export type ProviderEventSignal = ProviderFact;

export interface WarmupSettings {
  /** Real ms per program day (86,400,000 in production). */
  dayMs: number;
  /** Program-clock origin (see domain/clock.ts). */
  epochMs: number;
  /** Multiplies human pacing (1 = the delays of domain/pacing.ts in program time; 0 = none, for tests and benchmarks). */
  paceScale: number;
  /** Upsert the Warmer* search attributes (needs them registered on the namespace). */
  searchAttributes: boolean;
  /** Continue-as-new once history passes this many events (the server's own suggestion also counts). */
  maxHistoryEvents: number;
  /** Real ms a lost connection may last before the operator is alerted (default: 30 minutes). */
  connectionAlertAfterMs?: number;
}

export interface ChipWarmupInput {
  chip: ChipRef;
  /** ISO timestamp the chip was registered; its account age starts there. */
  registeredAt: string;
  settings: WarmupSettings;
  /**
   * Present when continuing as new, or when starting a chip from what the database recorded (a
   * restart). Partial on purpose: missing fields take their initial values (see upgradeState).
   */
  state?: Partial<ChipState>;
}

export interface ChipWarmupResult {
  chipId: string;
  status: ChipStatus;
  phase: Phase;
  health: number;
  replyRate: number;
  /** Why the chip was retired or banned. */
  reason: string | null;
  promotions: { from: Phase; to: Phase; atMs: number }[];
}

export const pauseSignal = defineSignal<[PauseRequest]>('pause');
export const resumeSignal = defineSignal<[{ by?: PausedBy } | undefined]>('resume');
export const retireSignal = defineSignal<[{ reason?: string } | undefined]>('retire');
export const providerEventSignal = defineSignal<[ProviderEventSignal]>('providerEvent');
export const conversationEndedSignal = defineSignal<[ConversationReport]>('conversationEnded');
/** An operator marked a profile step done by hand, or asked for it again (the database has it already). */
export const profileStepSignal = defineSignal<[ProfileStepRequest]>('profileStep');

/** What a partner is told of a conversation that ended with nothing to count (it frees itself). */
export function emptyReport(conversationId: string): ConversationReport {
  return { conversationId, sent: 0, received: 0, replied: 0, twoWay: false, outcome: 'aborted' };
}
export const statusQuery = defineQuery<ChipStatusView>('status');
/**
 * A partner accepts (or refuses, by throwing reservationRefused in its validator) before a
 * conversation uses it.
 */
export const reserveUpdate = defineUpdate<{ accepted: true }, [ReserveRequest]>('reserve');

/**
 * The reservation's refusal on the wire: a failure of type PartnerRefused whose first detail is the
 * typed refusal (`{ reason: 'cap_reached', remaining: 3 }`); its message is for people only.
 */
export function reservationRefused(refusal: ReservationRefusal): ApplicationFailure {
  return ApplicationFailure.create(failureFields(new PartnerRefused(refusal)));
}

export interface ConversationInput {
  conversationId: string;
  a: ChipRef;
  b: ChipRef;
  /** `media` is absent on text turns (and on every turn of inputs recorded before media existed). */
  dialogue: { id: string; turns: { from: 'A' | 'B'; text: string; media?: TurnMedia }[] };
  paceScale: number;
  day: string;
  /** The first turn, when the plan sent it (absent in inputs recorded before: the conversation sends it). */
  opening?: OpeningTurn;
  /**
   * Real ms at which the earlier of the two chips' windows closes (domain/conversation-window.ts): a
   * turn that would fall after it is not sent and the conversation ends `cut_short`. Absent in inputs
   * recorded before patch window-holds: the conversation runs to its end.
   */
  closesAtMs?: number;
}

export interface ConversationResult {
  conversationId: string;
  turnsDelivered: number;
  outcome: 'completed' | 'aborted' | 'failed' | 'cut_short';
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
