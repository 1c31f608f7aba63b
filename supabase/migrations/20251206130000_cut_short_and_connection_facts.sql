-- Connection facts told apart, and conversations cut short at the end of a window.
--
-- connection_lost: a drop the provider reconnects from by itself (Baileys' 408/428/515, Evolution's
--   `connecting`): kept apart from `disconnected` (a lost session), which the fleet breaker counts.
-- call / call_fleet: an incoming call from a number outside the fleet / from a fleet chip (rejected by
--   the instance's settings). Repeated calls from outside the fleet are a mild warning sign.
-- cut_short: a conversation whose next turn would have fallen past the end of either chip's window
--   (it was held up by an outage): it ends there, and the day's remaining quota waits for the next window.

alter table warmup_interactions drop constraint warmup_interactions_tipo_check;
alter table warmup_interactions add constraint warmup_interactions_tipo_check check (tipo in (
  'msg_enviada', 'msg_recebida',
  'delivered', 'read', 'delivery_failed', 'inbound', 'disconnected', 'banned', 'connected', 'unconfirmed',
  'connection_lost', 'call', 'call_fleet'
));

alter table warmup_conversations drop constraint warmup_conversations_outcome_check;
alter table warmup_conversations add constraint warmup_conversations_outcome_check
  check (outcome in ('completed', 'aborted', 'failed', 'cut_short'));

-- A delivery/read/failure/connection/call fact. Returns true when it is new; false when a fact with the
-- same key was already recorded (the provider redelivers webhooks), so the caller acts only once.
create or replace function warmup_record_provider_event(p_chip_id text, p_kind text, p_detail text, p_at timestamptz, p_key text default null)
returns boolean
language plpgsql
set search_path = public, pg_temp
as $$
declare
  v_chip uuid;
begin
  if p_kind is null or p_kind not in ('delivered', 'read', 'delivery_failed', 'inbound', 'disconnected', 'banned', 'connected', 'unconfirmed',
                                      'connection_lost', 'call', 'call_fleet') then
    perform warmup_invalid(format('unknown provider event %s. Valid: delivered, read, delivery_failed, inbound, disconnected, banned, connected, unconfirmed, connection_lost, call, call_fleet.',
                                  coalesce(quote_literal(p_kind), 'null')));
  end if;
  v_chip := (warmup_chip(p_chip_id, false)).id;
  insert into warmup_interactions (chip_id, tipo, idempotency_key, metadata, created_at)
  values (v_chip, p_kind, p_key,
          case when p_detail is null then '{}'::jsonb else jsonb_build_object('detail', p_detail) end,
          coalesce(p_at, now()))
  on conflict (idempotency_key) do nothing;
  return found;
end;
$$;

-- Closes the conversation record. The first call wins; repeating it is a no-op.
create or replace function warmup_finish_conversation(p_conversation_id text, p_turns_delivered integer, p_outcome text, p_at timestamptz)
returns void
language plpgsql
set search_path = public, pg_temp
as $$
declare
  v_conv warmup_conversations;
begin
  if p_outcome is null or p_outcome not in ('completed', 'aborted', 'failed', 'cut_short') then
    perform warmup_invalid(format('outcome must be completed, aborted, failed or cut_short, got %s.', coalesce(quote_literal(p_outcome), 'null')));
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
