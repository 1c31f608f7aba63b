/** Status posts ("stories") a chip makes for its fleet: claimed before they go out, then settled. */

/** What a claim answered: 'new' (this call claimed it: post to `viewers`), an earlier claim's state, or nobody to see it. */
export type StatusPostClaimState = 'new' | 'claimed' | 'sent' | 'failed' | 'no_viewers';

export interface StatusPostCounts {
  chipId: string;
  /** Posts sent on the day asked. */
  today: number;
  total: number;
}

export interface StatusPostsPort {
  /**
   * Claims a status post (warmup_claim_status_post): refused when the chip is not warming
   * (ChipNotWarming), when it already claimed its phase's daily status limit on `day` (DailyCapReached),
   * or when a viewer given is not another chip of its fleet (OutsideFleet). Without `viewers` the
   * database names the chip's fleet. A repeated key answers the first claim's state.
   */
  claimStatusPost(input: {
    key: string;
    chipId: string;
    day: string;
    type: 'text' | 'image';
    content: string;
    at: string;
    viewers?: string[];
  }): Promise<{ state: StatusPostClaimState; viewers: string[] }>;
  /** Settles a claimed post as sent or failed; a settled post keeps its outcome. Answers its state. */
  finishStatusPost(input: {
    key: string;
    sent: boolean;
    providerMessageId: string | null;
    error: string | null;
    at: string;
  }): Promise<string>;
  /** Sent posts per chip, on `day` and in all (one chip with `chipId`). */
  statusPostCounts(input: { day: string; chipId?: string }): Promise<StatusPostCounts[]>;
}
