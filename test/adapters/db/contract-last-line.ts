/**
 * The database as the last line (part of the Db contract, run on PostgreSQL and PGlite): whatever a
 * workflow asks, the SQL functions refuse turns and conversations the program forbids, with typed
 * errors, writing nothing.
 */
import { randomUUID } from 'node:crypto';
import type { ChipRecord, Db } from '../../../src/adapters/db/port';
import type { Row } from '../../../src/adapters/db/rows';
import {
  ChipNotWarming,
  DailyCapReached,
  InteractionLimitReached,
  PairInactive,
  PartnerLimitReached,
  TurnOutOfRange,
} from '../../../src/domain/errors';
import { PAIRING } from '../../../src/domain/partners';
import { PHASE_TABLE, PHASES } from '../../../src/domain/phases';
import { aChip, aSendingChip, at, countPairInteraction } from '../../helpers/db-fixtures';

interface Harness {
  db: Db;
  sql(text: string, params?: unknown[]): Promise<Row[]>;
}

const DAY = '2025-03-03';

export function describeLastLineContract(get: () => Harness): void {
  describe('the database as the last line', () => {
    const db = () => get().db;
    const sql = (text: string, params?: unknown[]) => get().sql(text, params);
    const rowCount = async (table: string): Promise<number> => Number((await sql(`select count(*)::int as n from ${table}`))[0]?.n);
    const claims = async () => rowCount('warmup_interactions');

    async function conversation(a: ChipRecord, b: ChipRecord, turns: number, day: string | undefined = DAY): Promise<string> {
      const id = `conv-${randomUUID()}`;
      await db().createConversation({ id, chipA: a.id, chipB: b.id, dialogueId: 'd', turns, at: at(), day });
      return id;
    }
    const claim = (id: string, turn: number, from: ChipRecord, to: ChipRecord, day?: string) =>
      db().beginTurn({ key: `${id}/${turn}`, conversationId: id, turn, senderId: from.id, receiverId: to.id, at: at(), day });

    it('knows the phase caps and pairing limits of src/domain (one source of truth, checked here)', async () => {
      for (const phase of PHASES) {
        const [row] = await sql('select warmup_phase_daily_cap($1) as cap', [phase]);
        expect([phase, Number(row?.cap)]).toEqual([phase, PHASE_TABLE[phase].dailyCap]);
      }
      const [limits] = await sql('select warmup_max_partners() as partners, warmup_max_daily_interactions() as daily');
      expect({ partners: Number(limits?.partners), daily: Number(limits?.daily) }).toEqual({
        partners: PAIRING.maxPartners,
        daily: PAIRING.maxDailyInteractions,
      });
    });

    it('refuses a turn whose sender is not warming (ChipNotWarming), writing nothing', async () => {
      const a = await aSendingChip(db());
      const b = await aSendingChip(db());
      const id = await conversation(a, b, 4);
      for (const status of ['paused', 'banned'] as const) {
        await db().setChipStatus({ chipId: a.id, status, reason: 'test' });
        await expect(claim(id, 0, a, b)).rejects.toBeInstanceOf(ChipNotWarming);
      }
      expect(await claims()).toBe(0);
    });

    it('refuses a turn outside the conversation (TurnOutOfRange): turn 99 of 4', async () => {
      const a = await aSendingChip(db());
      const b = await aSendingChip(db());
      const id = await conversation(a, b, 4);
      await expect(claim(id, 99, a, b)).rejects.toBeInstanceOf(TurnOutOfRange);
      await expect(claim(id, 4, b, a)).rejects.toBeInstanceOf(TurnOutOfRange);
      expect(await claim(id, 3, b, a)).toBe('new');
      expect(await claims()).toBe(1);
    });

    it('refuses turns and conversations on a deactivated pair (PairInactive)', async () => {
      const a = await aSendingChip(db());
      const b = await aSendingChip(db());
      const id = await conversation(a, b, 4);
      await sql('update warmup_pairs set active = false, deactivated_at = now()');
      await expect(claim(id, 0, a, b)).rejects.toBeInstanceOf(PairInactive);
      await expect(conversation(a, b, 2)).rejects.toBeInstanceOf(PairInactive);
      expect(await rowCount('warmup_conversations')).toBe(1);
      expect(await claims()).toBe(0);
    });

    it("refuses the send past the sender's phase cap for the day, claims in flight included (DailyCapReached)", async () => {
      const a = await aSendingChip(db(), { phase: 'primeiros_contatos' });
      const b = await aSendingChip(db());
      const cap = PHASE_TABLE.primeiros_contatos.dailyCap;
      const id = await conversation(a, b, cap + 2);
      // Claimed, never completed: a send whose outcome is unknown still counts.
      for (let turn = 0; turn < cap; turn += 1) expect(await claim(id, turn, a, b)).toBe('new');
      await expect(claim(id, cap, a, b)).rejects.toBeInstanceOf(DailyCapReached);
      // The partner has its own cap; the next program day is a new count.
      expect(await claim(id, cap, b, a)).toBe('new');
      expect(await claim(id, cap + 1, a, b, '2025-03-04')).toBe('new');
      // A retried claim of an existing turn still answers its state, cap or not.
      expect(await claim(id, 0, a, b)).toBe('in_flight');
    });

    it('refuses every send of a chip in setup (cap 0)', async () => {
      const a = await aChip(db());
      const b = await aSendingChip(db());
      const id = await conversation(a, b, 2);
      await expect(claim(id, 0, a, b)).rejects.toBeInstanceOf(DailyCapReached);
      expect(await claims()).toBe(0);
    });

    it('lets exactly one of two concurrent claims through when together they would cross the cap', async () => {
      const a = await aSendingChip(db(), { phase: 'primeiros_contatos' });
      const [b, c, d] = [await aSendingChip(db()), await aSendingChip(db()), await aSendingChip(db())];
      const cap = PHASE_TABLE.primeiros_contatos.dailyCap;
      const first = await conversation(a, b, cap);
      for (let turn = 0; turn < cap - 1; turn += 1) await claim(first, turn, a, b);
      const [x, y] = [await conversation(a, c, 2), await conversation(a, d, 2)];
      const results = await Promise.allSettled([claim(x, 0, a, c), claim(y, 0, a, d)]);
      expect(results.filter((r) => r.status === 'fulfilled' && r.value === 'new')).toHaveLength(1);
      const refused = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
      expect(refused?.reason).toBeInstanceOf(DailyCapReached);
      const [row] = await sql(`select count(*)::int as n from warmup_interactions where chip_id = $1 and tipo = 'msg_enviada'`, [a.id]);
      expect(Number(row?.n)).toBe(cap);
    });

    it('counts interactions under the daily limit, once per key, even when two counts race', async () => {
      const a = await aSendingChip(db());
      const b = await aSendingChip(db());
      const c = await aSendingChip(db());
      const limit = PAIRING.maxDailyInteractions;
      for (let i = 0; i < limit - 1; i += 1) await countPairInteraction(sql, { chipA: a.id, chipB: b.id, day: DAY, key: `k${i}` });
      await countPairInteraction(sql, { chipA: a.id, chipB: b.id, day: DAY, key: 'k0' }); // repeated key: no-op
      const raced = await Promise.allSettled([
        countPairInteraction(sql, { chipA: a.id, chipB: b.id, day: DAY, key: 'race-1' }),
        countPairInteraction(sql, { chipA: a.id, chipB: c.id, day: DAY, key: 'race-2' }),
      ]);
      expect(raced.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
      expect((raced.find((r) => r.status === 'rejected') as PromiseRejectedResult).reason).toBeInstanceOf(InteractionLimitReached);
      const [row] = await sql('select interacoes from warmup_daily_interactions where chip_id = $1', [a.id]);
      expect(Number(row?.interacoes)).toBe(limit);
    });

    it('counts a conversation created with its day once, and refuses one past the daily limit', async () => {
      const a = await aSendingChip(db());
      const b = await aSendingChip(db());
      const id = `conv-${randomUUID()}`;
      const create = () =>
        db().createConversation({ id, chipA: a.id, chipB: b.id, dialogueId: 'd', turns: 2, at: at(), day: DAY, maxDailyInteractions: 1 });
      await create();
      await create();
      await countPairInteraction(sql, { chipA: a.id, chipB: b.id, day: DAY, key: id }); // the end of the same conversation
      const [row] = await sql('select interacoes from warmup_daily_interactions where chip_id = $1', [b.id]);
      expect(Number(row?.interacoes)).toBe(1);
      await expect(
        db().createConversation({
          id: 'second',
          chipA: b.id,
          chipB: a.id,
          dialogueId: 'd',
          turns: 2,
          at: at(),
          day: DAY,
          maxDailyInteractions: 1,
        }),
      ).rejects.toBeInstanceOf(InteractionLimitReached);
      expect(await rowCount('warmup_conversations')).toBe(1);
    });

    it('creates no pair past the partner limit (PartnerLimitReached)', async () => {
      const a = await aSendingChip(db());
      const others: ChipRecord[] = [];
      for (let i = 0; i < 3; i += 1) others.push(await aSendingChip(db()));
      await conversation(a, others[0]!, 2);
      await conversation(a, others[1]!, 2);
      const pairsBefore = await rowCount('warmup_pairs');
      await expect(
        db().createConversation({ id: 'third', chipA: a.id, chipB: others[2]!.id, dialogueId: 'd', turns: 2, at: at(), maxPartners: 2 }),
      ).rejects.toBeInstanceOf(PartnerLimitReached);
      expect(await rowCount('warmup_pairs')).toBe(pairsBefore);
      // An existing active pair is still usable at the limit.
      await db().createConversation({
        id: 'again',
        chipA: a.id,
        chipB: others[0]!.id,
        dialogueId: 'd',
        turns: 2,
        at: at(),
        maxPartners: 2,
      });
    });

    it('says whether a provider event is new, and which messages a chip sent', async () => {
      const a = await aSendingChip(db());
      const b = await aSendingChip(db());
      const event = { chipId: a.id, kind: 'delivery_failed' as const, at: at(), key: 'delivery_failed:m1' };
      expect(await db().recordProviderEvent(event)).toBe(true);
      expect(await db().recordProviderEvent(event)).toBe(false);
      expect(await db().recordProviderEvent({ chipId: a.id, kind: 'unconfirmed', detail: 'banned: provider says open', at: at() })).toBe(
        true,
      );
      const id = await conversation(a, b, 2);
      await claim(id, 0, a, b);
      await db().completeTurn({ key: `${id}/0`, providerMessageId: 'wamid-sent', textLength: 3, at: at() });
      expect(await db().sentMessageExists({ chipId: a.id, providerMessageId: 'wamid-sent' })).toBe(true);
      expect(await db().sentMessageExists({ chipId: b.id, providerMessageId: 'wamid-sent' })).toBe(false);
      expect(await db().sentMessageExists({ chipId: a.id, providerMessageId: 'never' })).toBe(false);
    });

    it('keeps the fleet breaker open in the database until the fleet is resumed', async () => {
      const a = await aChip(db(), { fleetId: 'ops' });
      expect(await db().fleetBreakerOpen({ chipId: a.id })).toBe(false);
      expect(await db().tripFleetBreaker({ fleetId: 'ops', reason: 'two bans', at: at() })).toBe(true);
      expect(await db().tripFleetBreaker({ fleetId: 'ops', reason: 'again', at: at() })).toBe(false);
      expect(await db().fleetBreakerOpen({ chipId: a.id })).toBe(true);
      expect(await db().fleetBreakerOpen({ fleetId: 'lab' })).toBe(false);
      expect(await db().closeFleetBreaker({ fleetId: 'ops' })).toBe(1);
      expect(await db().fleetBreakerOpen({ fleetId: 'ops' })).toBe(false);
      await sql('delete from warmup_fleet_breakers');
    });

    it('stores one canonical form of a Brazilian mobile and finds the chip by either form', async () => {
      const chip = await db().registerChip({ phone: '+55 21 8777-6655', instanceName: 'old-form' });
      expect(chip.phone).toBe('5521987776655');
      expect((await db().findChipByPhone('552187776655'))?.id).toBe(chip.id);
      expect((await db().findChipByPhone('5521987776655'))?.id).toBe(chip.id);
      // A chip stored in the 8-digit form before phones were canonical is still found.
      await sql(`update warmup_chips set telefone = '552187776655' where id = $1`, [chip.id]);
      expect((await db().findChipByPhone('5521987776655'))?.id).toBe(chip.id);
    });

    it('lets no one but the owner execute functions created later (default privileges)', async () => {
      await sql('create function warmup_zz_later() returns integer language sql as $$ select 1 $$');
      try {
        const rows = await sql(
          `select p.proname from pg_proc p where p.proname = 'warmup_zz_later'
             and (p.proacl is null or exists (select 1 from aclexplode(p.proacl) a where a.grantee = 0))`,
        );
        expect(rows).toEqual([]);
      } finally {
        await sql('drop function warmup_zz_later()');
      }
    });
  });
}
