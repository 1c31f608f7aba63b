/**
 * The Db port's contract, run against every driver that talks to a real database engine
 * (db-postgres.test.ts: PostgreSQL; db-embedded.test.ts: PGlite). One database per file; tables are
 * emptied before each test.
 */
import { randomUUID } from 'node:crypto';
import { checksumOf, findMigrationsDir, loadMigrations } from '../../../src/adapters/db/migrate';
import type { ChipRecord, Db } from '../../../src/adapters/db/port';
import type { Row } from '../../../src/adapters/db/rows';
import { ChipNotFound, DuplicateChip, InvalidInput, InvalidPhone, OutsideFleet } from '../../../src/domain/errors';
import { PHASES, UnknownPhase } from '../../../src/domain/phases';
import { aChip, aFleet, aPhone, aSendingChip, aSendingFleet, at, countPairInteraction, partnerCandidates } from '../../helpers/db-fixtures';
import { describeLastLineContract } from './contract-last-line';
import { describeRoundTripsContract } from './contract-round-trips';

export interface DbHarness {
  /** A driver on a database that has never been migrated. */
  db: Db;
  /** Raw SQL on the same database, for what the port does not show (catalog, row counts). */
  sql(text: string, params?: unknown[]): Promise<Row[]>;
  close(): Promise<void>;
}

const TABLES = [
  'warmup_chips',
  'warmup_pairs',
  'warmup_daily_interactions',
  'warmup_conversations',
  'warmup_interactions',
  'warmup_health_log',
  'warmup_phase_transitions',
  'warmup_alerts',
];

export function describeDbContract(driver: string, open: () => Promise<DbHarness>): void {
  describe(`Db contract on ${driver}`, () => {
    let h: DbHarness;
    let db: Db;
    let appliedFirst: string[];

    const count = async (table: string, where = 'true', params: unknown[] = []): Promise<number> => {
      const [row] = await h.sql(`select count(*)::int as n from ${table} where ${where}`, params);
      return Number(row?.n);
    };
    /** Row counts of every table: an error must leave all of them as they were. */
    const snapshot = async (): Promise<Record<string, number>> => {
      const counts: Record<string, number> = {};
      for (const t of TABLES) counts[t] = await count(t);
      return counts;
    };

    beforeAll(async () => {
      h = await open();
      db = h.db;
      appliedFirst = await db.migrate();
    });
    afterAll(async () => {
      await h?.close();
    });
    beforeEach(async () => {
      await h.sql('truncate warmup_chips, warmup_alerts cascade');
    });

    describe('schema', () => {
      it('applies every migration from empty, and a second run applies nothing', async () => {
        const migrations = loadMigrations(findMigrationsDir());
        expect(migrations.length).toBeGreaterThanOrEqual(2);
        expect(appliedFirst).toEqual(migrations.map((m) => m.name));
        expect(await db.migrate()).toEqual([]);
        // The Supabase CLI's history table: version, name, and the statements as the CLI splits them.
        const recorded = await h.sql('select version, name, statements from supabase_migrations.schema_migrations order by version');
        expect(recorded.map((r) => [r.version, r.name])).toEqual(migrations.map((m) => [m.version, m.label]));
        expect(recorded.map((r) => checksumOf(r.statements as string[]))).toEqual(migrations.map((m) => m.checksum));
      });

      it('has row level security on every table and keeps the API from PUBLIC', async () => {
        const tables = await h.sql(
          `select c.relname, c.relrowsecurity from pg_class c join pg_namespace n on n.oid = c.relnamespace
           where n.nspname = 'public' and c.relkind = 'r' order by c.relname`,
        );
        expect(tables.map((t) => t.relname)).toEqual(expect.arrayContaining(TABLES));
        expect(tables.filter((t) => t.relrowsecurity !== true).map((t) => t.relname)).toEqual([]);
        const executableByPublic = await h.sql(
          `select p.proname from pg_proc p join pg_namespace n on n.oid = p.pronamespace
           where n.nspname = 'public' and p.proname like 'warmup\\_%'
             and (p.proacl is null or exists (select 1 from aclexplode(p.proacl) a where a.grantee = 0))`,
        );
        expect(executableByPublic).toEqual([]);
      });

      it('refuses rows the functions would never write', async () => {
        const a = await aChip(db);
        const b = await aChip(db);
        const [low, high] = [a.id, b.id].sort();
        await expect(h.sql(`insert into warmup_chips (telefone, instance_name) values ('0551199', 'x')`)).rejects.toMatchObject({
          code: '23514',
        });
        await expect(h.sql(`update warmup_chips set fase_warmup = 'bogus' where id = $1`, [a.id])).rejects.toMatchObject({ code: '23514' });
        await expect(h.sql(`update warmup_chips set status = 'bogus' where id = $1`, [a.id])).rejects.toMatchObject({ code: '23514' });
        await expect(
          h.sql(`insert into warmup_pairs (chip_a, chip_b, fleet_id) values ($1, $2, 'default')`, [high, low]),
        ).rejects.toMatchObject({
          code: '23514',
        });
        await h.sql(`insert into warmup_pairs (chip_a, chip_b, fleet_id) values ($1, $2, 'default')`, [low, high]);
        await expect(
          h.sql(`insert into warmup_pairs (chip_a, chip_b, fleet_id) values ($1, $2, 'default')`, [low, high]),
        ).rejects.toMatchObject({
          code: '23505',
        });
      });

      it('raises typed SQLSTATEs from the SQL functions themselves', async () => {
        await expect(h.sql(`select * from warmup_register_chip('0123', 'x')`)).rejects.toMatchObject({ code: 'WR003' });
        await expect(h.sql(`select * from warmup_get_chip($1)`, [randomUUID()])).rejects.toMatchObject({ code: 'WR001' });
        await expect(h.sql(`select warmup_parse_day('2025-02-30')`)).rejects.toMatchObject({ code: 'WR004' });
      });
    });

    describe('chip registry', () => {
      it('registers a chip warming in setup, with its phone normalized to E.164 digits', async () => {
        const chip = await db.registerChip({ phone: '+55 (11) 98888-0001', instanceName: ' chip-01 ', fleetId: 'ops' });
        expect(chip).toEqual({
          id: expect.stringMatching(/^[0-9a-f-]{36}$/),
          phone: '5511988880001',
          instanceName: 'chip-01',
          fleetId: 'ops',
          status: 'warming',
          phase: 'setup',
          phaseStartedAt: expect.any(String),
          healthScore: 50,
          messagesSent: 0,
          messagesReceived: 0,
          replyRate: 0,
          pauseReason: null,
          readyAt: null,
          createdAt: expect.any(String),
        });
        expect(new Date(chip.createdAt).toISOString()).toBe(chip.createdAt);
        expect((await db.registerChip({ phone: aPhone(), instanceName: 'chip-02' })).fleetId).toBe('default');
      });

      it('finds chips by id, instance and phone, and lists them by status and fleet', async () => {
        const a = await aChip(db, { fleetId: 'ops' });
        const b = await aChip(db, { fleetId: 'ops' });
        const c = await aChip(db, { fleetId: 'lab' });
        await db.setChipStatus({ chipId: b.id, status: 'paused', reason: 'operator' });

        expect(await db.getChip(a.id)).toEqual(a);
        expect(await db.findChipByInstance(a.instanceName)).toEqual(a);
        expect(await db.findChipByPhone(`+${a.phone}`)).toEqual(a);
        expect(await db.findChipByInstance('nobody')).toBeNull();
        expect(await db.findChipByPhone(aPhone())).toBeNull();
        expect(await db.findChipByPhone('not a phone')).toBeNull();

        expect((await db.listChips()).map((x) => x.id)).toEqual([a.id, b.id, c.id]);
        expect((await db.listChips({ fleetId: 'ops' })).map((x) => x.id)).toEqual([a.id, b.id]);
        expect((await db.listChips({ status: 'paused' })).map((x) => x.id)).toEqual([b.id]);
        expect((await db.listChips({ status: 'warming', fleetId: 'lab' })).map((x) => x.id)).toEqual([c.id]);
        await expect(db.listChips({ status: 'sleeping' as never })).rejects.toBeInstanceOf(InvalidInput);
      });

      it('refuses an invalid phone with InvalidPhone and writes nothing', async () => {
        await expect(db.registerChip({ phone: '12345', instanceName: 'x' })).rejects.toBeInstanceOf(InvalidPhone);
        await expect(db.registerChip({ phone: '+0 11 99999-0000', instanceName: 'x' })).rejects.toMatchObject({ code: 'InvalidPhone' });
        expect(await count('warmup_chips')).toBe(0);
      });

      it('refuses a duplicate phone or instance with DuplicateChip and writes nothing', async () => {
        const first = await aChip(db);
        const before = await snapshot();
        await expect(db.registerChip({ phone: first.phone, instanceName: 'another' })).rejects.toBeInstanceOf(DuplicateChip);
        await expect(db.registerChip({ phone: first.phone, instanceName: 'another' })).rejects.toThrow(/\*\*\*\d{4}/);
        await expect(db.registerChip({ phone: aPhone(), instanceName: first.instanceName })).rejects.toBeInstanceOf(DuplicateChip);
        await expect(db.registerChip({ phone: first.phone, instanceName: first.instanceName })).rejects.toBeInstanceOf(DuplicateChip);
        expect(await snapshot()).toEqual(before);
      });

      it('refuses a blank instance or fleet with InvalidInput', async () => {
        await expect(db.registerChip({ phone: aPhone(), instanceName: '   ' })).rejects.toBeInstanceOf(InvalidInput);
        await expect(db.registerChip({ phone: aPhone(), instanceName: 'x', fleetId: ' ' })).rejects.toBeInstanceOf(InvalidInput);
        expect(await count('warmup_chips')).toBe(0);
      });

      it('answers ChipNotFound for an unknown or malformed chip id, whatever the call, and writes nothing', async () => {
        const known = await aChip(db);
        const before = await snapshot();
        for (const missing of [randomUUID(), 'not-a-uuid']) {
          const calls: (() => Promise<unknown>)[] = [
            () => db.getChip(missing),
            () => db.promoteChip({ chipId: missing, from: 'setup', to: 'primeiros_contatos', health: 60, replyRate: 0, at: at() }),
            () => db.setChipStatus({ chipId: missing, status: 'paused', reason: 'x' }),
            () => db.recordHealth({ chipId: missing, score: 70, factors: {}, at: at() }),
            () => db.openAlert({ chipId: missing, severity: 'warning', kind: 'k', message: 'm' }),
            () => db.createConversation({ id: `conv-${missing}`, chipA: known.id, chipB: missing, dialogueId: 'd', turns: 2, at: at() }),
            () => partnerCandidates(db, { chipId: missing, day: '2025-03-03', maxDailyInteractions: 15 }),
            () => db.ensurePairs({ chipId: missing, maxPartners: 10, seed: 1 }),
            () => countPairInteraction(h.sql, { chipA: known.id, chipB: missing, day: '2025-03-03' }),
            () => db.recordProviderEvent({ chipId: missing, kind: 'delivered', at: at() }),
            () => db.countProviderEvents({ kinds: ['delivered'], since: at(-1), chipId: missing }),
          ];
          for (const call of calls) await expect(call()).rejects.toBeInstanceOf(ChipNotFound);
        }
        expect(await snapshot()).toEqual(before);
        expect(await db.getChip(known.id)).toEqual(known);
      });
    });

    describe('phases', () => {
      it('promotes a chip, restarts its phase clock and logs the move; repeating it changes nothing', async () => {
        const chip = await aChip(db);
        const promoted = await db.promoteChip({
          chipId: chip.id,
          from: 'setup',
          to: 'primeiros_contatos',
          health: 61,
          replyRate: 0,
          at: at(3),
        });
        expect(promoted).toMatchObject({ phase: 'primeiros_contatos', phaseStartedAt: at(3), status: 'warming', readyAt: null });
        const again = await db.promoteChip({
          chipId: chip.id,
          from: 'setup',
          to: 'primeiros_contatos',
          health: 61,
          replyRate: 0,
          at: at(4),
        });
        expect(again).toEqual(promoted);
        const log = await h.sql(
          'select fase_anterior, fase_nova, health_score, created_at from warmup_phase_transitions where chip_id = $1',
          [chip.id],
        );
        expect(log).toHaveLength(1);
        expect(log[0]).toMatchObject({ fase_anterior: 'setup', fase_nova: 'primeiros_contatos', health_score: 61 });
      });

      it('marks the chip ready when it enters operacao', async () => {
        const chip = await aChip(db);
        await db.setChipStatus({ chipId: chip.id, status: 'paused', reason: 'low health' });
        let day = 0;
        let last: ChipRecord = chip;
        for (let i = 0; i + 1 < PHASES.length; i += 1) {
          day += 7;
          last = await db.promoteChip({ chipId: chip.id, from: PHASES[i]!, to: PHASES[i + 1]!, health: 90, replyRate: 0.5, at: at(day) });
        }
        expect(last).toMatchObject({ phase: 'operacao', status: 'ready', readyAt: at(day), phaseStartedAt: at(day), pauseReason: null });
        expect(await count('warmup_phase_transitions', 'chip_id = $1', [chip.id])).toBe(PHASES.length - 1);
        await expect(
          db.promoteChip({ chipId: chip.id, from: 'pre_operacao', to: 'operacao', health: 90, replyRate: 0.5, at: at(99) }),
        ).resolves.toEqual(last);
      });

      it('refuses an unknown phase with UnknownPhase and changes nothing', async () => {
        const chip = await aChip(db);
        const before = await snapshot();
        const err = await db
          .promoteChip({ chipId: chip.id, from: 'setup', to: 'aquecimento' as never, health: 60, replyRate: 0, at: at(3) })
          .catch((e: unknown) => e);
        expect(err).toBeInstanceOf(UnknownPhase);
        expect(err).toMatchObject({ code: 'UnknownPhase', phase: 'aquecimento' });
        await expect(
          db.promoteChip({ chipId: chip.id, from: 'bogus' as never, to: 'expansao', health: 60, replyRate: 0, at: at(3) }),
        ).rejects.toMatchObject({
          phase: 'bogus',
        });
        expect(await snapshot()).toEqual(before);
        expect(await db.getChip(chip.id)).toEqual(chip);
      });

      it('refuses a promotion from another phase, backwards, out of range or of a finished chip', async () => {
        const chip = await aChip(db);
        const before = await snapshot();
        await expect(
          db.promoteChip({ chipId: chip.id, from: 'expansao', to: 'pre_operacao', health: 80, replyRate: 0.5, at: at(3) }),
        ).rejects.toBeInstanceOf(InvalidInput);
        await expect(
          db.promoteChip({ chipId: chip.id, from: 'setup', to: 'setup' as never, health: 80, replyRate: 0.5, at: at(3) }),
        ).resolves.toEqual(chip);
        await expect(
          db.promoteChip({ chipId: chip.id, from: 'setup', to: 'expansao', health: 101, replyRate: 0.5, at: at(3) }),
        ).rejects.toBeInstanceOf(InvalidInput);
        await expect(
          db.promoteChip({ chipId: chip.id, from: 'setup', to: 'expansao', health: 80, replyRate: 1.5, at: at(3) }),
        ).rejects.toBeInstanceOf(InvalidInput);
        await db.setChipStatus({ chipId: chip.id, status: 'banned', reason: 'provider' });
        await expect(
          db.promoteChip({ chipId: chip.id, from: 'setup', to: 'primeiros_contatos', health: 80, replyRate: 0, at: at(3) }),
        ).rejects.toBeInstanceOf(InvalidInput);
        expect(await count('warmup_phase_transitions')).toBe(before.warmup_phase_transitions);
        expect((await db.getChip(chip.id)).phase).toBe('setup');
      });
    });

    describe('status and health', () => {
      it('pauses with a reason, resumes clearing it, and never leaves a final status', async () => {
        const chip = await aChip(db);
        await db.setChipStatus({ chipId: chip.id, status: 'paused', reason: 'delivery failures' });
        expect(await db.getChip(chip.id)).toMatchObject({ status: 'paused', pauseReason: 'delivery failures' });
        await db.setChipStatus({ chipId: chip.id, status: 'warming' });
        expect(await db.getChip(chip.id)).toMatchObject({ status: 'warming', pauseReason: null });
        await expect(db.setChipStatus({ chipId: chip.id, status: 'asleep' as never })).rejects.toBeInstanceOf(InvalidInput);
        await db.setChipStatus({ chipId: chip.id, status: 'retired', reason: 'operator' });
        await db.setChipStatus({ chipId: chip.id, status: 'retired', reason: 'operator' });
        await expect(db.setChipStatus({ chipId: chip.id, status: 'warming' })).rejects.toBeInstanceOf(InvalidInput);
        expect(await db.getChip(chip.id)).toMatchObject({ status: 'retired', pauseReason: 'operator' });
      });

      it('records a health score on the chip and in the log', async () => {
        const chip = await aChip(db);
        await db.recordHealth({ chipId: chip.id, score: 72.6, factors: { deliveryRate: 0.98, replyRate: 0.5 }, at: at(1) });
        expect((await db.getChip(chip.id)).healthScore).toBe(73);
        const log = await h.sql('select health_score, fatores, created_at from warmup_health_log where chip_id = $1', [chip.id]);
        expect(log).toHaveLength(1);
        expect(log[0]).toMatchObject({ health_score: 73, fatores: { deliveryRate: 0.98, replyRate: 0.5 } });
        expect(new Date(log[0]!.created_at as string).toISOString()).toBe(at(1));

        await expect(db.recordHealth({ chipId: chip.id, score: 140, factors: {}, at: at(2) })).rejects.toBeInstanceOf(InvalidInput);
        await expect(db.recordHealth({ chipId: chip.id, score: 50, factors: {}, at: 'not a time' })).rejects.toBeInstanceOf(InvalidInput);
        expect(await count('warmup_health_log')).toBe(1);
        expect((await db.getChip(chip.id)).healthScore).toBe(73);

        // A retried write of the same log (same instant) is a repeat; a later one is a new entry.
        await db.recordHealth({ chipId: chip.id, score: 40, factors: {}, at: at(1) });
        expect(await count('warmup_health_log')).toBe(1);
        expect((await db.getChip(chip.id)).healthScore).toBe(73);
        await db.recordHealth({ chipId: chip.id, score: 40, factors: {}, at: at(3) });
        expect(await count('warmup_health_log')).toBe(2);
        expect((await db.getChip(chip.id)).healthScore).toBe(40);
      });
    });

    describe('alerts', () => {
      it('opens an alert once per idempotency key', async () => {
        const chip = await aChip(db);
        const first = await db.openAlert({
          chipId: chip.id,
          severity: 'critical',
          kind: 'early_warning',
          message: 'delivery failing',
          key: 'ew-1',
        });
        const second = await db.openAlert({ chipId: chip.id, severity: 'warning', kind: 'other', message: 'changed', key: 'ew-1' });
        expect(second).toEqual(first);
        expect(first).toEqual({
          id: expect.any(String),
          chipId: chip.id,
          severity: 'critical',
          kind: 'early_warning',
          message: 'delivery failing',
          resolved: false,
          createdAt: expect.any(String),
        });
        await db.openAlert({ chipId: chip.id, severity: 'info', kind: 'note', message: 'a' });
        await db.openAlert({ chipId: chip.id, severity: 'info', kind: 'note', message: 'a' });
        expect(await count('warmup_alerts')).toBe(3);
      });

      it('lists and resolves alerts by chip and kind; a null chip means fleet-wide alerts', async () => {
        const a = await aChip(db);
        const b = await aChip(db);
        await db.openAlert({ chipId: a.id, severity: 'warning', kind: 'early_warning', message: 'a1' });
        await db.openAlert({ chipId: a.id, severity: 'info', kind: 'note', message: 'a2' });
        await db.openAlert({ chipId: b.id, severity: 'warning', kind: 'early_warning', message: 'b1' });
        await db.openAlert({ chipId: null, severity: 'critical', kind: 'fleet_breaker', message: 'fleet' });

        expect((await db.listAlerts({ chipId: a.id })).map((x) => x.message).sort()).toEqual(['a1', 'a2']);
        expect(await db.resolveAlerts({ chipId: a.id, kind: 'early_warning' })).toBe(1);
        expect(await db.resolveAlerts({ chipId: a.id, kind: 'early_warning' })).toBe(0);
        expect((await db.listAlerts({ open: true })).map((x) => x.message).sort()).toEqual(['a2', 'b1', 'fleet']);
        expect((await db.listAlerts({ open: false })).map((x) => x.message)).toEqual(['a1']);
        expect(await db.resolveAlerts({ chipId: null })).toBe(1);
        expect(await db.resolveAlerts({ kind: 'early_warning' })).toBe(1);
        expect(await db.resolveAlerts({ chipId: randomUUID() })).toBe(0);
        expect(await db.resolveAlerts({})).toBe(1);
        expect(await db.listAlerts({ open: true })).toEqual([]);
        expect((await db.listAlerts()).every((x) => x.resolved)).toBe(true);
      });

      it('refuses an alert of unknown severity and writes nothing', async () => {
        await expect(db.openAlert({ chipId: null, severity: 'panic' as never, kind: 'k', message: 'm', key: 'k1' })).rejects.toBeInstanceOf(
          InvalidInput,
        );
        await expect(db.openAlert({ chipId: null, severity: 'info', kind: ' ', message: 'm' })).rejects.toBeInstanceOf(InvalidInput);
        expect(await count('warmup_alerts')).toBe(0);
      });
    });

    describe('conversations and turns', () => {
      async function conversation(turns = 4): Promise<{ a: ChipRecord; b: ChipRecord; id: string }> {
        const a = await aSendingChip(db);
        const b = await aSendingChip(db);
        const id = `conv-${randomUUID()}`;
        await db.createConversation({ id, chipA: a.id, chipB: b.id, dialogueId: 'saudacao-01', turns, at: at(5) });
        return { a, b, id };
      }
      async function send(id: string, turn: number, from: ChipRecord, to: ChipRecord): Promise<void> {
        const key = `${id}/${turn}`;
        expect(await db.beginTurn({ key, conversationId: id, turn, senderId: from.id, receiverId: to.id, at: at(5) })).toBe('new');
        await db.completeTurn({ key, providerMessageId: `msg-${turn}`, textLength: 12, at: at(5) });
      }

      it('records a conversation and its pair once, however often it is created', async () => {
        const { a, b, id } = await conversation(3);
        await db.createConversation({ id, chipA: a.id, chipB: b.id, dialogueId: 'saudacao-01', turns: 3, at: at(6) });
        await db.createConversation({ id, chipA: b.id, chipB: a.id, dialogueId: 'other', turns: 9, at: at(6) });
        const rows = await h.sql('select chip_a, chip_b, dialogue_id, turnos, started_at from warmup_conversations');
        expect(rows).toHaveLength(1);
        expect(rows[0]).toMatchObject({ chip_a: a.id, chip_b: b.id, dialogue_id: 'saudacao-01', turnos: 3 });
        const pairs = await h.sql('select chip_a, chip_b, active from warmup_pairs');
        expect(pairs).toEqual([{ chip_a: [a.id, b.id].sort()[0], chip_b: [a.id, b.id].sort()[1], active: true }]);
      });

      it('refuses a conversation across fleets (OutsideFleet) or with itself, writing nothing', async () => {
        const a = await aChip(db, { fleetId: 'ops' });
        const b = await aChip(db, { fleetId: 'lab' });
        const before = await snapshot();
        await expect(
          db.createConversation({ id: 'x1', chipA: a.id, chipB: b.id, dialogueId: 'd', turns: 2, at: at() }),
        ).rejects.toBeInstanceOf(OutsideFleet);
        await expect(
          db.createConversation({ id: 'x2', chipA: a.id, chipB: a.id, dialogueId: 'd', turns: 2, at: at() }),
        ).rejects.toBeInstanceOf(InvalidInput);
        await expect(
          db.createConversation({ id: 'x3', chipA: a.id, chipB: a.id, dialogueId: 'd', turns: 0, at: at() }),
        ).rejects.toBeInstanceOf(InvalidInput);
        expect(await snapshot()).toEqual(before);
      });

      it('claims a turn once: new, then in_flight until completed, then sent', async () => {
        const { a, b, id } = await conversation();
        const turn = { key: `${id}/0`, conversationId: id, turn: 0, senderId: a.id, receiverId: b.id, at: at(5) };
        expect(await db.beginTurn(turn)).toBe('new');
        expect(await db.beginTurn(turn)).toBe('in_flight');
        await db.completeTurn({ key: turn.key, providerMessageId: 'wamid-1', textLength: 20, at: at(5.01) });
        expect(await db.beginTurn(turn)).toBe('sent');
        const rows = await h.sql(
          `select chip_id, tipo, estado, provider_message_id, peer_chip_id, destinatario, metadata from warmup_interactions
           where conversation_id = $1 order by tipo`,
          [id],
        );
        expect(rows).toEqual([
          {
            chip_id: a.id,
            tipo: 'msg_enviada',
            estado: 'sent',
            provider_message_id: 'wamid-1',
            peer_chip_id: b.id,
            destinatario: b.phone,
            metadata: { texto_tamanho: 20 },
          },
          {
            chip_id: b.id,
            tipo: 'msg_recebida',
            estado: null,
            provider_message_id: 'wamid-1',
            peer_chip_id: a.id,
            destinatario: null,
            metadata: { texto_tamanho: 20 },
          },
        ]);
      });

      it('counts a completed turn once, however often completeTurn is repeated', async () => {
        const { a, b, id } = await conversation();
        await db.beginTurn({ key: `${id}/0`, conversationId: id, turn: 0, senderId: a.id, receiverId: b.id, at: at(5) });
        for (let i = 0; i < 3; i += 1) await db.completeTurn({ key: `${id}/0`, providerMessageId: 'm', textLength: 5, at: at(5) });
        expect(await db.getChip(a.id)).toMatchObject({ messagesSent: 1, messagesReceived: 0 });
        expect(await db.getChip(b.id)).toMatchObject({ messagesSent: 0, messagesReceived: 1 });
        expect(await count('warmup_interactions', 'conversation_id = $1', [id])).toBe(2);
      });

      it('keeps counters and reply rates: a message is answered when the next turn comes from the partner', async () => {
        const { a, b, id } = await conversation(4);
        await send(id, 0, a, b); // answered by turn 1
        await send(id, 1, b, a); // answered by turn 2
        await send(id, 2, a, b); // not answered (yet)
        expect(await db.getChip(a.id)).toMatchObject({ messagesSent: 2, messagesReceived: 1, replyRate: 0.5 });
        expect(await db.getChip(b.id)).toMatchObject({ messagesSent: 1, messagesReceived: 2, replyRate: 1 });
        await send(id, 3, a, b); // same sender twice in a row: turn 2 stays unanswered
        expect(await db.getChip(a.id)).toMatchObject({ messagesSent: 3, replyRate: 0.3333 });
      });

      it('counts the answer whichever of two turns completes first', async () => {
        const { a, b, id } = await conversation(2);
        await db.beginTurn({ key: `${id}/0`, conversationId: id, turn: 0, senderId: a.id, receiverId: b.id, at: at(5) });
        await db.beginTurn({ key: `${id}/1`, conversationId: id, turn: 1, senderId: b.id, receiverId: a.id, at: at(5) });
        await db.completeTurn({ key: `${id}/1`, providerMessageId: 'm1', textLength: 3, at: at(5) });
        await db.completeTurn({ key: `${id}/0`, providerMessageId: 'm0', textLength: 3, at: at(5) });
        expect(await db.getChip(a.id)).toMatchObject({ messagesSent: 1, replyRate: 1 });
        expect(await db.getChip(b.id)).toMatchObject({ messagesSent: 1, replyRate: 0 });
      });

      it('refuses turns that do not belong to the conversation, writing nothing', async () => {
        const { a, b, id } = await conversation();
        const stranger = await aChip(db);
        await db.beginTurn({ key: `${id}/0`, conversationId: id, turn: 0, senderId: a.id, receiverId: b.id, at: at(5) });
        const before = await snapshot();
        const refusals: (() => Promise<unknown>)[] = [
          () => db.beginTurn({ key: 'other-key', conversationId: id, turn: 0, senderId: a.id, receiverId: b.id, at: at(5) }),
          () => db.beginTurn({ key: `${id}/1`, conversationId: id, turn: 1, senderId: stranger.id, receiverId: a.id, at: at(5) }),
          () =>
            db.beginTurn({ key: `${id}/1`, conversationId: 'no-such-conversation', turn: 1, senderId: b.id, receiverId: a.id, at: at(5) }),
          () => db.beginTurn({ key: ' ', conversationId: id, turn: 1, senderId: b.id, receiverId: a.id, at: at(5) }),
          () => db.completeTurn({ key: 'never-claimed', providerMessageId: 'm', textLength: 1, at: at(5) }),
        ];
        for (const refusal of refusals) await expect(refusal()).rejects.toBeInstanceOf(InvalidInput);
        expect(await snapshot()).toEqual(before);
      });

      it('finishes a conversation once, and refuses new turns afterwards', async () => {
        const { a, b, id } = await conversation(4);
        await send(id, 0, a, b);
        await db.finishConversation({ conversationId: id, turnsDelivered: 1, outcome: 'failed', at: at(5.1) });
        await db.finishConversation({ conversationId: id, turnsDelivered: 4, outcome: 'completed', at: at(5.2) });
        const [row] = await h.sql('select turnos_entregues, outcome, completed_at from warmup_conversations where id = $1', [id]);
        expect(row).toMatchObject({ turnos_entregues: 1, outcome: 'failed' });
        expect(new Date(row!.completed_at as string).toISOString()).toBe(at(5.1));
        expect(await db.beginTurn({ key: `${id}/0`, conversationId: id, turn: 0, senderId: a.id, receiverId: b.id, at: at(5) })).toBe(
          'sent',
        );
        await expect(
          db.beginTurn({ key: `${id}/1`, conversationId: id, turn: 1, senderId: b.id, receiverId: a.id, at: at(5) }),
        ).rejects.toBeInstanceOf(InvalidInput);
        await expect(
          db.finishConversation({ conversationId: id, turnsDelivered: 1, outcome: 'done' as never, at: at() }),
        ).rejects.toBeInstanceOf(InvalidInput);
        await expect(
          db.finishConversation({ conversationId: 'nope', turnsDelivered: 1, outcome: 'completed', at: at() }),
        ).rejects.toBeInstanceOf(InvalidInput);
      });
    });

    describe('pairing', () => {
      const activePartners = async (chipId: string): Promise<string[]> =>
        (
          await h.sql(
            `select case when chip_a = $1 then chip_b else chip_a end as partner from warmup_pairs
             where active and (chip_a = $1 or chip_b = $1) order by 1`,
            [chipId],
          )
        ).map((r) => String(r.partner));

      it('tops a chip up to 10 partners inside its fleet, and never over', async () => {
        const fleet = await aFleet(db, 13, 'ops');
        const others = await aFleet(db, 2, 'lab');
        const chip = fleet[0]!;
        expect(await db.ensurePairs({ chipId: chip.id, maxPartners: 10, seed: 7 })).toBe(10);
        expect(await db.ensurePairs({ chipId: chip.id, maxPartners: 10, seed: 7 })).toBe(0);
        const partners = await activePartners(chip.id);
        expect(partners).toHaveLength(10);
        expect(partners).not.toContain(chip.id);
        for (const o of others) expect(partners).not.toContain(o.id);
        expect(await count('warmup_pairs', 'chip_a >= chip_b')).toBe(0);
      });

      it('prefers partners in the same phase', async () => {
        const fleet = await aFleet(db, 8);
        const [chip, ...rest] = fleet;
        const samePhase = [chip!, rest[2]!, rest[4]!, rest[6]!];
        for (const c of samePhase)
          await db.promoteChip({ chipId: c.id, from: 'setup', to: 'primeiros_contatos', health: 60, replyRate: 0, at: at(3) });
        expect(await db.ensurePairs({ chipId: chip!.id, maxPartners: 3, seed: 1 })).toBe(3);
        expect(await activePartners(chip!.id)).toEqual(
          samePhase
            .slice(1)
            .map((c) => c.id)
            .sort(),
        );
      });

      it('chooses among equals with a seeded shuffle: same seed, same partners', async () => {
        const [chip] = await aFleet(db, 12);
        const choose = async (seed: number): Promise<string[]> => {
          await h.sql('delete from warmup_pairs');
          await db.ensurePairs({ chipId: chip!.id, maxPartners: 3, seed });
          return activePartners(chip!.id);
        };
        const first = await choose(42);
        expect(await choose(42)).toEqual(first);
        const others = new Set<string>();
        for (const seed of [1, 2, 3, 4, 5]) others.add((await choose(seed)).join());
        expect(others.size).toBeGreaterThan(1);
      });

      it('pairs only warming chips that are themselves under the limit', async () => {
        const [a, b, c, d, e] = await aFleet(db, 5);
        await db.setChipStatus({ chipId: e!.id, status: 'paused', reason: 'x' });
        await db.createConversation({ id: 'b-c', chipA: b!.id, chipB: c!.id, dialogueId: 'd', turns: 2, at: at() });
        // b and c have one partner each (the limit), e is paused: only d is left for a.
        expect(await db.ensurePairs({ chipId: a!.id, maxPartners: 1, seed: 3 })).toBe(1);
        expect(await activePartners(a!.id)).toEqual([d!.id]);
        expect(await db.ensurePairs({ chipId: e!.id, maxPartners: 10, seed: 3 })).toBe(0);
        expect(await activePartners(e!.id)).toEqual([]);
      });

      it('offers active, warming partners under the daily limit, and nothing once the chip reached it', async () => {
        const [a, b, c, d] = await aFleet(db, 4);
        await db.ensurePairs({ chipId: a!.id, maxPartners: 10, seed: 1 });
        await db.setChipStatus({ chipId: d!.id, status: 'paused', reason: 'x' });
        const day = '2025-03-03';
        const candidates = async (chipId: string, onDay = day) =>
          (await partnerCandidates(db, { chipId, day: onDay, maxDailyInteractions: 2 })).map((p) => [p.chipId, p.interactionsToday]);

        expect((await candidates(a!.id)).sort()).toEqual(
          [
            [b!.id, 0],
            [c!.id, 0],
          ].sort(),
        );
        await countPairInteraction(h.sql, { chipA: a!.id, chipB: b!.id, day });
        await countPairInteraction(h.sql, { chipA: c!.id, chipB: b!.id, day });
        expect(await candidates(a!.id)).toEqual([[c!.id, 1]]);
        await countPairInteraction(h.sql, { chipA: a!.id, chipB: c!.id, day });
        expect(await candidates(a!.id)).toEqual([]);
        expect((await candidates(a!.id, '2025-03-04')).sort()).toEqual(
          [
            [b!.id, 0],
            [c!.id, 0],
          ].sort(),
        );

        const nextDay = await partnerCandidates(db, { chipId: b!.id, day: '2025-03-04', maxDailyInteractions: 15 });
        expect(nextDay).toContainEqual({
          chipId: a!.id,
          phone: a!.phone,
          instanceName: a!.instanceName,
          phase: 'setup',
          interactionsToday: 0,
          health: a!.healthScore,
          quarantined: false,
        });
        expect(await count('warmup_daily_interactions', `chip_id = $1 and dia = '2025-03-03'`, [b!.id])).toBe(1);
        expect(await h.sql(`select interacoes from warmup_daily_interactions where chip_id = $1`, [b!.id])).toEqual([{ interacoes: 2 }]);
      });

      it('refuses a malformed day and an interaction across fleets, writing nothing', async () => {
        const a = await aChip(db, { fleetId: 'ops' });
        const b = await aChip(db, { fleetId: 'lab' });
        const before = await snapshot();
        for (const day of ['03/03/2025', '2025-13-01', '2025-02-30', '']) {
          await expect(partnerCandidates(db, { chipId: a.id, day, maxDailyInteractions: 15 })).rejects.toBeInstanceOf(InvalidInput);
        }
        await expect(countPairInteraction(h.sql, { chipA: a.id, chipB: b.id, day: '2025-03-03' })).rejects.toBeInstanceOf(OutsideFleet);
        expect(await snapshot()).toEqual(before);
      });

      it('rotates pairs at least 7 days old and refills with new partners first', async () => {
        const fleet = await aFleet(db, 4);
        expect(await db.rotatePairs({ olderThanDays: 7, maxPartners: 1, at: at(0), seed: 9 })).toEqual({ deactivated: 0, created: 2 });
        const before = new Map<string, string>();
        for (const c of fleet) before.set(c.id, (await activePartners(c.id))[0]!);

        expect(await db.rotatePairs({ olderThanDays: 7, maxPartners: 1, at: at(6.9), seed: 9 })).toEqual({ deactivated: 0, created: 0 });
        expect(await db.rotatePairs({ olderThanDays: 7, maxPartners: 1, at: at(7), seed: 9 })).toEqual({ deactivated: 2, created: 2 });
        for (const c of fleet) {
          const now = await activePartners(c.id);
          expect(now).toHaveLength(1);
          expect(now[0]).not.toBe(before.get(c.id));
        }
        expect(await count('warmup_pairs', 'not active and deactivated_at is not null')).toBe(2);
      });

      it('reuses the same partners when the fleet has no others, and drops pairs of finished chips', async () => {
        const [a, b, c] = await aFleet(db, 3);
        expect(await db.rotatePairs({ olderThanDays: 7, maxPartners: 10, at: at(0), seed: 1 })).toEqual({ deactivated: 0, created: 3 });
        expect(await db.rotatePairs({ olderThanDays: 7, maxPartners: 10, at: at(8), seed: 1 })).toEqual({ deactivated: 3, created: 3 });
        await db.setChipStatus({ chipId: c!.id, status: 'banned', reason: 'provider' });
        expect(await db.rotatePairs({ olderThanDays: 7, maxPartners: 10, at: at(9), seed: 1 })).toEqual({ deactivated: 2, created: 0 });
        expect(await activePartners(a!.id)).toEqual([b!.id]);
        expect(await count('warmup_pairs')).toBe(3);
      });
    });

    describeLastLineContract(() => h);
    describeRoundTripsContract(() => h);

    describe('under concurrency', () => {
      it('counts a turn once and claims it once when retries race', async () => {
        const [a, b] = await aSendingFleet(db, 2);
        await db.createConversation({ id: 'race', chipA: a!.id, chipB: b!.id, dialogueId: 'd', turns: 2, at: at() });
        const claim = { key: 'race/0', conversationId: 'race', turn: 0, senderId: a!.id, receiverId: b!.id, at: at() };
        const claims = await Promise.all(Array.from({ length: 5 }, () => db.beginTurn(claim)));
        expect(claims.filter((c) => c === 'new')).toHaveLength(1);
        expect(claims.filter((c) => c === 'in_flight')).toHaveLength(4);
        await Promise.all(
          Array.from({ length: 5 }, () => db.completeTurn({ key: 'race/0', providerMessageId: 'm', textLength: 1, at: at() })),
        );
        expect(await db.getChip(a!.id)).toMatchObject({ messagesSent: 1 });
        expect(await db.getChip(b!.id)).toMatchObject({ messagesReceived: 1 });
      });

      it('registers one chip when two registrations of the same phone race', async () => {
        const phone = aPhone();
        const results = await Promise.allSettled([
          db.registerChip({ phone, instanceName: 'race-1' }),
          db.registerChip({ phone, instanceName: 'race-2' }),
        ]);
        expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
        const rejected = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
        expect(rejected?.reason).toBeInstanceOf(DuplicateChip);
        expect(await count('warmup_chips')).toBe(1);
      });

      it('keeps every chip within the partner limit when pairings race', async () => {
        const fleet = await aFleet(db, 7);
        await Promise.all(fleet.map((c, i) => db.ensurePairs({ chipId: c.id, maxPartners: 2, seed: i })));
        const busiest = await h.sql(
          `select max(n)::int as n from (select chip, count(*) as n from
             (select chip_a as chip from warmup_pairs where active union all select chip_b from warmup_pairs where active) s
           group by chip) t`,
        );
        expect(busiest[0]?.n).toBe(2);
      });
    });

    describe('provider events', () => {
      it('records events once per key and counts them by kind, window, chip and distinct chips', async () => {
        const [a, b] = await aFleet(db, 2);
        await db.recordProviderEvent({ chipId: a!.id, kind: 'delivery_failed', detail: 'timeout', at: at(1), key: 'evt-1' });
        await db.recordProviderEvent({ chipId: a!.id, kind: 'delivery_failed', detail: 'timeout', at: at(1), key: 'evt-1' });
        await db.recordProviderEvent({ chipId: a!.id, kind: 'delivery_failed', at: at(2) });
        await db.recordProviderEvent({ chipId: b!.id, kind: 'delivery_failed', at: at(2) });
        await db.recordProviderEvent({ chipId: b!.id, kind: 'disconnected', at: at(2) });
        await db.recordProviderEvent({ chipId: b!.id, kind: 'read', at: at(0) });

        expect(await db.countProviderEvents({ kinds: ['delivery_failed'], since: at(0) })).toBe(3);
        expect(await db.countProviderEvents({ kinds: ['delivery_failed'], since: at(1.5) })).toBe(2);
        expect(await db.countProviderEvents({ kinds: ['delivery_failed'], since: at(1) })).toBe(3);
        expect(await db.countProviderEvents({ kinds: ['delivery_failed', 'disconnected'], since: at(0), chipId: b!.id })).toBe(2);
        expect(await db.countProviderEvents({ kinds: ['delivery_failed'], since: at(0), distinctChips: true })).toBe(2);
        expect(await db.countProviderEvents({ kinds: [], since: at(0) })).toBe(0);
        expect(await db.countProviderEvents({ kinds: ['delivery_failed'], since: at(0), fleetId: a!.fleetId, distinctChips: true })).toBe(
          2,
        );
        expect(await db.countProviderEvents({ kinds: ['delivery_failed'], since: at(0), fleetId: 'another-fleet' })).toBe(0);
        const [row] = await h.sql(`select metadata from warmup_interactions where idempotency_key = 'evt-1'`);
        expect(row).toEqual({ metadata: { detail: 'timeout' } });
      });

      it('refuses an unknown event kind and writes nothing', async () => {
        const chip = await aChip(db);
        await expect(db.recordProviderEvent({ chipId: chip.id, kind: 'exploded' as never, at: at() })).rejects.toBeInstanceOf(InvalidInput);
        expect(await count('warmup_interactions')).toBe(0);
      });
    });

    describe('daily summary', () => {
      it('counts chips by status, averages the health of warming chips and counts open alerts', async () => {
        expect(await db.dailySummary()).toEqual({ warming: 0, paused: 0, ready: 0, banned: 0, averageHealth: 0, openAlerts: 0 });
        const [a, b, c, d, e] = await aFleet(db, 5);
        await db.recordHealth({ chipId: a!.id, score: 60, factors: {}, at: at() });
        await db.recordHealth({ chipId: b!.id, score: 75, factors: {}, at: at() });
        await db.recordHealth({ chipId: c!.id, score: 10, factors: {}, at: at() });
        await db.setChipStatus({ chipId: c!.id, status: 'paused', reason: 'x' });
        await db.setChipStatus({ chipId: d!.id, status: 'banned', reason: 'x' });
        let chip = e!;
        for (let i = 0; i + 1 < PHASES.length; i += 1) {
          chip = await db.promoteChip({ chipId: chip.id, from: PHASES[i]!, to: PHASES[i + 1]!, health: 90, replyRate: 0.5, at: at(i + 1) });
        }
        await db.openAlert({ chipId: c!.id, severity: 'warning', kind: 'k', message: 'm' });
        await db.openAlert({ chipId: null, severity: 'info', kind: 'k', message: 'm' });
        await db.resolveAlerts({ chipId: null });
        expect(await db.dailySummary()).toEqual({ warming: 2, paused: 1, ready: 1, banned: 1, averageHealth: 67.5, openAlerts: 1 });
      });
    });
  });
}
