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
});
