-- The daily health log now rides on the day's first plan (planConversation), whose attempts may be
-- retried: a second write of the same chip's log at the same instant is a repeat, not a new score.
-- Same signature and grants as before (create or replace keeps them).
create or replace function warmup_record_health(p_chip_id text, p_score numeric, p_factors jsonb, p_at timestamptz) returns void
language plpgsql
set search_path = public, pg_temp
as $$
declare
  v_chip warmup_chips;
  v_score integer;
  v_at timestamptz := coalesce(p_at, now());
begin
  if p_score is null or p_score < 0 or p_score > 100 then
    perform warmup_invalid(format('health score must be between 0 and 100, got %s.', coalesce(p_score::text, 'null')));
  end if;
  if p_factors is not null and jsonb_typeof(p_factors) <> 'object' then
    perform warmup_invalid('health factors must be a JSON object.');
  end if;
  v_chip := warmup_chip(p_chip_id, true);
  v_score := round(p_score)::integer;
  if exists (select 1 from warmup_health_log where chip_id = v_chip.id and created_at = v_at) then
    return;
  end if;
  insert into warmup_health_log (chip_id, health_score, fatores, created_at)
  values (v_chip.id, v_score, coalesce(p_factors, '{}'::jsonb), v_at);
  update warmup_chips set health_score = v_score where id = v_chip.id;
end;
$$;
