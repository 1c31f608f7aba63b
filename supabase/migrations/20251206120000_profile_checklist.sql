-- The setup's profile checklist (docs/warm-up-program.md "Setup"): each chip's steps (instance settings,
-- privacy, profile name, about text, photo) with their attempts and last error, the names and about
-- texts chips of a fleet hold (no two chips of one fleet share either), and the operator's hand on a
-- step (done by hand, or tried again), audited like the other operator actions.
--
-- Refusals are InvalidInput (WR004): an unknown step or action, a chip that offers no text left free.

-- ---------------------------------------------------------------- schema additions

create table if not exists warmup_profile_steps (
  chip_id uuid not null references warmup_chips (id) on delete cascade,
  step text not null,
  done_at timestamptz,
  -- 'chip': applied at the provider by the chip's workflow; 'operator': marked done by hand.
  done_by text,
  attempts integer not null default 0,
  last_error text,
  last_attempt_at timestamptz,
  updated_at timestamptz not null default now(),
  primary key (chip_id, step),
  constraint warmup_profile_steps_step_check check (step in ('settings', 'privacy', 'name', 'about', 'photo')),
  constraint warmup_profile_steps_done_by_check check (done_by is null or done_by in ('chip', 'operator')),
  constraint warmup_profile_steps_done_consistent check ((done_at is null) = (done_by is null)),
  constraint warmup_profile_steps_attempts_range check (attempts >= 0)
);

-- The texts a chip's profile shows. The fleet is copied from the chip so that the database itself
-- refuses a second chip of the fleet with the same name or about text.
create table if not exists warmup_profile_texts (
  chip_id uuid not null references warmup_chips (id) on delete cascade,
  fleet_id text not null,
  kind text not null,
  text text not null,
  created_at timestamptz not null default now(),
  primary key (chip_id, kind),
  constraint warmup_profile_texts_kind_check check (kind in ('name', 'about')),
  constraint warmup_profile_texts_text_present check (btrim(text) <> ''),
  constraint warmup_profile_texts_fleet_unique unique (fleet_id, kind, text)
);

alter table warmup_operator_actions drop constraint if exists warmup_operator_actions_action_check;
alter table warmup_operator_actions add constraint warmup_operator_actions_action_check
  check (action in ('pause', 'resume', 'retire', 'profile_done', 'profile_retry'));

do $$
declare
  t text;
  r text;
begin
  foreach t in array array['warmup_profile_steps', 'warmup_profile_texts'] loop
    execute format('alter table %I enable row level security', t);
    foreach r in array array['anon', 'authenticated'] loop
      if exists (select 1 from pg_roles where rolname = r) then
        execute format('revoke all on table %I from %I', t, r);
      end if;
    end loop;
  end loop;
end;
$$;

-- ---------------------------------------------------------------- helpers

create or replace function warmup_profile_step_valid(p_step text) returns text
language plpgsql immutable
set search_path = public, pg_temp
as $$
begin
  if p_step is null or p_step not in ('settings', 'privacy', 'name', 'about', 'photo') then
    perform warmup_invalid(format('unknown profile step %s. Valid steps: settings, privacy, name, about, photo.',
      coalesce(quote_literal(p_step), 'null')));
  end if;
  return p_step;
end;
$$;

-- The chip's text of one kind: the one it holds, else the first candidate no other chip of its fleet
-- holds (claimed now). Concurrent claims of one text: the unique constraint lets one win, the other
-- takes its next candidate.
create or replace function warmup_claim_profile_text(p_chip warmup_chips, p_kind text, p_candidates text[]) returns text
language plpgsql
set search_path = public, pg_temp
as $$
declare
  v_text text;
  v_candidate text;
begin
  select t.text into v_text from warmup_profile_texts t where t.chip_id = p_chip.id and t.kind = p_kind;
  if found then
    return v_text;
  end if;
  foreach v_candidate in array coalesce(p_candidates, array[]::text[]) loop
    continue when v_candidate is null or btrim(v_candidate) = '';
    begin
      insert into warmup_profile_texts (chip_id, fleet_id, kind, text) values (p_chip.id, p_chip.fleet_id, p_kind, btrim(v_candidate));
      return btrim(v_candidate);
    exception when unique_violation then
      -- held by another chip of the fleet: the next candidate
    end;
  end loop;
  perform warmup_invalid(format('every %s candidate offered for chip %s is held by another chip of fleet %s.',
    p_kind, p_chip.id, quote_literal(p_chip.fleet_id)));
  return null;
end;
$$;

-- ---------------------------------------------------------------- the API

-- The chip's checklist: one row per step, done or not (a step never tried has 0 attempts).
create or replace function warmup_profile_checklist(p_chip_id text)
returns table (step text, done_at timestamptz, done_by text, attempts integer, last_error text, last_attempt_at timestamptz)
language sql stable
set search_path = public, pg_temp
as $$
  select s.step, p.done_at, p.done_by, coalesce(p.attempts, 0), p.last_error, p.last_attempt_at
  from unnest(array['settings', 'privacy', 'name', 'about', 'photo']) with ordinality as s (step, ord)
  left join warmup_profile_steps p on p.chip_id = (warmup_chip(p_chip_id, false)).id and p.step = s.step
  order by s.ord
$$;

-- Before a run: the chip's fleet, its checklist, and its name and about text (claimed when the
-- candidates are given). One call, one transaction.
create or replace function warmup_begin_profile_steps(p_chip_id text, p_name_candidates text[], p_about_candidates text[])
returns jsonb
language plpgsql
set search_path = public, pg_temp
as $$
declare
  v_chip warmup_chips;
  v_name text;
  v_about text;
begin
  v_chip := warmup_chip(p_chip_id, false);
  if coalesce(array_length(p_name_candidates, 1), 0) > 0 then
    v_name := warmup_claim_profile_text(v_chip, 'name', p_name_candidates);
  end if;
  if coalesce(array_length(p_about_candidates, 1), 0) > 0 then
    v_about := warmup_claim_profile_text(v_chip, 'about', p_about_candidates);
  end if;
  return jsonb_build_object(
    'fleet_id', v_chip.fleet_id,
    'name', v_name,
    'about', v_about,
    'steps', (select coalesce(jsonb_agg(to_jsonb(c)), '[]'::jsonb) from warmup_profile_checklist(p_chip_id) c)
  );
end;
$$;

-- A run's outcomes: p_results is {results: [{step, ok, error}]} (an object, so that every driver passes it alike). A step done stays done (its first time kept);
-- a failure counts an attempt and keeps its error until the step succeeds.
create or replace function warmup_record_profile_steps(p_chip_id text, p_results jsonb, p_at timestamptz)
returns table (step text, done_at timestamptz, done_by text, attempts integer, last_error text, last_attempt_at timestamptz)
language plpgsql
set search_path = public, pg_temp
as $$
#variable_conflict use_column
declare
  v_chip warmup_chips;
  v_result jsonb;
  v_step text;
  v_ok boolean;
begin
  v_chip := warmup_chip(p_chip_id, false);
  if p_results is null or jsonb_typeof(p_results -> 'results') is distinct from 'array' then
    perform warmup_invalid('profile step results must be {results: [{step, ok, error}]}.');
  end if;
  for v_result in select * from jsonb_array_elements(p_results -> 'results') loop
    v_step := warmup_profile_step_valid(v_result ->> 'step');
    v_ok := coalesce((v_result ->> 'ok')::boolean, false);
    insert into warmup_profile_steps as p (chip_id, step, done_at, done_by, attempts, last_error, last_attempt_at, updated_at)
    values (v_chip.id, v_step,
            case when v_ok then coalesce(p_at, now()) end,
            case when v_ok then 'chip' end,
            1,
            case when v_ok then null else left(coalesce(v_result ->> 'error', 'erro desconhecido'), 500) end,
            coalesce(p_at, now()), now())
    on conflict on constraint warmup_profile_steps_pkey do update set
      done_at = coalesce(p.done_at, excluded.done_at),
      done_by = coalesce(p.done_by, excluded.done_by),
      attempts = p.attempts + 1,
      last_error = case when coalesce(p.done_at, excluded.done_at) is not null then null else excluded.last_error end,
      last_attempt_at = excluded.last_attempt_at,
      updated_at = now();
  end loop;
  return query select * from warmup_profile_checklist(p_chip_id);
end;
$$;

-- An operator's hand on a step: 'done' (e.g. a photo set in the app) or 'retry' (done no more, tried
-- again at once), with one audit row in warmup_operator_actions.
create or replace function warmup_mark_profile_step(
  p_chip_id text, p_step text, p_action text, p_actor text, p_reason text, p_source text
)
returns table (step text, done_at timestamptz, done_by text, attempts integer, last_error text, last_attempt_at timestamptz)
language plpgsql
set search_path = public, pg_temp
as $$
#variable_conflict use_column
declare
  v_chip warmup_chips;
  v_step text;
begin
  v_step := warmup_profile_step_valid(p_step);
  if p_action is null or p_action not in ('done', 'retry') then
    perform warmup_invalid(format('unknown profile action %s. Valid actions: done, retry.', coalesce(quote_literal(p_action), 'null')));
  end if;
  if p_actor is null or btrim(p_actor) = '' then
    perform warmup_invalid('an operator action needs who took it (actor).');
  end if;
  if p_source is null or p_source not in ('console', 'cli') then
    perform warmup_invalid(format('unknown action source %s. Valid sources: console, cli.', coalesce(quote_literal(p_source), 'null')));
  end if;
  v_chip := warmup_chip(p_chip_id, false);
  if p_action = 'done' then
    insert into warmup_profile_steps as p (chip_id, step, done_at, done_by, updated_at)
    values (v_chip.id, v_step, now(), 'operator', now())
    on conflict on constraint warmup_profile_steps_pkey do update set
      done_at = coalesce(p.done_at, now()), done_by = coalesce(p.done_by, 'operator'), last_error = null, updated_at = now();
  else
    insert into warmup_profile_steps as p (chip_id, step, updated_at)
    values (v_chip.id, v_step, now())
    on conflict on constraint warmup_profile_steps_pkey do update set done_at = null, done_by = null, updated_at = now();
  end if;
  insert into warmup_operator_actions (chip_id, action, actor, reason, source)
  values (v_chip.id, 'profile_' || p_action, btrim(p_actor),
          coalesce(nullif(btrim(coalesce(p_reason, '')), ''), 'perfil: ' || v_step), p_source);
  return query select * from warmup_profile_checklist(p_chip_id);
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
      and p.proname in ('warmup_profile_step_valid', 'warmup_claim_profile_text', 'warmup_profile_checklist',
                        'warmup_begin_profile_steps', 'warmup_record_profile_steps', 'warmup_mark_profile_step')
  loop
    execute format('revoke all on function %s from public', f.signature);
    foreach r in array array['anon', 'authenticated'] loop
      if exists (select 1 from pg_roles where rolname = r) then
        execute format('revoke all on function %s from %I', f.signature, r);
      end if;
    end loop;
  end loop;
end;
$$;
