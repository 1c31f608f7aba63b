import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createDb } from '../../../src/adapters/db';
import { createEmbeddedDb, openEmbeddedSql } from '../../../src/adapters/db/embedded';
import { aChip } from '../../helpers/db-fixtures';
import { describeConnectionFactsContract } from './connection-facts-contract';
import { describeConsoleReadsContract } from './console-contract';
import { describeDbContract } from './contract';
import { describeEventsContract } from './events-contract';
import { describeGroupsContract } from './groups-contract';
import { describeStandingContract } from './standing-contract';

describeDbContract('embedded PGlite', async () => {
  const client = openEmbeddedSql();
  return { db: createEmbeddedDb({ client }), sql: (text, params) => client.query(text, params), close: () => client.close() };
});

describeConsoleReadsContract('embedded PGlite', async () => {
  const client = openEmbeddedSql();
  return { db: createEmbeddedDb({ client }), sql: (text, params) => client.query(text, params), close: () => client.close() };
});

describeEventsContract('embedded PGlite', async () => {
  const client = openEmbeddedSql();
  return { db: createEmbeddedDb({ client }), sql: (text, params) => client.query(text, params), close: () => client.close() };
});

describeStandingContract('embedded PGlite', async () => {
  const client = openEmbeddedSql();
  return { db: createEmbeddedDb({ client }), sql: (text, params) => client.query(text, params), close: () => client.close() };
});

// Closed groups of the fleet (migration *_fleet_groups).
describeGroupsContract('embedded PGlite', async () => {
  const client = openEmbeddedSql();
  return { db: createEmbeddedDb({ client }), sql: (text, params) => client.query(text, params), close: () => client.close() };
});

describeConnectionFactsContract('embedded PGlite', async () => {
  const client = openEmbeddedSql();
  return { db: createEmbeddedDb({ client }), sql: (text, params) => client.query(text, params), close: () => client.close() };
});

describe('embedded database on disk', () => {
  it('keeps its data and its applied migrations across restarts in the data directory', async () => {
    const dataDir = path.join(mkdtempSync(path.join(tmpdir(), 'warmer-db-')), 'data');
    try {
      const first = createDb({ dataDir });
      expect((await first.migrate()).length).toBeGreaterThan(0);
      const chip = await aChip(first);
      await first.close();

      const second = createDb({ dataDir });
      expect(await second.migrate()).toEqual([]);
      expect(await second.getChip(chip.id)).toEqual(chip);
      await second.close();
    } finally {
      rmSync(path.dirname(dataDir), { recursive: true, force: true });
    }
  });

  it('starts from a snapshot with its data and its applied migrations, leaving the snapshot as it was', async () => {
    const file = path.join(mkdtempSync(path.join(tmpdir(), 'warmer-snap-')), 'db.tar');
    try {
      const client = openEmbeddedSql();
      const first = createEmbeddedDb({ client });
      expect((await first.migrate()).length).toBeGreaterThan(0);
      const chip = await aChip(first);
      await client.snapshot(file);
      await client.close();

      for (let i = 0; i < 2; i++) {
        const copy = openEmbeddedSql(undefined, { snapshot: file });
        const db = createEmbeddedDb({ client: copy });
        expect(await db.migrate()).toEqual([]);
        expect(await db.getChip(chip.id)).toEqual(chip);
        // A copy's writes stay its own: the next copy starts from the snapshot again.
        await expect(aChip(db, { phone: '5511977770000', instanceName: `copy-${i}` })).resolves.toBeTruthy();
        expect((await db.listChips({})).length).toBe(2);
        await copy.close();
      }
    } finally {
      rmSync(path.dirname(file), { recursive: true, force: true });
    }
  });
});
