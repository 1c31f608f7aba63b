-- Outbound events for the systems that use the chips (WARMER_EVENTS_URL): an outbox. Each fact is
-- recorded once (its id is derived from the fact, so a retried activity records nothing new), with the
-- payload receivers get, frozen at record time: every re-delivery carries the same id and bytes.
-- A Temporal workflow per event delivers it and marks it delivered; the sweep re-starts the others.

create table warmup_events (
  id text primary key,
  type text not null,
  chip_id uuid references warmup_chips (id) on delete set null,
  occurred_at timestamptz not null,
  -- json, not jsonb: the receivers get the keys in the documented order.
  payload json not null,
  created_at timestamptz not null default now(),
  delivered_at timestamptz,
  attempts integer not null default 0,
  last_error text,
  constraint warmup_events_type_check check (type in (
    'chip.promoted', 'chip.ready', 'chip.paused', 'chip.resumed', 'chip.banned',
    'chip.stalled', 'chip.quarantined', 'fleet.breaker'))
);

-- The sweep reads the undelivered events, oldest first.
create index warmup_events_pending_idx on warmup_events (created_at) where delivered_at is null;

do $$
declare
  r text;
begin
  alter table warmup_events enable row level security;
  foreach r in array array['anon', 'authenticated'] loop
    if exists (select 1 from pg_roles where rolname = r) then
      execute format('revoke all on table warmup_events from %I', r);
    end if;
  end loop;
  if exists (select 1 from pg_roles where rolname = 'service_role') then
    grant select, insert, update, delete on table warmup_events to service_role;
  end if;
end;
$$;

-- The event id of a fact key: the same key always gives the same id (TypeScript computes it the same way).
create function warmup_event_id(p_key text) returns text
language sql immutable
set search_path = public, pg_temp
as $$ select 'evt_' || md5(p_key) $$;

-- Records the event of a fact once: the id comes from p_key; a second call with the same key returns the
-- first event unchanged. The chip's snapshot (phone masked to its last 4 digits) is taken now.
create function warmup_record_event(p_key text, p_type text, p_chip_id text, p_occurred_at timestamptz, p_data jsonb)
returns setof warmup_events
language plpgsql
set search_path = public, pg_temp
as $$
declare
  v_id text;
  v_chip warmup_chips;
  v_payload json;
begin
  if p_key is null or btrim(p_key) = '' then
    perform warmup_invalid('an event needs the key of the fact it reports.');
  end if;
  if p_type is null or p_type not in ('chip.promoted', 'chip.ready', 'chip.paused', 'chip.resumed', 'chip.banned',
                                      'chip.stalled', 'chip.quarantined', 'fleet.breaker') then
    perform warmup_invalid(format('unknown event type %s.', coalesce(quote_literal(p_type), 'null')));
  end if;
  v_id := warmup_event_id(p_key);
  if not exists (select 1 from warmup_events e where e.id = v_id) then
    if p_chip_id is not null then
      v_chip := warmup_chip(p_chip_id, false);
    end if;
    v_payload := json_build_object(
      'id', v_id,
      'type', p_type,
      'occurredAt', to_char(coalesce(p_occurred_at, now()) at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'),
      'chip', case when v_chip.id is null then null else json_build_object(
        'id', v_chip.id, 'instance', v_chip.instance_name, 'phone', '***' || right(v_chip.telefone, 4),
        'fleetId', v_chip.fleet_id, 'phase', v_chip.fase_warmup, 'status', v_chip.status) end,
      'data', coalesce(p_data, '{}'::jsonb)::json);
    insert into warmup_events (id, type, chip_id, occurred_at, payload)
    values (v_id, p_type, v_chip.id, coalesce(p_occurred_at, now()), v_payload)
    on conflict (id) do nothing;
  end if;
  return query select * from warmup_events e where e.id = v_id;
end;
$$;

create function warmup_get_event(p_id text)
returns setof warmup_events
language sql stable
set search_path = public, pg_temp
as $$ select * from warmup_events e where e.id = p_id $$;

-- Undelivered events recorded since p_since and at least p_older_than old, oldest first (of one type when given).
create function warmup_pending_events(p_since timestamptz, p_older_than timestamptz, p_type text, p_limit integer)
returns setof warmup_events
language sql stable
set search_path = public, pg_temp
as $$
  select * from warmup_events e
  where e.delivered_at is null
    and (p_since is null or e.created_at >= p_since)
    and (p_older_than is null or e.created_at <= p_older_than)
    and (p_type is null or e.type = p_type)
  order by e.created_at, e.id
  limit greatest(coalesce(p_limit, 100), 0)
$$;

-- A failed delivery attempt: counted, and its error kept for the operator.
create function warmup_record_event_attempt(p_id text, p_error text) returns void
language sql
set search_path = public, pg_temp
as $$
  update warmup_events set attempts = attempts + 1, last_error = left(p_error, 500) where id = p_id
$$;

-- Every receiver answered 2xx. The first time counts; marking again changes nothing.
create function warmup_mark_event_delivered(p_id text, p_at timestamptz) returns void
language plpgsql
set search_path = public, pg_temp
as $$
begin
  update warmup_events set delivered_at = coalesce(delivered_at, p_at, now()), last_error = null where id = p_id;
  if not found then
    perform warmup_invalid(format('no event %s.', quote_literal(p_id)));
  end if;
end;
$$;

-- The fleet breaker is opened by the webhook bridge, outside any activity: its event is recorded in the
-- alert's own transaction (as is a chip's stall), so no path that opens one can forget it.
create function warmup_alert_event() returns trigger
language plpgsql
set search_path = public, pg_temp
as $$
begin
  perform warmup_record_event(
    'alert:' || new.id::text,
    case new.kind when 'fleet_breaker' then 'fleet.breaker' else 'chip.stalled' end,
    new.chip_id::text,
    new.created_at,
    jsonb_build_object('alertId', new.id, 'severity', new.severity, 'message', new.message,
      'fleetId', (select c.fleet_id from warmup_chips c where c.id = new.chip_id)));
  return new;
end;
$$;

create trigger warmup_alerts_record_event
after insert on warmup_alerts
for each row when (new.kind in ('fleet_breaker', 'chip_stalled'))
execute function warmup_alert_event();

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
      and p.proname in ('warmup_event_id', 'warmup_record_event', 'warmup_get_event', 'warmup_pending_events',
                        'warmup_record_event_attempt', 'warmup_mark_event_delivered', 'warmup_alert_event')
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
