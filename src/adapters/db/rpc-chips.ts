/** The chips and alerts ports over their SQL functions. Phones are stored canonical (E.164 digits). */
import { normalizePhone, phoneVariants } from '../../domain/phone';
import type { AlertsPort } from './ports/alerts';
import type { ChipRecord, ChipsPort } from './ports/chips';
import { toAlertRecord, toChipRecord, toNumber } from './rows';
import type { RpcArgs, RpcCalls } from './rpc-types';

export function rpcChips(calls: RpcCalls): ChipsPort {
  const oneChip = async (fn: string, args: RpcArgs): Promise<ChipRecord> => {
    const [row] = await calls.rows(fn, args);
    if (!row) throw new Error(`${fn} returned no chip`);
    return toChipRecord(row);
  };

  return {
    async registerChip(input) {
      return oneChip('warmup_register_chip', {
        p_phone: normalizePhone(input.phone),
        p_instance_name: input.instanceName,
        p_fleet_id: input.fleetId ?? null,
      });
    },

    async getChip(chipId) {
      return oneChip('warmup_get_chip', { p_chip_id: chipId });
    },

    async findChipByInstance(instanceName) {
      const [row] = await calls.rows('warmup_find_chip', { p_instance_name: instanceName, p_phone: null });
      return row ? toChipRecord(row) : null;
    },

    async findChipByPhone(phone) {
      let digits: string;
      try {
        digits = normalizePhone(phone);
      } catch {
        return null; // not a phone, so no chip has it
      }
      // Canonical first; the other form finds a chip stored before phones were canonical.
      for (const variant of phoneVariants(digits)) {
        const [row] = await calls.rows('warmup_find_chip', { p_instance_name: null, p_phone: variant });
        if (row) return toChipRecord(row);
      }
      return null;
    },

    async listChips(filter = {}) {
      const rows = await calls.rows('warmup_list_chips', { p_status: filter.status ?? null, p_fleet_id: filter.fleetId ?? null });
      return rows.map(toChipRecord);
    },

    async promoteChip(input) {
      return oneChip('warmup_promote_chip', {
        p_chip_id: input.chipId,
        p_from: input.from,
        p_to: input.to,
        p_health: input.health,
        p_reply_rate: input.replyRate,
        p_at: input.at,
      });
    },

    async restartChip(input) {
      return oneChip('warmup_restart_chip', { p_chip_id: input.chipId, p_by: input.by, p_reason: input.reason ?? null });
    },

    async setChipStatus(input) {
      await calls.value('warmup_set_chip_status', { p_chip_id: input.chipId, p_status: input.status, p_reason: input.reason ?? null });
    },

    async recordHealth(input) {
      await calls.value('warmup_record_health', {
        p_chip_id: input.chipId,
        p_score: input.score,
        p_factors: input.factors,
        p_at: input.at,
      });
    },
  };
}

export function rpcAlerts(calls: RpcCalls): AlertsPort {
  return {
    async openAlert(input) {
      const [row] = await calls.rows('warmup_open_alert', {
        p_chip_id: input.chipId,
        p_severity: input.severity,
        p_kind: input.kind,
        p_message: input.message,
        p_key: input.key ?? null,
      });
      if (!row) throw new Error('warmup_open_alert returned no alert');
      return toAlertRecord(row);
    },

    async resolveAlerts(input) {
      return toNumber(
        await calls.value('warmup_resolve_alerts', {
          p_chip_id: input.chipId ?? null,
          // undefined: alerts of any chip; null: fleet-wide alerts only; an id: that chip's alerts.
          p_match_chip: input.chipId !== undefined,
          p_kind: input.kind ?? null,
        }),
      );
    },

    async listAlerts(filter = {}) {
      const rows = await calls.rows('warmup_list_alerts', { p_open: filter.open ?? null, p_chip_id: filter.chipId ?? null });
      return rows.map(toAlertRecord);
    },
  };
}
