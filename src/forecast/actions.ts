/**
 * Temporal billable actions, counted the way bench/lifecycle.ts counts them from real histories
 * (bench/lib.ts `billable`): client starts, child starts (2 each), continue-as-new, timers, signals,
 * updates (accepted and rejected), activity attempts and search-attribute upserts (estimated from the
 * same code paths the bench uses: one per run, promotion, daily health log and persisted status).
 */
export interface ActionCounts {
  starts: number;
  childStarts: number;
  continueAsNew: number;
  timers: number;
  signals: number;
  updates: number;
  activityAttempts: number;
  upserts: number;
}

export const PRICE_PER_MILLION_ACTIONS_USD = 50;

export function emptyActions(): ActionCounts {
  return { starts: 0, childStarts: 0, continueAsNew: 0, timers: 0, signals: 0, updates: 0, activityAttempts: 0, upserts: 0 };
}

export function totalActions(a: ActionCounts): number {
  return a.starts + a.childStarts + a.continueAsNew + a.timers + a.signals + a.updates + a.activityAttempts + a.upserts;
}

export function costUsd(actions: number): number {
  return (actions / 1_000_000) * PRICE_PER_MILLION_ACTIONS_USD;
}

/**
 * History events each step adds to the chip's own workflow history (a workflow task is 3 events).
 * Only used to place continue-as-new: the count is an estimate, not a reading of real histories.
 */
export const HISTORY_EVENTS = {
  start: 5,
  timer: 5,
  activity: 6,
  childConversation: 9,
  signal: 4,
  acceptedUpdate: 5,
  continueAsNew: 1,
} as const;

/** The server suggests continue-as-new from this many events (Temporal's default history count suggestion). */
export const SUGGEST_CONTINUE_AS_NEW_EVENTS = 4 * 1024;
