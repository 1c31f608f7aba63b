/**
 * The profile checklist in the database (migration *_profile_checklist), run on PostgreSQL and on the
 * embedded database: steps recorded idempotently (done stays done, failures counted with their error),
 * names and about texts unique within a fleet whatever the chips ask, the operator's marks audited,
 * and what the rules forbid refused.
 */
import type { Db } from '../../../src/adapters/db/port';
import { InvalidInput } from '../../../src/domain/errors';
import { PROFILE_STEPS } from '../../../src/domain/profile-checklist';
import { aChip, at } from '../../helpers/db-fixtures';
import type { DbHarness } from './contract';

export function describeProfileChecklistContract(driver: string, open: () => Promise<DbHarness>): void {
  describe(`Db profile checklist on ${driver}`, () => {
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

    it('starts with every step to do, records a run, and keeps a done step done', async () => {
      const chip = await aChip(db, { fleetId: 'f1' });
      const start = await db.beginProfileSteps({ chipId: chip.id, nameCandidates: [], aboutCandidates: [] });
      expect(start.fleetId).toBe('f1');
      expect(start.steps.map((s) => s.step)).toEqual([...PROFILE_STEPS]);
      expect(start.steps.every((s) => s.doneAt === null && s.attempts === 0)).toBe(true);
      expect(start.name).toBeNull();

      const after = await db.recordProfileSteps({
        chipId: chip.id,
        results: [
          { step: 'settings', ok: true },
          { step: 'privacy', ok: false, error: 'ProviderUnavailable: HTTP 500' },
        ],
        at: at(),
      });
      const by = new Map(after.map((s) => [s.step, s]));
      expect(by.get('settings')).toMatchObject({ doneBy: 'chip', attempts: 1, lastError: null });
      expect(by.get('privacy')).toMatchObject({ doneAt: null, attempts: 1, lastError: 'ProviderUnavailable: HTTP 500' });

      // A repeat of a done step (a retried activity) leaves its first time; a success clears the error.
      const again = await db.recordProfileSteps({
        chipId: chip.id,
        results: [
          { step: 'settings', ok: false, error: 'late failure' },
          { step: 'privacy', ok: true },
        ],
        at: at(1),
      });
      const by2 = new Map(again.map((s) => [s.step, s]));
      expect(by2.get('settings')!.doneAt).toBe(by.get('settings')!.doneAt);
      expect(by2.get('settings')!.lastError).toBeNull();
      expect(by2.get('privacy')).toMatchObject({ doneBy: 'chip', attempts: 2, lastError: null });
      expect((await db.profileChecklist({ chipId: chip.id })).filter((s) => s.doneAt).length).toBe(2);
    });

    it('gives no two chips of a fleet the same name or about text, and a chip keeps the one it holds', async () => {
      const [a, b] = [await aChip(db, { fleetId: 'f1' }), await aChip(db, { fleetId: 'f1' })];
      const other = await aChip(db, { fleetId: 'f2' });
      const names = ['Ana Silva', 'Bruno Costa'];
      const abouts = ['Disponível', 'Um dia de cada vez'];
      const first = await db.beginProfileSteps({ chipId: a.id, nameCandidates: names, aboutCandidates: abouts });
      const second = await db.beginProfileSteps({ chipId: b.id, nameCandidates: names, aboutCandidates: abouts });
      expect(first).toMatchObject({ name: 'Ana Silva', about: 'Disponível' });
      expect(second).toMatchObject({ name: 'Bruno Costa', about: 'Um dia de cada vez' });
      // Another fleet may use the same texts.
      expect(await db.beginProfileSteps({ chipId: other.id, nameCandidates: names, aboutCandidates: abouts })).toMatchObject({
        name: 'Ana Silva',
      });
      // A retried step claims the same text again, whatever it offers now.
      expect((await db.beginProfileSteps({ chipId: a.id, nameCandidates: ['Zé Novo'], aboutCandidates: [] })).name).toBe('Ana Silva');
      // Nothing left free in the fleet: refused.
      const c = await aChip(db, { fleetId: 'f1' });
      await expect(db.beginProfileSteps({ chipId: c.id, nameCandidates: names, aboutCandidates: [] })).rejects.toBeInstanceOf(InvalidInput);
      // The table itself refuses a duplicate within a fleet, whoever writes it.
      await expect(
        h.sql(`insert into warmup_profile_texts (chip_id, fleet_id, kind, text) values ($1, 'f1', 'name', 'Ana Silva')`, [c.id]),
      ).rejects.toThrow(/unique|duplicate/i);
    });

    it('marks a step done by hand or asks for it again, each audited as an operator action', async () => {
      const chip = await aChip(db);
      const marked = await db.markProfileStep({ chipId: chip.id, step: 'photo', action: 'done', actor: 'ana', source: 'cli' });
      expect(marked.find((s) => s.step === 'photo')).toMatchObject({ doneBy: 'operator' });
      await db.recordProfileSteps({ chipId: chip.id, results: [{ step: 'settings', ok: true }], at: at() });
      const retried = await db.markProfileStep({ chipId: chip.id, step: 'settings', action: 'retry', actor: 'ana', source: 'console' });
      expect(retried.find((s) => s.step === 'settings')).toMatchObject({ doneAt: null, doneBy: null });
      const audit = await db.listOperatorActions({ chipId: chip.id });
      expect(audit.map((a) => [a.action, a.actor, a.reason, a.source])).toEqual([
        ['profile_retry', 'ana', 'perfil: settings', 'console'],
        ['profile_done', 'ana', 'perfil: photo', 'cli'],
      ]);
    });

    it('refuses unknown steps and actions, an operator without a name, and results that are not a list', async () => {
      const chip = await aChip(db);
      await expect(
        db.recordProfileSteps({ chipId: chip.id, results: [{ step: 'banner' as never, ok: true }], at: at() }),
      ).rejects.toBeInstanceOf(InvalidInput);
      await expect(
        db.markProfileStep({ chipId: chip.id, step: 'photo', action: 'undo' as never, actor: 'ana', source: 'cli' }),
      ).rejects.toBeInstanceOf(InvalidInput);
      await expect(
        db.markProfileStep({ chipId: chip.id, step: 'photo', action: 'done', actor: ' ', source: 'cli' }),
      ).rejects.toBeInstanceOf(InvalidInput);
      await expect(h.sql(`select * from warmup_record_profile_steps($1, '[]'::jsonb, now())`, [chip.id])).rejects.toThrow(/InvalidInput/);
      await expect(h.sql(`insert into warmup_profile_steps (chip_id, step) values ($1, 'banner')`, [chip.id])).rejects.toThrow();
      expect((await db.profileChecklist({ chipId: chip.id })).every((s) => s.doneAt === null)).toBe(true);
    });
  });
}
