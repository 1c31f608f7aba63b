-- Warmer: the database API. Every write that must not be half-done is one function (one call, one
-- transaction); the reads are functions too, so that every driver (pg, PGlite, supabase-js rpc)
-- shares the same semantics. Parameters that name rows are text, validated here, so a malformed id
-- is a typed "not found" rather than a cast error.
--
-- Errors: SQLSTATE class WR plus a message prefix naming the typed error of src/domain/errors.ts:
--   WR001 ChipNotFound   WR002 DuplicateChip   WR003 InvalidPhone
--   WR004 InvalidInput   WR005 UnknownPhase (detail = the phase)   WR006 OutsideFleet
-- Nothing is written when one is raised (the whole call rolls back).

-- ---------------------------------------------------------------- helpers

create function warmup_phase_index(p_phase text) returns integer
language sql immutable
set search_path = public, pg_temp
as $$
  select array_position(array['setup', 'primeiros_contatos', 'expansao', 'pre_operacao', 'operacao']::text[], p_phase)
$$;

create function warmup_require_phase(p_phase text) returns void
language plpgsql
set search_path = public, pg_temp
as $$
begin
  if warmup_phase_index(p_phase) is null then
    raise exception using errcode = 'WR005',
      message = format('UnknownPhase: unknown phase %s. Valid phases: setup, primeiros_contatos, expansao, pre_operacao, operacao.',
                       coalesce(quote_literal(p_phase), 'null')),
      detail = coalesce(p_phase, '');
  end if;
end;
$$;

create function warmup_invalid(p_message text) returns void
language plpgsql
set search_path = public, pg_temp
as $$
begin
  raise exception using errcode = 'WR004', message = 'InvalidInput: ' || p_message;
end;
$$;

create function warmup_is_uuid(p_value text) returns boolean
language sql immutable
set search_path = public, pg_temp
as $$
  select coalesce(p_value ~* '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$', false)
$$;

-- The chip named by p_chip_id, locked for update when p_lock; WR001 when there is none.
create function warmup_chip(p_chip_id text, p_lock boolean) returns warmup_chips
language plpgsql
set search_path = public, pg_temp
as $$
declare
  v_chip warmup_chips;
begin
  if warmup_is_uuid(p_chip_id) then
    if p_lock then
      select * into v_chip from warmup_chips where id = p_chip_id::uuid for update;
    else
      select * into v_chip from warmup_chips where id = p_chip_id::uuid;
    end if;
    if found then
      return v_chip;
    end if;
  end if;
  raise exception using errcode = 'WR001',
    message = format('ChipNotFound: no chip with id %s. List the fleet to find the right id.', coalesce(quote_literal(p_chip_id), 'null'));
end;
$$;

create function warmup_parse_day(p_day text) returns date
language plpgsql
set search_path = public, pg_temp
as $$
begin
  if p_day is null or p_day !~ '^[0-9]{4}-[0-9]{2}-[0-9]{2}$' then
    perform warmup_invalid(format('day must be a YYYY-MM-DD string, got %s.', coalesce(quote_literal(p_day), 'null')));
  end if;
  begin
    return p_day::date;
  exception when others then
    perform warmup_invalid(format('day %s is not a calendar date.', quote_literal(p_day)));
  end;
  return null;
end;
$$;

-- Both chips must differ and belong to the same fleet (warm-up never leaves the fleet).
create function warmup_require_same_fleet(p_a warmup_chips, p_b warmup_chips) returns void
language plpgsql
set search_path = public, pg_temp
as $$
begin
  if p_a.id = p_b.id then
    perform warmup_invalid(format('a chip cannot be paired with itself (%s).', p_a.id));
  end if;
  if p_a.fleet_id <> p_b.fleet_id then
    raise exception using errcode = 'WR006',
      message = format('OutsideFleet: chips %s (fleet %s) and %s (fleet %s) are in different fleets; warm-up stays inside one fleet.',
                       p_a.id, p_a.fleet_id, p_b.id, p_b.fleet_id);
  end if;
end;
$$;

-- The pair row of two chips of one fleet, created active when missing.
create function warmup_pair_of(p_a warmup_chips, p_b warmup_chips, p_at timestamptz) returns uuid
language plpgsql
set search_path = public, pg_temp
as $$
declare
  v_pair uuid;
begin
  perform warmup_require_same_fleet(p_a, p_b);
  insert into warmup_pairs (chip_a, chip_b, fleet_id, activated_at, created_at)
  values (least(p_a.id, p_b.id), greatest(p_a.id, p_b.id), p_a.fleet_id, p_at, p_at)
  on conflict (chip_a, chip_b) do nothing
  returning id into v_pair;
  if v_pair is null then
    select id into v_pair from warmup_pairs where chip_a = least(p_a.id, p_b.id) and chip_b = greatest(p_a.id, p_b.id);
  end if;
  return v_pair;
end;
$$;

-- Serializes every change to the set of active pairs, so the partner limit holds under concurrency.
create function warmup_lock_pairs() returns void
language sql
set search_path = public, pg_temp
as $$
  select pg_advisory_xact_lock(hashtext('warmer.warmup_pairs'))
$$;

-- ---------------------------------------------------------------- chips

create function warmup_register_chip(p_phone text, p_instance_name text, p_fleet_id text default null)
returns setof warmup_chips
language plpgsql
set search_path = public, pg_temp
as $$
declare
  v_instance text := btrim(coalesce(p_instance_name, ''));
  v_fleet text := btrim(coalesce(p_fleet_id, 'default'));
  v_existing warmup_chips;
begin
  if p_phone is null or p_phone !~ '^[1-9][0-9]{9,14}$' then
    raise exception using errcode = 'WR003',
      message = format('InvalidPhone: invalid phone %s: expected E.164 digits such as 5511999999999 (country code first, 10-15 digits).',
                       coalesce(quote_literal(p_phone), 'null'));
  end if;
  if v_instance = '' then
    perform warmup_invalid('instance name is required (the messaging provider''s instance of this chip).');
  end if;
  if v_fleet = '' then
    perform warmup_invalid('fleet id must not be blank (omit it for the default fleet).');
  end if;

  select * into v_existing from warmup_chips where telefone = p_phone or instance_name = v_instance limit 1;
  if found then
    raise exception using errcode = 'WR002',
      message = case
        when v_existing.telefone = p_phone then
          format('DuplicateChip: phone ***%s is already registered as chip %s.', right(p_phone, 4), v_existing.id)
        else
          format('DuplicateChip: instance %s is already registered as chip %s.', quote_literal(v_instance), v_existing.id)
      end;
  end if;

  return query insert into warmup_chips (telefone, instance_name, fleet_id)
    values (p_phone, v_instance, v_fleet)
    returning *;
exception
  when unique_violation then
    -- A concurrent registration won the race between the check and the insert.
    raise exception using errcode = 'WR002',
      message = format('DuplicateChip: phone ***%s or instance %s is already registered.', right(p_phone, 4), quote_literal(v_instance));
end;
$$;

create function warmup_get_chip(p_chip_id text) returns setof warmup_chips
language plpgsql stable
set search_path = public, pg_temp
as $$
begin
  return next warmup_chip(p_chip_id, false);
end;
$$;

create function warmup_find_chip(p_instance_name text default null, p_phone text default null)
returns setof warmup_chips
language sql stable
set search_path = public, pg_temp
as $$
  select * from warmup_chips
  where (p_instance_name is not null or p_phone is not null)
    and (p_instance_name is null or instance_name = btrim(p_instance_name))
    and (p_phone is null or telefone = p_phone)
  limit 1
$$;

create function warmup_list_chips(p_status text default null, p_fleet_id text default null)
returns setof warmup_chips
language plpgsql stable
set search_path = public, pg_temp
as $$
begin
  if p_status is not null and p_status not in ('warming', 'paused', 'ready', 'banned', 'retired') then
    perform warmup_invalid(format('unknown status %s. Valid statuses: warming, paused, ready, banned, retired.', quote_literal(p_status)));
  end if;
  return query
    select * from warmup_chips c
    where (p_status is null or c.status = p_status)
      and (p_fleet_id is null or c.fleet_id = p_fleet_id)
    order by c.created_at, c.id;
end;
$$;

-- Moves the chip from p_from to p_to and logs it. Repeating it (the chip is already in p_to) is a
-- no-op. Entering operacao also marks the chip ready. Phases only move forward.
create function warmup_promote_chip(
  p_chip_id text, p_from text, p_to text, p_health numeric, p_reply_rate numeric, p_at timestamptz
) returns setof warmup_chips
language plpgsql
set search_path = public, pg_temp
as $$
declare
  v_chip warmup_chips;
  v_at timestamptz := coalesce(p_at, now());
begin
  perform warmup_require_phase(p_from);
  perform warmup_require_phase(p_to);
  v_chip := warmup_chip(p_chip_id, true);

  if v_chip.fase_warmup = p_to then
    return next v_chip;
    return;
  end if;
  if v_chip.fase_warmup <> p_from then
    perform warmup_invalid(format('chip %s is in phase %s, not %s; nothing was changed.', v_chip.id, v_chip.fase_warmup, p_from));
  end if;
  if warmup_phase_index(p_to) <= warmup_phase_index(p_from) then
    perform warmup_invalid(format('phases only move forward (%s -> %s was asked).', p_from, p_to));
  end if;
  if v_chip.status in ('ready', 'banned', 'retired') then
    perform warmup_invalid(format('chip %s is %s and cannot be promoted.', v_chip.id, v_chip.status));
  end if;
  if p_health is null or p_health < 0 or p_health > 100 then
    perform warmup_invalid(format('health must be between 0 and 100, got %s.', coalesce(p_health::text, 'null')));
  end if;
  if p_reply_rate is null or p_reply_rate < 0 or p_reply_rate > 1 then
    perform warmup_invalid(format('reply rate must be between 0 and 1, got %s.', coalesce(p_reply_rate::text, 'null')));
  end if;

  update warmup_chips set
    fase_warmup = p_to,
    fase_iniciada_em = v_at,
    status = case when p_to = 'operacao' then 'ready' else status end,
    ready_at = case when p_to = 'operacao' then v_at else ready_at end,
    pause_reason = case when p_to = 'operacao' then null else pause_reason end
  where id = v_chip.id
  returning * into v_chip;

  insert into warmup_phase_transitions (chip_id, fase_anterior, fase_nova, health_score, taxa_resposta, created_at)
  values (v_chip.id, p_from, p_to, round(p_health)::integer, round(p_reply_rate, 4), v_at)
  on conflict (chip_id, fase_nova) do nothing;

  return next v_chip;
end;
$$;

-- ready, banned and retired are final: a chip never leaves them (src/domain/chip.ts isFinalStatus).
-- The reason is kept for every status but warming.
create function warmup_set_chip_status(p_chip_id text, p_status text, p_reason text default null) returns void
language plpgsql
set search_path = public, pg_temp
as $$
declare
  v_chip warmup_chips;
begin
  if p_status is null or p_status not in ('warming', 'paused', 'ready', 'banned', 'retired') then
    perform warmup_invalid(format('unknown status %s. Valid statuses: warming, paused, ready, banned, retired.', coalesce(quote_literal(p_status), 'null')));
  end if;
  v_chip := warmup_chip(p_chip_id, true);
  if v_chip.status in ('ready', 'banned', 'retired') and v_chip.status <> p_status then
    perform warmup_invalid(format('chip %s is %s, a final status; it cannot become %s.', v_chip.id, v_chip.status, p_status));
  end if;
  update warmup_chips set
    status = p_status,
    pause_reason = case when p_status = 'warming' then null else p_reason end,
    ready_at = case when p_status = 'ready' then coalesce(ready_at, now()) else ready_at end
  where id = v_chip.id;
end;
$$;

create function warmup_record_health(p_chip_id text, p_score numeric, p_factors jsonb, p_at timestamptz) returns void
language plpgsql
set search_path = public, pg_temp
as $$
declare
  v_chip warmup_chips;
  v_score integer;
begin
  if p_score is null or p_score < 0 or p_score > 100 then
    perform warmup_invalid(format('health score must be between 0 and 100, got %s.', coalesce(p_score::text, 'null')));
  end if;
  if p_factors is not null and jsonb_typeof(p_factors) <> 'object' then
    perform warmup_invalid('health factors must be a JSON object.');
  end if;
  v_chip := warmup_chip(p_chip_id, true);
  v_score := round(p_score)::integer;
  insert into warmup_health_log (chip_id, health_score, fatores, created_at)
  values (v_chip.id, v_score, coalesce(p_factors, '{}'::jsonb), coalesce(p_at, now()));
  update warmup_chips set health_score = v_score where id = v_chip.id;
end;
$$;

-- ---------------------------------------------------------------- alerts

-- Idempotent on p_key: a second call with the same key returns the first alert untouched.
create function warmup_open_alert(
  p_chip_id text, p_severity text, p_kind text, p_message text, p_key text default null
) returns setof warmup_alerts
language plpgsql
set search_path = public, pg_temp
as $$
declare
  v_alert warmup_alerts;
  v_chip uuid;
begin
  if p_key is not null then
    select * into v_alert from warmup_alerts where idempotency_key = p_key;
    if found then
      return next v_alert;
      return;
    end if;
  end if;
  if p_severity is null or p_severity not in ('info', 'warning', 'critical') then
    perform warmup_invalid(format('alert severity must be info, warning or critical, got %s.', coalesce(quote_literal(p_severity), 'null')));
  end if;
  if coalesce(btrim(p_kind), '') = '' then
    perform warmup_invalid('alert kind is required.');
  end if;
  if p_message is null then
    perform warmup_invalid('alert message is required.');
  end if;
  if p_chip_id is not null then
    v_chip := (warmup_chip(p_chip_id, false)).id;
  end if;

  insert into warmup_alerts (chip_id, severity, kind, message, idempotency_key)
  values (v_chip, p_severity, btrim(p_kind), p_message, p_key)
  on conflict (idempotency_key) do nothing
  returning * into v_alert;
  if v_alert.id is null then
    -- A concurrent call with the same key got there first.
    select * into v_alert from warmup_alerts where idempotency_key = p_key;
  end if;
  return next v_alert;
end;
$$;

-- Resolves open alerts. p_match_chip false: any chip; true: exactly p_chip_id (null = fleet-wide
-- alerts). p_kind null: every kind. Returns how many were resolved.
create function warmup_resolve_alerts(p_chip_id text default null, p_match_chip boolean default false, p_kind text default null)
returns integer
language plpgsql
set search_path = public, pg_temp
as $$
declare
  v_count integer;
begin
  update warmup_alerts a set resolved = true, resolved_at = now()
  where not a.resolved
    and (not coalesce(p_match_chip, false)
         or (p_chip_id is null and a.chip_id is null)
         or a.chip_id::text = lower(p_chip_id))
    and (p_kind is null or a.kind = p_kind);
  get diagnostics v_count = row_count;
  return v_count;
end;
$$;

create function warmup_list_alerts(p_open boolean default null, p_chip_id text default null)
returns setof warmup_alerts
language sql stable
set search_path = public, pg_temp
as $$
  select * from warmup_alerts a
  where (p_open is null or a.resolved = not p_open)
    and (p_chip_id is null or a.chip_id::text = lower(p_chip_id))
  order by a.created_at desc, a.id
$$;

-- ---------------------------------------------------------------- conversations and turns

-- Records a conversation between two chips of one fleet (their pair is created when missing).
-- Repeating it with the same id is a no-op.
create function warmup_create_conversation(
  p_id text, p_chip_a text, p_chip_b text, p_dialogue_id text, p_turns integer, p_at timestamptz
) returns void
language plpgsql
set search_path = public, pg_temp
as $$
declare
  v_a warmup_chips;
  v_b warmup_chips;
  v_at timestamptz := coalesce(p_at, now());
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
  v_a := warmup_chip(p_chip_a, false);
  v_b := warmup_chip(p_chip_b, false);
  insert into warmup_conversations (id, pair_id, chip_a, chip_b, dialogue_id, turnos, started_at)
  values (p_id, warmup_pair_of(v_a, v_b, v_at), v_a.id, v_b.id, p_dialogue_id, p_turns, v_at)
  on conflict (id) do nothing;
end;
$$;

-- Claims a turn before the send. Returns 'new' when this call claimed it, otherwise the state of
-- the earlier claim with the same key: 'in_flight' (claimed, never completed) or 'sent'.
create function warmup_begin_turn(
  p_key text, p_conversation_id text, p_turn integer, p_sender_id text, p_receiver_id text, p_at timestamptz
) returns text
language plpgsql
set search_path = public, pg_temp
as $$
declare
  v_existing warmup_interactions;
  v_conv warmup_conversations;
  v_sender warmup_chips;
  v_receiver warmup_chips;
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
  v_sender := warmup_chip(p_sender_id, false);
  v_receiver := warmup_chip(p_receiver_id, false);
  if not ((v_sender.id = v_conv.chip_a and v_receiver.id = v_conv.chip_b)
       or (v_sender.id = v_conv.chip_b and v_receiver.id = v_conv.chip_a)) then
    perform warmup_invalid(format('sender and receiver must be the two chips of conversation %s.', v_conv.id));
  end if;
  if exists (select 1 from warmup_interactions
             where conversation_id = v_conv.id and turno = p_turn and tipo = 'msg_enviada' and idempotency_key <> p_key) then
    perform warmup_invalid(format('turn %s of conversation %s is already claimed under another key.', p_turn, v_conv.id));
  end if;

  insert into warmup_interactions
    (chip_id, tipo, conversation_id, turno, peer_chip_id, destinatario, midia_tipo, estado, idempotency_key, created_at)
  values
    (v_sender.id, 'msg_enviada', v_conv.id, p_turn, v_receiver.id, v_receiver.telefone, 'text', 'in_flight', p_key, coalesce(p_at, now()))
  on conflict (idempotency_key) do nothing
  returning id into v_id;
  if v_id is null then
    -- A concurrent claim with the same key committed first.
    return (select estado from warmup_interactions where idempotency_key = p_key);
  end if;
  return 'new';
end;
$$;

-- Marks a claimed turn sent and, in the same transaction, counts it: sender's msgs_enviadas_total,
-- receiver's msgs_recebidas_total, a msg_recebida row for the receiver, and the reply rates.
-- Reply rate = sent messages answered / messages sent, where a sent message is answered when the
-- next turn of the same conversation (turn + 1) is sent by the other chip. Completing turn n thus
-- answers the receiver's turn n - 1 (and, if turn n + 1 was completed first, the sender's turn n).
-- A second completion of the same key is a no-op.
create function warmup_complete_turn(p_key text, p_provider_message_id text, p_text_length integer, p_at timestamptz)
returns void
language plpgsql
set search_path = public, pg_temp
as $$
declare
  v_turn warmup_interactions;
  v_at timestamptz := coalesce(p_at, now());
begin
  select * into v_turn from warmup_interactions
  where idempotency_key = p_key and tipo = 'msg_enviada'
  for update;
  if not found then
    perform warmup_invalid(format('turn %s was never claimed; call beginTurn before the send.', coalesce(quote_literal(p_key), 'null')));
  end if;
  if v_turn.estado = 'sent' then
    return;
  end if;
  if p_text_length is not null and p_text_length < 0 then
    perform warmup_invalid(format('text length must not be negative, got %s.', p_text_length));
  end if;

  -- Lock both chips in id order, so that two turns completing at once never deadlock.
  perform 1 from warmup_chips where id in (v_turn.chip_id, v_turn.peer_chip_id) order by id for update;

  update warmup_interactions set
    estado = 'sent',
    provider_message_id = p_provider_message_id,
    sent_at = v_at,
    metadata = metadata || jsonb_build_object('texto_tamanho', coalesce(p_text_length, 0))
  where id = v_turn.id;

  insert into warmup_interactions
    (chip_id, tipo, conversation_id, turno, peer_chip_id, midia_tipo, provider_message_id, idempotency_key, metadata, created_at, sent_at)
  values
    (v_turn.peer_chip_id, 'msg_recebida', v_turn.conversation_id, v_turn.turno, v_turn.chip_id, 'text',
     p_provider_message_id, p_key || '#recebida', jsonb_build_object('texto_tamanho', coalesce(p_text_length, 0)), v_at, v_at)
  on conflict do nothing;

  update warmup_chips set msgs_enviadas_total = msgs_enviadas_total + 1 where id = v_turn.chip_id;
  update warmup_chips set msgs_recebidas_total = msgs_recebidas_total + 1 where id = v_turn.peer_chip_id;

  if exists (select 1 from warmup_interactions
             where conversation_id = v_turn.conversation_id and tipo = 'msg_enviada' and estado = 'sent'
               and turno = v_turn.turno - 1 and chip_id = v_turn.peer_chip_id) then
    update warmup_chips set msgs_respondidas_total = msgs_respondidas_total + 1 where id = v_turn.peer_chip_id;
  end if;
  if exists (select 1 from warmup_interactions
             where conversation_id = v_turn.conversation_id and tipo = 'msg_enviada' and estado = 'sent'
               and turno = v_turn.turno + 1 and chip_id = v_turn.peer_chip_id) then
    update warmup_chips set msgs_respondidas_total = msgs_respondidas_total + 1 where id = v_turn.chip_id;
  end if;

  update warmup_chips set taxa_resposta = case
      when msgs_enviadas_total = 0 then 0
      else least(1, round(msgs_respondidas_total::numeric / msgs_enviadas_total, 4))
    end
  where id in (v_turn.chip_id, v_turn.peer_chip_id);
end;
$$;

-- Closes the conversation record. The first call wins; repeating it is a no-op.
create function warmup_finish_conversation(p_conversation_id text, p_turns_delivered integer, p_outcome text, p_at timestamptz)
returns void
language plpgsql
set search_path = public, pg_temp
as $$
declare
  v_conv warmup_conversations;
begin
  if p_outcome is null or p_outcome not in ('completed', 'aborted', 'failed') then
    perform warmup_invalid(format('outcome must be completed, aborted or failed, got %s.', coalesce(quote_literal(p_outcome), 'null')));
  end if;
  if p_turns_delivered is null or p_turns_delivered < 0 then
    perform warmup_invalid(format('turns delivered must be a non-negative number, got %s.', coalesce(p_turns_delivered::text, 'null')));
  end if;
  select * into v_conv from warmup_conversations where id = p_conversation_id for update;
  if not found then
    perform warmup_invalid(format('conversation %s does not exist.', coalesce(quote_literal(p_conversation_id), 'null')));
  end if;
  if v_conv.completed_at is not null then
    return;
  end if;
  update warmup_conversations set
    turnos_entregues = p_turns_delivered,
    outcome = p_outcome,
    completed_at = coalesce(p_at, now())
  where id = v_conv.id;
end;
$$;

-- ---------------------------------------------------------------- pairing

-- Active partners of the chip that are warming, in its fleet and under the daily limit on p_day;
-- empty when the chip itself reached the limit. Same phase first, then the least busy.
create function warmup_partner_candidates(p_chip_id text, p_day text, p_max_daily_interactions integer)
returns table (chip_id uuid, phone text, instance_name text, phase text, interactions_today integer)
language plpgsql stable
set search_path = public, pg_temp
as $$
#variable_conflict use_column
declare
  v_chip warmup_chips;
  v_day date;
  v_own integer;
begin
  v_day := warmup_parse_day(p_day);
  if p_max_daily_interactions is null or p_max_daily_interactions < 0 then
    perform warmup_invalid(format('the daily interaction limit must be a non-negative number, got %s.', coalesce(p_max_daily_interactions::text, 'null')));
  end if;
  v_chip := warmup_chip(p_chip_id, false);
  select coalesce(sum(d.interacoes), 0) into v_own
  from warmup_daily_interactions d where d.chip_id = v_chip.id and d.dia = v_day;
  if v_own >= p_max_daily_interactions then
    return;
  end if;
  return query
    select c.id, c.telefone, c.instance_name, c.fase_warmup, coalesce(d.interacoes, 0)
    from warmup_pairs p
    join warmup_chips c on c.id = case when p.chip_a = v_chip.id then p.chip_b else p.chip_a end
    left join warmup_daily_interactions d on d.chip_id = c.id and d.dia = v_day
    where p.active
      and (p.chip_a = v_chip.id or p.chip_b = v_chip.id)
      and c.status = 'warming'
      and c.fleet_id = v_chip.fleet_id
      and coalesce(d.interacoes, 0) < p_max_daily_interactions
    order by (c.fase_warmup = v_chip.fase_warmup) desc, coalesce(d.interacoes, 0), c.id;
end;
$$;

-- Tops a warming chip up to p_max_partners active pairs with warming chips of its fleet that are
-- themselves under the limit: same phase first, then (during a rotation) couples other than those
-- just rotated out, then a seeded shuffle (md5 of seed and both ids: the same seed and chips always
-- give the same choice). Returns how many pairs it activated. Callers hold warmup_lock_pairs().
create function warmup_fill_pairs(p_chip_id uuid, p_max_partners integer, p_seed bigint, p_at timestamptz)
returns integer
language plpgsql
set search_path = public, pg_temp
as $$
declare
  v_chip warmup_chips;
  v_need integer;
  v_created integer := 0;
  r record;
begin
  select * into v_chip from warmup_chips where id = p_chip_id;
  if not found or v_chip.status <> 'warming' then
    return 0;
  end if;
  select p_max_partners - count(*) into v_need
  from warmup_pairs p where p.active and (p.chip_a = p_chip_id or p.chip_b = p_chip_id);
  if v_need <= 0 then
    return 0;
  end if;

  for r in
    select c.id
    from warmup_chips c
    left join warmup_pairs old on old.chip_a = least(c.id, p_chip_id) and old.chip_b = greatest(c.id, p_chip_id)
    where c.fleet_id = v_chip.fleet_id
      and c.status = 'warming'
      and c.id <> p_chip_id
      and not coalesce(old.active, false)
      and (select count(*) from warmup_pairs q where q.active and (q.chip_a = c.id or q.chip_b = c.id)) < p_max_partners
    order by (c.fase_warmup = v_chip.fase_warmup) desc,
             coalesce(old.deactivated_at = p_at, false) asc,
             md5(coalesce(p_seed, 0)::text || ':' || p_chip_id::text || ':' || c.id::text)
    limit v_need
  loop
    insert into warmup_pairs (chip_a, chip_b, fleet_id, active, activated_at, created_at)
    values (least(r.id, p_chip_id), greatest(r.id, p_chip_id), v_chip.fleet_id, true, p_at, p_at)
    on conflict (chip_a, chip_b) do update set active = true, activated_at = excluded.activated_at, deactivated_at = null;
    v_created := v_created + 1;
  end loop;
  return v_created;
end;
$$;

create function warmup_ensure_pairs(p_chip_id text, p_max_partners integer, p_seed bigint) returns integer
language plpgsql
set search_path = public, pg_temp
as $$
declare
  v_chip warmup_chips;
begin
  if p_max_partners is null or p_max_partners < 0 then
    perform warmup_invalid(format('max partners must be a non-negative number, got %s.', coalesce(p_max_partners::text, 'null')));
  end if;
  v_chip := warmup_chip(p_chip_id, false);
  perform warmup_lock_pairs();
  return warmup_fill_pairs(v_chip.id, p_max_partners, p_seed, now());
end;
$$;

-- Counts one interaction for both chips on p_day (and on their pair, created when missing).
create function warmup_record_pair_interaction(p_chip_a text, p_chip_b text, p_day text) returns void
language plpgsql
set search_path = public, pg_temp
as $$
declare
  v_a warmup_chips;
  v_b warmup_chips;
  v_day date;
  v_pair uuid;
begin
  v_day := warmup_parse_day(p_day);
  v_a := warmup_chip(p_chip_a, false);
  v_b := warmup_chip(p_chip_b, false);
  v_pair := warmup_pair_of(v_a, v_b, now());
  update warmup_pairs set interacoes_total = interacoes_total + 1, last_interaction_day = v_day where id = v_pair;
  insert into warmup_daily_interactions as d (chip_id, dia, interacoes)
  values (v_a.id, v_day, 1), (v_b.id, v_day, 1)
  on conflict (chip_id, dia) do update set interacoes = d.interacoes + 1;
end;
$$;

-- Weekly rotation: deactivates pairs activated at least p_older_than_days before p_at, and pairs
-- with a chip that finished (ready, banned, retired); then tops up every warming chip (oldest
-- first), preferring couples other than those just rotated out.
create function warmup_rotate_pairs(p_older_than_days integer, p_max_partners integer, p_at timestamptz, p_seed bigint)
returns table (deactivated integer, created integer)
language plpgsql
set search_path = public, pg_temp
as $$
#variable_conflict use_column
declare
  v_at timestamptz := coalesce(p_at, now());
  v_deactivated integer;
  v_created integer := 0;
  r record;
begin
  if p_older_than_days is null or p_older_than_days < 0 then
    perform warmup_invalid(format('olderThanDays must be a non-negative number, got %s.', coalesce(p_older_than_days::text, 'null')));
  end if;
  if p_max_partners is null or p_max_partners < 0 then
    perform warmup_invalid(format('max partners must be a non-negative number, got %s.', coalesce(p_max_partners::text, 'null')));
  end if;
  perform warmup_lock_pairs();

  update warmup_pairs p set active = false, deactivated_at = v_at
  where p.active
    and (p.activated_at <= v_at - make_interval(days => p_older_than_days)
         or exists (select 1 from warmup_chips c
                    where c.id in (p.chip_a, p.chip_b) and c.status in ('ready', 'banned', 'retired')));
  get diagnostics v_deactivated = row_count;

  for r in select c.id from warmup_chips c where c.status = 'warming' order by c.created_at, c.id loop
    v_created := v_created + warmup_fill_pairs(r.id, p_max_partners, p_seed, v_at);
  end loop;

  return query select v_deactivated, v_created;
end;
$$;

-- ---------------------------------------------------------------- provider events and summary

-- A delivery/read/failure/connection fact. Idempotent on p_key when given (webhooks are redelivered).
create function warmup_record_provider_event(p_chip_id text, p_kind text, p_detail text, p_at timestamptz, p_key text default null)
returns void
language plpgsql
set search_path = public, pg_temp
as $$
declare
  v_chip uuid;
begin
  if p_kind is null or p_kind not in ('delivered', 'read', 'delivery_failed', 'inbound', 'disconnected', 'banned', 'connected') then
    perform warmup_invalid(format('unknown provider event %s. Valid: delivered, read, delivery_failed, inbound, disconnected, banned, connected.',
                                  coalesce(quote_literal(p_kind), 'null')));
  end if;
  v_chip := (warmup_chip(p_chip_id, false)).id;
  insert into warmup_interactions (chip_id, tipo, idempotency_key, metadata, created_at)
  values (v_chip, p_kind, p_key,
          case when p_detail is null then '{}'::jsonb else jsonb_build_object('detail', p_detail) end,
          coalesce(p_at, now()))
  on conflict (idempotency_key) do nothing;
end;
$$;

-- Events of these kinds since p_since (inclusive), for one chip or the whole fleet; with
-- p_distinct_chips, how many chips had at least one.
create function warmup_count_provider_events(
  p_kinds text[], p_since timestamptz, p_chip_id text default null, p_distinct_chips boolean default false
) returns integer
language plpgsql stable
set search_path = public, pg_temp
as $$
declare
  v_chip uuid;
  v_count integer;
begin
  if p_chip_id is not null then
    v_chip := (warmup_chip(p_chip_id, false)).id;
  end if;
  select case when coalesce(p_distinct_chips, false) then count(distinct i.chip_id) else count(*) end
  into v_count
  from warmup_interactions i
  where i.tipo = any (coalesce(p_kinds, '{}'::text[]))
    and i.created_at >= coalesce(p_since, '-infinity'::timestamptz)
    and (v_chip is null or i.chip_id = v_chip);
  return v_count;
end;
$$;

-- The seed's daily summary: chips per status, average health of the warming chips, open alerts.
create function warmup_daily_summary()
returns table (warming integer, paused integer, ready integer, banned integer, average_health numeric, open_alerts integer)
language sql stable
set search_path = public, pg_temp
as $$
  select
    (count(*) filter (where c.status = 'warming'))::integer,
    (count(*) filter (where c.status = 'paused'))::integer,
    (count(*) filter (where c.status = 'ready'))::integer,
    (count(*) filter (where c.status = 'banned'))::integer,
    coalesce(round(avg(c.health_score) filter (where c.status = 'warming'), 2), 0),
    (select count(*) from warmup_alerts a where not a.resolved)::integer
  from warmup_chips c
$$;

-- ---------------------------------------------------------------- privileges

-- Only the service role (Supabase) or the owner (plain Postgres, PGlite) may call the API.
do $$
declare
  f record;
  r text;
begin
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
end;
$$;
