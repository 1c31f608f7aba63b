/**
 * The planConversation activity: reads the ports, lets the planner (domain/planner.ts) decide, and
 * records what it decided. Every choice (whom to ask, for how long a dialogue, what a refusal
 * teaches) is the planner's; here are only the reads, the asks and the writes around them.
 */
import type { MediaLibrary } from '../adapters/media/media-library';
import { PAIRING } from '../domain/partners';
import { RefusalMemory, pairTopUp, partnersToAsk, shortlistPartners } from '../domain/planner';
import { seededRandom } from '../domain/random';
import type { ActivityDeps } from './deps';
import { releaseInterruptedPlan } from './interrupted-plan';
import type { openingSender } from './opening-turn';
import { applyMessageMix } from './turn-content';
import type { PlanConversationInput, PlanResult } from './types';

/** Mixed into the plan's seed for the message mix, so the mix never shifts the dialogue or partner choice. */
const MIX_SEED = 0x6d697820;

const iso = (ms: number) => new Date(ms).toISOString();

export function createPlanConversation(
  deps: ActivityDeps,
  media: MediaLibrary,
  openings: ReturnType<typeof openingSender>,
): (input: PlanConversationInput) => Promise<PlanResult> {
  const { db, dialogues, chips } = deps;
  // Per worker: what partners said of their caps today.
  const refusals = new RefusalMemory();

  return async (input) => {
    const startedAtMs = Date.now();
    const log = input.healthLog;
    if (log) await db.recordHealth({ chipId: input.initiator.chipId, score: log.score, factors: log.factors, at: iso(log.atMs) });
    // A retry of a plan that got as far as its conversation (on this worker) returns the same plan:
    // the partner is reserved and recorded, and the opening's claim makes resending it a no-op.
    const known = input.sendOpening ? openings.recall(input.conversationId) : undefined;
    if (known) return { kind: 'planned', plan: await openings.open({ ...known, planStartedAtMs: startedAtMs }) };
    if (await releaseInterruptedPlan({ db, chips, log: deps.log }, input, iso(startedAtMs)))
      return { kind: 'none', reason: 'planner_error' };
    // The breaker's state is in the database: a chip that missed its pause signal still stops here.
    if (await db.fleetBreakerOpen({ chipId: input.initiator.chipId })) return { kind: 'none', reason: 'partners_unavailable' };
    const random = seededRandom(input.seed);
    const query = {
      chipId: input.initiator.chipId,
      day: input.day,
      maxDailyInteractions: PAIRING.maxDailyInteractions,
      // Conversations are recorded at the worker's time; one older than the longest lease holds nobody.
      busySince: iso(Date.now() - input.leaseMs),
    };
    const topUp = pairTopUp(input.topUpPairs);
    const ensurePairs = () => db.ensurePairs({ chipId: input.initiator.chipId, maxPartners: PAIRING.maxPartners, seed: input.seed });
    if (topUp.before) await ensurePairs();
    let all = await db.planCandidates(query);
    if (all.length === 0 && topUp.ifNoneFound) {
      await ensurePairs();
      all = await db.planCandidates(query);
    }
    const shortlist = shortlistPartners(all, {
      quarantined: Boolean(input.quarantined),
      clock: input.clock,
      atMs: input.atMs,
      maxTurns: input.maxTurns,
    });
    if (shortlist.kind === 'miss') return { kind: 'none', reason: shortlist.reason };
    const dialogue = await dialogues.next({ maxTurns: shortlist.maxTurns, random, preferLongest: true });
    if (!dialogue) return { kind: 'none', reason: 'no_dialogue' };
    const ask = partnersToAsk(shortlist.free, {
      turns: dialogue.turns.length,
      day: input.day,
      atMs: input.atMs,
      clock: input.clock,
      paceScale: input.paceScale ?? 0,
      phase: input.phase,
      health: input.health,
      random,
      refusals,
    });
    if (ask.kind === 'miss') return { kind: 'none', reason: ask.reason };
    const { round } = ask;
    for (const candidate of round.asked) {
      if (!round.worthAsking(candidate)) continue;
      const answer = await chips.reserve(candidate.chipId, {
        conversationId: input.conversationId,
        initiatorChipId: input.initiator.chipId,
        sends: round.sends,
        leaseMs: input.leaseMs,
        quarantined: Boolean(input.quarantined),
      });
      if (!answer.accepted) {
        round.refused(candidate, answer.refusal);
        continue;
      }
      await db.createConversation({
        id: input.conversationId,
        chipA: input.initiator.chipId,
        chipB: candidate.chipId,
        dialogueId: dialogue.id,
        turns: dialogue.turns.length,
        at: iso(Date.now()),
        // The interaction is counted here, checked against the daily limit in the same write.
        day: input.day,
        maxDailyInteractions: PAIRING.maxDailyInteractions,
        maxPartners: PAIRING.maxPartners,
      });
      const partner = { chipId: candidate.chipId, phone: candidate.phone, instanceName: candidate.instanceName };
      // Each side's turns follow its own phase's message mix (text only in primeiros_contatos).
      const mixed = applyMessageMix(dialogue, { A: input.phase, B: candidate.phase }, seededRandom(input.seed ^ MIX_SEED), media);
      const plan = { conversationId: input.conversationId, partner, dialogue: mixed };
      if (!input.sendOpening) return { kind: 'planned', plan };
      return {
        kind: 'planned',
        plan: await openings.open({ ...plan, initiator: input.initiator, paceScale: input.paceScale ?? 1, planStartedAtMs: startedAtMs }),
      };
    }
    return { kind: 'none', reason: round.miss };
  };
}
