/**
 * The standing port (adaptive ramp and quarantine) over its SQL functions: recorded by the chip's
 * workflow, read by the daily summary, `warmer fleet` and the console.
 */
import type { Phase } from '../../domain/phases';
import type { ChipStandingRecord, StandingPort } from './ports/standing';
import { type Row, textOrNull, toBoolean, toNumber } from './rows';
import type { RpcCalls } from './rpc-types';

/** The function returns the day as text (YYYY-MM-DD), whatever the driver does with dates. */
const dayOrNull = (value: unknown): string | null => (value === null || value === undefined ? null : String(value).slice(0, 10));

function toChipStanding(row: Row): ChipStandingRecord {
  return {
    chipId: String(row.chip_id),
    instanceName: String(row.instance_name),
    phone: String(row.phone),
    fleetId: String(row.fleet_id),
    phase: String(row.phase) as Phase,
    status: String(row.status),
    capToday: toNumber(row.cap_today),
    phaseCap: toNumber(row.phase_cap),
    rampReason: textOrNull(row.ramp_reason),
    rampDay: dayOrNull(row.ramp_day),
    quarantined: toBoolean(row.quarantined),
    quarantineReason: textOrNull(row.quarantine_reason),
  };
}

export function rpcStanding(calls: RpcCalls): StandingPort {
  return {
    async recordStanding(input) {
      const entered = await calls.value('warmup_record_standing', {
        p_chip_id: input.chipId,
        p_ramp_level: input.rampLevel,
        p_ramp_day: input.rampDay,
        p_ramp_reason: input.rampReason,
        p_quarantined: input.quarantined,
        p_quarantine_reason: input.quarantineReason,
        p_at: input.at,
      });
      return toBoolean(entered);
    },

    async chipStandings(input) {
      return (await calls.rows('warmup_chip_standings', { p_day: input.day })).map(toChipStanding);
    },
  };
}
