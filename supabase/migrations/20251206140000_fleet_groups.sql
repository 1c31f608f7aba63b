-- Closed groups of the fleet (docs/warm-up-program.md, "Groups"): small WhatsApp groups whose members
-- are all chips of one fleet, their members over time, their conversations and their messages. A group
-- message is a warmup_interactions row of tipo 'msg_enviada' (with its group conversation instead of a
-- one-to-one conversation), so the sender's daily cap counts direct and group messages alike, in
-- warmup_begin_turn as here.
--
-- Refusals (SQLSTATE, message prefix = typed error of src/domain/errors.ts):
--   WR006 OutsideFleet      a member of another fleet; a message to a group holding anyone outside the sender's fleet
--   WR007 ChipNotWarming    a sender that is not warming; a new member that is neither warming nor ready
--   WR008 TurnOutOfRange    a message past the group conversation's end
--   WR010 DailyCapReached   a sender whose claims of the day reached its effective cap
--   WR040 NotGroupMember    a sender that is not (or no longer) a member
--   WR041 GroupQuarantine   a quarantined sender in a group with healthy members

-- ---------------------------------------------------------------- tables

create table if not exists warmup_groups (
  id uuid primary key default gen_random_uuid(),
  group_jid text not null,
  fleet_id text not null,
  nome text not null,
  descricao text,
  criador_chip_id uuid not null references warmup_chips (id) on delete cascade,
  created_at timestamptz not null default now(),
  constraint warmup_groups_jid_key unique (group_jid),
  constraint warmup_groups_jid_shape check (group_jid ~ '^[0-9]{5,25}(-[0-9]{5,15})?@g\.us$'),
  constraint warmup_groups_nome_present check (btrim(nome) <> '')
);

-- Who is in a group, and since when; a member who left keeps its row (left_at), re-added it is cleared.
create table if not exists warmup_group_members (
  group_id uuid not null references warmup_groups (id) on delete cascade,
  chip_id uuid not null references warmup_chips (id) on delete cascade,
  joined_at timestamptz not null default now(),
  left_at timestamptz,
  primary key (group_id, chip_id)
);
create index if not exists warmup_group_members_chip_idx on warmup_group_members (chip_id) where left_at is null;

create table if not exists warmup_group_conversations (
  id text primary key,
  group_id uuid not null references warmup_groups (id) on delete cascade,
  iniciador_chip_id uuid not null references warmup_chips (id) on delete cascade,
  turnos integer not null,
  turnos_entregues integer not null default 0,
  outcome text,
  dia date not null,
  started_at timestamptz not null,
  completed_at timestamptz,
  constraint warmup_group_conversations_id_present check (btrim(id) <> ''),
  constraint warmup_group_conversations_turnos_positive check (turnos > 0 and turnos_entregues >= 0),
  constraint warmup_group_conversations_outcome_check check (outcome in ('completed', 'aborted', 'failed', 'cut_short'))
);
create index if not exists warmup_group_conversations_group_idx on warmup_group_conversations (group_id, started_at);

alter table warmup_interactions add column if not exists group_conversation_id text
  references warmup_group_conversations (id) on delete cascade;
alter table warmup_interactions drop constraint if exists warmup_interactions_estado_check;
alter table warmup_interactions add constraint warmup_interactions_estado_check check (
  (tipo = 'msg_enviada' and estado in ('in_flight', 'sent') and turno is not null
    and (conversation_id is not null or group_conversation_id is not null))
  or (tipo <> 'msg_enviada' and estado is null)
);
create unique index if not exists warmup_interactions_group_turn_key
  on warmup_interactions (group_conversation_id, turno) where group_conversation_id is not null;

alter table warmup_groups enable row level security;
alter table warmup_group_members enable row level security;
alter table warmup_group_conversations enable row level security;

-- ---------------------------------------------------------------- one fleet per group

-- A member of another fleet cannot be recorded, whoever writes the row.
create or replace function warmup_group_member_same_fleet() returns trigger
language plpgsql
set search_path = public, pg_temp
as $$
declare
  v_group_fleet text;
  v_chip_fleet text;
begin
  select fleet_id into v_group_fleet from warmup_groups where id = new.group_id;
  select fleet_id into v_chip_fleet from warmup_chips where id = new.chip_id;
  if v_group_fleet is distinct from v_chip_fleet then
    perform warmup_refuse('WR006', 'OutsideFleet',
      format('chip %s is in fleet %s; group %s holds only chips of fleet %s.', new.chip_id, v_chip_fleet, new.group_id, v_group_fleet));
  end if;
  return new;
end;
$$;

drop trigger if exists warmup_group_members_same_fleet on warmup_group_members;
create trigger warmup_group_members_same_fleet
  before insert or update on warmup_group_members
  for each row execute function warmup_group_member_same_fleet();

-- A group's fleet never changes.
create or replace function warmup_group_fleet_fixed() returns trigger
language plpgsql
set search_path = public, pg_temp
as $$
begin
  if new.fleet_id is distinct from old.fleet_id then
    perform warmup_refuse('WR006', 'OutsideFleet', format('group %s belongs to fleet %s for good.', old.id, old.fleet_id));
  end if;
  return new;
end;
$$;

drop trigger if exists warmup_groups_fleet_fixed on warmup_groups;
create trigger warmup_groups_fleet_fixed
  before update on warmup_groups
  for each row execute function warmup_group_fleet_fixed();

-- ---------------------------------------------------------------- groups and members

-- Records a group its creator made on WhatsApp: 3 to 6 members (the creator among them), all of the
-- creator's fleet, each warming or ready. A repeat with the same JID returns the group it recorded.
create or replace function warmup_record_group(
  p_group_jid text, p_creator_id text, p_name text, p_description text, p_members text[], p_at timestamptz
) returns uuid
language plpgsql
set search_path = public, pg_temp
as $$
declare
  v_creator warmup_chips;
  v_member warmup_chips;
  v_id uuid;
  v_ids uuid[] := array[]::uuid[];
  m text;
begin
  select id into v_id from warmup_groups where group_jid = p_group_jid;
  if found then
    return v_id;
  end if;
  v_creator := warmup_chip(p_creator_id, false);
  v_ids := array[v_creator.id];
  foreach m in array coalesce(p_members, array[]::text[]) loop
    v_member := warmup_chip(m, false);
    if v_member.fleet_id <> v_creator.fleet_id then
      perform warmup_refuse('WR006', 'OutsideFleet',
        format('chip %s is in fleet %s, not %s; a group holds only chips of its creator''s fleet.', v_member.id, v_member.fleet_id,
               v_creator.fleet_id));
    end if;
    if not v_member.id = any (v_ids) then
      v_ids := v_ids || v_member.id;
    end if;
  end loop;
  if cardinality(v_ids) < 3 or cardinality(v_ids) > 6 then
    perform warmup_invalid(format('a group has 3 to 6 members, creator included; got %s.', cardinality(v_ids)));
  end if;
  if exists (select 1 from warmup_chips where id = any (v_ids) and status not in ('warming', 'ready')) then
    perform warmup_refuse('WR007', 'ChipNotWarming', 'only warming or ready chips join a group.');
  end if;
  insert into warmup_groups (group_jid, fleet_id, nome, descricao, criador_chip_id, created_at)
  values (p_group_jid, v_creator.fleet_id, p_name, p_description, v_creator.id, coalesce(p_at, now()))
  returning id into v_id;
  insert into warmup_group_members (group_id, chip_id, joined_at)
  select v_id, u, coalesce(p_at, now()) from unnest(v_ids) u;
  return v_id;
end;
$$;

-- A member added (or re-added) or removed, as the group's admin did on WhatsApp. Idempotent.
create or replace function warmup_change_group_member(p_group_jid text, p_chip_id text, p_action text, p_at timestamptz) returns void
language plpgsql
set search_path = public, pg_temp
as $$
declare
  v_group warmup_groups;
  v_chip warmup_chips;
begin
  select * into v_group from warmup_groups where group_jid = p_group_jid;
  if not found then
    perform warmup_invalid(format('no group %s is recorded.', coalesce(quote_literal(p_group_jid), 'null')));
  end if;
  v_chip := warmup_chip(p_chip_id, false);
  if p_action = 'add' then
    if v_chip.status not in ('warming', 'ready') then
      perform warmup_refuse('WR007', 'ChipNotWarming', format('chip %s is %s; only warming or ready chips join a group.', v_chip.id, v_chip.status));
    end if;
    insert into warmup_group_members (group_id, chip_id, joined_at) values (v_group.id, v_chip.id, coalesce(p_at, now()))
    on conflict (group_id, chip_id) do update set left_at = null, joined_at = excluded.joined_at
      where warmup_group_members.left_at is not null;
  elsif p_action = 'remove' then
    update warmup_group_members set left_at = coalesce(p_at, now())
    where group_id = v_group.id and chip_id = v_chip.id and left_at is null;
  else
    perform warmup_invalid(format('action must be add or remove, got %s.', coalesce(quote_literal(p_action), 'null')));
  end if;
end;
$$;

-- The groups the chip is a member of, one row per member (present or past) of each.
create or replace function warmup_chip_groups(p_chip_id text)
returns table (
  group_id uuid, group_jid text, nome text, descricao text, fleet_id text, criador_chip_id uuid, created_at timestamptz,
  member_chip_id uuid, member_phone text, member_instance text, member_status text, member_phase text,
  member_quarantined boolean, joined_at timestamptz, left_at timestamptz, messages_total integer
)
language sql stable
set search_path = public, pg_temp
as $$
  select g.id, g.group_jid, g.nome, g.descricao, g.fleet_id, g.criador_chip_id, g.created_at,
    c.id, c.telefone, c.instance_name, c.status, c.fase_warmup, c.quarentena, m.joined_at, m.left_at,
    (select count(*)::integer from warmup_interactions i join warmup_group_conversations v on v.id = i.group_conversation_id
      where v.group_id = g.id and i.chip_id = c.id and i.estado = 'sent')
  from warmup_groups g
  join warmup_group_members m on m.group_id = g.id
  join warmup_chips c on c.id = m.chip_id
  where g.id in (select gm.group_id from warmup_group_members gm
                 where gm.chip_id = (warmup_chip(p_chip_id, false)).id and gm.left_at is null)
  order by g.created_at, g.id, m.joined_at, c.id;
$$;

-- The chip's fleet as a group planner sees it: every other warming or ready chip, with its effective
-- cap and claims of p_day (direct and group messages), its quarantine and how many groups it is in.
create or replace function warmup_group_candidates(p_chip_id text, p_day text)
returns table (
  chip_id uuid, phone text, instance_name text, phase text, status text, quarantined boolean,
  cap_today integer, claimed_today integer, groups integer
)
language sql stable
set search_path = public, pg_temp
as $$
  select c.id, c.telefone, c.instance_name, c.fase_warmup, c.status, c.quarentena,
    warmup_ramp_cap(c.fase_warmup, c.ramp_level, c.ramp_dia, warmup_parse_day(p_day)),
    (select count(*)::integer from warmup_interactions i
      where i.chip_id = c.id and i.tipo = 'msg_enviada' and i.dia = warmup_parse_day(p_day)),
    (select count(*)::integer from warmup_group_members m where m.chip_id = c.id and m.left_at is null)
  from warmup_chips c, warmup_chip(p_chip_id, false) me
  where c.fleet_id = me.fleet_id and c.id <> me.id and c.status in ('warming', 'ready')
  order by c.id;
$$;

-- ---------------------------------------------------------------- group conversations and messages

-- Records a group conversation before its first message. A repeat with the same id is a no-op.
create or replace function warmup_begin_group_conversation(
  p_id text, p_group_jid text, p_initiator_id text, p_turns integer, p_day text, p_at timestamptz
) returns void
language plpgsql
set search_path = public, pg_temp
as $$
declare
  v_group warmup_groups;
  v_initiator warmup_chips;
begin
  if exists (select 1 from warmup_group_conversations where id = p_id) then
    return;
  end if;
  select * into v_group from warmup_groups where group_jid = p_group_jid;
  if not found then
    perform warmup_invalid(format('no group %s is recorded.', coalesce(quote_literal(p_group_jid), 'null')));
  end if;
  v_initiator := warmup_chip(p_initiator_id, false);
  if coalesce(p_turns, 0) <= 0 then
    perform warmup_invalid('a group conversation has at least one turn.');
  end if;
  insert into warmup_group_conversations (id, group_id, iniciador_chip_id, turnos, dia, started_at)
  values (p_id, v_group.id, v_initiator.id, p_turns, warmup_parse_day(p_day), coalesce(p_at, now()))
  on conflict (id) do nothing;
end;
$$;

-- Marks a claimed group message sent: the sender's sent counter, every other present member's received
-- counter, and a reply for the previous message's sender when it was someone else. No-op if already sent.
create or replace function warmup_complete_group_message(p_key text, p_provider_message_id text, p_text_length integer, p_at timestamptz)
returns void
language plpgsql
set search_path = public, pg_temp
as $$
declare
  v_turn warmup_interactions;
  v_group_id uuid;
  v_previous uuid;
  v_at timestamptz := coalesce(p_at, now());
begin
  select * into v_turn from warmup_interactions
  where idempotency_key = p_key and tipo = 'msg_enviada' and group_conversation_id is not null
  for update;
  if not found then
    perform warmup_invalid(format('group message %s was never claimed.', coalesce(quote_literal(p_key), 'null')));
  end if;
  if v_turn.estado = 'sent' then
    return;
  end if;
  select group_id into v_group_id from warmup_group_conversations where id = v_turn.group_conversation_id;
  perform 1 from warmup_chips where id in (select chip_id from warmup_group_members where group_id = v_group_id) order by id for update;
  update warmup_interactions set estado = 'sent', provider_message_id = p_provider_message_id, sent_at = v_at,
    metadata = metadata || jsonb_build_object('texto_tamanho', coalesce(p_text_length, 0))
  where id = v_turn.id;
  update warmup_chips set msgs_enviadas_total = msgs_enviadas_total + 1 where id = v_turn.chip_id;
  update warmup_chips set msgs_recebidas_total = msgs_recebidas_total + 1
  where id in (select chip_id from warmup_group_members where group_id = v_group_id and left_at is null and chip_id <> v_turn.chip_id);
  select chip_id into v_previous from warmup_interactions
  where group_conversation_id = v_turn.group_conversation_id and turno = v_turn.turno - 1 and estado = 'sent';
  if v_previous is not null and v_previous <> v_turn.chip_id then
    update warmup_chips set msgs_respondidas_total = msgs_respondidas_total + 1 where id = v_previous;
  end if;
  update warmup_chips set taxa_resposta = case
      when msgs_enviadas_total = 0 then 0
      else least(1, round(msgs_respondidas_total::numeric / msgs_enviadas_total, 4))
    end
  where id in (v_turn.chip_id, v_previous);
end;
$$;

-- Claims a group message before the send ('new', or the earlier claim's state), after confirming the
-- previous message of the conversation when given (one round trip per message). Refuses a sender
-- that is not warming, not a present member, in quarantine while a healthy member is there, in a group
-- holding anyone outside its fleet, or whose claims of the day (direct and group) reached its cap.
create or replace function warmup_claim_group_message(
  p_previous_key text, p_previous_provider_message_id text, p_previous_text_length integer, p_previous_at timestamptz,
  p_key text, p_group_conversation_id text, p_turn integer, p_sender_id text, p_at timestamptz, p_day text default null
) returns text
language plpgsql
set search_path = public, pg_temp
as $$
declare
  v_existing warmup_interactions;
  v_conv warmup_group_conversations;
  v_group warmup_groups;
  v_sender warmup_chips;
  v_day date;
  v_cap integer;
  v_claimed integer;
  v_id bigint;
begin
  if p_previous_key is not null then
    perform warmup_complete_group_message(p_previous_key, p_previous_provider_message_id, p_previous_text_length, p_previous_at);
  end if;
  if coalesce(btrim(p_key), '') = '' then
    perform warmup_invalid('a group message needs an idempotency key.');
  end if;
  select * into v_existing from warmup_interactions where idempotency_key = p_key;
  if found then
    return v_existing.estado;
  end if;
  select * into v_conv from warmup_group_conversations where id = p_group_conversation_id;
  if not found then
    perform warmup_invalid(format('group conversation %s does not exist.', coalesce(quote_literal(p_group_conversation_id), 'null')));
  end if;
  if v_conv.completed_at is not null then
    perform warmup_invalid(format('group conversation %s is finished (%s).', v_conv.id, v_conv.outcome));
  end if;
  if p_turn is null or p_turn < 0 or p_turn >= v_conv.turnos then
    perform warmup_refuse('WR008', 'TurnOutOfRange',
      format('group conversation %s has %s turns; turn %s is not one of them.', v_conv.id, v_conv.turnos, coalesce(p_turn::text, 'null')));
  end if;
  select * into v_group from warmup_groups where id = v_conv.group_id;
  v_sender := warmup_chip(p_sender_id, true);
  select * into v_existing from warmup_interactions where idempotency_key = p_key;
  if found then
    return v_existing.estado;
  end if;
  if v_sender.status <> 'warming' then
    perform warmup_refuse('WR007', 'ChipNotWarming',
      format('chip %s is %s; only a warming chip posts in a group.', v_sender.id, v_sender.status));
  end if;
  if not exists (select 1 from warmup_group_members where group_id = v_group.id and chip_id = v_sender.id and left_at is null) then
    perform warmup_refuse('WR040', 'NotGroupMember', format('chip %s is not a member of group %s.', v_sender.id, v_group.id));
  end if;
  if exists (select 1 from warmup_group_members m join warmup_chips c on c.id = m.chip_id
             where m.group_id = v_group.id and m.left_at is null and c.fleet_id <> v_sender.fleet_id) then
    perform warmup_refuse('WR006', 'OutsideFleet',
      format('group %s holds a chip outside fleet %s; no warm-up message goes there.', v_group.id, v_sender.fleet_id));
  end if;
  if v_sender.quarentena and exists (
       select 1 from warmup_group_members m join warmup_chips c on c.id = m.chip_id
       where m.group_id = v_group.id and m.left_at is null and c.id <> v_sender.id and not c.quarentena) then
    perform warmup_refuse('WR041', 'GroupQuarantine',
      format('chip %s is in quarantine and group %s has healthy members.', v_sender.id, v_group.id));
  end if;
  if p_day is not null then
    v_day := warmup_parse_day(p_day);
  end if;
  v_day := coalesce(v_day, v_conv.dia);
  v_cap := coalesce(warmup_ramp_cap(v_sender.fase_warmup, v_sender.ramp_level, v_sender.ramp_dia, v_day), 0);
  select count(*) into v_claimed from warmup_interactions where chip_id = v_sender.id and tipo = 'msg_enviada' and dia = v_day;
  if v_claimed >= v_cap then
    perform warmup_refuse('WR010', 'DailyCapReached',
      format('chip %s (phase %s) already claimed %s of its %s sends on %s.', v_sender.id, v_sender.fase_warmup, v_claimed, v_cap, v_day));
  end if;
  insert into warmup_interactions
    (chip_id, tipo, group_conversation_id, turno, destinatario, midia_tipo, estado, idempotency_key, created_at, dia)
  values
    (v_sender.id, 'msg_enviada', v_conv.id, p_turn, v_group.group_jid, 'text', 'in_flight', p_key, coalesce(p_at, now()), v_day)
  on conflict do nothing
  returning id into v_id;
  if v_id is null then
    return coalesce((select estado from warmup_interactions where idempotency_key = p_key), 'in_flight');
  end if;
  return 'new';
end;
$$;

-- Closes a group conversation, confirming its last message first when given. A repeat is a no-op.
create or replace function warmup_finish_group_conversation(
  p_key text, p_provider_message_id text, p_text_length integer, p_completed_at timestamptz,
  p_id text, p_turns_delivered integer, p_outcome text, p_at timestamptz
) returns void
language plpgsql
set search_path = public, pg_temp
as $$
begin
  if p_key is not null then
    perform warmup_complete_group_message(p_key, p_provider_message_id, p_text_length, p_completed_at);
  end if;
  update warmup_group_conversations
  set completed_at = coalesce(p_at, now()), outcome = p_outcome, turnos_entregues = greatest(coalesce(p_turns_delivered, 0), 0)
  where id = p_id and completed_at is null;
end;
$$;

-- What the daily summary adds for groups: groups with 3 or more present members, and group messages sent on p_day.
create or replace function warmup_group_summary(p_day text) returns table (groups integer, group_messages integer)
language sql stable
set search_path = public, pg_temp
as $$
  select
    (select count(*)::integer from warmup_groups g
      where (select count(*) from warmup_group_members m where m.group_id = g.id and m.left_at is null) >= 3),
    (select count(*)::integer from warmup_interactions i
      where i.group_conversation_id is not null and i.estado = 'sent' and i.dia = warmup_parse_day(p_day));
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
      and p.proname in ('warmup_group_member_same_fleet', 'warmup_group_fleet_fixed', 'warmup_record_group',
                        'warmup_change_group_member', 'warmup_chip_groups', 'warmup_group_candidates',
                        'warmup_begin_group_conversation', 'warmup_complete_group_message', 'warmup_claim_group_message',
                        'warmup_finish_group_conversation', 'warmup_group_summary')
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
