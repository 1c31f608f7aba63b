/** The profile checklist port over its SQL functions (supabase/migrations/*_profile_checklist.sql). */
import type { ProfileStep } from '../../domain/profile-checklist';
import type { ProfileChecklistPort, ProfileStepRecord } from './ports/profile-checklist';
import { type Row, textOrNull, toIsoOrNull, toNumber } from './rows';
import type { RpcCalls } from './rpc-types';

function toStep(row: Row): ProfileStepRecord {
  return {
    step: String(row.step) as ProfileStep,
    doneAt: toIsoOrNull(row.done_at),
    doneBy: textOrNull(row.done_by) as ProfileStepRecord['doneBy'],
    attempts: toNumber(row.attempts ?? 0),
    lastError: textOrNull(row.last_error),
    lastAttemptAt: toIsoOrNull(row.last_attempt_at),
  };
}

/** jsonb comes back as text (pg, PGlite: the transport casts) or as JSON (PostgREST). */
function jsonObject(value: unknown): Row {
  const parsed: unknown = typeof value === 'string' ? JSON.parse(value) : value;
  if (parsed === null || typeof parsed !== 'object') throw new TypeError(`Not a JSON object: ${String(value)}`);
  return parsed as Row;
}

export function rpcProfileChecklist(calls: RpcCalls): ProfileChecklistPort {
  return {
    async beginProfileSteps(input) {
      const row = jsonObject(
        await calls.value('warmup_begin_profile_steps', {
          p_chip_id: input.chipId,
          p_name_candidates: input.nameCandidates,
          p_about_candidates: input.aboutCandidates,
        }),
      );
      return {
        fleetId: String(row.fleet_id),
        steps: (Array.isArray(row.steps) ? (row.steps as Row[]) : []).map(toStep),
        name: textOrNull(row.name),
        about: textOrNull(row.about),
      };
    },
    async recordProfileSteps(input) {
      const rows = await calls.rows('warmup_record_profile_steps', {
        p_chip_id: input.chipId,
        p_results: { results: input.results.map((r) => ({ step: r.step, ok: r.ok, error: r.error ?? null })) },
        p_at: input.at,
      });
      return rows.map(toStep);
    },
    async profileChecklist(input) {
      return (await calls.rows('warmup_profile_checklist', { p_chip_id: input.chipId })).map(toStep);
    },
    async markProfileStep(input) {
      const rows = await calls.rows('warmup_mark_profile_step', {
        p_chip_id: input.chipId,
        p_step: input.step,
        p_action: input.action,
        p_actor: input.actor,
        p_reason: input.reason ?? null,
        p_source: input.source,
      });
      return rows.map(toStep);
    },
  };
}
