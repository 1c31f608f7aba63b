-- The kind of a warm-up turn (issue 14, richer conversations). warmup_begin_turn and
-- warmup_complete_turn write midia_tipo = 'text' on a turn's rows; after a reaction, sticker, image
-- or voice note is completed, deliverTurn calls this to record what was actually sent, on the
-- sender's msg_enviada row and the receiver's msg_recebida row. The count against the daily cap is
-- the claim's, whatever the kind. Repeating the call is a no-op.
create or replace function warmup_record_turn_kind(p_key text, p_kind text)
returns void
language plpgsql
set search_path = public, pg_temp
as $$
begin
  if p_kind is null or p_kind not in ('text', 'reaction', 'sticker', 'image', 'audio') then
    perform warmup_invalid(format('turn kind must be text, reaction, sticker, image or audio, got %s.', coalesce(quote_literal(p_kind), 'null')));
  end if;
  if not exists (select 1 from warmup_interactions where idempotency_key = p_key and tipo = 'msg_enviada' and estado = 'sent') then
    perform warmup_invalid(format('turn %s is not a completed turn; record its kind after completeTurn.', coalesce(quote_literal(p_key), 'null')));
  end if;
  update warmup_interactions set midia_tipo = p_kind
  where idempotency_key in (p_key, p_key || '#recebida') and midia_tipo is distinct from p_kind;
end;
$$;

-- Only the service role (Supabase) or the owner (plain Postgres, PGlite) may call it.
revoke all on function warmup_record_turn_kind(text, text) from public;
do $$
declare
  r text;
begin
  foreach r in array array['anon', 'authenticated'] loop
    if exists (select 1 from pg_roles where rolname = r) then
      execute format('revoke all on function warmup_record_turn_kind(text, text) from %I', r);
    end if;
  end loop;
  if exists (select 1 from pg_roles where rolname = 'service_role') then
    grant execute on function warmup_record_turn_kind(text, text) to service_role;
  end if;
end;
$$;
