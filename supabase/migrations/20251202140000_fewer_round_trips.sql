-- Fewer database round trips per warm-up message (README, "Performance"): each function below is one
-- call that does what two or three calls did, by calling the functions that hold the rules
-- (warmup_begin_turn, warmup_complete_turn, warmup_finish_conversation, warmup_record_pair_interaction,
-- warmup_partner_candidates_with_standing, warmup_ramp_cap). Those are not redefined here, so a change to their rules applies to
-- these calls too.

-- Confirms the previous turn of the conversation (its send, provider message id and counters), then
-- claims the next one: the confirmation of turn k rides on the claim of turn k+1. One transaction: a
-- claim that is refused (cap, not warming, pair inactive) rolls the confirmation back too, and the
-- caller then confirms it on its own (src/activities/turn-trips.ts).
create or replace function warmup_confirm_and_claim(
  p_previous_key text, p_previous_provider_message_id text, p_previous_text_length integer, p_previous_at timestamptz,
  p_key text, p_conversation_id text, p_turn integer, p_sender_id text, p_receiver_id text, p_at timestamptz,
  p_day text default null, p_previous_kind text default null
) returns text
language plpgsql
set search_path = public, pg_temp
as $$
begin
  if p_previous_key is not null then
    perform warmup_complete_turn(p_previous_key, p_previous_provider_message_id, p_previous_text_length, p_previous_at);
    -- A reaction, sticker, image or voice note: its kind rides on the same trip.
    if coalesce(p_previous_kind, 'text') <> 'text' then
      perform warmup_record_turn_kind(p_previous_key, p_previous_kind);
    end if;
  end if;
  return warmup_begin_turn(p_key, p_conversation_id, p_turn, p_sender_id, p_receiver_id, p_at, p_day);
end;
$$;

-- Closes a conversation in one call: confirms its last sent turn when one is still unconfirmed
-- (p_key), closes it, and counts the pair's interaction when a turn was delivered (keyed by the
-- conversation, so a repeat is a no-op).
create or replace function warmup_complete_and_finish(
  p_key text, p_provider_message_id text, p_text_length integer, p_completed_at timestamptz,
  p_conversation_id text, p_turns_delivered integer, p_outcome text, p_at timestamptz,
  p_chip_a text, p_chip_b text, p_day text, p_kind text default null
) returns void
language plpgsql
set search_path = public, pg_temp
as $$
begin
  if p_key is not null then
    perform warmup_complete_turn(p_key, p_provider_message_id, p_text_length, p_completed_at);
    if coalesce(p_kind, 'text') <> 'text' then
      perform warmup_record_turn_kind(p_key, p_kind);
    end if;
  end if;
  perform warmup_finish_conversation(p_conversation_id, p_turns_delivered, p_outcome, p_at);
  if coalesce(p_turns_delivered, 0) > 0 then
    perform warmup_record_pair_interaction(p_chip_a, p_chip_b, p_day, p_conversation_id, null);
  end if;
end;
$$;

-- The partner candidates with what the planner needs to ask only those that can say yes: the sends
-- each claimed on p_day (its cap is its phase's) and whether it is in a conversation still open that
-- started after p_busy_since (one older than the longest lease no longer holds the partner).
create or replace function warmup_plan_candidates(
  p_chip_id text, p_day text, p_max_daily_interactions integer, p_busy_since timestamptz
) returns table (
  chip_id uuid, phone text, instance_name text, phase text, interactions_today integer,
  health integer, quarantined boolean, cap_today integer, claimed_today integer, in_conversation boolean
)
language sql stable
set search_path = public, pg_temp
as $$
  select c.chip_id, c.phone, c.instance_name, c.phase, c.interactions_today, c.health, c.quarantined,
    -- The effective cap (adaptive ramp), as warmup_begin_turn applies it.
    warmup_ramp_cap(c.phase, ch.ramp_level, ch.ramp_dia, warmup_parse_day(p_day)),
    (select count(*)::integer from warmup_interactions i
      where i.chip_id = c.chip_id and i.tipo = 'msg_enviada' and i.dia = warmup_parse_day(p_day)),
    exists (select 1 from warmup_conversations v
      where (v.chip_a = c.chip_id or v.chip_b = c.chip_id) and v.completed_at is null and v.started_at >= p_busy_since)
  from warmup_partner_candidates_with_standing(p_chip_id, p_day, p_max_daily_interactions) c
  join warmup_chips ch on ch.id = c.chip_id;
$$;

-- Whether the chip has a turn claimed since p_since whose send is not confirmed yet: a delivery
-- failure for a message id not recorded yet may be about it (its id is recorded by the next turn's claim).
create or replace function warmup_unconfirmed_turn_pending(p_chip_id text, p_since timestamptz) returns boolean
language sql stable
set search_path = public, pg_temp
as $$
  select exists (
    select 1 from warmup_interactions i
    where i.chip_id = (warmup_chip(p_chip_id, false)).id and i.tipo = 'msg_enviada' and i.estado = 'in_flight'
      and i.created_at >= p_since
  );
$$;

-- Only the service role (Supabase) or the owner (plain Postgres, PGlite) may call the new functions.
do $$
declare
  f record;
  r text;
begin
  for f in
    select p.oid::regprocedure as signature
    from pg_proc p join pg_namespace n on n.oid = p.pronamespace
    where n.nspname = 'public'
      and p.proname in ('warmup_confirm_and_claim', 'warmup_complete_and_finish', 'warmup_plan_candidates',
                        'warmup_unconfirmed_turn_pending')
  loop
    execute format('revoke all on function %s from public', f.signature);
    foreach r in array array['anon', 'authenticated'] loop
      if exists (select 1 from pg_roles where rolname = r) then
        execute format('revoke all on function %s from %I', f.signature, r);
      end if;
    end loop;
    if exists (select 1 from pg_roles where rolname = 'service_role') then
      execute format('grant execute on function %s to service_role', f.signature);
    end if;
  end loop;
end;
$$;
