-- Warmer: the warm-up tables (seed epic 09), their constraints, indexes and row level security.
-- Runs unchanged on Supabase (`supabase db push`), on plain PostgreSQL 15+ and on PGlite
-- (src/adapters/db/migrate.ts); Supabase-only roles are touched only when they exist.
-- Column names follow the seed (Portuguese where the seed names them).

create table warmup_chips (
  id uuid primary key default gen_random_uuid(),
  -- E.164 without '+': country code first, 10 to 15 digits (src/domain/phone.ts).
  telefone text not null,
  instance_name text not null,
  -- Warm-up conversations only ever go between chips of the same fleet.
  fleet_id text not null default 'default',
  status text not null default 'warming',
  fase_warmup text not null default 'setup',
  fase_iniciada_em timestamptz not null default now(),
  -- Neutral until the first measurement (recordHealth).
  health_score integer not null default 50,
  msgs_enviadas_total integer not null default 0,
  msgs_recebidas_total integer not null default 0,
  -- Sent messages that the partner answered (the next turn of the same conversation came from the partner).
  msgs_respondidas_total integer not null default 0,
  -- msgs_respondidas_total / msgs_enviadas_total, 0 before the first message; kept by warmup_complete_turn.
  taxa_resposta numeric(5, 4) not null default 0,
  pause_reason text,
  ready_at timestamptz,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  constraint warmup_chips_telefone_e164 check (telefone ~ '^[1-9][0-9]{9,14}$'),
  constraint warmup_chips_telefone_key unique (telefone),
  constraint warmup_chips_instance_name_key unique (instance_name),
  constraint warmup_chips_instance_name_present check (btrim(instance_name) <> ''),
  constraint warmup_chips_fleet_id_present check (btrim(fleet_id) <> ''),
  constraint warmup_chips_status_check check (status in ('warming', 'paused', 'ready', 'banned', 'retired')),
  constraint warmup_chips_fase_check
    check (fase_warmup in ('setup', 'primeiros_contatos', 'expansao', 'pre_operacao', 'operacao')),
  constraint warmup_chips_health_range check (health_score between 0 and 100),
  constraint warmup_chips_counters_positive
    check (msgs_enviadas_total >= 0 and msgs_recebidas_total >= 0 and msgs_respondidas_total >= 0),
  constraint warmup_chips_taxa_range check (taxa_resposta between 0 and 1)
);

-- The cycle reads chips by status; pairing reads a fleet's warming chips.
create index warmup_chips_status_idx on warmup_chips (status);
create index warmup_chips_fleet_idx on warmup_chips (fleet_id, status, fase_warmup);

-- One row per unordered couple: chip_a is the smaller id. Rotation deactivates rows; a later
-- pairing of the same couple reactivates the row instead of adding another.
create table warmup_pairs (
  id uuid primary key default gen_random_uuid(),
  chip_a uuid not null references warmup_chips (id) on delete cascade,
  chip_b uuid not null references warmup_chips (id) on delete cascade,
  fleet_id text not null,
  active boolean not null default true,
  interacoes_total integer not null default 0,
  last_interaction_day date,
  -- Age for the weekly rotation is counted from the last activation.
  activated_at timestamptz not null default now(),
  deactivated_at timestamptz,
  created_at timestamptz not null default now(),
  constraint warmup_pairs_ordered check (chip_a < chip_b),
  constraint warmup_pairs_couple_key unique (chip_a, chip_b),
  constraint warmup_pairs_interacoes_positive check (interacoes_total >= 0)
);

-- (chip_a, ...) is served by the unique index; active partners are looked up from either side.
create index warmup_pairs_chip_b_idx on warmup_pairs (chip_b);
create index warmup_pairs_active_idx on warmup_pairs (activated_at) where active;

-- Interactions per chip per program day ('YYYY-MM-DD' chosen by the caller), for the daily limit.
create table warmup_daily_interactions (
  chip_id uuid not null references warmup_chips (id) on delete cascade,
  dia date not null,
  interacoes integer not null default 0,
  primary key (chip_id, dia),
  constraint warmup_daily_interactions_positive check (interacoes >= 0)
);

create table warmup_conversations (
  -- Chosen by the caller (the conversation workflow id), so a retried create is a no-op.
  id text primary key,
  pair_id uuid not null references warmup_pairs (id) on delete cascade,
  -- As given by the caller (not ordered like warmup_pairs).
  chip_a uuid not null references warmup_chips (id) on delete cascade,
  chip_b uuid not null references warmup_chips (id) on delete cascade,
  dialogue_id text not null,
  tema text not null default 'warmup',
  turnos integer not null,
  turnos_entregues integer not null default 0,
  outcome text,
  started_at timestamptz not null,
  completed_at timestamptz,
  created_at timestamptz not null default now(),
  constraint warmup_conversations_id_present check (btrim(id) <> ''),
  constraint warmup_conversations_two_chips check (chip_a <> chip_b),
  constraint warmup_conversations_turnos_positive check (turnos > 0 and turnos_entregues >= 0),
  constraint warmup_conversations_outcome_check check (outcome in ('completed', 'aborted', 'failed'))
);

create index warmup_conversations_pair_idx on warmup_conversations (pair_id);
create index warmup_conversations_chip_a_idx on warmup_conversations (chip_a, started_at);
create index warmup_conversations_chip_b_idx on warmup_conversations (chip_b, started_at);

-- Every message and provider fact about a chip. A sent turn is claimed ('in_flight') before the
-- send and marked 'sent' after it; its idempotency key makes a retried claim or completion a no-op.
create table warmup_interactions (
  id bigint generated always as identity primary key,
  chip_id uuid not null references warmup_chips (id) on delete cascade,
  tipo text not null,
  conversation_id text references warmup_conversations (id) on delete cascade,
  turno integer,
  -- The other side of a message (receiver of msg_enviada, sender of msg_recebida).
  peer_chip_id uuid references warmup_chips (id) on delete cascade,
  destinatario text,
  midia_tipo text,
  estado text,
  provider_message_id text,
  idempotency_key text,
  metadata jsonb not null default '{}'::jsonb,
  created_at timestamptz not null default now(),
  sent_at timestamptz,
  constraint warmup_interactions_tipo_check check (tipo in (
    'msg_enviada', 'msg_recebida',
    'delivered', 'read', 'delivery_failed', 'inbound', 'disconnected', 'banned', 'connected'
  )),
  constraint warmup_interactions_estado_check check (
    (tipo = 'msg_enviada' and estado in ('in_flight', 'sent') and conversation_id is not null and turno is not null)
    or (tipo <> 'msg_enviada' and estado is null)
  ),
  constraint warmup_interactions_idempotency_key_key unique (idempotency_key)
);

-- One claim per turn of a conversation, whatever key the caller used.
create unique index warmup_interactions_turn_key
  on warmup_interactions (conversation_id, turno, tipo) where conversation_id is not null;
-- Early-warning windows: events of some kinds since a moment, per chip or fleet-wide.
create index warmup_interactions_chip_idx on warmup_interactions (chip_id, tipo, created_at);
create index warmup_interactions_tipo_idx on warmup_interactions (tipo, created_at);

create table warmup_health_log (
  id bigint generated always as identity primary key,
  chip_id uuid not null references warmup_chips (id) on delete cascade,
  health_score integer not null,
  fatores jsonb not null default '{}'::jsonb,
  created_at timestamptz not null default now(),
  constraint warmup_health_log_range check (health_score between 0 and 100)
);

create index warmup_health_log_chip_idx on warmup_health_log (chip_id, created_at desc);

-- The promotion log: one row per phase a chip entered, which also makes a repeated promotion a no-op.
create table warmup_phase_transitions (
  id bigint generated always as identity primary key,
  chip_id uuid not null references warmup_chips (id) on delete cascade,
  fase_anterior text not null,
  fase_nova text not null,
  health_score integer not null,
  taxa_resposta numeric(5, 4) not null,
  created_at timestamptz not null,
  constraint warmup_phase_transitions_fases_check check (
    fase_anterior in ('setup', 'primeiros_contatos', 'expansao', 'pre_operacao', 'operacao')
    and fase_nova in ('setup', 'primeiros_contatos', 'expansao', 'pre_operacao', 'operacao')
  ),
  constraint warmup_phase_transitions_once unique (chip_id, fase_nova)
);

create table warmup_alerts (
  id uuid primary key default gen_random_uuid(),
  -- Null for fleet-wide alerts (e.g. the fleet breaker).
  chip_id uuid references warmup_chips (id) on delete cascade,
  severity text not null,
  kind text not null,
  message text not null,
  resolved boolean not null default false,
  resolved_at timestamptz,
  idempotency_key text,
  created_at timestamptz not null default now(),
  constraint warmup_alerts_severity_check check (severity in ('info', 'warning', 'critical')),
  constraint warmup_alerts_kind_present check (btrim(kind) <> ''),
  constraint warmup_alerts_idempotency_key_key unique (idempotency_key)
);

create index warmup_alerts_open_idx on warmup_alerts (chip_id, kind) where not resolved;
create index warmup_alerts_created_idx on warmup_alerts (created_at desc);

create function warmup_touch_updated_at() returns trigger
language plpgsql
set search_path = public, pg_temp
as $$
begin
  new.updated_at := now();
  return new;
end;
$$;

create trigger warmup_chips_touch_updated_at
  before update on warmup_chips
  for each row execute function warmup_touch_updated_at();

-- Row level security on every table, with no policy: the anonymous and authenticated roles of
-- Supabase see nothing; the service role (and the table owner) bypass RLS.
do $$
declare
  t text;
  r text;
begin
  foreach t in array array[
    'warmup_chips', 'warmup_pairs', 'warmup_daily_interactions', 'warmup_conversations',
    'warmup_interactions', 'warmup_health_log', 'warmup_phase_transitions', 'warmup_alerts'
  ] loop
    execute format('alter table %I enable row level security', t);
    foreach r in array array['anon', 'authenticated'] loop
      if exists (select 1 from pg_roles where rolname = r) then
        execute format('revoke all on table %I from %I', t, r);
      end if;
    end loop;
    if exists (select 1 from pg_roles where rolname = 'service_role') then
      execute format('grant select, insert, update, delete on table %I to service_role', t);
    end if;
  end loop;
end;
$$;
