/**
 * One database round trip per message (part of the Db contract, run on PostgreSQL and PGlite): the
 * combined calls do what the separate ones did, and a refused claim leaves the previous turn to be
 * confirmed on its own.
 */
import { randomUUID } from 'node:crypto';
import type { ChipRecord, Db } from '../../../src/adapters/db/port';
import type { Row } from '../../../src/adapters/db/rows';
import { ChipNotWarming } from '../../../src/domain/errors';
import { aSendingChip, at } from '../../helpers/db-fixtures';

interface Harness {
  db: Db;
  sql(text: string, params?: unknown[]): Promise<Row[]>;
}

const DAY = '2025-03-03';

export function describeRoundTripsContract(get: () => Harness): void {
  describe('one round trip per message', () => {
    const db = () => get().db;
    const sql = (text: string, params?: unknown[]) => get().sql(text, params);
    async function conversation(a: ChipRecord, b: ChipRecord, turns: number): Promise<string> {
      const id = `conv-${randomUUID()}`;
      await db().createConversation({ id, chipA: a.id, chipB: b.id, dialogueId: 'd', turns, at: at(), day: DAY });
      return id;
    }
    const turn = (id: string, n: number, from: ChipRecord, to: ChipRecord) => ({
      key: `${id}/${n}`,
      conversationId: id,
      turn: n,
      senderId: from.id,
      receiverId: to.id,
      at: at(),
      day: DAY,
    });
    const confirmation = (id: string, n: number) => ({ key: `${id}/${n}`, providerMessageId: `wamid-${id}-${n}`, textLength: 4, at: at() });
    const states = async (id: string) =>
      (
        await sql(`select turno, estado from warmup_interactions where conversation_id = $1 and tipo = 'msg_enviada' order by turno`, [id])
      ).map((r) => `${String(r.turno)}:${String(r.estado)}`);

    it('confirms the previous turn with the next claim, and closes with the last confirmation', async () => {
      const a = await aSendingChip(db());
      const b = await aSendingChip(db());
      const id = await conversation(a, b, 3);
      expect(await db().beginTurn(turn(id, 0, a, b))).toBe('new');
      expect(await db().confirmAndClaim({ ...turn(id, 1, b, a), previous: confirmation(id, 0) })).toBe('new');
      expect(await states(id)).toEqual(['0:sent', '1:in_flight']);
      expect(await db().sentMessageExists({ chipId: a.id, providerMessageId: `wamid-${id}-0` })).toBe(true);
      expect(await db().unconfirmedTurnPending({ chipId: b.id, since: at(-1) })).toBe(true);
      expect(await db().unconfirmedTurnPending({ chipId: a.id, since: at(-1) })).toBe(false);
      // A repeated claim (a retried activity) changes nothing and answers as beginTurn does.
      expect(await db().confirmAndClaim({ ...turn(id, 1, b, a), previous: confirmation(id, 0) })).toBe('in_flight');
      expect(await db().confirmAndClaim({ ...turn(id, 2, a, b), previous: confirmation(id, 1) })).toBe('new');
      await db().completeAndFinish({
        confirm: confirmation(id, 2),
        conversationId: id,
        turnsDelivered: 3,
        outcome: 'completed',
        at: at(),
        chipA: a.id,
        chipB: b.id,
        day: DAY,
      });
      expect(await states(id)).toEqual(['0:sent', '1:sent', '2:sent']);
      const [conv] = await sql(`select turnos_entregues, outcome from warmup_conversations where id = $1`, [id]);
      expect(conv).toEqual({ turnos_entregues: 3, outcome: 'completed' });
      // Every send counted once, and both replies.
      const [chipA, chipB] = [await db().getChip(a.id), await db().getChip(b.id)];
      expect([chipA.messagesSent, chipA.messagesReceived, chipB.messagesSent, chipB.messagesReceived]).toEqual([2, 1, 1, 2]);
      expect([chipA.replyRate, chipB.replyRate]).toEqual([0.5, 1]);
      const [pair] = await sql(`select interacoes_total from warmup_pairs where chip_a = $1 or chip_b = $1`, [a.id]);
      expect(pair).toEqual({ interacoes_total: 1 });
    });

    it('a refused claim writes nothing, not even the confirmation it carried', async () => {
      const a = await aSendingChip(db());
      const b = await aSendingChip(db());
      const id = await conversation(a, b, 4);
      await db().beginTurn(turn(id, 0, a, b));
      await db().setChipStatus({ chipId: b.id, status: 'paused', reason: 'test' });
      await expect(db().confirmAndClaim({ ...turn(id, 1, b, a), previous: confirmation(id, 0) })).rejects.toBeInstanceOf(ChipNotWarming);
      expect(await states(id)).toEqual(['0:in_flight']);
    });

    it('tells the planner what each candidate claimed today and whether it is in an open conversation', async () => {
      const a = await aSendingChip(db());
      const b = await aSendingChip(db());
      await db().ensurePairs({ chipId: a.id, maxPartners: 10, seed: 1 });
      const query = { chipId: a.id, day: DAY, maxDailyInteractions: 15, busySince: at(-1) };
      expect(await db().planCandidates(query)).toMatchObject([{ chipId: b.id, claimedToday: 0, inConversation: false }]);
      const id = await conversation(b, a, 4);
      await db().beginTurn(turn(id, 0, b, a));
      expect(await db().planCandidates(query)).toMatchObject([{ chipId: b.id, claimedToday: 1, inConversation: true }]);
      // A conversation older than the longest lease holds nobody.
      expect(await db().planCandidates({ ...query, busySince: at(1) })).toMatchObject([{ chipId: b.id, inConversation: false }]);
      await db().completeAndFinish({
        conversationId: id,
        turnsDelivered: 0,
        outcome: 'aborted',
        at: at(),
        chipA: b.id,
        chipB: a.id,
        day: DAY,
      });
      expect(await db().planCandidates(query)).toMatchObject([{ chipId: b.id, claimedToday: 1, inConversation: false }]);
    });
  });
}
