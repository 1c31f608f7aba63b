-- warmup_partner_candidates_with_standing answered a port call that only the tests made; the planner
-- reads its candidates through warmup_plan_candidates alone. That function now takes the candidates'
-- health and quarantine from the chips it already joins, and the wrapper goes. Same signature, result
-- and grants as before (create or replace keeps them); the rules stay in warmup_partner_candidates and
-- warmup_ramp_cap.
create or replace function warmup_plan_candidates(
  p_chip_id text, p_day text, p_max_daily_interactions integer, p_busy_since timestamptz
) returns table (
  chip_id uuid, phone text, instance_name text, phase text, interactions_today integer,
  health integer, quarantined boolean, cap_today integer, claimed_today integer, in_conversation boolean
)
language sql stable
set search_path = public, pg_temp
as $$
  select c.chip_id, c.phone, c.instance_name, c.phase, c.interactions_today, ch.health_score, ch.quarentena,
    -- The effective cap (adaptive ramp), as warmup_begin_turn applies it.
    warmup_ramp_cap(c.phase, ch.ramp_level, ch.ramp_dia, warmup_parse_day(p_day)),
    (select count(*)::integer from warmup_interactions i
      where i.chip_id = c.chip_id and i.tipo = 'msg_enviada' and i.dia = warmup_parse_day(p_day)),
    exists (select 1 from warmup_conversations v
      where (v.chip_a = c.chip_id or v.chip_b = c.chip_id) and v.completed_at is null and v.started_at >= p_busy_since)
  from warmup_partner_candidates(p_chip_id, p_day, p_max_daily_interactions) c
  join warmup_chips ch on ch.id = c.chip_id;
$$;

drop function if exists warmup_partner_candidates_with_standing(text, text, integer);
