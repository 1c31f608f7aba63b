/**
 * The Db port's console reads and operator audit log (migration *_console_reads_and_operator_actions),
 * run on PostgreSQL and on the embedded database like the main contract (contract.ts).
 */
import { randomUUID } from 'node:crypto';
import type { ChipRecord, Db } from '../../../src/adapters/db/port';
import { ChipNotFound, InvalidInput } from '../../../src/domain/errors';
import { aChip } from '../../helpers/db-fixtures';
import type { DbHarness } from './contract';

const DAY_MS = 86_400_000;

export function describeConsoleReadsContract(driver: string, open: () => Promise<DbHarness>): void {
  describe(`Db console reads on ${driver}`, () => {
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
      await h.sql('truncate warmup_chips, warmup_alerts, warmup_operator_actions cascade');
    });

    /** An instant `days` program days after the chip's registration. */
    const after = (chip: ChipRecord, days: number) => new Date(Date.parse(chip.createdAt) + days * DAY_MS).toISOString();

    async function talk(a: ChipRecord, b: ChipRecord, day: number, turns: number): Promise<string> {
      // The database lets only chips past setup send; these reads do not care about phases, so the
      // chips send from expansao and go back to the phase they had.
      const phases = await h.sql('select id, fase_warmup from warmup_chips where id in ($1, $2)', [a.id, b.id]);
      await h.sql(`update warmup_chips set fase_warmup = 'expansao' where id in ($1, $2)`, [a.id, b.id]);
      const id = await talkInExpansao(a, b, day, turns);
      for (const p of phases) await h.sql('update warmup_chips set fase_warmup = $2 where id = $1', [p.id, p.fase_warmup]);
      return id;
    }

    async function talkInExpansao(a: ChipRecord, b: ChipRecord, day: number, turns: number): Promise<string> {
      const id = `conv-${randomUUID()}`;
      await db.createConversation({ id, chipA: a.id, chipB: b.id, dialogueId: 'saudacao-01', turns, at: after(a, day) });
      for (let turn = 0; turn < turns; turn += 1) {
        const [from, to] = turn % 2 === 0 ? [a, b] : [b, a];
        const key = `${id}/${turn}`;
        await db.beginTurn({ key, conversationId: id, turn, senderId: from.id, receiverId: to.id, at: after(a, day) });
        await db.completeTurn({ key, providerMessageId: `m-${turn}`, textLength: 10, at: after(a, day) });
      }
      await db.finishConversation({ conversationId: id, turnsDelivered: turns, outcome: 'completed', at: after(a, day) });
      return id;
    }

    it('answers ping', async () => {
      await expect(db.ping()).resolves.toBeUndefined();
    });

    it("gives every chip of the fleet with today's counts, open alerts and last health per program day, in one call", async () => {
      const a = await aChip(db, { fleetId: 'f1' });
      const b = await aChip(db, { fleetId: 'f1' });
      const other = await aChip(db, { fleetId: 'f2' });
      await talk(a, b, 1.2, 3); // a sends turns 0 and 2, b sends turn 1
      await talk(a, b, 2.5, 2);
      await db.recordHealth({ chipId: a.id, score: 41, factors: {}, at: after(a, 0.5) });
      await db.recordHealth({ chipId: a.id, score: 44, factors: {}, at: after(a, 1.1) });
      await db.recordHealth({ chipId: a.id, score: 47, factors: {}, at: after(a, 1.9) });
      await db.recordHealth({ chipId: a.id, score: 52, factors: {}, at: after(a, 2.6) });
      await db.openAlert({ chipId: a.id, severity: 'warning', kind: 'x', message: 'm' });

      const rows = await db.fleetOverview({ fleetId: 'f1', dayStart: after(a, 2), dayMs: DAY_MS, days: 2 });
      expect(rows.map((r) => r.chip.id)).toEqual([a.id, b.id]);
      const [ra, rb] = rows;
      expect(ra!.chip).toEqual(await db.getChip(a.id));
      expect([ra!.sentToday, ra!.receivedToday, ra!.openAlerts]).toEqual([1, 1, 1]);
      expect([rb!.sentToday, rb!.receivedToday, rb!.openAlerts]).toEqual([1, 1, 0]);
      // The last two program days only, and the last score of each.
      expect(ra!.healthDays).toEqual([
        { day: 1, health: 47 },
        { day: 2, health: 52 },
      ]);
      expect(rb!.healthDays).toEqual([]);

      const all = await db.fleetOverview({ dayStart: after(a, 0), dayMs: DAY_MS, days: 14 });
      expect(all.map((r) => r.chip.id)).toEqual([a.id, b.id, other.id]);
      expect(all[0]!.sentToday).toBe(3);
    });

    it("tells a chip's story: per-day counts and answers, health, promotions, conversations and actions", async () => {
      const a = await aChip(db);
      const b = await aChip(db);
      const first = await talk(a, b, 0.5, 3);
      const second = await talk(a, b, 3.5, 4);
      await db.recordHealth({ chipId: a.id, score: 45, factors: {}, at: after(a, 3.2) });
      await db.promoteChip({ chipId: a.id, from: 'setup', to: 'primeiros_contatos', health: 45, replyRate: 0.5, at: after(a, 3.3) });
      await db.recordOperatorAction({ chipId: a.id, action: 'pause', actor: 'ana', reason: 'checking', source: 'console' });

      const history = await db.chipHistory({ chipId: a.id, dayMs: DAY_MS, conversations: 10 });
      // Day 0: a sent turns 0 and 2 (turn 0 answered by turn 1), received 1. Day 3: sent 0, 2 (both answered), received 1, 3.
      expect(history.days).toEqual([
        { day: 0, sent: 2, received: 1, replied: 1, health: null },
        { day: 3, sent: 2, received: 2, replied: 2, health: 45 },
      ]);
      expect(history.transitions).toEqual([{ from: 'setup', to: 'primeiros_contatos', health: 45, replyRate: 0.5, at: after(a, 3.3) }]);
      expect(history.conversations.map((c) => [c.id, c.partnerId, c.partnerPhone, c.turns, c.turnsDelivered, c.outcome])).toEqual([
        [second, b.id, b.phone, 4, 4, 'completed'],
        [first, b.id, b.phone, 3, 3, 'completed'],
      ]);
      expect(history.actions.map((x) => [x.action, x.actor, x.reason, x.source])).toEqual([['pause', 'ana', 'checking', 'console']]);
      await expect(db.chipHistory({ chipId: randomUUID(), dayMs: DAY_MS, conversations: 5 })).rejects.toBeInstanceOf(ChipNotFound);
    });

    it('records operator actions (who, when, why) newest first, and refuses incomplete ones', async () => {
      const a = await aChip(db);
      const first = await db.recordOperatorAction({
        chipId: a.id,
        action: 'pause',
        actor: 'console@127.0.0.1',
        reason: '  ',
        source: 'console',
      });
      expect(first.reason).toBeNull();
      expect(Number.isFinite(Date.parse(first.createdAt))).toBe(true);
      await db.recordOperatorAction({ chipId: a.id, action: 'resume', actor: 'cli', source: 'cli' });
      expect((await db.listOperatorActions({ chipId: a.id })).map((x) => x.action)).toEqual(['resume', 'pause']);
      expect(await db.listOperatorActions({ chipId: a.id, limit: 1 })).toHaveLength(1);
      await expect(
        db.recordOperatorAction({ chipId: a.id, action: 'delete' as never, actor: 'x', source: 'console' }),
      ).rejects.toBeInstanceOf(InvalidInput);
      await expect(db.recordOperatorAction({ chipId: a.id, action: 'pause', actor: ' ', source: 'console' })).rejects.toBeInstanceOf(
        InvalidInput,
      );
      await expect(
        db.recordOperatorAction({ chipId: randomUUID(), action: 'pause', actor: 'x', source: 'console' }),
      ).rejects.toBeInstanceOf(ChipNotFound);
      expect(await db.listOperatorActions()).toHaveLength(2);
    });
  });
}
