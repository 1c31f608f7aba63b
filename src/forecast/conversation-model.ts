/**
 * One simulated conversation, as the real ConversationWorkflow would hold it: a dialogue drawn like
 * the built-in library source draws it for the planner (uniformly among the longest that fit), paced turn by turn with the
 * human pacing of domain/pacing, and each side's report built the way the workflow builds it.
 *
 * Reply rate: in the real system dialogues alternate A/B, so every turn after the first is a reply.
 * `replyRate` < 1 models partners that answer less: each turn after the first is sent with that
 * probability, and the first message left unanswered ends the conversation there.
 */
import type { ConversationReport } from '../domain/chip-state';
import { turnPacing } from '../domain/pacing';
import { type Random, pickOne } from '../domain/random';
import { DIALOGUE_LIBRARY } from '../adapters/dialogue/library';

/** Turn counts of the built-in dialogue library (what the dialogue source draws from). */
export const LIBRARY_TURN_COUNTS: readonly number[] = DIALOGUE_LIBRARY.map((d) => d.turns.length);

/** A dialogue length drawn as createLibrarySource draws one for the planner (the longest that fits); null when none fits. */
export function drawDialogueTurns(
  random: Random,
  maxTurns: number,
  lengths: readonly number[] = LIBRARY_TURN_COUNTS,
  preferLongest = true,
): number | null {
  const fitting = lengths.filter((n) => n <= maxTurns);
  if (fitting.length === 0) return null;
  const longest = Math.max(...fitting);
  return pickOne(random, preferLongest ? fitting.filter((n) => n === longest) : fitting);
}

export interface HeldConversation {
  /** Turns actually delivered (fewer than the dialogue's when a message was left unanswered). */
  delivered: number;
  /** Real milliseconds from the first turn to the last (the workflow's durable gaps). */
  durationMs: number;
  /** Gaps waited between turns: one durable timer each. */
  timers: number;
  a: ConversationReport;
  b: ConversationReport;
}

export function holdConversation(
  conversationId: string,
  turns: number,
  paceScale: number,
  replyRate: number,
  random: Random,
): HeldConversation {
  const sent = { A: 0, B: 0 };
  const replied = { A: 0, B: 0 };
  let durationMs = 0;
  let timers = 0;
  let lastFrom: 'A' | 'B' | null = null;
  for (let index = 0; index < turns; index++) {
    if (index > 0 && replyRate < 1 && random() >= replyRate) break;
    const from = index % 2 === 0 ? 'A' : 'B';
    // Only the gap is waited in the workflow; thinking and typing happen inside the turn's activity.
    const wait = turnPacing(random, index, '', paceScale).waitBeforeMs;
    if (wait > 0) {
      durationMs += wait;
      timers++;
    }
    sent[from]++;
    if (lastFrom !== null && lastFrom !== from) replied[lastFrom]++;
    lastFrom = from;
  }
  const delivered = sent.A + sent.B;
  const twoWay = sent.A > 0 && sent.B > 0;
  const report = (me: 'A' | 'B'): ConversationReport => {
    const other = me === 'A' ? 'B' : 'A';
    return { conversationId, sent: sent[me], received: sent[other], replied: replied[me], twoWay, outcome: 'completed' };
  };
  return { delivered, durationMs, timers, a: report('A'), b: report('B') };
}
