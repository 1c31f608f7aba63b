/**
 * The outbox of outbound events (migration *_outbound_events), run on PostgreSQL and on the embedded
 * database like the main contract (contract.ts).
 */
import { randomUUID } from 'node:crypto';
import type { Db } from '../../../src/adapters/db/port';
import { alertEventKey, eventIdOf } from '../../../src/activities/events';
import { ChipNotFound, InvalidInput } from '../../../src/domain/errors';
import { aChip, at } from '../../helpers/db-fixtures';
import type { DbHarness } from './contract';

export function describeEventsContract(driver: string, open: () => Promise<DbHarness>): void {
  describe(`Db outbound events on ${driver}`, () => {
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
      await h.sql('truncate warmup_chips, warmup_alerts, warmup_events cascade');
    });

    it('records a fact once: the same key gives the same id and the first payload, with the phone masked', async () => {
      const chip = await aChip(db, { fleetId: 'loja-sp', instanceName: 'loja-sp-01' });
      const fact = {
        key: `promoted:${chip.id}:setup:primeiros_contatos`,
        type: 'chip.promoted' as const,
        chipId: chip.id,
        occurredAt: at(3),
        data: { from: 'setup', to: 'primeiros_contatos' },
      };
      const first = await db.recordEvent(fact);
      expect(first.id).toBe(eventIdOf(fact.key));
      expect(first.payload).toEqual({
        id: first.id,
        type: 'chip.promoted',
        occurredAt: at(3),
        chip: {
          id: chip.id,
          instance: chip.instanceName,
          phone: `***${chip.phone.slice(-4)}`,
          fleetId: 'loja-sp',
          phase: 'setup',
          status: 'warming',
        },
        data: { from: 'setup', to: 'primeiros_contatos' },
      });
      expect(JSON.stringify(first.payload)).not.toContain(chip.phone);
      // The documented order, whatever the driver.
      expect(Object.keys(first.payload)).toEqual(['id', 'type', 'occurredAt', 'chip', 'data']);
      await db.setChipStatus({ chipId: chip.id, status: 'paused', reason: 'x' });
      const again = await db.recordEvent({ ...fact, occurredAt: at(4), data: { other: true } });
      expect(again).toEqual(first);
      const [row] = await h.sql('select count(*)::int as n from warmup_events');
      expect(row!.n).toBe(1);
    });

    it('lists undelivered events oldest first, counts failed attempts, and forgets delivered ones', async () => {
      const chip = await aChip(db);
      const a = await db.recordEvent({ key: 'k-a', type: 'chip.paused', chipId: chip.id, occurredAt: at(1), data: { reason: 'r' } });
      const b = await db.recordEvent({ key: 'k-b', type: 'chip.resumed', chipId: chip.id, occurredAt: at(2), data: {} });
      expect((await db.pendingEvents({})).map((e) => e.id)).toEqual([a.id, b.id]);
      expect((await db.pendingEvents({ type: 'chip.resumed' })).map((e) => e.id)).toEqual([b.id]);
      expect(await db.pendingEvents({ olderThan: new Date(Date.parse(a.createdAt) - 1000).toISOString() })).toEqual([]);

      await db.recordEventAttempt({ eventId: a.id, error: 'event to http://x: answered 503' });
      await db.recordEventAttempt({ eventId: a.id, error: 'no answer' });
      expect(await db.getEvent(a.id)).toMatchObject({ attempts: 2, lastError: 'no answer', deliveredAt: null });

      await db.markEventDelivered({ eventId: a.id, at: at(5) });
      await db.markEventDelivered({ eventId: a.id, at: at(6) });
      expect(await db.getEvent(a.id)).toMatchObject({ deliveredAt: at(5), lastError: null });
      expect((await db.pendingEvents({})).map((e) => e.id)).toEqual([b.id]);
      // Delivered is delivered: recording the fact again does not offer it anew.
      expect((await db.recordEvent({ key: 'k-a', type: 'chip.paused', chipId: chip.id, occurredAt: at(1), data: {} })).deliveredAt).toBe(
        at(5),
      );
      expect(await db.getEvent('evt_none')).toBeNull();
      await expect(db.markEventDelivered({ eventId: 'evt_none', at: at(1) })).rejects.toBeInstanceOf(InvalidInput);
    });

    it('records the event of a stall or a fleet breaker in the alert’s own transaction, once per alert', async () => {
      const chip = await aChip(db, { fleetId: 'f9' });
      const breaker = await db.openAlert({
        chipId: chip.id,
        severity: 'critical',
        kind: 'fleet_breaker',
        message: 'frota f9',
        key: 'fb:f9:1',
      });
      await db.openAlert({ chipId: chip.id, severity: 'critical', kind: 'fleet_breaker', message: 'frota f9', key: 'fb:f9:1' });
      const stalled = await db.openAlert({
        chipId: chip.id,
        severity: 'warning',
        kind: 'chip_stalled',
        message: 'sem parceiros',
        key: 's1',
      });
      await db.openAlert({ chipId: chip.id, severity: 'warning', kind: 'early_warning', message: 'x', key: 'e1' });
      const events = await db.pendingEvents({});
      expect(events.map((e) => [e.id, e.type])).toEqual([
        [eventIdOf(alertEventKey(breaker.id)), 'fleet.breaker'],
        [eventIdOf(alertEventKey(stalled.id)), 'chip.stalled'],
      ]);
      expect(events[0]!.payload.data).toMatchObject({ fleetId: 'f9', message: 'frota f9', severity: 'critical' });
      expect(events[0]!.payload.chip).toMatchObject({ id: chip.id, fleetId: 'f9' });
    });

    it('refuses an unknown type, an empty key and an unknown chip, recording nothing', async () => {
      await expect(
        db.recordEvent({ key: 'k', type: 'chip.exploded' as never, chipId: null, occurredAt: at(1), data: {} }),
      ).rejects.toBeInstanceOf(InvalidInput);
      await expect(db.recordEvent({ key: ' ', type: 'chip.ready', chipId: null, occurredAt: at(1), data: {} })).rejects.toBeInstanceOf(
        InvalidInput,
      );
      await expect(
        db.recordEvent({ key: 'k', type: 'chip.ready', chipId: randomUUID(), occurredAt: at(1), data: {} }),
      ).rejects.toBeInstanceOf(ChipNotFound);
      expect(await db.pendingEvents({})).toEqual([]);
      const fleetWide = await db.recordEvent({ key: 'q', type: 'chip.quarantined', chipId: null, occurredAt: at(1), data: {} });
      expect(fleetWide.payload.chip).toBeNull();
    });
  });
}
