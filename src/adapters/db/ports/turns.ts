/** A conversation's life in the database: created, each turn claimed then confirmed, finished. */
export type TurnState = 'new' | 'in_flight' | 'sent';

/** `cut_short`: ended at the end of a window an outage held it past. */
export type ConversationOutcome = 'completed' | 'aborted' | 'failed' | 'cut_short';

/** A turn about to be sent, as claimed before the send. */
export interface TurnClaim {
  key: string;
  conversationId: string;
  turn: number;
  senderId: string;
  receiverId: string;
  at: string;
  day?: string;
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

export interface TurnsPort {
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
  beginTurn(input: TurnClaim): Promise<TurnState>;
  /** One transaction: turn marked sent, sender's sent and receiver's received counters, both reply rates. No-op if already sent. */
  completeTurn(input: { key: string; providerMessageId: string; textLength: number; at: string }): Promise<void>;
  /** Records a completed turn's kind (reaction, sticker, image, audio) on its sent and received rows; text is the default. */
  recordTurnKind(input: { key: string; kind: string }): Promise<void>;
  finishConversation(input: { conversationId: string; turnsDelivered: number; outcome: ConversationOutcome; at: string }): Promise<void>;

  /**
   * beginTurn, after confirming the previous turn of the conversation (completeTurn) in the same call.
   * One transaction: when the claim is refused, the confirmation is not recorded either.
   */
  confirmAndClaim(input: TurnClaim & { previous?: TurnConfirmation }): Promise<TurnState>;
  /**
   * completeTurn (when `confirm` is given), finishConversation and, with turns delivered, the pair's
   * interaction on `day` counted for both chips (once per conversation): one call.
   */
  completeAndFinish(input: {
    confirm?: TurnConfirmation;
    conversationId: string;
    turnsDelivered: number;
    outcome: ConversationOutcome;
    at: string;
    chipA: string;
    chipB: string;
    day: string;
  }): Promise<void>;
  /** Whether the chip has a turn claimed since `since` whose send is not confirmed yet. */
  unconfirmedTurnPending(input: { chipId: string; since: string }): Promise<boolean>;
}
