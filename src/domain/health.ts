/**
 * Health score 0-100. A new chip starts at 40 and earns the rest: age, two-way activity, replies and
 * a balanced sent/received ratio add; inactivity, delivery failures and warnings take away.
 * Each factor's points are returned so the health log shows why a score moved.
 */
export const HEALTH_BASE = 40;

export interface HealthInputs {
  ageDays: number;
  sentTotal: number;
  receivedTotal: number;
  /** Conversations in which both chips sent at least one message. */
  twoWayConversations: number;
  /** 0..1 */
  replyRate: number;
  /** Whole program days since the last conversation, counted only once the chip may send. */
  inactiveDays: number;
  /** Failed deliveries and provider errors over the last program day. */
  providerErrors: number;
  /** Warnings raised against the chip over the last program day. */
  warnings: number;
}

export interface HealthScore {
  score: number;
  factors: Record<string, number>;
}

const cap = (value: number, max: number) => Math.min(max, Math.max(0, value));

export function healthScore(input: HealthInputs): HealthScore {
  const ratio = input.receivedTotal > 0 ? input.sentTotal / input.receivedTotal : input.sentTotal > 0 ? Infinity : 1;
  const factors: Record<string, number> = {
    base: HEALTH_BASE,
    // Enough for a silent chip to clear setup's 45 on its third day, and no more than 10.
    age: cap(2 * input.ageDays, 10),
    sent: cap(input.sentTotal / 30, 10),
    received: cap(input.receivedTotal / 30, 10),
    conversations: cap(input.twoWayConversations / 4, 15),
    replies: input.sentTotal > 0 ? cap(input.replyRate * 15, 10) : 0,
    balance: input.sentTotal === 0 ? 0 : ratio >= 0.67 && ratio <= 1.5 ? 5 : ratio > 3 ? -10 : 0,
    inactivity: -cap(5 * Math.max(0, input.inactiveDays - 1), 20),
    errors: -cap(3 * input.providerErrors, 20),
    warnings: -cap(10 * input.warnings, 30),
  };
  // `+ 0` turns -0 (no penalty) into 0 so logged factors read cleanly.
  for (const key of Object.keys(factors)) factors[key] = Math.round(factors[key]! * 10) / 10 + 0;
  const total = Object.values(factors).reduce((sum, v) => sum + v, 0);
  return { score: Math.round(Math.min(100, Math.max(0, total))), factors };
}

/** Replies received over messages sent, 0 when nothing was sent. */
export function replyRate(sent: number, replied: number): number {
  return sent > 0 ? Math.min(1, replied / sent) : 0;
}
