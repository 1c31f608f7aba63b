/**
 * What the group conversation asks of the outside world (closed groups of the fleet, see
 * src/domain/group-rules.ts). Workflows import these *types* only.
 */
import type { TurnConfirmation } from '../adapters/db/port';
import type { Phase } from '../domain/phases';
import type { ChipRef } from './types';

export interface PlanGroupConversationInput {
  initiator: ChipRef;
  phase: Phase;
  conversationId: string;
  /** Upper bound on turns (all speakers together); the initiator says at most half of them, rounded up. */
  maxTurns: number;
  /** Program day (YYYY-MM-DD) the messages count on. */
  day: string;
  atMs: number;
  /** From the workflow's seeded random: a retried plan makes the same choices. */
  seed: number;
  /** Real ms each speaker's reservation lasts if the conversation never reports back. */
  leaseMs: number;
  /** Real-time pacing multiplier, for the typing shown before the opening the plan sends. */
  paceScale?: number;
}

export interface GroupConversationPlan {
  conversationId: string;
  groupJid: string;
  groupName: string;
  /** Who speaks: [0] is the initiator, the others were reserved through their own workflows. */
  speakers: ChipRef[];
  /** Each turn's speaker (index into `speakers`) and text. */
  turns: { speaker: number; text: string }[];
  /** The first turn, sent by the plan (one billed activity fewer); absent when it could not be sent there. */
  opening?: { confirm?: TurnConfirmation };
}

/** `reason` is why there is no group conversation now (the slot then holds a one-to-one one). */
export type GroupPlanResult = { kind: 'planned'; plan: GroupConversationPlan } | { kind: 'none'; reason: string };

export interface DeliverGroupTurnInput {
  conversationId: string;
  turn: number;
  /** Idempotency key: conversation id + turn. */
  key: string;
  sender: ChipRef;
  groupJid: string;
  text: string;
  thinkMs: number;
  typingMs: number;
  day: string;
  /** The previous message's confirmation, recorded by this turn's claim. */
  previous?: TurnConfirmation;
  /** The conversation's last turn: it closes the conversation as completed in the same activity. */
  last?: boolean;
}

export interface DeliveredGroupTurn {
  alreadySent: boolean;
  /** What the next claim (or the closing) records. */
  confirm?: TurnConfirmation;
  /** The last message's activity closed the conversation (its confirmation with it). */
  closed?: boolean;
}

export interface FinishGroupConversationInput {
  conversationId: string;
  turnsDelivered: number;
  outcome: 'completed' | 'aborted' | 'failed' | 'cut_short';
  confirm?: TurnConfirmation;
}

export interface GroupActivities {
  planGroupConversation(input: PlanGroupConversationInput): Promise<GroupPlanResult>;
  deliverGroupTurn(input: DeliverGroupTurnInput): Promise<DeliveredGroupTurn>;
  finishGroupConversation(input: FinishGroupConversationInput): Promise<void>;
}
