/** The provider events and fleet breaker ports over their SQL functions (what the webhooks record and check). */
import type { FleetBreakerPort } from './ports/fleet-breaker';
import type { ProviderEventsPort } from './ports/provider-events';
import { toBoolean, toNumber } from './rows';
import type { RpcCalls } from './rpc-types';

export function rpcProviderEvents(calls: RpcCalls): ProviderEventsPort {
  return {
    async recordProviderEvent(input) {
      return toBoolean(
        await calls.value('warmup_record_provider_event', {
          p_chip_id: input.chipId,
          p_kind: input.kind,
          p_detail: input.detail ?? null,
          p_at: input.at,
          p_key: input.key ?? null,
        }),
      );
    },

    async forgetProviderEvent(input) {
      return toBoolean(await calls.value('warmup_forget_provider_event', { p_key: input.key }));
    },

    async sentMessageExists(input) {
      return toBoolean(
        await calls.value('warmup_sent_message_exists', { p_chip_id: input.chipId, p_provider_message_id: input.providerMessageId }),
      );
    },

    async countProviderEvents(input) {
      return toNumber(
        await calls.value('warmup_count_provider_events', {
          p_kinds: input.kinds,
          p_since: input.since,
          p_chip_id: input.chipId ?? null,
          p_distinct_chips: input.distinctChips ?? false,
          p_fleet_id: input.fleetId ?? null,
        }),
      );
    },
  };
}

export function rpcFleetBreaker(calls: RpcCalls): FleetBreakerPort {
  return {
    async tripFleetBreaker(input) {
      return toBoolean(
        await calls.value('warmup_trip_fleet_breaker', { p_fleet_id: input.fleetId, p_reason: input.reason, p_at: input.at }),
      );
    },

    async closeFleetBreaker(input) {
      return toNumber(await calls.value('warmup_close_fleet_breaker', { p_fleet_id: input.fleetId ?? null }));
    },

    async fleetBreakerOpen(input) {
      return toBoolean(
        await calls.value('warmup_fleet_breaker_open', { p_fleet_id: input.fleetId ?? null, p_chip_id: input.chipId ?? null }),
      );
    },
  };
}
