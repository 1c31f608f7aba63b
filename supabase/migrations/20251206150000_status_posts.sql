-- Status posts ("stories"): every post a chip makes, with the viewers it named. The last line, whatever
-- a workflow asks: a post is claimed before it goes out and refused when its chip is not warming, when
-- the chip already claimed its phase's daily status limit for that program day, or when a viewer is not
-- a chip of the poster's fleet (statusJidList never names anyone else, and never "all contacts").
--
-- Errors (SQLSTATE, message prefix = typed error of src/domain/errors.ts), all existing ones:
--   WR004 InvalidInput   WR006 OutsideFleet   WR007 ChipNotWarming   WR010 DailyCapReached

-- Daily status posts per phase. Mirrors dailyStatusCap in PHASE_TABLE (src/domain/phases.ts); a test
-- compares the two for every phase.
create or replace function warmup_phase_status_cap(p_phase text) returns integer
language sql immutable
set search_path = public, pg_temp
as $$
  select case p_phase
    when 'setup' then 0
    when 'primeiros_contatos' then 1
    when 'expansao' then 2
    when 'pre_operacao' then 3
    when 'operacao' then 3
  end
$$;

create table if not exists warmup_status_posts (
  id bigint generated always as identity primary key,
  idempotency_key text not null unique,
  chip_id uuid not null references warmup_chips (id) on delete cascade,
  fleet_id text not null,
  -- The program day the post counts on, for the phase's daily status limit.
  dia date not null,
  tipo text not null,
  conteudo text not null,
  -- The viewers named in statusJidList, as E.164 digits: chips of fleet_id only.
  viewers text[] not null,
  estado text not null default 'claimed',
  provider_message_id text,
  erro text,
  created_at timestamptz not null default now(),
  completed_at timestamptz,
  constraint warmup_status_posts_tipo_check check (tipo in ('text', 'image')),
  constraint warmup_status_posts_estado_check check (estado in ('claimed', 'sent', 'failed')),
  constraint warmup_status_posts_viewers_present check (cardinality(viewers) > 0)
);

create index if not exists warmup_status_posts_chip_day_idx on warmup_status_posts (chip_id, dia);
create index if not exists warmup_status_posts_day_idx on warmup_status_posts (dia);

do $$
declare
  r text;
begin
  alter table warmup_status_posts enable row level security;
  foreach r in array array['anon', 'authenticated'] loop
    if exists (select 1 from pg_roles where rolname = r) then
      execute format('revoke all on table warmup_status_posts from %I', r);
    end if;
  end loop;
  if exists (select 1 from pg_roles where rolname = 'service_role') then
    grant select, insert, update, delete on table warmup_status_posts to service_role;
  end if;
end;
$$;

-- Claims a status post before it goes out. p_viewers: the phones (digits) to name; null lets the
-- database name the poster's fleet (its other chips that are warming, paused or ready). Answers one row:
-- state 'new' when this call claimed it (viewers: whom to name), otherwise the earlier claim's state
-- with the same key ('claimed': its outcome is unknown, never post again; 'sent'; 'failed'), or
-- 'no_viewers' when the fleet has nobody to see it (nothing recorded). The poster's row is locked, so
-- two claims of one chip are counted one after the other and never cross the limit together.
create or replace function warmup_claim_status_post(
  p_key text, p_chip_id text, p_day text, p_type text, p_content text, p_at timestamptz, p_viewers text[] default null
) returns table (state text, viewers text[])
language plpgsql
set search_path = public, pg_temp
as $$
declare
  v_existing warmup_status_posts;
  v_chip warmup_chips;
  v_day date;
  v_cap integer;
  v_claimed integer;
  v_viewers text[];
  v_outside text[];
begin
  if coalesce(btrim(p_key), '') = '' then
    perform warmup_invalid('a status post needs an idempotency key.');
  end if;
  if p_type is null or p_type not in ('text', 'image') then
    perform warmup_invalid(format('a status post is text or image, got %s.', coalesce(quote_literal(p_type), 'null')));
  end if;
  if coalesce(btrim(p_content), '') = '' then
    perform warmup_invalid('a status post needs a content.');
  end if;
  v_day := warmup_parse_day(p_day);
  v_chip := warmup_chip(p_chip_id, true);
  select * into v_existing from warmup_status_posts where idempotency_key = p_key;
  if found then
    return query select v_existing.estado, v_existing.viewers;
    return;
  end if;
  if v_chip.status <> 'warming' then
    perform warmup_refuse('WR007', 'ChipNotWarming',
      format('chip %s is %s; only a warming chip posts warm-up statuses.', v_chip.id, v_chip.status));
  end if;
  v_cap := coalesce(warmup_phase_status_cap(v_chip.fase_warmup), 0);
  select count(*) into v_claimed from warmup_status_posts where chip_id = v_chip.id and dia = v_day;
  if v_claimed >= v_cap then
    perform warmup_refuse('WR010', 'DailyCapReached',
      format('chip %s (phase %s) already claimed %s of its %s status posts on %s.', v_chip.id, v_chip.fase_warmup, v_claimed, v_cap, v_day));
  end if;
  if p_viewers is null then
    select coalesce(array_agg(c.telefone order by c.telefone), '{}') into v_viewers
    from warmup_chips c
    where c.fleet_id = v_chip.fleet_id and c.id <> v_chip.id and c.status in ('warming', 'paused', 'ready');
  else
    select coalesce(array_agg(distinct v), '{}') into v_viewers from unnest(p_viewers) as v;
    select coalesce(array_agg(v), '{}') into v_outside
    from unnest(v_viewers) as v
    where v = v_chip.telefone
       or not exists (select 1 from warmup_chips c where c.telefone = v and c.fleet_id = v_chip.fleet_id);
    if cardinality(v_outside) > 0 then
      perform warmup_refuse('WR006', 'OutsideFleet',
        format('a status of chip %s may name only the other chips of fleet %s; %s viewer(s) are not.', v_chip.id, v_chip.fleet_id,
               cardinality(v_outside)));
    end if;
  end if;
  if cardinality(v_viewers) = 0 then
    return query select 'no_viewers'::text, v_viewers;
    return;
  end if;
  insert into warmup_status_posts (idempotency_key, chip_id, fleet_id, dia, tipo, conteudo, viewers, created_at)
  values (p_key, v_chip.id, v_chip.fleet_id, v_day, p_type, p_content, v_viewers, coalesce(p_at, now()));
  return query select 'new'::text, v_viewers;
end;
$$;

-- The outcome of a claimed post: sent (with the provider's message id) or failed (with why). A post
-- already settled keeps its outcome; answers its state after the call.
create or replace function warmup_finish_status_post(p_key text, p_sent boolean, p_provider_message_id text, p_error text, p_at timestamptz)
returns text
language plpgsql
set search_path = public, pg_temp
as $$
declare
  v_state text;
begin
  update warmup_status_posts
  set estado = case when p_sent then 'sent' else 'failed' end,
      provider_message_id = p_provider_message_id,
      erro = left(p_error, 500),
      completed_at = coalesce(p_at, now())
  where idempotency_key = p_key and estado = 'claimed';
  select estado into v_state from warmup_status_posts where idempotency_key = p_key;
  if v_state is null then
    perform warmup_invalid(format('no status post was claimed with key %s.', coalesce(quote_literal(p_key), 'null')));
  end if;
  return v_state;
end;
$$;

-- Status posts sent per chip: on p_day and in all, for `warmer chip status`, the console and the daily
-- summary. p_chip_id null: every chip that posted.
create or replace function warmup_status_post_counts(p_day text, p_chip_id text default null)
returns table (chip_id text, today integer, total integer)
language plpgsql stable
set search_path = public, pg_temp
as $$
declare
  v_day date := warmup_parse_day(p_day);
begin
  return query
  select s.chip_id::text, (count(*) filter (where s.dia = v_day))::integer, count(*)::integer
  from warmup_status_posts s
  where s.estado = 'sent' and (p_chip_id is null or s.chip_id::text = p_chip_id)
  group by s.chip_id;
end;
$$;

do $$
declare
  r text;
  f text;
begin
  foreach f in array array[
    'warmup_phase_status_cap(text)',
    'warmup_claim_status_post(text, text, text, text, text, timestamptz, text[])',
    'warmup_finish_status_post(text, boolean, text, text, timestamptz)',
    'warmup_status_post_counts(text, text)'
  ] loop
    execute format('revoke execute on function %s from public', f);
    foreach r in array array['anon', 'authenticated'] loop
      if exists (select 1 from pg_roles where rolname = r) then
        execute format('revoke execute on function %s from %I', f, r);
      end if;
    end loop;
    if exists (select 1 from pg_roles where rolname = 'service_role') then
      execute format('grant execute on function %s to service_role', f);
    end if;
  end loop;
end;
$$;
