/** The pairs port over its SQL functions: pairs topped up and rotated, and the planner's candidates. */
import type { PairsPort } from './ports/pairs';
import { toBoolean, toNumber, toPartnerCandidate } from './rows';
import type { RpcCalls } from './rpc-types';

/** Seeds travel as bigint; any finite number is accepted and truncated. */
function seedOf(seed: number): number {
  if (!Number.isFinite(seed)) return 0;
  return Math.trunc(seed);
}

export function rpcPairs(calls: RpcCalls): PairsPort {
  return {
    async ensurePairs(input) {
      return toNumber(
        await calls.value('warmup_ensure_pairs', {
          p_chip_id: input.chipId,
          p_max_partners: input.maxPartners,
          p_seed: seedOf(input.seed),
        }),
      );
    },

    async rotatePairs(input) {
      const [row] = await calls.rows('warmup_rotate_pairs', {
        p_older_than_days: input.olderThanDays,
        p_max_partners: input.maxPartners,
        p_at: input.at,
        p_seed: seedOf(input.seed),
      });
      return { deactivated: toNumber(row?.deactivated ?? 0), created: toNumber(row?.created ?? 0) };
    },

    async planCandidates(input) {
      const rows = await calls.rows('warmup_plan_candidates', {
        p_chip_id: input.chipId,
        p_day: input.day,
        p_max_daily_interactions: input.maxDailyInteractions,
        p_busy_since: input.busySince,
      });
      return rows.map((row) => ({
        ...toPartnerCandidate(row),
        capToday: toNumber(row.cap_today),
        claimedToday: toNumber(row.claimed_today),
        inConversation: toBoolean(row.in_conversation),
      }));
    },
  };
}
