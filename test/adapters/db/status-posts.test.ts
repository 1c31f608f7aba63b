/**
 * Status posts in the database (migration *_status_posts), on PostgreSQL and on the embedded database:
 * a post is claimed before it goes out and refused over the phase's daily status limit, for a chip that
 * is not warming and with any viewer outside the poster's fleet; without viewers the database names the
 * fleet; a repeated key answers the first claim; sent posts are counted per chip and day.
 */
import { Pool } from 'pg';
import type { ChipRecord, Db } from '../../../src/adapters/db/port';
import { createEmbeddedDb, openEmbeddedSql } from '../../../src/adapters/db/embedded';
import { createPostgresDb } from '../../../src/adapters/db/postgres';
import { ChipNotWarming, DailyCapReached, InvalidInput, OutsideFleet } from '../../../src/domain/errors';
import { PHASES, PHASE_TABLE } from '../../../src/domain/phases';
import { aChip, aSendingChip, at } from '../../helpers/db-fixtures';
import { createScratchDatabase } from '../../helpers/db-scratch';
import type { DbHarness } from './contract';

const DAY = '2025-03-03';
const NEXT = '2025-03-04';

async function embedded(): Promise<DbHarness> {
  const client = openEmbeddedSql();
  return { db: createEmbeddedDb({ client }), sql: (text, params) => client.query(text, params), close: () => client.close() };
}

async function postgres(): Promise<DbHarness> {
  const scratch = await createScratchDatabase();
  const db = createPostgresDb({ databaseUrl: scratch.url });
  const pool = new Pool({ connectionString: scratch.url, max: 2 });
  pool.on('error', () => undefined);
  return {
    db,
    sql: async (text, params) => (await pool.query(text, params)).rows,
    close: async () => {
      await db.close();
      await pool.end();
      await scratch.drop();
    },
  };
}

describe.each([
  ['embedded PGlite', embedded],
  ['PostgreSQL', postgres],
])('status posts on %s', (_driver, open) => {
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

  let seq = 0;
  const claim = (chip: ChipRecord, opts: { day?: string; viewers?: string[]; key?: string } = {}) =>
    db.claimStatusPost({
      key: opts.key ?? `status-${++seq}`,
      chipId: chip.id,
      day: opts.day ?? DAY,
      type: 'text',
      content: 'Bom dia! ☀️',
      at: at(),
      ...(opts.viewers ? { viewers: opts.viewers } : {}),
    });

  it('mirrors dailyStatusCap of the phase table for every phase', async () => {
    for (const phase of PHASES) {
      const [row] = await h.sql('select warmup_phase_status_cap($1) as cap', [phase]);
      expect({ phase, cap: Number(row?.cap) }).toEqual({ phase, cap: PHASE_TABLE[phase].dailyStatusCap });
    }
  });

  it('names the other chips of the fleet when no viewer is given, never another fleet', async () => {
    const poster = await aSendingChip(db, { fleetId: 'f1', phase: 'expansao' });
    const mates = [await aChip(db, { fleetId: 'f1' }), await aSendingChip(db, { fleetId: 'f1' })];
    await aSendingChip(db, { fleetId: 'f2' });
    const answer = await claim(poster);
    expect(answer.state).toBe('new');
    expect([...answer.viewers].sort()).toEqual(mates.map((m) => m.phone).sort());
  });

  it('refuses a viewer outside the fleet, and the poster itself, recording nothing', async () => {
    const poster = await aSendingChip(db, { fleetId: 'f1', phase: 'expansao' });
    const mate = await aSendingChip(db, { fleetId: 'f1' });
    const stranger = await aSendingChip(db, { fleetId: 'f2' });
    await expect(claim(poster, { viewers: [mate.phone, stranger.phone] })).rejects.toBeInstanceOf(OutsideFleet);
    await expect(claim(poster, { viewers: [mate.phone, '5511988887777'] })).rejects.toBeInstanceOf(OutsideFleet);
    await expect(claim(poster, { viewers: [poster.phone] })).rejects.toBeInstanceOf(OutsideFleet);
    expect(Number((await h.sql('select count(*)::int as n from warmup_status_posts'))[0]?.n)).toBe(0);
    expect(await claim(poster, { viewers: [mate.phone] })).toEqual({ state: 'new', viewers: [mate.phone] });
  });

  it("refuses a post over the phase's daily status limit, counted per program day", async () => {
    const early = await aSendingChip(db, { fleetId: 'f1', phase: 'primeiros_contatos' });
    await aSendingChip(db, { fleetId: 'f1' });
    expect((await claim(early)).state).toBe('new');
    await expect(claim(early)).rejects.toBeInstanceOf(DailyCapReached);
    expect((await claim(early, { day: NEXT })).state).toBe('new');
    const later = await aSendingChip(db, { fleetId: 'f1', phase: 'expansao' });
    expect((await claim(later)).state).toBe('new');
    expect((await claim(later)).state).toBe('new');
    await expect(claim(later)).rejects.toBeInstanceOf(DailyCapReached);
  });

  it('refuses a chip in setup (no status posts) and one that is not warming', async () => {
    const inSetup = await aChip(db, { fleetId: 'f1' });
    const paused = await aSendingChip(db, { fleetId: 'f1' });
    await db.setChipStatus({ chipId: paused.id, status: 'paused', reason: 'operador' });
    await expect(claim(inSetup)).rejects.toBeInstanceOf(DailyCapReached);
    await expect(claim(paused)).rejects.toBeInstanceOf(ChipNotWarming);
  });

  it('answers a repeated key with the first claim, settles once, and counts sent posts per day', async () => {
    const poster = await aSendingChip(db, { fleetId: 'f1', phase: 'pre_operacao' });
    const mate = await aSendingChip(db, { fleetId: 'f1' });
    expect((await claim(poster, { key: 'k1' })).state).toBe('new');
    expect(await claim(poster, { key: 'k1' })).toEqual({ state: 'claimed', viewers: [mate.phone] });
    expect(await db.finishStatusPost({ key: 'k1', sent: true, providerMessageId: 'm1', error: null, at: at() })).toBe('sent');
    expect(await db.finishStatusPost({ key: 'k1', sent: false, providerMessageId: null, error: 'late', at: at() })).toBe('sent');
    expect((await claim(poster, { key: 'k1' })).state).toBe('sent');
    expect((await claim(poster, { key: 'k2' })).state).toBe('new');
    expect(await db.finishStatusPost({ key: 'k2', sent: false, providerMessageId: null, error: 'Connection Closed', at: at() })).toBe(
      'failed',
    );
    expect((await claim(poster, { key: 'k3', day: NEXT })).state).toBe('new');
    await db.finishStatusPost({ key: 'k3', sent: true, providerMessageId: 'm3', error: null, at: at() });
    expect(await db.statusPostCounts({ day: DAY })).toEqual([{ chipId: poster.id, today: 1, total: 2 }]);
    expect(await db.statusPostCounts({ day: NEXT, chipId: mate.id })).toEqual([]);
    await expect(db.finishStatusPost({ key: 'nope', sent: true, providerMessageId: null, error: null, at: at() })).rejects.toBeInstanceOf(
      InvalidInput,
    );
  });

  it('answers no_viewers, recording nothing, when the fleet has nobody else', async () => {
    const alone = await aSendingChip(db, { fleetId: 'solo' });
    expect(await claim(alone)).toEqual({ state: 'no_viewers', viewers: [] });
    expect(Number((await h.sql('select count(*)::int as n from warmup_status_posts'))[0]?.n)).toBe(0);
  });
});
