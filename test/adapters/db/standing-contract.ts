/**
 * The adaptive ramp and quarantine in the database (migration *_adaptive_ramp_quarantine), run on
 * PostgreSQL and on the embedded database like the main contract: the last line's cap check uses the
 * sender's effective cap of the turn's day, a turn to a paused, banned or retired receiver is refused,
 * and partner candidates carry their standing.
 */
import { randomUUID } from 'node:crypto';
import type { ChipRecord, Db } from '../../../src/adapters/db/port';
import { DailyCapReached, InvalidInput, ReceiverNotWarming } from '../../../src/domain/errors';
import { PHASES } from '../../../src/domain/phases';
import { type RampState, effectiveCap } from '../../../src/domain/ramp';
import { aSendingChip, at, partnerCandidates } from '../../helpers/db-fixtures';
import type { DbHarness } from './contract';

const DAY = '2025-03-03';
const NEXT = '2025-03-04';
const AFTER = '2025-03-05';

export function describeStandingContract(driver: string, open: () => Promise<DbHarness>): void {
  describe(`Db adaptive ramp and quarantine on ${driver}`, () => {
    let h: DbHarness;
    let db: Db;
    beforeAll(async () => {
      h = await open();
      db = h.db;
      await db.migrate();
    });
    afterAll(async () => {
      await h?.close();
    });
    beforeEach(async () => {
      await h.sql('truncate warmup_chips cascade');
    });

    async function conversation(a: ChipRecord, b: ChipRecord, turns: number, day = DAY): Promise<string> {
      const id = `conv-${randomUUID()}`;
      await db.createConversation({ id, chipA: a.id, chipB: b.id, dialogueId: 'd', turns, at: at(), day });
      return id;
    }
    const claim = (id: string, turn: number, from: ChipRecord, to: ChipRecord, day?: string) =>
      db.beginTurn({ key: `${id}/${turn}`, conversationId: id, turn, senderId: from.id, receiverId: to.id, at: at(), day });
    const claims = async () => Number((await h.sql('select count(*)::int as n from warmup_interactions'))[0]?.n);
    const ramp = (chip: ChipRecord, level: number, day: string | null, reason = '3 falhas de entrega') =>
      db.recordStanding({
        chipId: chip.id,
        rampLevel: level,
        rampDay: day,
        rampReason: day ? reason : null,
        quarantined: day !== null,
        quarantineReason: day ? `alerta recente: ${reason}` : null,
        at: at(),
      });

    it('computes the effective cap as src/domain/ramp.ts does, for every phase, level and day', async () => {
      const days = ['2025-03-02', DAY, NEXT, AFTER, '2025-03-06', '2025-03-07'];
      for (const phase of PHASES) {
        for (const level of [0, 1, 2]) {
          const state: RampState = { level, signDay: DAY, reason: 'x', kind: 'delivery_failures' };
          const rows = await h.sql(
            'select d::text as day, warmup_ramp_cap($1, $2, $3::date, d) as cap from unnest($4::date[]) as d order by d',
            [phase, level, DAY, days],
          );
          expect(rows.map((r) => [String(r.day).slice(0, 10), Number(r.cap)])).toEqual(
            days.map((d) => [d, effectiveCap(phase, level === 0 ? null : state, d)]),
          );
        }
      }
    });

    it("refuses the send past the sender's effective cap of that day (DailyCapReached), and the phase cap once it recovered", async () => {
      const a = await aSendingChip(db, { phase: 'expansao' });
      const b = await aSendingChip(db, { phase: 'expansao' });
      expect(await ramp(a, 1, DAY)).toBe(true);
      // 75% of 30 on the sign day and the next: 22 claims, the 23rd refused.
      for (const day of [DAY, NEXT]) {
        const id = await conversation(a, b, 30, day);
        for (let turn = 0; turn < 22; turn++) expect(await claim(id, turn, a, b, day)).toBe('new');
        await expect(claim(id, 22, a, b, day)).rejects.toThrow(DailyCapReached);
        await expect(claim(id, 22, a, b, day)).rejects.toThrow(/22 of its 22 sends on .* \(phase cap 30\)/);
      }
      // After a clean day the phase cap again; the partner, with no ramp, always had it.
      const id = await conversation(a, b, 30, AFTER);
      for (let turn = 0; turn < 30; turn++) expect(await claim(id, turn, a, b, AFTER)).toBe('new');
      await expect(claim(id, 0, b, a, DAY)).resolves.toBe('in_flight');
      expect(await claims()).toBe(22 + 22 + 30);
    });

    it('refuses a turn to a receiver that is paused, banned or retired (ReceiverNotWarming), writing nothing', async () => {
      const a = await aSendingChip(db);
      for (const status of ['paused', 'banned', 'retired'] as const) {
        const b = await aSendingChip(db);
        const id = await conversation(a, b, 4);
        await db.setChipStatus({ chipId: b.id, status, reason: 'operador' });
        await expect(claim(id, 0, a, b)).rejects.toThrow(ReceiverNotWarming);
        await expect(claim(id, 0, a, b)).rejects.toThrow(new RegExp(`chip ${b.id} is ${status}`));
        if (status === 'paused') {
          // Warming again (an operator's resume): the turn goes through.
          await db.setChipStatus({ chipId: b.id, status: 'warming', reason: null });
          expect(await claim(id, 0, a, b)).toBe('new');
        }
      }
      expect(await claims()).toBe(1);
    });

    it('records the standing: entering quarantine is said once, leaving it clears the reason', async () => {
      const a = await aSendingChip(db, { phase: 'expansao' });
      expect(await ramp(a, 1, DAY)).toBe(true);
      expect(await ramp(a, 2, NEXT)).toBe(false);
      const [row] = await h.sql(
        'select ramp_level, ramp_dia::text as ramp_dia, ramp_motivo, quarentena, quarentena_motivo from warmup_chips where id = $1',
        [a.id],
      );
      expect(row).toMatchObject({ ramp_level: 2, quarentena: true, quarentena_motivo: 'alerta recente: 3 falhas de entrega' });
      expect(String(row!.ramp_dia).slice(0, 10)).toBe(NEXT);
      const standings = await db.chipStandings({ day: AFTER });
      expect(standings).toEqual([
        expect.objectContaining({
          chipId: a.id,
          capToday: 15,
          phaseCap: 30,
          rampDay: NEXT,
          quarantined: true,
          rampReason: '3 falhas de entrega',
        }),
      ]);
      expect(await ramp(a, 0, null)).toBe(false);
      expect(await db.chipStandings({ day: AFTER })).toEqual([]);
      await expect(
        db.recordStanding({
          chipId: a.id,
          rampLevel: 3,
          rampDay: DAY,
          rampReason: 'x',
          quarantined: false,
          quarantineReason: null,
          at: at(),
        }),
      ).rejects.toThrow(InvalidInput);
    });

    it('lists partner candidates with their health and quarantine', async () => {
      const a = await aSendingChip(db, { phase: 'expansao' });
      const b = await aSendingChip(db, { phase: 'expansao' });
      const c = await aSendingChip(db, { phase: 'expansao' });
      await db.ensurePairs({ chipId: a.id, maxPartners: 10, seed: 1 });
      await db.recordHealth({ chipId: b.id, score: 72, factors: {}, at: at() });
      await ramp(c, 1, DAY);
      const candidates = await partnerCandidates(db, { chipId: a.id, day: DAY, maxDailyInteractions: 15 });
      expect(candidates.map((x) => [x.chipId, x.health, x.quarantined]).sort()).toEqual(
        [
          [b.id, 72, false],
          [c.id, expect.any(Number), true],
        ].sort(),
      );
    });
  });
}
