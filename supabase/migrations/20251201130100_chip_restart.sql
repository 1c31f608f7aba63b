-- A way back: a chip whose workflow ended (failed, terminated, banned, retired) is set warming
-- again by an operator, with an audit row naming who did it and why. A chip that finished the
-- program (ready) is not restarted. The audit row is an open info alert, so the team sees it until
-- someone resolves it.
create or replace function warmup_restart_chip(p_chip_id text, p_by text, p_reason text default null)
returns setof warmup_chips
language plpgsql
set search_path = public, pg_temp
as $$
declare
  v_chip warmup_chips;
  v_previous text;
begin
  if coalesce(btrim(p_by), '') = '' then
    perform warmup_invalid('a restart must say who asked for it.');
  end if;
  v_chip := warmup_chip(p_chip_id, true);
  if v_chip.status = 'ready' then
    perform warmup_invalid(format('chip %s finished its warm-up (ready); there is nothing to restart.', v_chip.id));
  end if;
  v_previous := v_chip.status;
  update warmup_chips set status = 'warming', pause_reason = null where id = v_chip.id returning * into v_chip;
  insert into warmup_alerts (chip_id, severity, kind, message)
  values (v_chip.id, 'info', 'chip_restarted',
          format('Chip reiniciado por %s (estava %s, fase %s)%s.', btrim(p_by), v_previous, v_chip.fase_warmup,
                 case when coalesce(btrim(p_reason), '') = '' then '' else ': ' || btrim(p_reason) end));
  return next v_chip;
end;
$$;

revoke all on function warmup_restart_chip(text, text, text) from public;
do $$
declare
  r text;
begin
  foreach r in array array['anon', 'authenticated'] loop
    if exists (select 1 from pg_roles where rolname = r) then
      execute format('revoke all on function warmup_restart_chip(text, text, text) from %I', r);
    end if;
  end loop;
  if exists (select 1 from pg_roles where rolname = 'service_role') then
    grant execute on function warmup_restart_chip(text, text, text) to service_role;
  end if;
end $$;
