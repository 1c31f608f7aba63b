-- The database as the last line: whatever a workflow asks, a turn is refused when its sender is not
-- warming, its index is outside the conversation, its pair is inactive or the sender's sends of that
-- program day (claims in flight included) reached its phase's cap; the daily interaction limit and
-- the partner limit are checked where they are written. Also: provider events say whether they are
-- new, the fleet breaker's state lives here, and Supabase's client roles lose sequences and default
-- EXECUTE.
--
-- New errors (SQLSTATE, message prefix = typed error of src/domain/errors.ts):
--   WR007 ChipNotWarming   WR008 TurnOutOfRange   WR009 PairInactive
--   WR010 DailyCapReached  WR011 InteractionLimitReached   WR012 PartnerLimitReached

-- ---------------------------------------------------------------- the program's numbers

-- Daily send cap per phase. Mirrors PHASE_TABLE in src/domain/phases.ts; a test compares the two
-- for every phase, so a change on one side alone fails the suite.
create or replace function warmup_phase_daily_cap(p_phase text) returns integer
language sql immutable
set search_path = public, pg_temp
as $$
  select case p_phase
    when 'setup' then 0
    when 'primeiros_contatos' then 10
    when 'expansao' then 30
    when 'pre_operacao' then 50
    when 'operacao' then 100
  end
$$;

-- Pairing limits. Mirror PAIRING in src/domain/partners.ts (checked by the same test).
create or replace function warmup_max_partners() returns integer
language sql immutable
set search_path = public, pg_temp
as $$ select 10 $$;

create or replace function warmup_max_daily_interactions() returns integer
language sql immutable
set search_path = public, pg_temp
as $$ select 15 $$;

create or replace function warmup_refuse(p_code text, p_name text, p_message text) returns void
language plpgsql
set search_path = public, pg_temp
as $$
begin
  raise exception using errcode = p_code, message = p_name || ': ' || p_message;
end;
$$;

-- ---------------------------------------------------------------- schema additions

-- The program day a conversation counts on (its sends and its interaction).
alter table warmup_conversations add column if not exists dia date;
-- The program day a claimed turn counts on, for the sender's daily cap.
alter table warmup_interactions add column if not exists dia date;
create index if not exists warmup_interactions_sender_day_idx
  on warmup_interactions (chip_id, dia) where tipo = 'msg_enviada';
create index if not exists warmup_interactions_provider_message_idx
  on warmup_interactions (chip_id, provider_message_id) where tipo = 'msg_enviada';

-- A provider report the provider's own connection state contradicted: kept, acting on nothing.
alter table warmup_interactions drop constraint warmup_interactions_tipo_check;
alter table warmup_interactions add constraint warmup_interactions_tipo_check check (tipo in (
  'msg_enviada', 'msg_recebida',
  'delivered', 'read', 'delivery_failed', 'inbound', 'disconnected', 'banned', 'connected', 'unconfirmed'
));

-- Keys of interactions already counted, so that a repeated count (a retried activity, a conversation
-- counted at its start and again at its end) is a no-op.
create table if not exists warmup_pair_interaction_keys (
  key text primary key,
  chip_a uuid not null references warmup_chips (id) on delete cascade,
  created_at timestamptz not null default now()
);

-- The fleet breaker's state: open from the trip until an operator resumes the fleet. Activities read
-- it, so a chip that missed the pause signal still stops planning.
create table if not exists warmup_fleet_breakers (
  fleet_id text primary key,
  open boolean not null default false,
  opened_at timestamptz,
  closed_at timestamptz,
  reason text,
  constraint warmup_fleet_breakers_fleet_present check (btrim(fleet_id) <> '')
);

-- ---------------------------------------------------------------- conversations

drop function if exists warmup_create_conversation(text, text, text, text, integer, timestamptz);

-- Counts one interaction of two chips on a day, at most p_max per chip: the check is in the write
-- (one upsert whose update only happens under the limit), so two concurrent counts cannot both pass.
-- A key already counted makes it a no-op; returns whether it counted now.
create or replace function warmup_count_interaction(
  p_a warmup_chips, p_b warmup_chips, p_day date, p_pair uuid, p_key text, p_max integer
) returns boolean
language plpgsql
set search_path = public, pg_temp
as $$
declare
  v_rows integer;
  v_max integer := coalesce(p_max, warmup_max_daily_interactions());
begin
  if v_max <= 0 then
    perform warmup_refuse('WR011', 'InteractionLimitReached', 'the daily interaction limit is 0.');
  end if;
  if p_key is not null then
    insert into warmup_pair_interaction_keys (key, chip_a) values (p_key, p_a.id) on conflict (key) do nothing;
    if not found then
      return false;
    end if;
  end if;
  insert into warmup_daily_interactions as d (chip_id, dia, interacoes)
  values (p_a.id, p_day, 1), (p_b.id, p_day, 1)
  on conflict (chip_id, dia) do update set interacoes = d.interacoes + 1 where d.interacoes < v_max;
  get diagnostics v_rows = row_count;
  if v_rows < 2 then
    perform warmup_refuse('WR011', 'InteractionLimitReached',
      format('chip %s or chip %s already had %s interactions on %s.', p_a.id, p_b.id, v_max, p_day));
  end if;
  update warmup_pairs set interacoes_total = interacoes_total + 1, last_interaction_day = p_day where id = p_pair;
  return true;
end;
$$;

-- The active pair of two chips of one fleet. A deactivated pair is refused (PairInactive); a missing
-- one is created only while both chips are under the partner limit (PartnerLimitReached).
create or replace function warmup_active_pair_of(p_a warmup_chips, p_b warmup_chips, p_at timestamptz, p_max_partners integer)
returns uuid
language plpgsql
set search_path = public, pg_temp
as $$
declare
  v_pair warmup_pairs;
  v_max integer := coalesce(p_max_partners, warmup_max_partners());
  v_full uuid;
begin
  perform warmup_require_same_fleet(p_a, p_b);
  select * into v_pair from warmup_pairs where chip_a = least(p_a.id, p_b.id) and chip_b = greatest(p_a.id, p_b.id);
  if found then
    if not v_pair.active then
      perform warmup_refuse('WR009', 'PairInactive',
        format('chips %s and %s are no longer paired (rotated out on %s).', p_a.id, p_b.id, v_pair.deactivated_at));
    end if;
    return v_pair.id;
  end if;
  perform warmup_lock_pairs();
  select c.id into v_full from warmup_chips c
  where c.id in (p_a.id, p_b.id)
    and (select count(*) from warmup_pairs q where q.active and (q.chip_a = c.id or q.chip_b = c.id)) >= v_max
  limit 1;
  if v_full is not null then
    perform warmup_refuse('WR012', 'PartnerLimitReached', format('chip %s already has %s active partners.', v_full, v_max));
  end if;
  return warmup_pair_of(p_a, p_b, p_at);
end;
$$;

-- Records a conversation between two chips of one fleet (repeating it with the same id is a no-op).
-- With p_day, its interaction is counted now for both chips, under the daily limit.
create or replace function warmup_create_conversation(
  p_id text, p_chip_a text, p_chip_b text, p_dialogue_id text, p_turns integer, p_at timestamptz,
  p_day text default null, p_max_daily_interactions integer default null, p_max_partners integer default null
) returns void
language plpgsql
set search_path = public, pg_temp
as $$
declare
  v_a warmup_chips;
  v_b warmup_chips;
  v_at timestamptz := coalesce(p_at, now());
  v_day date;
  v_pair uuid;
begin
  if exists (select 1 from warmup_conversations where id = p_id) then
    return;
  end if;
  if coalesce(btrim(p_id), '') = '' then
    perform warmup_invalid('conversation id is required.');
  end if;
  if coalesce(btrim(p_dialogue_id), '') = '' then
    perform warmup_invalid('dialogue id is required.');
  end if;
  if p_turns is null or p_turns <= 0 then
    perform warmup_invalid(format('a conversation needs at least one turn, got %s.', coalesce(p_turns::text, 'null')));
  end if;
  if p_day is not null then
    v_day := warmup_parse_day(p_day);
  end if;
  v_a := warmup_chip(p_chip_a, false);
  v_b := warmup_chip(p_chip_b, false);
  v_pair := warmup_active_pair_of(v_a, v_b, v_at, p_max_partners);
  insert into warmup_conversations (id, pair_id, chip_a, chip_b, dialogue_id, turnos, started_at, dia)
  values (p_id, v_pair, v_a.id, v_b.id, p_dialogue_id, p_turns, v_at, v_day)
  on conflict (id) do nothing;
  if not found then
    return; -- a concurrent create with the same id won
  end if;
  if v_day is not null then
    perform warmup_count_interaction(v_a, v_b, v_day, v_pair, p_id, p_max_daily_interactions);
  end if;
end;
$$;

-- ---------------------------------------------------------------- turns

drop function if exists warmup_begin_turn(text, text, integer, text, text, timestamptz);

-- Claims a turn before the send: 'new' when this call claimed it, otherwise the state of the earlier
-- claim with the same key ('in_flight' or 'sent'). The sender's row is locked, so two claims of one
-- sender are counted one after the other and never cross the cap together. The day the turn counts
-- on: p_day, else the conversation's, else p_at's São Paulo date.
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
  select active into v_pair_active from warmup_pairs where id = v_conv.pair_id;
  if not coalesce(v_pair_active, false) then
    perform warmup_refuse('WR009', 'PairInactive',
      format('the pair of conversation %s is no longer active; no new turn can start.', v_conv.id));
  end if;
  v_day := coalesce(v_day, v_conv.dia, (coalesce(p_at, now()) at time zone 'America/Sao_Paulo')::date);
  v_cap := coalesce(warmup_phase_daily_cap(v_sender.fase_warmup), 0);
  select count(*) into v_claimed from warmup_interactions
  where chip_id = v_sender.id and tipo = 'msg_enviada' and dia = v_day;
  if v_claimed >= v_cap then
    perform warmup_refuse('WR010', 'DailyCapReached',
      format('chip %s (phase %s) already claimed %s of its %s sends on %s.', v_sender.id, v_sender.fase_warmup, v_claimed, v_cap, v_day));
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

-- ---------------------------------------------------------------- pair interactions

drop function if exists warmup_record_pair_interaction(text, text, text);

-- Counts one interaction for both chips on p_day under the daily limit (InteractionLimitReached).
-- With p_key, a repeated count is a no-op (a conversation created with its day is already counted
-- under its id).
create or replace function warmup_record_pair_interaction(
  p_chip_a text, p_chip_b text, p_day text, p_key text default null, p_max_daily_interactions integer default null
) returns void
language plpgsql
set search_path = public, pg_temp
as $$
declare
  v_a warmup_chips;
  v_b warmup_chips;
  v_day date;
begin
  v_day := warmup_parse_day(p_day);
  v_a := warmup_chip(p_chip_a, false);
  v_b := warmup_chip(p_chip_b, false);
  perform warmup_count_interaction(v_a, v_b, v_day, warmup_pair_of(v_a, v_b, now()), p_key, p_max_daily_interactions);
end;
$$;

-- ---------------------------------------------------------------- provider events

drop function if exists warmup_record_provider_event(text, text, text, timestamptz, text);

-- A delivery/read/failure/connection fact. Returns true when it is new; false when a fact with the
-- same key was already recorded (the provider redelivers webhooks), so the caller acts only once.
create or replace function warmup_record_provider_event(p_chip_id text, p_kind text, p_detail text, p_at timestamptz, p_key text default null)
returns boolean
language plpgsql
set search_path = public, pg_temp
as $$
declare
  v_chip uuid;
begin
  if p_kind is null or p_kind not in ('delivered', 'read', 'delivery_failed', 'inbound', 'disconnected', 'banned', 'connected', 'unconfirmed') then
    perform warmup_invalid(format('unknown provider event %s. Valid: delivered, read, delivery_failed, inbound, disconnected, banned, connected, unconfirmed.',
                                  coalesce(quote_literal(p_kind), 'null')));
  end if;
  v_chip := (warmup_chip(p_chip_id, false)).id;
  insert into warmup_interactions (chip_id, tipo, idempotency_key, metadata, created_at)
  values (v_chip, p_kind, p_key,
          case when p_detail is null then '{}'::jsonb else jsonb_build_object('detail', p_detail) end,
          coalesce(p_at, now()))
  on conflict (idempotency_key) do nothing;
  return found;
end;
$$;

-- Undoes a provider fact whose consequence could not be delivered (the chip's workflow was
-- unreachable), so the provider's retry is new again. Messages are never forgotten.
create or replace function warmup_forget_provider_event(p_key text) returns boolean
language plpgsql
set search_path = public, pg_temp
as $$
begin
  delete from warmup_interactions
  where idempotency_key = p_key and tipo not in ('msg_enviada', 'msg_recebida');
  return found;
end;
$$;

-- Whether this chip sent a message with this provider id (recorded by warmup_complete_turn).
create or replace function warmup_sent_message_exists(p_chip_id text, p_provider_message_id text) returns boolean
language sql stable
set search_path = public, pg_temp
as $$
  select exists (
    select 1 from warmup_interactions
    where warmup_is_uuid(p_chip_id) and chip_id = p_chip_id::uuid
      and tipo = 'msg_enviada' and provider_message_id = p_provider_message_id
  )
$$;

-- ---------------------------------------------------------------- fleet breaker

-- Opens the fleet's breaker; true when this call opened it (it was closed or never tripped).
create or replace function warmup_trip_fleet_breaker(p_fleet_id text, p_reason text, p_at timestamptz) returns boolean
language plpgsql
set search_path = public, pg_temp
as $$
declare
  v_opened boolean;
begin
  if coalesce(btrim(p_fleet_id), '') = '' then
    perform warmup_invalid('fleet id is required.');
  end if;
  insert into warmup_fleet_breakers as b (fleet_id, open, opened_at, reason)
  values (p_fleet_id, true, coalesce(p_at, now()), p_reason)
  on conflict (fleet_id) do update set open = true, opened_at = excluded.opened_at, reason = excluded.reason, closed_at = null
    where not b.open
  returning true into v_opened;
  return coalesce(v_opened, false);
end;
$$;

-- Closes the fleet's breaker (all fleets' when p_fleet_id is null); how many it closed.
create or replace function warmup_close_fleet_breaker(p_fleet_id text default null) returns integer
language plpgsql
set search_path = public, pg_temp
as $$
declare
  v_count integer;
begin
  update warmup_fleet_breakers set open = false, closed_at = now()
  where open and (p_fleet_id is null or fleet_id = p_fleet_id);
  get diagnostics v_count = row_count;
  return v_count;
end;
$$;

-- Whether the breaker of this fleet (or of this chip's fleet) is open.
create or replace function warmup_fleet_breaker_open(p_fleet_id text default null, p_chip_id text default null) returns boolean
language sql stable
set search_path = public, pg_temp
as $$
  select exists (
    select 1 from warmup_fleet_breakers b
    where b.open
      and b.fleet_id = coalesce(p_fleet_id,
        (select c.fleet_id from warmup_chips c where warmup_is_uuid(p_chip_id) and c.id = p_chip_id::uuid))
  )
$$;

-- ---------------------------------------------------------------- privileges

do $$
declare
  t text;
  r text;
  f record;
begin
  foreach t in array array['warmup_pair_interaction_keys', 'warmup_fleet_breakers'] loop
    execute format('alter table %I enable row level security', t);
    execute format('revoke all on table %I from public', t);
    foreach r in array array['anon', 'authenticated'] loop
      if exists (select 1 from pg_roles where rolname = r) then
        execute format('revoke all on table %I from %I', t, r);
      end if;
    end loop;
    if exists (select 1 from pg_roles where rolname = 'service_role') then
      execute format('grant select, insert, update, delete on table %I to service_role', t);
    end if;
  end loop;

  -- Every warmup_ function, old and new: the service role only.
  for f in
    select p.oid::regprocedure as signature
    from pg_proc p join pg_namespace n on n.oid = p.pronamespace
    where n.nspname = 'public' and p.proname like 'warmup\_%'
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

  -- Identity columns own sequences; Supabase grants them to its client roles by default, which
  -- would let anon call setval on them.
  foreach r in array array['anon', 'authenticated'] loop
    if exists (select 1 from pg_roles where rolname = r) then
      execute format('revoke all on all sequences in schema public from %I', r);
      execute format('alter default privileges in schema public revoke all on sequences from %I', r);
      execute format('alter default privileges in schema public revoke execute on functions from %I', r);
    end if;
  end loop;
  -- Functions created later by this role are not executable by everyone unless granted (a
  -- per-schema default can only add to the global one, so this one is global).
  execute 'alter default privileges revoke execute on functions from public';
end;
$$;
