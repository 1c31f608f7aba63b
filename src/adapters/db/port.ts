/**
 * The one database port. Three drivers implement it (Supabase via supabase-js rpc, PostgreSQL via pg,
 * embedded PGlite) on top of the same migrations; every write that must be atomic is one SQL function.
 * Errors are the typed errors of src/domain/errors.ts, whatever the driver.
 */
import type { ChipStatus } from '../../domain/chip';
import type { Phase } from '../../domain/phases';

export interface ChipRecord {
  id: string;
  phone: string;
  instanceName: string;
  fleetId: string;
  status: ChipStatus;
  phase: Phase;
  /** ISO timestamps throughout. */
  phaseStartedAt: string;
  healthScore: number;
  messagesSent: number;
  messagesReceived: number;
  /** 0..1 */
  replyRate: number;
  pauseReason: string | null;
  readyAt: string | null;
  createdAt: string;
}

export type AlertSeverity = 'info' | 'warning' | 'critical';

export interface AlertRecord {
  id: string;
  chipId: string | null;
  severity: AlertSeverity;
  kind: string;
  message: string;
  resolved: boolean;
  createdAt: string;
}

export interface PartnerCandidate {
  chipId: string;
  phone: string;
  instanceName: string;
  phase: Phase;
  /** Interactions of the candidate today (program day). */
  interactionsToday: number;
  /** The candidate's last recorded health, and whether it is in quarantine (domain/quarantine.ts). */
  health?: number;
  quarantined?: boolean;
}

/** A chip whose cap is reduced today or that is in quarantine, and why (warmup_chip_standings). */
export interface ChipStandingRecord {
  chipId: string;
  instanceName: string;
  phone: string;
  fleetId: string;
  phase: Phase;
  status: string;
  capToday: number;
  phaseCap: number;
  rampReason: string | null;
  rampDay: string | null;
  quarantined: boolean;
  quarantineReason: string | null;
}

export type TurnState = 'new' | 'in_flight' | 'sent';

/** A partner candidate with what the planner needs to ask only those that can say yes. */
export interface PlanCandidate extends PartnerCandidate {
  /** The candidate's effective cap on the day asked (its phase's, lowered by the adaptive ramp). */
  capToday?: number;
  /** Sends the candidate claimed on the day asked. */
  claimedToday: number;
  /** In a conversation still open (started after the time asked). */
  inConversation: boolean;
}

/** A sent turn's confirmation (what completeTurn records). */
export interface TurnConfirmation {
  key: string;
  providerMessageId: string;
  textLength: number;
  at: string;
  /** What was sent when it was not text (reaction, sticker, image, audio): recorded with the confirmation. */
  kind?: string;
}

/** Provider facts as recorded; `unconfirmed`: a report the provider's own connection state contradicted. */
export type ProviderEventKind =
  'delivered' | 'read' | 'delivery_failed' | 'inbound' | 'disconnected' | 'banned' | 'connected' | 'unconfirmed';

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
  outcome: 'completed' | 'aborted' | 'failed' | null;
  startedAt: string;
  completedAt: string | null;
}

export type OperatorActionKind = 'pause' | 'resume' | 'retire';

export interface OperatorAction {
  id: string;
  chipId: string | null;
  action: OperatorActionKind;
  actor: string;
  reason: string | null;
  source: 'console' | 'cli';
  createdAt: string;
}

export interface ChipHistory {
  days: ChipDay[];
  transitions: PhaseTransition[];
  conversations: ConversationSummary[];
  actions: OperatorAction[];
}

/** The outbound event types (docs/operators.md, "Events"). */
export const OUTBOUND_EVENT_TYPES = [
  'chip.promoted',
  'chip.ready',
  'chip.paused',
  'chip.resumed',
  'chip.banned',
  'chip.stalled',
  'chip.quarantined',
  'fleet.breaker',
] as const;
export type OutboundEventType = (typeof OUTBOUND_EVENT_TYPES)[number];

/** What a receiver gets, byte for byte the same at every delivery of the event. */
export interface OutboundEventPayload {
  id: string;
  type: OutboundEventType;
  occurredAt: string;
  /** The chip when the event was recorded; the phone masked to its last 4 digits. */
  chip: { id: string; instance: string; phone: string; fleetId: string; phase: string; status: string } | null;
  data: Record<string, unknown>;
}

/** One event of the outbox. */
export interface OutboundEventRecord {
  id: string;
  type: OutboundEventType;
  chipId: string | null;
  occurredAt: string;
  payload: OutboundEventPayload;
  createdAt: string;
  deliveredAt: string | null;
  /** Failed delivery attempts so far, and the last one's error. */
  attempts: number;
  lastError: string | null;
}

export interface Db {
  /** Applies supabase/migrations not yet applied; returns the names applied now. */
  migrate(): Promise<string[]>;
  close(): Promise<void>;

  registerChip(input: { phone: string; instanceName: string; fleetId?: string }): Promise<ChipRecord>;
  getChip(chipId: string): Promise<ChipRecord>;
  findChipByInstance(instanceName: string): Promise<ChipRecord | null>;
  findChipByPhone(phone: string): Promise<ChipRecord | null>;
  listChips(filter?: { status?: ChipStatus; fleetId?: string }): Promise<ChipRecord[]>;

  /** Moves the phase, logs it; entering operacao also sets status ready and ready_at. Repeating it is a no-op. */
  promoteChip(input: { chipId: string; from: Phase; to: Phase; health: number; replyRate: number; at: string }): Promise<ChipRecord>;
  /** Sets a chip that is not ready back to warming, with an audit alert naming who and why. */
  restartChip(input: { chipId: string; by: string; reason?: string }): Promise<ChipRecord>;
  setChipStatus(input: { chipId: string; status: ChipStatus; reason?: string | null }): Promise<void>;
  recordHealth(input: { chipId: string; score: number; factors: Record<string, number>; at: string }): Promise<void>;

  /** Idempotent on `key` when given: a second call returns the first alert. */
  openAlert(input: { chipId: string | null; severity: AlertSeverity; kind: string; message: string; key?: string }): Promise<AlertRecord>;
  resolveAlerts(input: { chipId?: string | null; kind?: string }): Promise<number>;
  listAlerts(filter?: { open?: boolean; chipId?: string }): Promise<AlertRecord[]>;

  /**
   * Records the conversation. Repeating with the same id is a no-op. Refuses a deactivated pair
   * (PairInactive) and creates a missing pair only under the partner limit (PartnerLimitReached).
   * With `day`, counts its interaction for both chips then, under the daily limit (InteractionLimitReached).
   */
  createConversation(input: {
    id: string;
    chipA: string;
    chipB: string;
    dialogueId: string;
    turns: number;
    at: string;
    day?: string;
    maxDailyInteractions?: number;
    maxPartners?: number;
  }): Promise<void>;
  /**
   * Claims a turn before the send: 'new' the first time, 'in_flight' if claimed but never completed, 'sent' if done.
   * Refuses a sender that is not warming (ChipNotWarming), a turn outside the conversation (TurnOutOfRange),
   * an inactive pair (PairInactive) and a sender whose claims on `day` (default: the conversation's day)
   * reached its phase's cap (DailyCapReached).
   */
  beginTurn(input: {
    key: string;
    conversationId: string;
    turn: number;
    senderId: string;
    receiverId: string;
    at: string;
    day?: string;
  }): Promise<TurnState>;
  /** One transaction: turn marked sent, sender's sent and receiver's received counters, both reply rates. No-op if already sent. */
  completeTurn(input: { key: string; providerMessageId: string; textLength: number; at: string }): Promise<void>;
  /** Records a completed turn's kind (reaction, sticker, image, audio) on its sent and received rows; text is the default. */
  recordTurnKind(input: { key: string; kind: string }): Promise<void>;
  finishConversation(input: {
    conversationId: string;
    turnsDelivered: number;
    outcome: 'completed' | 'aborted' | 'failed';
    at: string;
  }): Promise<void>;

  /**
   * beginTurn, after confirming the previous turn of the conversation (completeTurn) in the same call.
   * One transaction: when the claim is refused, the confirmation is not recorded either.
   */
  confirmAndClaim(input: Parameters<Db['beginTurn']>[0] & { previous?: TurnConfirmation }): Promise<TurnState>;
  /** completeTurn (when `confirm` is given), finishConversation and, with turns delivered, recordPairInteraction keyed by the conversation: one call. */
  completeAndFinish(input: {
    confirm?: TurnConfirmation;
    conversationId: string;
    turnsDelivered: number;
    outcome: 'completed' | 'aborted' | 'failed';
    at: string;
    chipA: string;
    chipB: string;
    day: string;
  }): Promise<void>;
  /** partnerCandidates with each candidate's sends claimed on `day` and whether it is in an open conversation started after `busySince`. */
  planCandidates(input: { chipId: string; day: string; maxDailyInteractions: number; busySince: string }): Promise<PlanCandidate[]>;
  /** Whether the chip has a turn claimed since `since` whose send is not confirmed yet. */
  unconfirmedTurnPending(input: { chipId: string; since: string }): Promise<boolean>;

  /** Active partners of the chip, within the fleet, under the daily interaction limit. */
  partnerCandidates(input: { chipId: string; day: string; maxDailyInteractions: number }): Promise<PartnerCandidate[]>;
  /**
   * Tops the chip up to `maxPartners` active pairs inside its fleet (same phase first, random among
   * equals). Called at registration, by the chip's planner once a program day, and by the rotation.
   */
  ensurePairs(input: { chipId: string; maxPartners: number; seed: number }): Promise<number>;
  /** Counts one interaction for both chips of a pair on `day`, under the daily limit; a repeated `key` is a no-op. */
  recordPairInteraction(input: { chipA: string; chipB: string; day: string; key?: string; maxDailyInteractions?: number }): Promise<void>;
  /** Deactivates pairs older than `olderThanDays`, then refills every warming chip. */
  rotatePairs(input: {
    olderThanDays: number;
    maxPartners: number;
    at: string;
    seed: number;
  }): Promise<{ deactivated: number; created: number }>;

  /** Delivery/read/failure facts from webhooks, for metrics and the early-warning window. True when new (false: `key` already recorded). */
  recordProviderEvent(input: { chipId: string; kind: ProviderEventKind; detail?: string; at: string; key?: string }): Promise<boolean>;
  /** Removes a provider fact by key (not messages), so a redelivery after a failed hand-off counts as new. */
  forgetProviderEvent(input: { key: string }): Promise<boolean>;
  /** Whether this chip sent a message with this provider message id (recorded by completeTurn). */
  sentMessageExists(input: { chipId: string; providerMessageId: string }): Promise<boolean>;
  /** Opens a fleet's breaker; true when this call opened it. */
  tripFleetBreaker(input: { fleetId: string; reason: string; at: string }): Promise<boolean>;
  /** Closes one fleet's breaker, or every fleet's; how many were open. */
  closeFleetBreaker(input: { fleetId?: string }): Promise<number>;
  /** Whether the breaker of this fleet (or of this chip's fleet) is open. */
  fleetBreakerOpen(input: { fleetId?: string; chipId?: string }): Promise<boolean>;
  /** Count of provider events of these kinds since `since`, for the early-warning thresholds and the fleet breaker. */
  countProviderEvents(input: {
    kinds: string[];
    since: string;
    chipId?: string;
    fleetId?: string;
    distinctChips?: boolean;
  }): Promise<number>;

  dailySummary(): Promise<DailySummary>;

  /** Resolves when the database answers (readiness). */
  ping(): Promise<void>;
  /** The fleet page's data in one call: every chip (of one fleet when given), oldest first. */
  fleetOverview(input: { fleetId?: string; dayStart: string; dayMs: number; days: number }): Promise<FleetOverviewRow[]>;
  /** A chip's story: per program day counts and health, promotions, recent conversations, operator actions. */
  chipHistory(input: { chipId: string; dayMs: number; conversations: number }): Promise<ChipHistory>;
  /** The chip's latest conversations, either side, newest first. */
  recentConversations(input: { chipId: string; limit: number }): Promise<ConversationSummary[]>;
  /** The audit trail of operator actions (who, when, why). */
  recordOperatorAction(input: {
    chipId: string | null;
    action: OperatorActionKind;
    actor: string;
    reason?: string | null;
    source: 'console' | 'cli';
  }): Promise<OperatorAction>;
  listOperatorActions(filter?: { chipId?: string; limit?: number }): Promise<OperatorAction[]>;

  /**
   * Records a fact's outbound event once: its id is derived from `key`, so a second call with the same
   * key returns the first event unchanged. The chip's snapshot is taken at the first call.
   */
  recordEvent(input: {
    key: string;
    type: OutboundEventType;
    chipId: string | null;
    occurredAt: string;
    data: Record<string, unknown>;
  }): Promise<OutboundEventRecord>;
  getEvent(eventId: string): Promise<OutboundEventRecord | null>;
  /** Undelivered events recorded since `since` and before `olderThan`, oldest first. */
  pendingEvents(filter: { since?: string; olderThan?: string; type?: OutboundEventType; limit?: number }): Promise<OutboundEventRecord[]>;
  recordEventAttempt(input: { eventId: string; error: string }): Promise<void>;
  markEventDelivered(input: { eventId: string; at: string }): Promise<void>;

  /**
   * Records the chip's adaptive ramp (level of its last warning sign and that sign's program day) and
   * quarantine; the last line's cap check then uses the effective cap. True when the chip enters quarantine now.
   */
  recordStanding(input: {
    chipId: string;
    rampLevel: number;
    rampDay: string | null;
    rampReason: string | null;
    quarantined: boolean;
    quarantineReason: string | null;
    at: string;
  }): Promise<boolean>;
  /** Chips (warming or paused) whose cap is reduced on `day` or that are in quarantine. */
  chipStandings(input: { day: string }): Promise<ChipStandingRecord[]>;
}
