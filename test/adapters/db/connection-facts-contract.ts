/**
 * Connection facts and conversations cut short (migration *_cut_short_and_connection_facts), run on
 * PostgreSQL and on the embedded database like the main contract: the new provider facts are recorded
 * once per key and counted apart (the fleet breaker's `disconnected` does not count a drop the provider
 * recovered from), `cut_short` closes a conversation and refuses its later turns, and what the rules
 * do not know is still refused.
 */
import { randomUUID } from 'node:crypto';
import type { Db } from '../../../src/adapters/db/port';
import { InvalidInput } from '../../../src/domain/errors';
import { aSendingChip, at } from '../../helpers/db-fixtures';
import type { DbHarness } from './contract';

export function describeConnectionFactsContract(driver: string, open: () => Promise<DbHarness>): void {
  describe(`Db connection facts and cut-short conversations on ${driver}`, () => {
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

    it('records connection_lost, call and call_fleet once per key and counts them apart from disconnected', async () => {
      const chip = await aSendingChip(db);
      for (const kind of ['connection_lost', 'call', 'call_fleet'] as const) {
        expect(await db.recordProviderEvent({ chipId: chip.id, kind, detail: 'x', at: at(1), key: `${kind}-1` })).toBe(true);
        expect(await db.recordProviderEvent({ chipId: chip.id, kind, detail: 'x', at: at(1), key: `${kind}-1` })).toBe(false);
      }
      await db.recordProviderEvent({ chipId: chip.id, kind: 'call', at: at(2), key: 'call-2' });
      const since = at(0);
      expect(await db.countProviderEvents({ kinds: ['call'], since, chipId: chip.id })).toBe(2);
      expect(await db.countProviderEvents({ kinds: ['call_fleet'], since, chipId: chip.id })).toBe(1);
      expect(await db.countProviderEvents({ kinds: ['connection_lost'], since, chipId: chip.id })).toBe(1);
      expect(await db.countProviderEvents({ kinds: ['disconnected', 'banned'], since, chipId: chip.id })).toBe(0);
      const rows = await h.sql("select tipo, metadata from warmup_interactions where tipo = 'call' order by created_at");
      expect(rows[0]).toMatchObject({ tipo: 'call', metadata: { detail: 'x' } });
    });

    it('still refuses a provider fact of a kind the rules do not know, in the function and in the table', async () => {
      const chip = await aSendingChip(db);
      await expect(db.recordProviderEvent({ chipId: chip.id, kind: 'call_missed' as never, at: at() })).rejects.toBeInstanceOf(
        InvalidInput,
      );
      await expect(h.sql("insert into warmup_interactions (chip_id, tipo) values ($1, 'hangup')", [chip.id])).rejects.toThrow(
        /warmup_interactions_tipo_check/,
      );
    });

    it('closes a conversation as cut_short, once, and refuses its later turns', async () => {
      const a = await aSendingChip(db);
      const b = await aSendingChip(db);
      const id = `conv-${randomUUID()}`;
      await db.createConversation({ id, chipA: a.id, chipB: b.id, dialogueId: 'd', turns: 6, at: at(5) });
      expect(await db.beginTurn({ key: `${id}/0`, conversationId: id, turn: 0, senderId: a.id, receiverId: b.id, at: at(5) })).toBe('new');
      await db.completeTurn({ key: `${id}/0`, providerMessageId: 'm0', textLength: 5, at: at(5) });
      await db.finishConversation({ conversationId: id, turnsDelivered: 1, outcome: 'cut_short', at: at(5.1) });
      await db.finishConversation({ conversationId: id, turnsDelivered: 3, outcome: 'completed', at: at(5.2) });
      const [row] = await h.sql('select turnos_entregues, outcome from warmup_conversations where id = $1', [id]);
      expect(row).toEqual({ turnos_entregues: 1, outcome: 'cut_short' });
      await expect(
        db.beginTurn({ key: `${id}/1`, conversationId: id, turn: 1, senderId: b.id, receiverId: a.id, at: at(5.3) }),
      ).rejects.toBeInstanceOf(InvalidInput);
      await expect(h.sql("update warmup_conversations set outcome = 'paused' where id = $1", [id])).rejects.toThrow(
        /warmup_conversations_outcome_check/,
      );
    });
  });
}
