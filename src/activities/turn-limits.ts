/**
 * A turn's deadline. Everything deliverTurn does must end before its activity's start-to-close
 * timeout (set by the conversation workflow), because a turn cut off after its claim ends the
 * conversation. The budget below splits that time so that the send always has room:
 *
 *   read receipt  <= READ_RECEIPT_BUDGET_MS (retries included)
 *   think         <= what the workflow passes (capped at 3 s there)
 *   typing        <= the typing time (capped at 8 s there) + PRESENCE_OVERHEAD_MS, and never into the send's reserve
 *   claim + send + completion  get the last SEND_RESERVE_MS; with less than SEND_MIN_MS left the
 *                  turn is not claimed (retried instead)
 *   everything    <= timeout - MARGIN_MS
 *
 * Outside an activity (unit tests call the functions directly) the budget is DEFAULT_TURN_TIMEOUT_MS.
 */
import { Context } from '@temporalio/activity';
import type { CallLimits } from '../adapters/messaging/port';
import { metrics } from '../observability/metrics';

export const DEFAULT_TURN_TIMEOUT_MS = 20_000;
/** Kept free at the end of the activity's timeout, for the answer to reach the server. */
export const MARGIN_MS = 1_000;
export const READ_RECEIPT_BUDGET_MS = 2_500;
export const PRESENCE_OVERHEAD_MS = 2_000;
/** Kept for the claim, the send and its completion: the cosmetic calls end this long before the deadline. */
export const SEND_RESERVE_MS = 4_000;
/** The least time left at which a turn is still claimed. */
export const SEND_MIN_MS = 3_000;
/** The send is cut this long before the deadline, for its completion to be written. */
export const DB_RESERVE_MS = 1_000;
const HEARTBEAT_EVERY_MS = 1_000;
/**
 * A heartbeat is a billed action, and no workflow here cancels a turn: it only lets a turn whose
 * conversation was terminated stop holding early. A hold planned shorter than this (every hold at the
 * default pace, WARMER_PACE=1: thinking <= 3 s, typing <= 5 s) is left to end by itself inside the turn's deadline;
 * a slowed pace's longer holds (WARMER_PACE > 1) heartbeat.
 */
export const HEARTBEAT_HOLD_MIN_MS = 6_000;

export interface TurnLimits {
  /** Epoch ms by which the turn must have ended. */
  readonly deadlineMs: number;
  /** The activity's cancellation, for fetch. */
  readonly signal?: AbortSignal;
  remainingMs(): number;
  /** Limits for one provider call: ends by `min(deadline - reserveMs, now + budgetMs)`. */
  call(budgetMs?: number, reserveMs?: number): CallLimits;
  /**
   * Awaits `work`, planned to last `plannedMs`; from HEARTBEAT_HOLD_MIN_MS on it heartbeats meanwhile,
   * and gives up at once if the activity is cancelled.
   */
  hold<T>(work: Promise<T>, plannedMs: number): Promise<T>;
}

/** The running activity's context, or undefined outside an activity. */
export function currentContext(): Context | undefined {
  try {
    return Context.current();
  } catch {
    return undefined; // not inside an activity
  }
}

/**
 * `fallbackTimeoutMs`: the budget when not running inside an activity (direct calls, tests).
 * `capMs`: a turn run inside a longer activity (the plan's opening turn) keeps a turn's budget.
 */
export function turnLimits(fallbackTimeoutMs = DEFAULT_TURN_TIMEOUT_MS, startedAtMs = Date.now(), capMs = Infinity): TurnLimits {
  const ctx = currentContext();
  const timeoutMs = Math.min(ctx?.info.startToCloseTimeoutMs || fallbackTimeoutMs, capMs);
  const deadlineMs = startedAtMs + timeoutMs - MARGIN_MS;
  const signal = ctx?.cancellationSignal;
  return {
    deadlineMs,
    signal,
    remainingMs: () => deadlineMs - Date.now(),
    call: (budgetMs = Number.POSITIVE_INFINITY, reserveMs = 0) => ({
      signal,
      deadlineMs: Math.min(deadlineMs - reserveMs, Date.now() + budgetMs),
    }),
    async hold<T>(work: Promise<T>, plannedMs: number): Promise<T> {
      if (!ctx || plannedMs < HEARTBEAT_HOLD_MIN_MS) return work;
      metrics.heartbeatingHolds.inc();
      ctx.heartbeat();
      const beat = setInterval(() => ctx.heartbeat(), HEARTBEAT_EVERY_MS);
      try {
        return await Promise.race([work, ctx.cancelled as Promise<never>]);
      } finally {
        clearInterval(beat);
      }
    },
  };
}
