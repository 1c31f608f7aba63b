/**
 * Seeds a fleet's history straight into the database (no workflows): chips of every age and phase,
 * a health score per program day, promotions, conversations with their sent and received messages
 * (today's included), a few paused chips and open alerts. The console's browser tests and
 * bench/console.ts use it; the numbers follow the same rules the SQL functions keep (counters,
 * reply rates), so `warmer fleet --json` and the console read consistent rows.
 */
import { PHASE_TABLE, PHASES, type Phase } from '../../src/domain/phases';

type Sql = (text: string, params?: unknown[]) => Promise<Record<string, unknown>[]>;

export interface SeedOptions {
  fleetId: string;
  chips: number;
  /** Real ms per program day. */
  dayMs: number;
  /** Start of today's program day (real ms): today's messages are placed after it. */
  todayStartMs: number;
  nowMs: number;
  /** First digits of the fake phones (country + area), e.g. 5511955. */
  phonePrefix: string;
}

export interface SeededChip {
  id: string;
  phone: string;
  instance: string;
  phase: Phase;
  ageDays: number;
}

/** Phase of a chip `age` days old that was promoted as early as the program allows. */
function phaseAt(day: number): { phase: Phase; since: number } {
  let start = 0;
  for (const phase of PHASES) {
    const min = PHASE_TABLE[phase].minDays;
    if (!PHASE_TABLE[phase].next || day < start + min) return { phase, since: start };
    start += min;
  }
  return { phase: 'operacao', since: start };
}

export async function seedFleet(sql: Sql, opts: SeedOptions): Promise<SeededChip[]> {
  const { dayMs, nowMs } = opts;
  const chips: SeededChip[] = [];
  const chipRows = {
    phone: [] as string[],
    instance: [] as string[],
    status: [] as string[],
    phase: [] as string[],
    phaseAt: [] as string[],
    health: [] as number[],
    created: [] as string[],
    reason: [] as (string | null)[],
  };
  for (let i = 0; i < opts.chips; i++) {
    // Ages spread over the program; a chip created a little after the day's start keeps whole days.
    const ageDays = (i * 7) % 24;
    const createdMs = nowMs - ageDays * dayMs - ((i * 37) % 60) * 1000 - 120_000;
    const { phase, since } = phaseAt(ageDays);
    const paused = i % 9 === 4;
    const status = phase === 'operacao' ? 'ready' : paused ? 'paused' : 'warming';
    const phone = `${opts.phonePrefix}${String(100000 + i).slice(-6)}`;
    chips.push({ id: '', phone, instance: `${opts.fleetId}-${i + 1}`, phase, ageDays });
    chipRows.phone.push(phone);
    chipRows.instance.push(`${opts.fleetId}-${i + 1}`);
    chipRows.status.push(status);
    chipRows.phase.push(phase);
    chipRows.phaseAt.push(new Date(createdMs + since * dayMs).toISOString());
    chipRows.health.push(Math.min(100, 40 + ageDays * 2 + (i % 5)));
    chipRows.created.push(new Date(createdMs).toISOString());
    chipRows.reason.push(status === 'paused' ? (i % 2 ? 'checando o número' : '3 falhas de entrega hoje') : null);
  }
  const ids = await sql(
    `insert into warmup_chips (telefone, instance_name, fleet_id, status, fase_warmup, fase_iniciada_em, health_score, created_at, pause_reason, ready_at)
     select t.phone, t.instance, $1, t.status, t.phase, t.phase_at, t.health, t.created, t.reason, case when t.status = 'ready' then t.phase_at end
     from unnest($2::text[], $3::text[], $4::text[], $5::text[], $6::timestamptz[], $7::int[], $8::timestamptz[], $9::text[])
       with ordinality as t(phone, instance, status, phase, phase_at, health, created, reason, n)
     order by t.n
     returning id`,
    [
      opts.fleetId,
      chipRows.phone,
      chipRows.instance,
      chipRows.status,
      chipRows.phase,
      chipRows.phaseAt,
      chipRows.health,
      chipRows.created,
      chipRows.reason,
    ],
  );
  ids.forEach((row, i) => (chips[i]!.id = String(row.id)));

  // Health per program day, and the promotions that led to each chip's phase.
  const health = { chip: [] as string[], score: [] as number[], at: [] as string[] };
  const promo = { chip: [] as string[], from: [] as string[], to: [] as string[], score: [] as number[], at: [] as string[] };
  chips.forEach((c, i) => {
    const created = Date.parse(chipRows.created[i]!);
    for (let d = 0; d <= c.ageDays; d++) {
      const at = Math.min(nowMs - 1000, created + d * dayMs + dayMs * 0.6);
      health.chip.push(c.id);
      health.score.push(Math.min(100, 40 + d * 2 + ((i + d) % 5)));
      health.at.push(new Date(at).toISOString());
    }
    let start = 0;
    for (const phase of PHASES) {
      const next = PHASE_TABLE[phase].next;
      if (!next || phaseAt(c.ageDays).phase === phase) break;
      start += PHASE_TABLE[phase].minDays;
      promo.chip.push(c.id);
      promo.from.push(phase);
      promo.to.push(next);
      promo.score.push(Math.min(100, 40 + start * 2));
      promo.at.push(new Date(created + start * dayMs).toISOString());
    }
  });
  await sql(
    `insert into warmup_health_log (chip_id, health_score, created_at) select * from unnest($1::uuid[], $2::int[], $3::timestamptz[])`,
    [health.chip, health.score, health.at],
  );
  if (promo.chip.length > 0) {
    await sql(
      `insert into warmup_phase_transitions (chip_id, fase_anterior, fase_nova, health_score, taxa_resposta, created_at)
       select c, f, t, s, 0.5, a from unnest($1::uuid[], $2::text[], $3::text[], $4::int[], $5::timestamptz[]) as x(c, f, t, s, a)`,
      [promo.chip, promo.from, promo.to, promo.score, promo.at],
    );
  }

  // Conversations between neighbours that both send: today (after the day's start) and on earlier days.
  const conv = { id: [] as string[], a: [] as string[], b: [] as string[], turns: [] as number[], at: [] as string[] };
  const msg = {
    chip: [] as string[],
    peer: [] as string[],
    conv: [] as string[],
    turn: [] as number[],
    tipo: [] as string[],
    at: [] as string[],
    key: [] as string[],
  };
  const sending = chips.filter((c) => c.phase !== 'setup' && c.phase !== 'operacao');
  for (let k = 0; k + 1 < sending.length; k += 2) {
    const a = sending[k]!;
    const b = sending[k + 1]!;
    const daysBack = Math.min(a.ageDays, b.ageDays, 6);
    for (let back = 0; back <= daysBack; back++) {
      for (let n = 0; n < 1 + ((k + back) % 3); n++) {
        // Today's a minute and a half ago, but never before today's start (a run just after midnight).
        const base = (back === 0 ? Math.max(opts.todayStartMs + 1000, nowMs - 90_000) : nowMs - back * dayMs) + n * 1000;
        const turns = 2 + ((k + back + n) % 3) * 2; // 2, 4 or 6 turns
        const id = `seed-${opts.fleetId}-${k}-${back}-${n}`;
        conv.id.push(id);
        conv.a.push(a.id);
        conv.b.push(b.id);
        conv.turns.push(turns);
        conv.at.push(new Date(base).toISOString());
        for (let t = 0; t < turns; t++) {
          const [from, to] = t % 2 === 0 ? [a, b] : [b, a];
          const at = new Date(base + t * 100).toISOString();
          for (const tipo of ['msg_enviada', 'msg_recebida']) {
            msg.chip.push(tipo === 'msg_enviada' ? from.id : to.id);
            msg.peer.push(tipo === 'msg_enviada' ? to.id : from.id);
            msg.conv.push(id);
            msg.turn.push(t);
            msg.tipo.push(tipo);
            msg.at.push(at);
            msg.key.push(`${id}/${t}${tipo === 'msg_recebida' ? '#recebida' : ''}`);
          }
        }
      }
    }
  }
  if (conv.id.length > 0) {
    await sql(
      `insert into warmup_pairs (chip_a, chip_b, fleet_id)
       select distinct least(a, b), greatest(a, b), $1 from unnest($2::uuid[], $3::uuid[]) as x(a, b) on conflict do nothing`,
      [opts.fleetId, conv.a, conv.b],
    );
    await sql(
      `insert into warmup_conversations (id, pair_id, chip_a, chip_b, dialogue_id, turnos, turnos_entregues, outcome, started_at, completed_at)
       select x.id, p.id, x.a, x.b, 'seed', x.t, x.t, 'completed', x.at, x.at
       from unnest($1::text[], $2::uuid[], $3::uuid[], $4::int[], $5::timestamptz[]) as x(id, a, b, t, at)
       join warmup_pairs p on p.chip_a = least(x.a, x.b) and p.chip_b = greatest(x.a, x.b)`,
      [conv.id, conv.a, conv.b, conv.turns, conv.at],
    );
    await sql(
      `insert into warmup_interactions (chip_id, peer_chip_id, conversation_id, turno, tipo, estado, midia_tipo, idempotency_key, created_at, sent_at)
       select c, p, v, t, k, case when k = 'msg_enviada' then 'sent' end, 'text', key, at, at
       from unnest($1::uuid[], $2::uuid[], $3::text[], $4::int[], $5::text[], $6::text[], $7::timestamptz[]) as x(c, p, v, t, k, key, at)`,
      [msg.chip, msg.peer, msg.conv, msg.turn, msg.tipo, msg.key, msg.at],
    );
    // Counters and reply rates as warmup_complete_turn keeps them: a message is answered by the next turn.
    await sql(
      `with s as (
         select i.chip_id, count(*) filter (where i.tipo = 'msg_enviada') as sent, count(*) filter (where i.tipo = 'msg_recebida') as received,
           count(*) filter (where i.tipo = 'msg_enviada' and exists (select 1 from warmup_interactions r where r.conversation_id = i.conversation_id
             and r.tipo = 'msg_enviada' and r.turno = i.turno + 1)) as replied
         from warmup_interactions i join warmup_chips c on c.id = i.chip_id where c.fleet_id = $1 group by i.chip_id)
       update warmup_chips c set msgs_enviadas_total = s.sent, msgs_recebidas_total = s.received, msgs_respondidas_total = s.replied,
         taxa_resposta = case when s.sent = 0 then 0 else least(1, round(s.replied::numeric / s.sent, 4)) end
       from s where s.chip_id = c.id`,
      [opts.fleetId],
    );
  }
  // Open alerts: a warning on every seventh chip, and the fleet breaker on the first.
  await sql(
    `insert into warmup_alerts (chip_id, severity, kind, message)
     select id, 'warning', 'early_warning', 'Chip com falhas de entrega acima do normal.' from unnest($1::uuid[]) as x(id)`,
    [chips.filter((_, i) => i % 7 === 3).map((c) => c.id)],
  );
  if (chips[0]) {
    await sql(`insert into warmup_alerts (chip_id, severity, kind, message) values ($1, 'critical', 'fleet_breaker', $2)`, [
      chips[0].id,
      `Frota '${opts.fleetId}': 2 chips banidos ou desconectados em 24h; todas as conversas de warm-up foram pausadas.`,
    ]);
  }
  return chips;
}
