/** The console reads and operator actions ports over their SQL functions. */
import type { ConsoleReadsPort } from './ports/console-reads';
import type { OperatorActionsPort } from './ports/operator-actions';
import { toChipDay, toConversationSummary, toDailySummary, toFleetOverviewRow, toOperatorAction, toPhaseTransition } from './rows';
import type { RpcCalls } from './rpc-types';

/**
 * Promise.all that lets every read finish before it throws the first refusal: a read left running
 * after the call has answered holds locks its caller no longer expects (a truncate then deadlocks).
 */
async function allSettledOrThrow<T extends readonly unknown[] | []>(reads: T): Promise<{ -readonly [K in keyof T]: Awaited<T[K]> }> {
  const settled = await Promise.allSettled(reads);
  for (const outcome of settled) if (outcome.status === 'rejected') throw outcome.reason;
  return settled.map((outcome) => (outcome as PromiseFulfilledResult<unknown>).value) as { -readonly [K in keyof T]: Awaited<T[K]> };
}

export function rpcOperatorActions(calls: RpcCalls): OperatorActionsPort {
  return {
    async recordOperatorAction(input) {
      const [row] = await calls.rows('warmup_record_operator_action', {
        p_chip_id: input.chipId,
        p_action: input.action,
        p_actor: input.actor,
        p_reason: input.reason ?? null,
        p_source: input.source,
      });
      if (!row) throw new Error('warmup_record_operator_action returned no row');
      return toOperatorAction(row);
    },

    async listOperatorActions(filter = {}) {
      const rows = await calls.rows('warmup_list_operator_actions', { p_chip_id: filter.chipId ?? null, p_limit: filter.limit ?? 50 });
      return rows.map(toOperatorAction);
    },
  };
}

export function rpcConsoleReads(calls: RpcCalls): ConsoleReadsPort {
  const actions = rpcOperatorActions(calls);
  const recentConversations: ConsoleReadsPort['recentConversations'] = async (input) =>
    (await calls.rows('warmup_console_conversations', { p_chip_id: input.chipId, p_limit: input.limit })).map(toConversationSummary);

  return {
    async dailySummary() {
      const [row] = await calls.rows('warmup_daily_summary', {});
      return toDailySummary(row);
    },

    async fleetOverview(input) {
      const rows = await calls.rows('warmup_console_fleet', {
        p_fleet_id: input.fleetId ?? null,
        p_day_start: input.dayStart,
        p_day_ms: Math.round(input.dayMs),
        p_days: input.days,
      });
      return rows.map(toFleetOverviewRow);
    },

    async chipHistory(input) {
      const [days, transitions, conversations, operatorActions] = await allSettledOrThrow([
        calls.rows('warmup_console_chip_days', { p_chip_id: input.chipId, p_day_ms: Math.round(input.dayMs) }),
        calls.rows('warmup_console_transitions', { p_chip_id: input.chipId }),
        recentConversations({ chipId: input.chipId, limit: input.conversations }),
        actions.listOperatorActions({ chipId: input.chipId, limit: 50 }),
      ]);
      return {
        days: days.map(toChipDay),
        transitions: transitions.map(toPhaseTransition),
        conversations,
        actions: operatorActions,
      };
    },

    recentConversations,
  };
}
