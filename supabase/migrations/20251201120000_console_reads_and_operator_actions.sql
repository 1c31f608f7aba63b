-- The operator's console and the worker's readiness: read functions that give the fleet page its data
-- in one call (no per-chip round trips), a chip's story per program day, and the audit log of the
-- actions operators take from the console or the CLI (who, when, why).

create table warmup_operator_actions (
  id bigint generated always as identity primary key,
  chip_id uuid references warmup_chips (id) on delete cascade,
  action text not null,
  actor text not null,
  reason text,
  source text not null,
  created_at timestamptz not null default now(),
  constraint warmup_operator_actions_action_check check (action in ('pause', 'resume', 'retire')),
  constraint warmup_operator_actions_actor_present check (btrim(actor) <> ''),
  constraint warmup_operator_actions_source_check check (source in ('console', 'cli'))
);

create index warmup_operator_actions_chip_idx on warmup_operator_actions (chip_id, created_at desc);
-- The fleet page counts today's messages of every chip: sent turns by day without a table scan.
create index warmup_interactions_msgs_idx on warmup_interactions (chip_id, created_at) where tipo in ('msg_enviada', 'msg_recebida');

do $$
declare
  r text;
begin
  alter table warmup_operator_actions enable row level security;
  foreach r in array array['anon', 'authenticated'] loop
    if exists (select 1 from pg_roles where rolname = r) then
      execute format('revoke all on table warmup_operator_actions from %I', r);
    end if;
  end loop;
end;
$$;

-- Readiness: the database answers and the API is installed.
create function warmup_ping() returns integer
language sql stable
set search_path = public, pg_temp
as $$ select 1 $$;

-- One row per chip (of one fleet when given), oldest first, with what the fleet page shows beside the
-- chip's record: messages sent and received since p_day_start (today's program day), open alerts,
-- and the last health score of each of its last p_days program days (days counted from registration,
-- p_day_ms real ms each) as [[day, score], ...].
create function warmup_console_fleet(p_fleet_id text, p_day_start timestamptz, p_day_ms bigint, p_days integer)
returns table (
  id uuid, telefone text, instance_name text, fleet_id text, status text, fase_warmup text, fase_iniciada_em timestamptz,
  health_score integer, msgs_enviadas_total integer, msgs_recebidas_total integer, taxa_resposta numeric,
  pause_reason text, ready_at timestamptz, created_at timestamptz,
  sent_today integer, received_today integer, open_alerts integer, health_days jsonb
)
language sql stable
set search_path = public, pg_temp
as $$
  select
    c.id, c.telefone, c.instance_name, c.fleet_id, c.status, c.fase_warmup, c.fase_iniciada_em,
    c.health_score, c.msgs_enviadas_total, c.msgs_recebidas_total, c.taxa_resposta,
    c.pause_reason, c.ready_at, c.created_at,
    (select count(*)::integer from warmup_interactions i
      where i.chip_id = c.id and i.tipo = 'msg_enviada' and i.estado = 'sent' and i.created_at >= p_day_start),
    (select count(*)::integer from warmup_interactions i
      where i.chip_id = c.id and i.tipo = 'msg_recebida' and i.created_at >= p_day_start),
    (select count(*)::integer from warmup_alerts a where a.chip_id = c.id and not a.resolved),
    coalesce((
      select jsonb_agg(jsonb_build_array(d.day, d.score) order by d.day)
      from (
        select day, score from (
          select distinct on (day) day, h.health_score as score
          from warmup_health_log h,
               lateral (select floor(extract(epoch from (h.created_at - c.created_at)) * 1000 / greatest(p_day_ms, 1))::integer as day) x
          where h.chip_id = c.id
          order by day desc, h.created_at desc
        ) last_per_day
        order by day desc
        limit greatest(coalesce(p_days, 14), 1)
      ) d
    ), '[]'::jsonb)
  from warmup_chips c
  where p_fleet_id is null or c.fleet_id = p_fleet_id
  order by c.created_at, c.id
$$;

-- A chip's program days (counted from its registration, p_day_ms real ms each): messages sent, received,
-- sent messages the partner answered, and the day's last health score (null when none was recorded).
create function warmup_console_chip_days(p_chip_id text, p_day_ms bigint)
returns table (day integer, sent integer, received integer, replied integer, health integer)
language plpgsql stable
set search_path = public, pg_temp
as $$
declare
  v_chip warmup_chips := warmup_chip(p_chip_id, false);
  v_day_ms numeric := greatest(coalesce(p_day_ms, 86400000), 1);
begin
  return query
  with msgs as (
    select floor(extract(epoch from (i.created_at - v_chip.created_at)) * 1000 / v_day_ms)::integer as d, i.*
    from warmup_interactions i
    where i.chip_id = v_chip.id and i.tipo in ('msg_enviada', 'msg_recebida')
  ), per_day as (
    select m.d,
      count(*) filter (where m.tipo = 'msg_enviada' and m.estado = 'sent')::integer as sent,
      count(*) filter (where m.tipo = 'msg_recebida')::integer as received,
      count(*) filter (where m.tipo = 'msg_enviada' and m.estado = 'sent' and exists (
        select 1 from warmup_interactions r
        where r.conversation_id = m.conversation_id and r.tipo = 'msg_enviada' and r.estado = 'sent'
          and r.turno = m.turno + 1 and r.chip_id = m.peer_chip_id))::integer as replied
    from msgs m group by m.d
  ), health as (
    select distinct on (x.d) x.d, h.health_score
    from warmup_health_log h,
         lateral (select floor(extract(epoch from (h.created_at - v_chip.created_at)) * 1000 / v_day_ms)::integer as d) x
    where h.chip_id = v_chip.id
    order by x.d, h.created_at desc
  )
  select coalesce(p.d, hl.d), coalesce(p.sent, 0), coalesce(p.received, 0), coalesce(p.replied, 0), hl.health_score
  from per_day p full join health hl on hl.d = p.d
  order by 1;
end;
$$;

create function warmup_console_transitions(p_chip_id text)
returns setof warmup_phase_transitions
language sql stable
set search_path = public, pg_temp
as $$
  select t.* from warmup_phase_transitions t
  where t.chip_id = (warmup_chip(p_chip_id, false)).id
  order by t.created_at, t.id
$$;

-- The chip's most recent conversations, newest first, with the partner's phone (masked by the caller).
create function warmup_console_conversations(p_chip_id text, p_limit integer)
returns table (id text, partner_id uuid, partner_phone text, turns integer, turns_delivered integer, outcome text,
               started_at timestamptz, completed_at timestamptz)
language sql stable
set search_path = public, pg_temp
as $$
  select v.id, p.id, p.telefone, v.turnos, v.turnos_entregues, v.outcome, v.started_at, v.completed_at
  from warmup_conversations v
  join warmup_chips p on p.id = case when v.chip_a = (warmup_chip(p_chip_id, false)).id then v.chip_b else v.chip_a end
  where v.chip_a = (warmup_chip(p_chip_id, false)).id or v.chip_b = (warmup_chip(p_chip_id, false)).id
  order by v.started_at desc, v.id
  limit greatest(coalesce(p_limit, 20), 0)
$$;

create function warmup_record_operator_action(p_chip_id text, p_action text, p_actor text, p_reason text, p_source text)
returns setof warmup_operator_actions
language plpgsql
set search_path = public, pg_temp
as $$
declare
  v_chip uuid;
begin
  if p_action is null or p_action not in ('pause', 'resume', 'retire') then
    perform warmup_invalid(format('unknown operator action %s. Valid actions: pause, resume, retire.', coalesce(quote_literal(p_action), 'null')));
  end if;
  if p_actor is null or btrim(p_actor) = '' then
    perform warmup_invalid('an operator action needs who took it (actor).');
  end if;
  if p_source is null or p_source not in ('console', 'cli') then
    perform warmup_invalid(format('unknown action source %s. Valid sources: console, cli.', coalesce(quote_literal(p_source), 'null')));
  end if;
  if p_chip_id is not null then
    v_chip := (warmup_chip(p_chip_id, false)).id;
  end if;
  return query
  insert into warmup_operator_actions (chip_id, action, actor, reason, source)
  values (v_chip, p_action, btrim(p_actor), nullif(btrim(coalesce(p_reason, '')), ''), p_source)
  returning *;
end;
$$;

create function warmup_list_operator_actions(p_chip_id text default null, p_limit integer default 50)
returns setof warmup_operator_actions
language sql stable
set search_path = public, pg_temp
as $$
  select * from warmup_operator_actions a
  where p_chip_id is null or a.chip_id::text = lower(p_chip_id)
  order by a.created_at desc, a.id desc
  limit greatest(coalesce(p_limit, 50), 0)
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
      and p.proname in ('warmup_ping', 'warmup_console_fleet', 'warmup_console_chip_days', 'warmup_console_transitions',
                        'warmup_console_conversations', 'warmup_record_operator_action', 'warmup_list_operator_actions')
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
