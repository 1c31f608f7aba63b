/**
 * What the workflows ask of the outside world. Workflows import these *types* only; the functions
 * come from createActivities(deps) in the worker (or an in-memory double in unit tests).
 */
import type { AlertSeverity, DailySummary, TurnConfirmation } from '../adapters/db/port';
import type { Dialogue } from '../adapters/dialogue/port';
import type { MessageKey } from '../adapters/messaging/port';
import type { Notification } from '../adapters/notify/port';
import type { ChipStatus } from '../domain/chip';
import type { ChipStanding } from '../domain/chip-events';
import type { PausedBy, PlanMiss } from '../domain/chip-state';
import type { TurnMedia } from '../domain/message-mix';
import type { Phase } from '../domain/phases';
import type { ProfileRunResult, ProfileStep } from '../domain/profile-checklist';
import type { ReservationRefusal } from '../domain/refusal';
import type { TextStatusContent } from '../domain/status-rules';
import type { GroupActivities } from './group-types';

export interface ChipRef {
  chipId: string;
  phone: string;
  instanceName: string;
}

export interface PlanConversationInput {
  initiator: ChipRef;
  phase: Phase;
  conversationId: string;
  /** Upper bound on turns from the initiator's remaining cap. */
  maxTurns: number;
  /** Program day (YYYY-MM-DD) for the pair interaction limit. */
  day: string;
  /** Workflow time of the attempt and its program clock: partners whose window is closed are not asked. */
  atMs: number;
  clock: { dayMs: number; epochMs: number };
  /** From the workflow's seeded random, so a retried attempt makes the same choices. */
  seed: number;
  /** Real ms the partner's reservation lasts if the conversation never reports back. */
  leaseMs: number;
  /** Top the initiator's partners up to the pairing target first (once a program day is enough). */
  topUpPairs?: boolean;
  /** Real-time pacing multiplier: partners whose window closes before the dialogue would end are not asked. */
  paceScale?: number;
  /** The initiator is in quarantine: only quarantined partners are asked (absent: healthy). */
  quarantined?: boolean;
  /** The initiator's health: partners of similar health are asked first. */
  health?: number;
  /** The initiator's daily health log, recorded before anything else (it rides on the day's first plan). */
  healthLog?: { score: number; factors: Record<string, number>; atMs: number };
  /** Send the dialogue's first turn in this activity once the partner accepted (one billed activity fewer). */
  sendOpening?: boolean;
}

/**
 * What became of the first turn the plan sent. `retry`: it failed before it was claimed or in a way a
 * retry may heal, so the conversation sends it itself (a retry of a claimed turn ends the conversation
 * as deliverTurn does); otherwise a refused or unknown turn ends the conversation before the next.
 */
export type OpeningTurn = { sent: true; key?: MessageKey; confirm?: TurnConfirmation } | { sent: false; retry: boolean; reason: string };

export interface ConversationPlan {
  conversationId: string;
  partner: ChipRef;
  dialogue: Dialogue;
  /** With sendOpening: the first turn's fate. */
  opening?: OpeningTurn;
}

/** A plan, or why there is none (the chip's stall alert says it). */
export type PlanResult = { kind: 'planned'; plan: ConversationPlan } | { kind: 'none'; reason: PlanMiss };

export interface DeliverTurnInput {
  conversationId: string;
  turn: number;
  /** Idempotency key of the turn: conversation id + turn. */
  key: string;
  sender: ChipRef;
  receiver: ChipRef;
  text: string;
  /**
   * A reaction, sticker, image or voice note instead of the text (see src/domain/message-mix.ts).
   * Absent in inputs recorded before media existed: those are text turns.
   */
  media?: TurnMedia;
  /** The message the sender is answering, as the sender's provider instance sees it. */
  replyTo?: MessageKey;
  thinkMs: number;
  typingMs: number;
  /** Program day (YYYY-MM-DD) the send counts on for the sender's daily cap; default: the conversation's day. */
  day?: string;
  /** On the dialogue's last turn: close the conversation in the same activity (one billed action fewer). */
  finish?: { a: ChipRef; b: ChipRef; day: string };
  /** The previous turn's confirmation, recorded by this turn's claim (one database round trip fewer). */
  previous?: TurnConfirmation;
  /** The workflow passes this turn's confirmation to the next turn (or to the closing): do not write it here. */
  confirmLater?: boolean;
}

export interface DeliveredTurn {
  /** The sent message's key as the sender sees it; absent when a retry found the turn already sent. */
  key?: MessageKey;
  alreadySent: boolean;
  /** With confirmLater: what the next turn's claim (or the closing) records. */
  confirm?: TurnConfirmation;
}

export interface FinishConversationInput {
  conversationId: string;
  a: ChipRef;
  b: ChipRef;
  turnsDelivered: number;
  outcome: 'completed' | 'aborted' | 'failed' | 'cut_short';
  day: string;
  /** The last sent turn's confirmation, when no later turn recorded it. */
  confirm?: TurnConfirmation;
}

/** Request the initiator makes of a partner's workflow before using it. */
export interface ReserveRequest {
  conversationId: string;
  initiatorChipId: string;
  /** Messages the partner will send in this conversation. */
  sends: number;
  leaseMs: number;
  /** The initiator is in quarantine: a partner of the other kind refuses (absent: healthy). */
  quarantined?: boolean;
}

/** The partner's answer: taken, or why not (typed: the planner acts on the reason and the room left). */
export type ReserveAnswer = { accepted: true } | { accepted: false; refusal: ReservationRefusal };

export interface PostStatusInput {
  chip: ChipRef;
  /** Idempotency key (domain/status-rules.ts): a retried activity never posts twice. */
  key: string;
  /** Program day the post counts on, for the phase's daily status limit. */
  day: string;
  atMs: number;
  post: TextStatusContent;
}

/** Posted to `viewers` fleet chips, or why not (a refusal of the database, nobody to see it, a provider error). */
export type PostStatusResult =
  | { kind: 'posted'; viewers: number }
  | { kind: 'not_posted'; reason: 'no_viewers' | 'refused' | 'provider_error' | 'already_settled' | 'unsupported'; detail?: string };

/** GroupActivities: closed groups of the fleet (group-types.ts). */
export interface WarmupActivities extends GroupActivities {
  persistPhaseChange(input: { chipId: string; from: Phase; to: Phase; health: number; replyRate: number; atMs: number }): Promise<void>;
  persistStatus(input: { chipId: string; status: ChipStatus; reason?: string | null; pausedBy?: PausedBy | null }): Promise<void>;
  persistHealth(input: { chipId: string; score: number; factors: Record<string, number>; atMs: number }): Promise<void>;
  /** The adaptive ramp and quarantine, when they change; publishes chip.quarantined when the chip enters it. */
  persistStanding(input: ChipStanding & { chipId: string; entered: boolean; day: string; atMs: number }): Promise<void>;
  openAlert(input: { chipId: string | null; severity: AlertSeverity; kind: string; message: string; key: string }): Promise<void>;
  /** Resolves the chip's open alerts of one kind (a stall that ended). */
  resolveAlert(input: { chipId: string; kind: string }): Promise<void>;
  notify(notification: Notification): Promise<void>;

  /**
   * Applies the profile steps due now at the provider (those the database does not have as done), and
   * records each outcome. A provider error fails only its step (returned in `failed`); the database
   * failing fails the call.
   */
  runProfileSteps(input: { chip: ChipRef; steps: ProfileStep[]; atMs: number }): Promise<ProfileRunResult>;

  planConversation(input: PlanConversationInput): Promise<PlanResult>;
  deliverTurn(input: DeliverTurnInput): Promise<DeliveredTurn>;
  finishConversation(input: FinishConversationInput): Promise<void>;

  /** A status post seen only by the chip's fleet: claimed in the database, posted, settled (activities/status-post.ts). */
  postStatus(input: PostStatusInput): Promise<PostStatusResult>;

  /** Reads the fleet's aggregates and posts the daily summary; returns what it posted. */
  /** With the fleet's closed groups and the day's group messages. */
  sendDailySummary(): Promise<DailySummary & { stalled: number; groups?: number; groupMessages?: number }>;
  rotatePairs(input: { seed: number }): Promise<{ deactivated: number; created: number }>;

  /** The provider's own view of the chip's connection, while it is held for a lost one. */
  checkConnection(input: { chipId: string; instance: string }): Promise<'open' | 'close' | 'connecting'>;
}
