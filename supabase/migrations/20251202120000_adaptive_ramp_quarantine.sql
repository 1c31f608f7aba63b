-- The adaptive ramp and quarantine (README "The warm-up program"): the chip's workflow records its ramp
-- (the level of its last warning sign and that sign's program day) and whether it is in quarantine; the
-- last line's cap check uses the effective cap of the turn's day, partner candidates carry their
-- standing, and a turn to a receiver that is paused, banned or retired is refused.
--
-- New error (SQLSTATE, message prefix = typed error of src/domain/errors.ts):
--   WR020 ReceiverNotWarming

-- ---------------------------------------------------------------- schema additions

alter table warmup_chips add column if not exists ramp_level integer not null default 0;
alter table warmup_chips add column if not exists ramp_dia date;
alter table warmup_chips add column if not exists ramp_motivo text;
alter table warmup_chips add column if not exists quarentena boolean not null default false;
alter table warmup_chips add column if not exists quarentena_motivo text;
alter table warmup_chips add column if not exists quarentena_desde timestamptz;
alter table warmup_chips drop constraint if exists warmup_chips_ramp_level_range;
alter table warmup_chips add constraint warmup_chips_ramp_level_range check (ramp_level between 0 and 2);

-- ---------------------------------------------------------------- the ramp's numbers

-- The ramp's level on a program day: held on the sign day and the next, then one step less per day.
-- Mirrors rampLevelOn in src/domain/ramp.ts (a contract test compares them day by day).
create or replace function warmup_ramp_level_on(p_level integer, p_ramp_day date, p_day date) returns integer
language sql immutable
set search_path = public, pg_temp
as $$
  select case
    when p_ramp_day is null or p_day is null or p_day < p_ramp_day then 0
    else greatest(0, coalesce(p_level, 0) - greatest(0, (p_day - p_ramp_day) - 1))
  end
$$;

-- The effective daily cap: the phase cap times the level's share (100%, 75%, 50%), rounded down.
-- Mirrors effectiveCap in src/domain/ramp.ts.
create or replace function warmup_ramp_cap(p_phase text, p_level integer, p_ramp_day date, p_day date) returns integer
language sql immutable
set search_path = public, pg_temp
as $$
  select floor(warmup_phase_daily_cap(p_phase) * case least(2, warmup_ramp_level_on(p_level, p_ramp_day, p_day))
    when 0 then 1.0 when 1 then 0.75 else 0.5 end)::integer
$$;

-- ---------------------------------------------------------------- the chip's standing

-- Records the chip's ramp and quarantine (the workflow writes it when either changes). Returns true
-- when the chip enters quarantine now (it was not in quarantine before).
create or replace function warmup_record_standing(
  p_chip_id text, p_ramp_level integer, p_ramp_day text, p_ramp_reason text,
  p_quarantined boolean, p_quarantine_reason text, p_at timestamptz
) returns boolean
language plpgsql
set search_path = public, pg_temp
as $$
declare
  v_chip warmup_chips;
  v_day date;
begin
  if p_ramp_level is null or p_ramp_level < 0 or p_ramp_level > 2 then
    perform warmup_invalid(format('the ramp level must be 0, 1 or 2, got %s.', coalesce(p_ramp_level::text, 'null')));
  end if;
  if p_ramp_day is not null then
    v_day := warmup_parse_day(p_ramp_day);
  end if;
  v_chip := warmup_chip(p_chip_id, true);
  update warmup_chips set
    ramp_level = case when v_day is null then 0 else p_ramp_level end,
    ramp_dia = v_day,
    ramp_motivo = case when v_day is null then null else p_ramp_reason end,
    quarentena = coalesce(p_quarantined, false),
    quarentena_motivo = case when coalesce(p_quarantined, false) then p_quarantine_reason end,
    quarentena_desde = case
      when not coalesce(p_quarantined, false) then null
      when v_chip.quarentena then v_chip.quarentena_desde
      else coalesce(p_at, now())
    end,
    updated_at = now()
  where id = v_chip.id;
  return coalesce(p_quarantined, false) and not v_chip.quarentena;
end;
$$;

-- Partner candidates (warmup_partner_candidates) with what partner choice also weighs: the candidate's
-- health and whether it is in quarantine (a quarantined chip pairs only with quarantined ones).
create or replace function warmup_partner_candidates_with_standing(p_chip_id text, p_day text, p_max_daily_interactions integer)
returns table (chip_id uuid, phone text, instance_name text, phase text, interactions_today integer, health integer, quarantined boolean)
language sql stable
set search_path = public, pg_temp
as $$
  select pc.chip_id, pc.phone, pc.instance_name, pc.phase, pc.interactions_today, c.health_score, c.quarentena
  from warmup_partner_candidates(p_chip_id, p_day, p_max_daily_interactions) pc
  join warmup_chips c on c.id = pc.chip_id
$$;

-- Chips whose cap is reduced on p_day or that are in quarantine: the daily summary, `warmer fleet` and
-- the console say why.
create or replace function warmup_chip_standings(p_day text)
returns table (chip_id uuid, instance_name text, phone text, fleet_id text, phase text, status text, cap_today integer,
               phase_cap integer, ramp_reason text, ramp_day text, quarantined boolean, quarantine_reason text)
language plpgsql stable
set search_path = public, pg_temp
as $$
#variable_conflict use_column
declare
  v_day date := warmup_parse_day(p_day);
begin
  return query
    select c.id, c.instance_name, c.telefone, c.fleet_id, c.fase_warmup, c.status,
           warmup_ramp_cap(c.fase_warmup, c.ramp_level, c.ramp_dia, v_day), warmup_phase_daily_cap(c.fase_warmup),
           c.ramp_motivo, c.ramp_dia::text, c.quarentena, c.quarentena_motivo
    from warmup_chips c
    where c.status in ('warming', 'paused')
      and (c.quarentena or warmup_ramp_level_on(c.ramp_level, c.ramp_dia, v_day) > 0)
    order by c.fleet_id, c.instance_name;
end;
$$;

-- ---------------------------------------------------------------- turns

-- Claims a turn before the send: 'new' when this call claimed it, otherwise the state of the earlier
-- claim with the same key ('in_flight' or 'sent'). The sender's row is locked, so two claims of one
-- sender are counted one after the other and never cross the cap together. The day the turn counts
-- on: p_day, else the conversation's, else p_at's São Paulo date. Redefined here (was
-- *_database_last_line.sql): the cap is the sender's effective cap of that day (warmup_ramp_cap), and a
-- receiver that is paused, banned or retired is refused (ReceiverNotWarming), so an operator's pause,
-- recorded before its signal, holds from the next turn on.
create or replace function warmup_begin_turn(
  p_key text, p_conversation_id text, p_turn integer, p_sender_id text, p_receiver_id text, p_at timestamptz,
  p_day text default null
) returns text
language plpgsql
set search_path = public, pg_temp
as $$
declare
  v_existing warmup_interactions;
  v_conv warmup_conversations;
  v_sender warmup_chips;
  v_receiver warmup_chips;
  v_pair_active boolean;
  v_day date;
  v_cap integer;
  v_claimed integer;
  v_id bigint;
begin
  if coalesce(btrim(p_key), '') = '' then
    perform warmup_invalid('a turn needs an idempotency key.');
  end if;
  select * into v_existing from warmup_interactions where idempotency_key = p_key;
  if found then
    if v_existing.tipo <> 'msg_enviada' then
      perform warmup_invalid(format('key %s is already used by a %s event.', quote_literal(p_key), v_existing.tipo));
    end if;
    return v_existing.estado;
  end if;

  select * into v_conv from warmup_conversations where id = p_conversation_id;
  if not found then
    perform warmup_invalid(format('conversation %s does not exist; create it first.', coalesce(quote_literal(p_conversation_id), 'null')));
  end if;
  if v_conv.completed_at is not null then
    perform warmup_invalid(format('conversation %s is finished (%s); no new turn can start.', v_conv.id, v_conv.outcome));
  end if;
  if p_turn is null or p_turn < 0 then
    perform warmup_invalid(format('turn must be a non-negative number, got %s.', coalesce(p_turn::text, 'null')));
  end if;
  if p_turn >= v_conv.turnos then
    perform warmup_refuse('WR008', 'TurnOutOfRange',
      format('conversation %s has %s turns (0 to %s); turn %s is not one of them.', v_conv.id, v_conv.turnos, v_conv.turnos - 1, p_turn));
  end if;
  if p_day is not null then
    v_day := warmup_parse_day(p_day);
  end if;
  v_sender := warmup_chip(p_sender_id, true);
  v_receiver := warmup_chip(p_receiver_id, false);
  if not ((v_sender.id = v_conv.chip_a and v_receiver.id = v_conv.chip_b)
       or (v_sender.id = v_conv.chip_b and v_receiver.id = v_conv.chip_a)) then
    perform warmup_invalid(format('sender and receiver must be the two chips of conversation %s.', v_conv.id));
  end if;

  -- Under the sender's lock: a concurrent claim with this key may have committed meanwhile.
  select * into v_existing from warmup_interactions where idempotency_key = p_key;
  if found then
    return v_existing.estado;
  end if;

  if v_sender.status <> 'warming' then
    perform warmup_refuse('WR007', 'ChipNotWarming',
      format('chip %s is %s; only a warming chip sends warm-up turns.', v_sender.id, v_sender.status));
  end if;
  if v_receiver.status in ('paused', 'banned', 'retired') then
    perform warmup_refuse('WR020', 'ReceiverNotWarming',
      format('chip %s is %s; no warm-up turn is sent to it.', v_receiver.id, v_receiver.status));
  end if;
  select active into v_pair_active from warmup_pairs where id = v_conv.pair_id;
  if not coalesce(v_pair_active, false) then
    perform warmup_refuse('WR009', 'PairInactive',
      format('the pair of conversation %s is no longer active; no new turn can start.', v_conv.id));
  end if;
  v_day := coalesce(v_day, v_conv.dia, (coalesce(p_at, now()) at time zone 'America/Sao_Paulo')::date);
  v_cap := coalesce(warmup_ramp_cap(v_sender.fase_warmup, v_sender.ramp_level, v_sender.ramp_dia, v_day), 0);
  select count(*) into v_claimed from warmup_interactions
  where chip_id = v_sender.id and tipo = 'msg_enviada' and dia = v_day;
  if v_claimed >= v_cap then
    perform warmup_refuse('WR010', 'DailyCapReached',
      format('chip %s (phase %s) already claimed %s of its %s sends on %s (phase cap %s).', v_sender.id, v_sender.fase_warmup, v_claimed,
             v_cap, v_day, warmup_phase_daily_cap(v_sender.fase_warmup)));
  end if;
  if exists (select 1 from warmup_interactions
             where conversation_id = v_conv.id and turno = p_turn and tipo = 'msg_enviada' and idempotency_key <> p_key) then
    perform warmup_invalid(format('turn %s of conversation %s is already claimed under another key.', p_turn, v_conv.id));
  end if;

  insert into warmup_interactions
    (chip_id, tipo, conversation_id, turno, peer_chip_id, destinatario, midia_tipo, estado, idempotency_key, created_at, dia)
  values
    (v_sender.id, 'msg_enviada', v_conv.id, p_turn, v_receiver.id, v_receiver.telefone, 'text', 'in_flight', p_key, coalesce(p_at, now()), v_day)
  on conflict (idempotency_key) do nothing
  returning id into v_id;
  if v_id is null then
    return (select estado from warmup_interactions where idempotency_key = p_key);
  end if;
  return 'new';
end;
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
      and p.proname in ('warmup_ramp_level_on', 'warmup_ramp_cap', 'warmup_record_standing',
                        'warmup_partner_candidates_with_standing', 'warmup_chip_standings', 'warmup_begin_turn')
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
