-- The fleet breaker counts incidents per fleet: a ban in one fleet must not pause another.
drop function if exists warmup_count_provider_events(text[], timestamptz, text, boolean);

create function warmup_count_provider_events(
  p_kinds text[], p_since timestamptz, p_chip_id text default null, p_distinct_chips boolean default false,
  p_fleet_id text default null
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
  join warmup_chips c on c.id = i.chip_id
  where i.tipo = any (coalesce(p_kinds, '{}'::text[]))
    and i.created_at >= coalesce(p_since, '-infinity'::timestamptz)
    and (v_chip is null or i.chip_id = v_chip)
    and (p_fleet_id is null or c.fleet_id = p_fleet_id);
  return v_count;
end;
$$;

revoke all on function warmup_count_provider_events(text[], timestamptz, text, boolean, text) from public;
do $$
begin
  if exists (select 1 from pg_roles where rolname = 'anon') then
    revoke all on function warmup_count_provider_events(text[], timestamptz, text, boolean, text) from anon;
  end if;
  if exists (select 1 from pg_roles where rolname = 'authenticated') then
    revoke all on function warmup_count_provider_events(text[], timestamptz, text, boolean, text) from authenticated;
  end if;
  if exists (select 1 from pg_roles where rolname = 'service_role') then
    grant execute on function warmup_count_provider_events(text[], timestamptz, text, boolean, text) to service_role;
  end if;
end $$;
